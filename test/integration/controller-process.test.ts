// The controller as a process: leader election between two replicas (only the leader
// reconciles; the other takes over when the leader stops or dies), graceful shutdown, health.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import { type ControllerProcess, metricValue, startController } from '../env/controller.ts';
import { waitFor } from '../env/ports.ts';
import { seedVpc } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { Kube, uniqueName } from './helpers.ts';

const NS = 'process-tests';
let stack: Stack;
let kube: Kube;
const procs: ControllerProcess[] = [];

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  await stack.resetMoto();
});
after(async () => {
  for (const p of procs) await p.kill();
  await stack.stop();
});

const leader = async (c: ControllerProcess) => metricValue(await (await fetch(c.metricsUrl)).text(), 'multiregion_leader');
const reconciles = async (c: ControllerProcess) => {
  const page = await (await fetch(c.metricsUrl)).text();
  return page
    .split('\n')
    .filter((l) => l.startsWith('multiregion_reconcile_total{'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
};
const lease = () =>
  kubeRequest<{ spec: { holderIdentity?: string } }>(stack.kc, {
    method: 'GET',
    path: `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/multiregion-controller`,
  });

test('two replicas: only the leader reconciles; SIGTERM releases the lease and the other takes over at once; after SIGKILL within the lease time', async () => {
  const args = [`--leader-election-namespace=${NS}`];
  const a = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint, args });
  procs.push(a);
  await waitFor('replica A leads', async () => (await leader(a)) === 1, 30_000);
  const b = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint, args });
  procs.push(b);
  const [east, west] = await Promise.all([
    seedVpc({ endpoint: stack.motoEndpoint }, 'us-east-1', '10.0.0.0/16'),
    seedVpc({ endpoint: stack.motoEndpoint }, 'us-west-2', '10.1.0.0/16'),
  ]);
  const name = uniqueName('le');
  await kube.apply({
    apiVersion: 'multiregion.dev/v1alpha1',
    kind: 'RegionPair',
    metadata: { name, namespace: NS, annotations: { 'multiregion.dev/dry-run': 'true' } },
    spec: {
      primary: { region: 'us-east-1', vpcAttachments: [{ vpcId: east.vpcId, subnetIds: east.subnetIds }], cidrs: ['10.0.0.0/16'] },
      secondary: { region: 'us-west-2', vpcAttachments: [{ vpcId: west.vpcId, subnetIds: west.subnetIds }], cidrs: ['10.1.0.0/16'] },
    },
  });
  await kube.waitCondition('RegionPair', NS, name, 'Synced', 'True', 'DryRun', 60_000);
  assert.equal(await leader(b), 0, 'B is a follower');
  assert.ok((await reconciles(a)) >= 1, 'A reconciled');
  assert.equal(await reconciles(b), 0, 'B did not reconcile anything');
  assert.ok(!b.logs().includes('"message":"aws call"'), 'B made no AWS call');

  // Graceful shutdown: exit 0, lease released, B leads within a couple of retry periods.
  const stoppedAt = Date.now();
  assert.equal(await a.stop(), 0, `A exits 0 on SIGTERM:\n${a.logs().slice(-2000)}`);
  assert.match(a.logs(), /"message":"stopped"/);
  await waitFor('B takes over', async () => (await leader(b)) === 1, 10_000, 100);
  const takeover = Date.now() - stoppedAt;
  assert.ok(takeover < 8_000, `takeover after a graceful stop took ${takeover} ms`);

  // Crash: no release; a new replica takes over once the 15 s lease has expired.
  const c = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint, args });
  procs.push(c);
  const holder = (await lease()).spec.holderIdentity;
  await b.kill();
  const killedAt = Date.now();
  await waitFor('C takes over', async () => (await leader(c)) === 1, 30_000, 200);
  const crashTakeover = Date.now() - killedAt;
  assert.ok(crashTakeover <= 15_000 + 2_000 + 3_000, `takeover after a crash took ${crashTakeover} ms (lease 15 s)`);
  assert.notEqual((await lease()).spec.holderIdentity, holder);

  // health endpoints answer without detail about objects or credentials
  const h = await fetch(`${c.healthUrl}/readyz`);
  assert.equal(h.status, 200);
  assert.doesNotMatch(await h.text(), /secret|token|arn:aws/i);
  await c.stop();
  await kube.purge('RegionPair', NS);
});
