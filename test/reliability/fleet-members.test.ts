// A fleet (issue 20, docs/multi-cluster.md): two clusters (two real apiservers) with the same
// RegionPair, a controller in each, one moto, a fault proxy per controller, the fleet lease in
// moto's DynamoDB. The rows run in order on one fleet, each starting from where the last left it:
//   1. one member acts: only its proxy logs mutating calls; the other's object says Standby,
//      naming the holder and the term;
//   2. the acting member killed: the other acquires within lease + 5 s and converges (a change
//      made meanwhile is carried out) with no duplicate resource;
//   3. the old member comes back: it stands by and changes nothing (B's work stays);
//   4. the acting member alive but cut off from DynamoDB only, mid-run: it starts no mutating
//      call after its renew deadline, and none of its calls reaches AWS after the other has
//      acquired (the two proxies' timestamps).
// Each row's overlap count feeds `overlappingActors` in the reliability summary.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { listStaticRoutes } from '../../src/aws/ec2/tgw-routes.ts';
import type { CallInfo } from '../env/fault-proxy.ts';
import { type Cluster, createLeaseTable, FLEET_TIMING, Member, startCluster } from '../env/fleet.ts';
import { waitFor } from '../env/ports.ts';
import type { SeededVpc } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { condition, Kube, type Obj } from '../integration/helpers.ts';
import { census, ec2, keepLogs, pairObj, pairSpec, record, seedBoth } from './harness.ts';

const NS = 'rel-fleet';
const NAME = 'prod-net';
const FLEET = 'prod';
const FILE = 'fleet-members';

let stack: Stack;
let west: Cluster;
let east: Member;
let westM: Member;
let vpcs: [SeededVpc, SeededVpc];
let spec: ReturnType<typeof pairSpec>;
const started = Date.now();

const READ = /^(Describe|Get|List|Search)/;
/** A change to AWS made for the fleet's objects (the lease's own DynamoDB calls are coordination, not work). */
const mutating = (c: CallInfo) => c.service !== 'dynamodb' && !READ.test(c.operation);
const work = (c: CallInfo) => c.service !== 'dynamodb';
const show = (calls: CallInfo[], t0: number) => calls.map((c) => `${c.operation}@${c.region}+${((c.at - t0) / 1000).toFixed(1)}s`).join(', ') || 'none';
/** The first lease write that succeeded at or after `since`: when the member acquired (or renewed) the lease. */
const leaseWrite = (m: Member, since: number) =>
  m.proxy.calls.find((c) => c.service === 'dynamodb' && c.operation === 'PutItem' && c.status === 200 && c.at >= since);
/** Calls of `m` that overlap the other's term starting at `from`: started after it, or reaching AWS after it. */
const overlapping = (calls: CallInfo[], from: number) => calls.filter((c) => mutating(c) && (c.at >= from || (c.forwardedAt ?? 0) >= from));

const readyAt = (gen: number) => (o: Obj) =>
  o.status?.observedGeneration === gen && condition(o, 'Ready')?.status === 'True' && condition(o, 'Acting')?.status === 'True';
const standbyBehind = (holderPrefix: string, term: number) => (o: Obj) => {
  const c = condition(o, 'Acting');
  return c?.status === 'False' && c.reason === 'Standby' && c.message.includes(`${holderPrefix}/`) && c.message.includes(`term ${term}`);
};

/** The same object in both clusters (GitOps): applied to each. */
async function applyBoth(o: Obj): Promise<void> {
  await stackKube().apply(o);
  await west.kube.apply(o);
}
let kubeEast: Kube;
const stackKube = () => kubeEast;

before(async () => {
  stack = await getStack();
  kubeEast = new Kube(stack.kc);
  west = await startCluster();
  await kubeEast.ensureNamespace(NS);
  await west.kube.ensureNamespace(NS);
  await createLeaseTable(stack.motoEndpoint);
  east = await Member.create('east', { kubeconfigPath: stack.kubeconfigPath, kc: stack.kc, kube: kubeEast, stop: async () => {} }, stack.motoEndpoint, {
    fleetId: FLEET,
  });
  westM = await Member.create('west', west, stack.motoEndpoint, { fleetId: FLEET });
  vpcs = await seedBoth(stack.motoEndpoint);
  spec = pairSpec(vpcs[0], vpcs[1]);
});

