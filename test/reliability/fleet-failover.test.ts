// A fleet's database failover (issue 20, docs/multi-cluster.md): two clusters (two apiservers)
// with the same FailoverPolicy, a controller in each, one moto, a fault proxy per controller.
// The member that takes over has no status from the other cluster: it resumes from AWS (the
// fence and promote tags the machine writes on the instances before acting).
//   1. a failover started by east, east killed right after the fence: west finishes it, one
//      PromoteReadReplica in the two call logs;
//   2. east's region (us-east-1, the database's primary region) blackholed for every AWS call of
//      east, its lease writes included: west takes over and completes the failover (with the
//      operator's break-glass, as for any controller that cannot reach the old writer), one
//      PromoteReadReplica. Moto models one Region: the lease table lives in moto's us-east-1,
//      and west's proxy spares DynamoDB in the blackhole, standing in for the table's replica in
//      west's own Region (an MRSC global table survives the loss of one Region).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CallInfo } from '../env/fault-proxy.ts';
import { type Cluster, createLeaseTable, FLEET_TIMING, Member, startCluster } from '../env/fleet.ts';
import { waitFor } from '../env/ports.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { DbPolicies, type DbSetup } from '../integration/failover-policy-db-fixtures.ts';
import { Aws, clearPolicies, EAST, WEST } from '../integration/failover-policy-fixtures.ts';
import { condition, Kube, type Obj } from '../integration/helpers.ts';
import { keepLogs, record } from './harness.ts';

const NS = 'rel-fleet-fo';
const FILE = 'fleet-failover';
const HEALTH_ARGS = ['--health-observe-interval=1s', '--health-period=10s'];

let stack: Stack;
let west: Cluster;
let kubeEast: Kube;
let aws: Aws;
const members: Member[] = [];
const started = Date.now();

const READ = /^(Describe|Get|List|Search)/;
const mutating = (c: CallInfo) => c.service !== 'dynamodb' && !READ.test(c.operation);
const promotes = (ms: Member[]) => ms.flatMap((m) => m.proxy.calls).filter((c) => c.operation === 'PromoteReadReplica' && c.forwardedAt !== undefined);
const show = (calls: CallInfo[], t0: number) => calls.map((c) => `${c.operation}@${c.region}+${((c.at - t0) / 1000).toFixed(1)}s`).join(', ') || 'none';

before(async () => {
  stack = await getStack();
  kubeEast = new Kube(stack.kc);
  west = await startCluster();
  await kubeEast.ensureNamespace(NS);
  await west.kube.ensureNamespace(NS);
  await createLeaseTable(stack.motoEndpoint);
  aws = new Aws(stack.motoEndpoint);
});

