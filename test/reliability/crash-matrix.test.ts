// Crash matrix: for every mutating AWS call a RegionPair makes while converging and while
// deleting (discovered from a clean run's call log), the controller is SIGKILLed right after
// AWS applied the call and before it saw the answer; a new process must converge without
// duplicates, and deleting must leave nothing behind.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FaultProxy } from '../env/fault-proxy.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { Kube, uniqueName } from '../integration/helpers.ts';
import { CrashKit, type CrashResult, crashRounds, failedPoints, mutatingPoints, recordCrashMatrix } from './crash-kit.ts';
import { census, duplicates, expectedPerRegion, leaks, pairObj, pairSpec, REGIONS, seedBoth } from './harness.ts';

const NS = 'rel-crash';
let stack: Stack;
let kube: Kube;
let proxy: FaultProxy;
let kit: CrashKit;

async function fresh(): Promise<void> {
  proxy.clear();
  proxy.calls.length = 0;
  await kube.purge('RegionPair', NS);
  await stack.resetMoto();
}

async function auditConverged(name: string): Promise<string[]> {
  const bad: string[] = [];
  for (const r of REGIONS)
    bad.push(...duplicates(await census(stack.motoEndpoint, r, { owner: `${NS}/${name}` }), expectedPerRegion(r)).map((d) => `${r} ${d}`));
  return bad;
}
async function auditDeleted(): Promise<string[]> {
  const bad: string[] = [];
  // Unfiltered by owner: after delete nothing of any TGW of ours may remain, tagged or not.
  for (const r of REGIONS) bad.push(...leaks(await census(stack.motoEndpoint, r)).map((d) => `${r} ${d}`));
  return bad;
}

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  kit = new CrashKit({ kubeconfigPath: stack.kubeconfigPath, proxy, label: 'crash' });
});
after(async () => {
  await kit.stop();
  await proxy.stop();
  await stack.stop();
});

describe('RegionPair crash matrix', () => {
  const converge: string[] = [];
  const deletion: string[] = [];
  const results: CrashResult[] = [];

  test('a clean run lists the mutating calls of converge and delete', async () => {
    await fresh();
    const [east, west] = await seedBoth(stack.motoEndpoint);
    await kit.current();
    const name = uniqueName('clean');
    await kube.apply(pairObj(NS, name, pairSpec(east, west)));
    await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
    const split = proxy.calls.length;
    await kube.delete('RegionPair', NS, name);
    await kube.waitGone('RegionPair', NS, name, 90_000);
    converge.push(...mutatingPoints(proxy.calls.slice(0, split)));
    deletion.push(...mutatingPoints(proxy.calls.slice(split)));
    assert.deepEqual(await auditDeleted(), []);
    for (const op of [
      'ec2:CreateTransitGateway',
      'ec2:CreateTransitGatewayPeeringAttachment',
      'ec2:AcceptTransitGatewayPeeringAttachment',
      'ec2:CreateFlowLogs',
    ])
      assert.ok(converge.includes(op), `clean converge calls ${op}: ${converge.join(',')}`);
    assert.ok(deletion.includes('ec2:DeleteTransitGateway'), `clean delete calls DeleteTransitGateway: ${deletion.join(',')}`);
    console.log(`# crash points: converge ${converge.join(' ')} | delete ${deletion.join(' ')}`);
  });

  test('killed right after each converge call and each delete call: restarts, converges without duplicates, deletes without leak', async (t) => {
    let name = '';
    await crashRounds(
      t,
      kit,
      { converge, delete: deletion },
      {
        fresh: async () => {
          await fresh();
          name = uniqueName('crash');
          return seedBoth(stack.motoEndpoint);
        },
        apply: ([east, west]) => kube.apply(pairObj(NS, name, pairSpec(east, west))),
        converged: async () => {
          await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
          return auditConverged(name);
        },
        delete: () => kube.delete('RegionPair', NS, name),
        gone: async () => {
          await kube.waitGone('RegionPair', NS, name, 90_000);
          return auditDeleted();
        },
      },
      results,
    );
  });

  after(() =>
    recordCrashMatrix(
      'crash-matrix',
      results,
      `converge points ${converge.length}, delete points ${deletion.length}; failed: ${failedPoints(results, (r) => r.point)}`,
    ),
  );
});