after(async () => {
  for (const m of [east, westM]) {
    if (!m) continue;
    keepLogs(`fleet-${m.label}`, m.allLogs());
    await m.stop();
  }
  await kubeEast?.purge('RegionPair', NS).catch(() => undefined);
  await west?.stop();
  await stack?.stop();
  console.log(`# ${FILE}: file ran ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

test('one member acts: only its proxy logs AWS work; the other stands by, naming the holder and the term', { timeout: 180_000 }, async () => {
  await east.start();
  await waitFor('east acts', () => east.acting(), 30_000, 200);
  await westM.start();
  await applyBoth(pairObj(NS, NAME, spec));
  await kubeEast.waitFor('RegionPair', NS, NAME, 'Ready and Acting (east)', readyAt(1), 120_000);
  const w = await west.kube.waitFor('RegionPair', NS, NAME, 'Standby behind east, term 1', standbyBehind('east', 1), 30_000);
  // Some more lease rounds: the standby still makes no call but the lease's.
  await new Promise((r) => setTimeout(r, 2 * FLEET_TIMING.retryMs));
  const westWork = westM.proxy.calls.filter(work);
  const eastMutating = east.proxy.calls.filter(mutating);
  const note =
    `row 1: east made ${eastMutating.length} mutating calls, west ${westWork.length} AWS calls ` +
    `besides the lease's (${show(westWork, started)}); west says: ${condition(w, 'Acting')?.message}`;
  console.log(`# ${FILE}: ${note}`);
  record({ file: FILE, overlappingActors: westM.proxy.calls.filter(mutating).length, note });
  assert.ok(eastMutating.length > 0, 'the acting member did the work');
  assert.deepEqual(
    westWork.map((c) => `${c.service}:${c.operation}`),
    [],
    'the standby made AWS calls other than the lease',
  );
  assert.equal(condition(w, 'Ready'), undefined, "the standby's object reports no Ready of its own: it did not reconcile against AWS");
});

test('the acting member killed: the other acquires within lease + 5 s and converges, with no duplicate resource', { timeout: 180_000 }, async () => {
  await east.kill();
  const killedAt = Date.now();
  // A change made while the fleet has no acting member: the survivor must carry it out.
  spec = pairSpec(vpcs[0], vpcs[1]);
  spec.secondary.cidrs = [...spec.secondary.cidrs, '10.40.0.0/16'];
  await applyBoth(pairObj(NS, NAME, spec));
  await waitFor('west acts', () => westM.acting(), FLEET_TIMING.leaseMs + 10_000, 100);
  const actingAfter = Date.now() - killedAt;
  const acquired = leaseWrite(westM, killedAt);
  const o = await west.kube.waitFor('RegionPair', NS, NAME, 'Ready and Acting (west)', readyAt(2), 120_000);
  const lastEast = Math.max(0, ...east.proxy.calls.filter(mutating).map((c) => c.forwardedAt ?? c.at));
  const westMutating = westM.proxy.calls.filter(mutating);
  const firstWest = Math.min(...westMutating.map((c) => c.at));

  // What AWS holds, read with the SDK: one of each thing, whoever made it.
  const dup: string[] = [];
  for (const region of ['us-east-1', 'us-west-2']) {
    const got = await census(stack.motoEndpoint, region, { owner: `${NS}/${NAME}`, cluster: FLEET });
    for (const k of ['tgws', 'routeTables', 'vpcAttachments', 'flowLogs'] as const) if (got[k] > 1) dup.push(`${region} ${k}: ${got[k]}`);
    if (got.peerings > (region === 'us-east-1' ? 1 : 0)) dup.push(`${region} peerings: ${got.peerings}`);
  }
  const client = ec2(stack.motoEndpoint, 'us-east-1');
  const routes = await listStaticRoutes(client, o.status.primary.routeTableId);
  client.destroy();
  const overlap = overlapping(east.proxy.calls, acquired?.at ?? Number.POSITIVE_INFINITY).length;
  const note = `row 2: west acted ${(actingAfter / 1000).toFixed(1)} s after east was killed (lease ${FLEET_TIMING.leaseMs / 1000} s), term ${
    /term (\d+)/.exec(condition(o, 'Acting')?.message ?? '')?.[1]
  }; west's mutating calls: ${westMutating.length} (${show(westMutating, killedAt)}); duplicates: ${dup.join(', ') || 'none'}`;
  console.log(`# ${FILE}: ${note}`);
  record({ file: FILE, overlappingActors: overlap, duplicates: dup.length, note });
  assert.ok(actingAfter <= FLEET_TIMING.leaseMs + 5_000, `took ${actingAfter} ms`);
  assert.ok(acquired, "west's proxy logged the lease write that won");
  assert.ok(westMutating.length > 0, 'west carried out the change');
  assert.ok(lastEast < firstWest, 'east (dead) cannot have overlapped west');
  assert.deepEqual(dup, [], 'a member that takes over finds what the other made (fleet ownership tags)');
  assert.ok(
    routes.some((r) => r.destinationCidr === '10.40.0.0/16'),
    "the change made while no one acted is in AWS (west's work)",
  );
  assert.match(condition(o, 'Acting')?.message ?? '', /term 2/);
});

test('the old member comes back: it stands by behind the new holder and changes nothing', { timeout: 180_000 }, async () => {
  const back = Date.now();
  await east.start();
  // It leads its own cluster once the dead process's Lease there expires, then finds the fleet lease held.
  const e = await kubeEast.waitFor('RegionPair', NS, NAME, 'Standby behind west, term 2', standbyBehind('west', 2), 60_000);
  await new Promise((r) => setTimeout(r, 2 * FLEET_TIMING.retryMs));
  const eastWork = east.proxy.calls.filter((c) => c.at >= back && work(c));
  const client = ec2(stack.motoEndpoint, 'us-east-1');
  const pair = (await west.kube.get('RegionPair', NS, NAME))!;
  const routes = await listStaticRoutes(client, pair.status.primary.routeTableId);
  client.destroy();
  const note = `row 3: east back, standing by (${condition(e, 'Acting')?.message}); its AWS calls besides the lease's: ${eastWork.length}`;
  console.log(`# ${FILE}: ${note}`);
  record({ file: FILE, overlappingActors: east.proxy.calls.filter((c) => c.at >= back && mutating(c)).length, note });
  assert.equal(await east.acting(), false);
  assert.deepEqual(
    eastWork.map((c) => `${c.service}:${c.operation}`),
    [],
    'the old member touched AWS',
  );
  assert.ok(
    routes.some((r) => r.destinationCidr === '10.40.0.0/16' && !/delet/.test(r.state)),
    "west's work stays",
  );
});

test('the acting member cut off from DynamoDB only: it stops mutating before the other acquires; no overlap in the call logs', {
  timeout: 180_000,
}, async () => {
  // West busy: a change with a run of mutating calls, each answered late.
  const DELAY_MS = 1_000;
  // (The lease's own writes are not delayed: the proxy applies the first rule that matches.)
  westM.proxy.add({ operation: /^(?!Describe|Get|List|Search|PutItem|UpdateItem)/, kind: 'delay', delayMs: DELAY_MS });
  const added = Array.from({ length: 6 }, (_, i) => `10.${50 + i}.0.0/16`);
  spec.secondary.cidrs = [...spec.secondary.cidrs, ...added];
  const changedAt = Date.now();
  await applyBoth(pairObj(NS, NAME, spec));
  await waitFor('west starts its mutating calls', async () => westM.proxy.calls.some((c) => c.at >= changedAt && mutating(c)), 30_000, 20);
  // Its lease writes and reads now go nowhere (the rest of AWS still answers it).
  westM.proxy.add({ service: 'dynamodb', kind: 'delay', delayMs: 120_000 });
  const cutAt = Date.now();
  const lastRenewal = Math.max(...westM.proxy.calls.filter((c) => c.service === 'dynamodb' && c.at < cutAt && c.status === 200).map((c) => c.at));
  await waitFor('east acts', () => east.acting(), FLEET_TIMING.leaseMs + 15_000, 100);
  const acquired = leaseWrite(east, cutAt);
  const o = await kubeEast.waitFor('RegionPair', NS, NAME, 'Ready and Acting (east)', readyAt(3), 120_000);
  await west.kube.waitFor('RegionPair', NS, NAME, 'west stands by, the lease unreachable', (x) => /Standby/.test(condition(x, 'Acting')?.reason ?? ''), 30_000);
  // Let west's late calls (if any were still started) play out.
  await new Promise((r) => setTimeout(r, 2 * DELAY_MS));

  const takeover = acquired?.at ?? Number.POSITIVE_INFINITY;
  const westMut = westM.proxy.calls.filter((c) => c.at >= changedAt && mutating(c));
  const lastWestStart = Math.max(0, ...westMut.map((c) => c.at));
  const lastWestReach = Math.max(0, ...westMut.map((c) => c.forwardedAt ?? 0));
  const firstEast = Math.min(...east.proxy.calls.filter((c) => c.at >= cutAt && mutating(c)).map((c) => c.at));
  const overlap = overlapping(westM.proxy.calls, Math.min(takeover, firstEast));
  const client = ec2(stack.motoEndpoint, 'us-east-1');
  const routes = await listStaticRoutes(client, o.status.primary.routeTableId);
  client.destroy();
  const missing = added.filter((cidr) => !routes.some((r) => r.destinationCidr === cidr && !/delet/.test(r.state)));
  const at = (t: number) => `+${((t - cutAt) / 1000).toFixed(1)}s`;
  const note =
    `row 4: west's last renewal ${at(lastRenewal)}, its last mutating call started ${at(lastWestStart)} and ` +
    `reached AWS ${at(lastWestReach)}; east acquired ${at(takeover)}, its first mutating call ${at(firstEast)}; ` +
    `overlapping: ${overlap.length} (${show(overlap, cutAt)}); routes missing: ${missing.join(', ') || 'none'}`;
  console.log(`# ${FILE}: ${note}`);
  record({ file: FILE, overlappingActors: overlap.length, lostUpdates: missing.length, note });
  assert.ok(acquired, "east's proxy logged the lease write that won");
  assert.ok(westMut.length > 0, 'west was mid-run when it was cut off');
  assert.ok(lastWestStart <= lastRenewal + FLEET_TIMING.renewDeadlineMs + 200, 'west started a mutating call after its renew deadline');
  assert.ok(lastWestReach < takeover, 'a call of west reached AWS after east had acquired');
  assert.deepEqual(
    overlap.map((c) => `${c.operation}@${c.region}`),
    [],
    'two members acting at once',
  );
  assert.deepEqual(missing, [], 'east finished the change');
});