after(async () => {
  for (const m of members) {
    keepLogs(`fleet-fo-${m.label}`, m.allLogs());
    await m.stop();
  }
  aws?.destroy();
  await clearPolicies(kubeEast, NS).catch(() => undefined);
  await west?.stop();
  await stack?.stop();
  console.log(`# ${FILE}: file ran ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

/** A fresh fleet (its own fleet id, so the rows share nothing in AWS) with east acting and west standing by. */
async function fleet(fleetId: string): Promise<{ east: Member; westM: Member }> {
  for (const m of members.splice(0)) {
    keepLogs(`fleet-fo-${m.label}`, m.allLogs());
    await m.stop();
  }
  const eastCluster: Cluster = { kubeconfigPath: stack.kubeconfigPath, kc: stack.kc, kube: kubeEast, stop: async () => {} };
  const east = await Member.create(`${fleetId}-east`, eastCluster, stack.motoEndpoint, { fleetId, extraArgs: HEALTH_ARGS });
  const westM = await Member.create(`${fleetId}-west`, west, stack.motoEndpoint, { fleetId, extraArgs: HEALTH_ARGS });
  members.push(east, westM);
  await east.start();
  await waitFor('east acts', () => east.acting(), 30_000, 200);
  await westM.start();
  return { east, westM };
}

/** The policy east's cluster holds, applied to west's too (what GitOps does). */
async function mirror(s: DbSetup): Promise<void> {
  const o = (await kubeEast.get('FailoverPolicy', NS, s.name))!;
  await west.kube.apply({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: NS }, spec: o.spec } as Obj);
}

async function bothPatch(name: string, patch: Record<string, unknown>): Promise<void> {
  for (const k of [kubeEast, west.kube]) await k.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, patch);
}

test('a failover started by east, east killed right after the fence: west finishes it, exactly one PromoteReadReplica', { timeout: 300_000 }, async () => {
  const { east, westM } = await fleet('fo-kill');
  const dbs = new DbPolicies(stack, kubeEast, aws, NS);
  const s = await dbs.setup({ mode: 'Manual', activeRegion: EAST });
  await mirror(s);
  await dbs.healthyAndReady(s, 0);
  await west.kube.waitFor('FailoverPolicy', NS, s.name, 'west stands by', (o) => condition(o, 'Acting')?.reason === 'Standby', 30_000);

  // East dies the moment the old writer's fence is complete (its fence tag applied in us-east-1).
  let killedAt = 0;
  east.proxy.add({
    service: 'rds',
    operation: 'AddTagsToResource',
    kind: 'applyThenHold',
    hook: async (call) => {
      if (call.region !== EAST || killedAt) return;
      killedAt = Date.now();
      await east.kill();
    },
  });
  const switchAt = Date.now();
  await bothPatch(s.name, { spec: { failover: { activeRegion: WEST } } });
  await waitFor('east fenced and died', async () => killedAt > 0, 90_000, 100);
  await waitFor('west acts', () => westM.acting(), FLEET_TIMING.leaseMs + 10_000, 100);
  // RDS publishing the replica's lag: a planned switchover promotes once it reads 0 after the fence.
  const lagging = setInterval(() => void aws.putLag(WEST, s.replica, 0).catch(() => undefined), 1_000);
  const done = await west.kube
    .waitFor('FailoverPolicy', NS, s.name, 'failover completed (west)', (x) => !!x.status?.lastFailover?.completedAt, 120_000)
    .finally(() => clearInterval(lagging));

  const p = promotes([east, westM]);
  const eastAfter = east.proxy.calls.filter((c) => c.at > killedAt && mutating(c));
  const westBefore = westM.proxy.calls.filter((c) => c.at < killedAt && mutating(c));
  const secret = await secretIn(west.kube, s.secret);
  const note =
    `row 1: east fenced ${((killedAt - switchAt) / 1000).toFixed(1)} s after the switch and was killed; west completed it ` +
    `(${done.status.lastFailover.reason}, rto ${done.status.lastFailover.rtoSeconds ?? '?'} s); PromoteReadReplica reached ` +
    `AWS ${p.length}× (${show(p, switchAt)}); west's mutating calls: ${show(westM.proxy.calls.filter(mutating), switchAt)}`;
  console.log(`# ${FILE}: ${note}`);
  record({ file: FILE, overlappingActors: eastAfter.length + westBefore.length, lostSteps: p.length === 1 ? 0 : 1, note });
  assert.equal(p.length, 1, 'exactly one PromoteReadReplica');
  assert.equal(done.status.activeRegion, WEST);
  assert.equal(secret.region, WEST, "west's cluster's connection Secret names the new writer");
  assert.deepEqual(
    [...eastAfter, ...westBefore].map((c) => c.operation),
    [],
  );
  // West resumed east's failover: it never lifted east's fence (the old writer would take writes again).
  const firstPromote = p[0]?.at ?? Number.POSITIVE_INFINITY;
  const unfenced = westM.proxy.calls.filter((c) => c.at < firstPromote && ['RemoveTagsFromResource', 'DeleteSecurityGroup'].includes(c.operation));
  assert.deepEqual(
    unfenced.map((c) => `${c.operation}@${c.region}`),
    [],
    'west unfenced the old writer before promoting',
  );
});

test("east's region blackholed with the database's primary: west takes over and completes the failover, exactly one PromoteReadReplica", {
  timeout: 300_000,
}, async () => {
  const { east, westM } = await fleet('fo-dark');
  const dbs = new DbPolicies(stack, kubeEast, aws, NS);
  const s = await dbs.setup({ mode: 'Manual', activeRegion: EAST });
  await mirror(s);
  await dbs.healthyAndReady(s, 2);
  await west.kube.waitFor('FailoverPolicy', NS, s.name, 'west stands by', (o) => condition(o, 'Acting')?.reason === 'Standby', 30_000);

  // us-east-1 goes dark: for east every call (its lease writes too: its table replica is there);
  // for west every call but the lease's (its own replica of the table, in us-west-2).
  east.proxy.regionDown(EAST, 'blackhole');
  westM.proxy.regionDown(EAST, 'blackhole', { except: ['dynamodb'] });
  const darkAt = Date.now();
  await waitFor('west acts', () => westM.acting(), FLEET_TIMING.leaseMs + 10_000, 100);
  const acquiredAt = westM.proxy.calls.find((c) => c.service === 'dynamodb' && c.operation === 'PutItem' && c.status === 200 && c.at >= darkAt)?.at;
  // The operator fails over to the region that is up, accepting what the dark region cannot confirm
  // (the fence, the RPO), as with a single controller (docs/failover.md, Break-glass); GitOps puts it in both clusters.
  await bothPatch(s.name, { metadata: { annotations: { 'multiregion.dev/accept-data-loss': 'fleet-dark-1' } }, spec: { failover: { activeRegion: WEST } } });
  const done = await west.kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed (west)', (x) => !!x.status?.lastFailover?.completedAt, 150_000);

  const p = promotes([east, westM]);
  const eastReached = east.proxy.calls.filter((c) => mutating(c) && (c.forwardedAt ?? 0) >= (acquiredAt ?? darkAt));
  const note =
    `row 2: west acted ${(((acquiredAt ?? Number.NaN) - darkAt) / 1000).toFixed(1)} s after us-east-1 went dark and completed ` +
    `it (${done.status.lastFailover.reason}, fencing: ${done.status.lastFailover.fencing ?? 'n/a'}); PromoteReadReplica ` +
    `reached AWS ${p.length}× (${show(p, darkAt)}); east's mutating calls reaching AWS after that: ${eastReached.length}`;
  console.log(`# ${FILE}: ${note}`);
  record({ file: FILE, overlappingActors: eastReached.length, lostSteps: p.length === 1 ? 0 : 1, note });
  assert.ok(acquiredAt, "west's proxy logged the lease write that won");
  assert.equal(p.length, 1, 'exactly one PromoteReadReplica');
  assert.equal(done.status.activeRegion, WEST);
  assert.equal((await secretIn(west.kube, s.secret)).region, WEST);
  assert.deepEqual(
    eastReached.map((c) => c.operation),
    [],
  );
});

/** The connection Secret as one cluster holds it. */
async function secretIn(kube: Kube, name: string): Promise<Record<string, string>> {
  const s = (await kube.get('Secret', NS, name, 'v1')) as unknown as { data?: Record<string, string> } | undefined;
  return Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}
