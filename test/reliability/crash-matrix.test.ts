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
import { CANARY, REGIONS, census, duplicates, expectedPerRegion, keepLogs, leaks, pairObj, pairSpec, seedBoth } from './harness.ts';
import { failedPoints, recordCrashMatrix } from './crash-kit.ts';

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

function armKill(point: string, victim: ControllerProcess): void {
  const [service, operation] = point.split(':') as [string, string];
  proxy.add({ service, operation, kind: 'applyThenDrop', times: 1, hook: () => victim.kill() });
}
/** Waits for the armed kill to fire, then starts the next controller. */
async function afterKill(point: string, victim: ControllerProcess): Promise<ControllerProcess> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([victim.exited, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`${point} was never called`)), 60_000); })]);
  clearTimeout(timer);
  retire(victim, `crash-${point.replace(':', '-')}`);
  return start();
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

  // Round i: crash after converge call i, restart, audit; then crash after delete call i on the
  // same object, restart, audit. Pairing the two phases halves the number of converges.
  test('killed right after each converge call and each delete call: restarts, converges without duplicates, deletes without leak', async (t) => {
    const points = converge.filter(only);
    const dels = deletion.filter(only);
    for (let i = 0; i < Math.max(points.length, dels.length); i++) {
      const cp = points[i];
      const dp = dels[i];
      await t.test(`${cp ?? '(no converge point)'} / ${dp ?? '(no delete point)'}`, async () => {
        await fresh();
        const [east, west] = await seedBoth(stack.motoEndpoint);
        const name = uniqueName('crash');
        let c = ctrl ?? await start();
        if (cp) armKill(cp, c);
        await kube.apply(pairObj(NS, name, pairSpec(east, west)));
        if (cp) c = await afterKill(cp, c);
        const conv = { point: cp ?? '', phase: 'converge', duplicates: [] as string[], leaks: [] as string[] };
        if (cp) results.push(conv);
        await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
        conv.duplicates = await auditConverged(name);
        if (dp) armKill(dp, c);
        await kube.delete('RegionPair', NS, name);
        if (dp) c = await afterKill(dp, c);
        const del = { point: dp ?? '', phase: 'delete', duplicates: [] as string[], leaks: [] as string[] };
        if (dp) results.push(del);
        await kube.waitGone('RegionPair', NS, name, 90_000);
        (dp ? del : conv).leaks = await auditDeleted();
        assert.deepEqual(conv.duplicates, [], `${cp}: duplicates`);
        assert.deepEqual([...conv.leaks, ...del.leaks], [], `${cp} / ${dp}: leaks`);
      });
    }
  });

  after(() => recordCrashMatrix('crash-matrix', results, `converge points ${converge.length}, delete points ${deletion.length}; failed: ${failedPoints(results, (r) => r.point)}`));
});
