// Crash matrix: for every mutating AWS call a RegionPair makes while converging and while
// deleting (discovered from a clean run's call log), the controller is SIGKILLed right after
// AWS applied the call and before it saw the answer; a new process must converge without
// duplicates, and deleting must leave nothing behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getStack, type Stack } from '../env/stack.ts';
import { startController, type ControllerProcess } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { Kube, uniqueName } from '../integration/helpers.ts';
import { CANARY, REGIONS, census, duplicates, expectedPerRegion, keepLogs, leaks, pairObj, pairSpec, record, seedBoth } from './harness.ts';

const NS = 'rel-crash';
const MUTATING = /^(Create|Delete|Associate|Disassociate|Accept|Put|Modify|Replace|Enable|Disable)/;
let stack: Stack;
let kube: Kube;
let proxy: FaultProxy;
let ctrl: ControllerProcess | undefined;

const start = async () => {
  ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath, awsEndpoint: proxy.endpoint,
    // No leader election: a SIGKILLed leader's Lease would make every restart wait 15 s.
    args: ['--leader-elect=false'],
    env: { AWS_SECRET_ACCESS_KEY: CANARY.secretKey, AWS_SESSION_TOKEN: CANARY.sessionToken },
  });
  return ctrl;
};
const retire = (c: ControllerProcess | undefined, label: string) => { if (c) keepLogs(label, c.logs()); };
// MRC_CRASH_ONLY=op1,op2 narrows the matrix while debugging one point.
const only = (p: string) => !process.env.MRC_CRASH_ONLY || process.env.MRC_CRASH_ONLY.split(',').some((o) => p.endsWith(o));
const key = (c: { service: string; operation: string }) => `${c.service}:${c.operation}`;

async function fresh(): Promise<void> {
  proxy.clear();
  proxy.calls.length = 0;
  await kube.purge('RegionPair', NS);
  await stack.resetMoto();
}

async function auditConverged(name: string): Promise<string[]> {
  const bad: string[] = [];
  for (const r of REGIONS) bad.push(...duplicates(await census(stack.motoEndpoint, r, { owner: `${NS}/${name}` }), expectedPerRegion(r)).map((d) => `${r} ${d}`));
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
});
after(async () => {
  retire(ctrl, 'crash-matrix');
  await ctrl?.stop();
  await proxy.stop();
  await stack.stop();
});

describe('RegionPair crash matrix', () => {
  const converge: string[] = [];
  const deletion: string[] = [];
  const results: Array<{ point: string; phase: string; duplicates: string[]; leaks: string[]; error?: string }> = [];

  test('a clean run lists the mutating calls of converge and delete', async () => {
    await fresh();
    const [east, west] = await seedBoth(stack.motoEndpoint);
    await start();
    const name = uniqueName('clean');
    await kube.apply(pairObj(NS, name, pairSpec(east, west)));
    await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
    const split = proxy.calls.length;
    await kube.delete('RegionPair', NS, name);
    await kube.waitGone('RegionPair', NS, name, 90_000);
    const uniq = (xs: string[]) => [...new Set(xs)];
    converge.push(...uniq(proxy.calls.slice(0, split).filter((c) => MUTATING.test(c.operation)).map(key)));
    deletion.push(...uniq(proxy.calls.slice(split).filter((c) => MUTATING.test(c.operation)).map(key)));
    assert.deepEqual(await auditDeleted(), []);
    for (const op of ['ec2:CreateTransitGateway', 'ec2:CreateTransitGatewayPeeringAttachment', 'ec2:AcceptTransitGatewayPeeringAttachment', 'ec2:CreateFlowLogs'])
      assert.ok(converge.includes(op), `clean converge calls ${op}: ${converge.join(',')}`);
    assert.ok(deletion.includes('ec2:DeleteTransitGateway'), `clean delete calls DeleteTransitGateway: ${deletion.join(',')}`);
    console.log(`# crash points: converge ${converge.join(' ')} | delete ${deletion.join(' ')}`);
  });

  test('killed right after each converge call: restarts to Ready with no duplicate, deletes without leak', async (t) => {
    for (const point of converge.filter(only)) {
      await t.test(point, async () => {
        await fresh();
        const [east, west] = await seedBoth(stack.motoEndpoint);
        const victim = ctrl ?? await start();
        const [service, operation] = point.split(':') as [string, string];
        proxy.add({ service, operation, kind: 'applyThenDrop', times: 1, hook: () => victim.kill() });
        const name = uniqueName('crash');
        await kube.apply(pairObj(NS, name, pairSpec(east, west)));
        await Promise.race([victim.exited, new Promise((_, rej) => setTimeout(() => rej(new Error(`${point} never called`)), 60_000))]);
        retire(victim, `crash-${operation}`);
        await start();
        const res = { point, phase: 'converge', duplicates: [] as string[], leaks: [] as string[] };
        results.push(res);
        await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
        res.duplicates = await auditConverged(name);
        await kube.delete('RegionPair', NS, name);
        await kube.waitGone('RegionPair', NS, name, 90_000);
        res.leaks = await auditDeleted();
        assert.deepEqual(res.duplicates, [], `${point}: duplicates`);
        assert.deepEqual(res.leaks, [], `${point}: leaks`);
      });
    }
  });

  test('killed right after each delete call: a restarted controller finishes the delete without leak', async (t) => {
    for (const point of deletion.filter(only)) {
      await t.test(point, async () => {
        await fresh();
        const [east, west] = await seedBoth(stack.motoEndpoint);
        const victim = ctrl ?? await start();
        const name = uniqueName('crashdel');
        await kube.apply(pairObj(NS, name, pairSpec(east, west)));
        await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
        const [service, operation] = point.split(':') as [string, string];
        proxy.add({ service, operation, kind: 'applyThenDrop', times: 1, hook: () => victim.kill() });
        await kube.delete('RegionPair', NS, name);
        await Promise.race([victim.exited, new Promise((_, rej) => setTimeout(() => rej(new Error(`${point} never called`)), 60_000))]);
        retire(victim, `crashdel-${operation}`);
        await start();
        const res = { point, phase: 'delete', duplicates: [] as string[], leaks: [] as string[] };
        results.push(res);
        await kube.waitGone('RegionPair', NS, name, 90_000);
        res.leaks = await auditDeleted();
        assert.deepEqual(res.leaks, [], `${point}: leaks`);
      });
    }
  });

  after(() => {
    record({
      file: 'crash-matrix',
      crashPoints: results.length,
      duplicates: results.reduce((n, r) => n + r.duplicates.length, 0),
      leaks: results.reduce((n, r) => n + r.leaks.length, 0),
      faults: { crashAfterApply: results.length },
      note: `converge points ${converge.length}, delete points ${deletion.length}; failed: ${results.filter((r) => r.duplicates.length || r.leaks.length).map((r) => r.point).join(',') || 'none'}`,
    });
  });
});
