// Two replicas, each talking to AWS through its own proxy (so the AWS call log says who made
// each call): the follower makes no AWS call while the other leads; after the leader is killed
// (no lease release) the follower takes over within the lease time, and the two replicas'
// AWS calls never overlap in time — no key is reconciled by both at once.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ControllerProcess, metricValue, startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { waitFor } from '../env/ports.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { Kube, uniqueName } from '../integration/helpers.ts';
import { keepLogs, pairObj, pairSpec, record, seedBoth } from './harness.ts';

const NS = 'rel-leader';
let stack: Stack;
let kube: Kube;
const proxies: FaultProxy[] = [];
const procs: ControllerProcess[] = [];

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
});
after(async () => {
  for (const [i, p] of procs.entries()) {
    keepLogs(`leader-${i}`, p.logs());
    await p.kill();
  }
  for (const p of proxies) await p.stop();
  await kube.purge('RegionPair', NS);
  await stack.stop();
});

const leads = async (c: ControllerProcess) => metricValue(await (await fetch(c.metricsUrl)).text(), 'multiregion_leader') === 1;

test('leader killed: the follower takes over within the lease, and their AWS calls never overlap', async () => {
  const [east, west] = await seedBoth(stack.motoEndpoint);
  const start = async () => {
    const p = new FaultProxy(stack.motoEndpoint);
    await p.start();
    proxies.push(p);
    const c = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: p.endpoint, args: [`--leader-election-namespace=${NS}`] });
    procs.push(c);
    return { p, c };
  };
  const a = await start();
  await waitFor('A leads', () => leads(a.c), 30_000);
  const b = await start();
  const name = uniqueName('handover');
  await kube.apply(pairObj(NS, name, pairSpec(east, west)));
  await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
  assert.equal(b.p.calls.length, 0, 'the follower made no AWS call while A led');

  await a.c.kill();
  const killedAt = Date.now();
  await waitFor('B leads', () => leads(b.c), 30_000, 200);
  const takeover = Date.now() - killedAt;
  await kube.mergePatch({ kind: 'RegionPair', namespace: NS, name }, { spec: { secondary: { cidrs: ['10.1.0.0/16', '10.9.0.0/16'] } } });
  await kube.waitFor(
    'RegionPair',
    NS,
    name,
    'generation 2 Ready',
    (o) => o.status?.observedGeneration === 2 && o.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'),
    90_000,
  );
  const lastA = Math.max(...a.p.calls.map((c) => c.at));
  const firstB = Math.min(...b.p.calls.map((c) => c.at));
  record({
    file: 'leader-handover',
    lostUpdates: 0,
    note: `takeover ${takeover} ms after SIGKILL (lease 15 s); A's last AWS call ${firstB - lastA} ms before B's first`,
  });
  assert.ok(takeover <= 20_000, `takeover took ${takeover} ms`);
  assert.ok(lastA < firstB, `A's last call (${lastA}) precedes B's first (${firstB})`);
  assert.ok(b.p.calls.length > 0, 'B did the spec change');
});
