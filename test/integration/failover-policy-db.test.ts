// FailoverPolicy, database half, end to end: automatic failover (fence → promote → Secret → DNS),
// the RPO guard, and a controller killed right after PromoteReadReplica reached AWS.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { type DBInstance, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import type { StepMark } from '../../src/api/types.ts';
import { fenceGroupName } from '../../src/aws/rds/fence-group.ts';
import { isOwnedBy } from '../../src/aws/tags.ts';
import { seedDatabase, seedDbSubnetGroup, seedVpc } from '../env/seed.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, WEST } from './failover-policy-fixtures.ts';
import { condition } from './helpers.ts';

const NS = 'fp-db';
const bed = new PolicyBed(NS);

/** A policy whose primary is in a DB subnet group (as on AWS), Ready, and its writer's fence group once the controller made it. */
async function withPreparedFenceGroup() {
  const seed = { endpoint: bed.stack.motoEndpoint };
  const inSubnets = async (region: string, id: string) =>
    seedDatabase(seed, region, id, { subnetGroup: await seedDbSubnetGroup(seed, region, `${id}-subnets`, await seedVpc(seed, region, '10.77.0.0/16')) });
  const s = await bed.dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 }, {}, { seed: inSubnets });
  const o = await bed.dbs.healthyAndReady(s);
  const vpcId = (await bed.dbs.instance(EAST, s.db)).DBSubnetGroup?.VpcId;
  assert.ok(vpcId);
  const groups = async () => {
    const filters = [
      { Name: 'vpc-id', Values: [vpcId] },
      { Name: 'group-name', Values: [fenceGroupName(s.db)] },
    ];
    return (await bed.aws.ec2(EAST).send(new DescribeSecurityGroupsCommand({ Filters: filters }))).SecurityGroups ?? [];
  };
  let g = (await groups())[0];
  for (let i = 0; i < 30 && !g; i++) {
    await sleep(1_000);
    g = (await groups())[0];
  }
  assert.ok(g?.GroupId, 'the fence group exists before any outage');
  assert.deepEqual([g.IpPermissions, g.IpPermissionsEgress], [[], []], 'it allows nothing');
  assert.ok(isOwnedBy(g.Tags, { clusterId: 'test', kind: 'FailoverPolicy', namespace: NS, name: s.name, uid: String(o.metadata.uid) }), 'ours');
  return { s, o, prepared: g.GroupId, groups };
}

const failoverMarkOn = (i: DBInstance): string | undefined => i.TagList?.find((t) => t.Key === 'multiregion.dev/failover')?.Value;

describe('FailoverPolicy database', () => {
  test('automatic failover: unhealthy primary → fence → promote → Secret → DNS, with RTO/RPO', async () => {
    await bed.start();
    const s = await bed.dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    const o = await bed.dbs.healthyAndReady(s);
    const before = await bed.dbs.secretData(s.secret);
    assert.equal(before.region, EAST);
    assert.equal(before.role, 'writer');
    assert.equal(before.engine, 'postgres');
    assert.equal(before.host, (await bed.dbs.instance(EAST, s.db)).Endpoint?.Address);
    assert.equal(await bed.dbs.primaryRecordValue(s), '198.51.100.10');

    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    const done = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 120_000);
    const lf = done.status.lastFailover;
    assert.equal(lf.reason, 'PrimaryUnhealthy');
    assert.equal(lf.from, EAST);
    assert.equal(lf.to, WEST);
    assert.ok(lf.rtoSeconds >= 0);
    assert.ok(lf.rpoSeconds <= 30);
    assert.match(lf.fencing, /^Confirmed/);
    assert.equal(done.status.activeRegion, WEST);
    assert.deepEqual(done.status.database.writer, { region: WEST, identifier: s.replica });

    const after = await bed.dbs.secretData(s.secret);
    assert.equal(after.region, WEST);
    assert.equal(after.host, (await bed.dbs.instance(WEST, s.replica)).Endpoint?.Address);
    assert.equal(await bed.dbs.primaryRecordValue(s), '203.0.113.20', 'PRIMARY now carries the secondary target');
    const old = await bed.dbs.instance(EAST, s.db);
    assert.equal(old.VpcSecurityGroups?.length, 1, 'old writer fenced behind one deny-all group');
    const all = await bed.kube.events(NS, s.name);
    const events = all.map((e) => e.reason);
    for (const r of ['FailoverTriggered', 'PromotedDBInstance', 'FailoverCompleted']) assert.ok(events.includes(r), `${r} in ${events.join(',')}`);
    // One Event for the promote, once AWS took it, saying why it was safe.
    const promoted = all.filter((e) => e.reason === 'PromotedDBInstance' || e.reason === 'PromotingReplica');
    assert.equal(promoted.length, 1, `one promote Event: ${promoted.map((e) => e.reason).join(',')}`);
    assert.match(promoted[0]?.message ?? '', /RPO \d+s; fencing Confirmed/);
    assert.ok(done.status.history.some((h: { reason: string }) => h.reason === 'FailoverCompleted'));
  });

  test("the writer's fence group is made before the outage, and the fence finds it: no EC2 write while failing over", async () => {
    const p = (await bed.start({ behindProxy: true }), bed.proxy!);
    const { s, o, prepared } = await withPreparedFenceGroup();
    assert.ok(
      (await bed.kube.events(NS, s.name)).some((e) => e.reason === 'CreatedSecurityGroup'),
      'its create is an Event',
    );

    // In the old writer's region: the new writer's own group is prepared in us-west-2 once it is the writer.
    const ec2Writes = () => p.calls.filter((c) => c.service === 'ec2' && c.region === EAST && !/^Describe/.test(c.operation)).length;
    const before = ec2Writes();
    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    const done = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 120_000);
    assert.match(done.status.lastFailover.fencing, /^Confirmed/);
    const old = await bed.dbs.instance(EAST, s.db);
    assert.deepEqual(
      old.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId),
      [prepared],
      'the old writer is behind the prepared group',
    );
    assert.equal(ec2Writes(), before, 'the fence made no EC2 write: no create, nothing to revoke');
    // The round after the fence takes the fence's own answer for the old writer and this pass's
    // answer for the untouched standby: no DescribeDBInstances between the swap and the promote.
    const ops = p.calls.map((c) => `${c.service}:${c.operation}`);
    const swap = ops.indexOf('rds:ModifyDBInstance');
    const promoted = ops.indexOf('rds:PromoteReadReplica');
    assert.ok(swap >= 0 && promoted > swap, ops.join(' '));
    assert.deepEqual(
      ops.slice(swap, promoted + 1).filter((o) => o.startsWith('rds:')),
      ['rds:ModifyDBInstance', 'rds:RebootDBInstance', 'rds:AddTagsToResource', 'rds:AddTagsToResource', 'rds:PromoteReadReplica'],
      'the swap, the reboot and its mark, the promote mark and the promote: nothing read again',
    );
  });

  test('a policy deleted before any outage takes its prepared fence group with it', async () => {
    await bed.start();
    const { s, groups } = await withPreparedFenceGroup();
    await bed.kube.delete('FailoverPolicy', NS, s.name);
    await bed.kube.waitGone('FailoverPolicy', NS, s.name, 120_000);
    assert.deepEqual(await groups(), [], 'no fence group of the policy is left');
  });

  test('the RPO guard holds a failover while the replica lags too far', async () => {
    await bed.start();
    const s = await bed.dbs.setup({ mode: 'Manual', activeRegion: EAST });
    await bed.dbs.healthyAndReady(s, 120);
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: s.name }, { spec: { failover: { activeRegion: WEST } } });
    const o = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'holding', (x) => x.status?.inProgress?.step === 'Triggered', 60_000);
    assert.equal(condition(o, 'FailoverReady')?.status, 'False');
    await sleep(3_000);
    const events = (await bed.kube.events(NS, s.name)).map((e) => e.reason);
    assert.ok(events.includes('RpoGuardHolding'), events.join(','));
    const replica = await bed.dbs.instance(WEST, s.replica);
    assert.ok(!(replica.TagList ?? []).some((t) => t.Key?.startsWith('multiregion.dev/promote')), 'never asked to promote');
    assert.equal((await bed.dbs.secretData(s.secret)).region, EAST);
    const still = await bed.kube.get('FailoverPolicy', NS, s.name);
    assert.equal(still?.status.inProgress.step, 'Triggered');
  });

  test('killed right after CreateDBInstanceReadReplica: the restart finds the replica and never creates a second', async () => {
    const { first, proxy: p } = await bed.startKilledAfter('rds', 'CreateDBInstanceReadReplica');
    const s = await bed.dbs.setup({ mode: 'Manual', activeRegion: EAST });
    await first.exited;
    const mid = await bed.kube.get('FailoverPolicy', NS, s.name);
    assert.match(mid?.metadata.annotations?.['multiregion.dev/create-pending'] ?? '', /^DBInstanceReadReplica.*@/, 'intent recorded before the call');
    await bed.start({ behindProxy: true });
    await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'replica in status', (x) => x.status?.database?.replica?.identifier === s.replica, 90_000);
    await sleep(3_000);
    assert.equal(p.count('rds', 'CreateDBInstanceReadReplica'), 1, 'one create call in all (moto would silently replace a second)');
    const replica = await bed.dbs.instance(WEST, s.replica);
    assert.ok(replica.ReadReplicaSourceDBInstanceIdentifier, 'the replica exists and replicates the primary');
  });

  test('a create left in doubt that AWS does not show yet is not repeated while fresh (CreatePending); removing the record lets it go', async () => {
    const { first, proxy: p } = await bed.startKilledAfter('rds', 'CreateDBInstanceReadReplica');
    const s = await bed.dbs.setup({ mode: 'Manual', activeRegion: EAST });
    await first.exited;
    // As if AWS's reads lagged the create: the replica is not to be seen under its name by the
    // restarted controller (moto cannot delete a read replica; renaming hides it as well).
    await bed.aws
      .rds(WEST)
      .send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: s.replica, NewDBInstanceIdentifier: `${s.replica}-hidden`, ApplyImmediately: true }));
    await bed.start({ behindProxy: true });
    const held = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      'CreatePending',
      (x) => (x.status?.conditions ?? []).some((c: { reason?: string }) => c.reason === 'CreatePending'),
      60_000,
    );
    const why = (held.status.conditions as Array<{ reason?: string; message?: string }>).find((c) => c.reason === 'CreatePending');
    assert.match(why?.message ?? '', /DBInstanceReadReplica/, 'the message names the resource');
    assert.match(why?.message ?? '', /remove the multiregion\.dev\/create-pending annotation/, 'and says what to do');
    assert.equal(p.count('rds', 'CreateDBInstanceReadReplica'), 1, 'no blind second create');
    // The DNS half went on in that pass: the record must outlive it (it was cleared, and the next
    // pass created blindly), and a record of any other create must not replace it.
    assert.match(held.metadata.annotations?.['multiregion.dev/create-pending'] ?? '', /DBInstanceReadReplica/, 'the record outlives the pass');
    await bed.kube.mergePatch(
      { kind: 'FailoverPolicy', namespace: NS, name: s.name },
      { metadata: { annotations: { 'multiregion.dev/reconcile-now': 'again' } } },
    );
    await sleep(4_000);
    assert.equal(p.count('rds', 'CreateDBInstanceReadReplica'), 1, 'no blind second create on the next pass either');

    await bed.kube.mergePatch(
      { kind: 'FailoverPolicy', namespace: NS, name: s.name },
      { metadata: { annotations: { 'multiregion.dev/create-pending': null } } },
    );
    // Looked at again within the database half's retry (15 s): now it creates.
    for (let i = 0; i < 60 && p.count('rds', 'CreateDBInstanceReadReplica') < 2; i++) await sleep(1_000);
    assert.equal(p.count('rds', 'CreateDBInstanceReadReplica'), 2, 'created once the operator removed the record');
    assert.ok((await bed.dbs.instance(WEST, s.replica)).ReadReplicaSourceDBInstanceIdentifier, 'the replica exists again');
  });

  test("killed right after fencing (ModifyDBInstance reached AWS): the old writer's mark holds the failover; the restart goes on, promotes once", async () => {
    const { first, proxy: p } = await bed.startKilledAfter('rds', 'ModifyDBInstance');
    const s = await bed.dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    const o = await bed.dbs.healthyAndReady(s);
    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    await first.exited;
    assert.equal(p.count('rds', 'PromoteReadReplica'), 0, 'killed before any promotion');
    const mid = await bed.kube.get('FailoverPolicy', NS, s.name);
    assert.equal(mid?.status.inProgress, undefined, 'no status write before the fence: the fence carries the record');
    const mark = failoverMarkOn(await bed.dbs.instance(EAST, s.db));
    assert.match(mark ?? '', new RegExp(`^reason=PrimaryUnhealthy startedAt=\\S+ rpo=\\d+ from=${EAST}/${s.db} to=${WEST}/${s.replica}$`));

    await bed.start({ behindProxy: true });
    const done = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 120_000);
    assert.equal(done.status.activeRegion, WEST);
    assert.equal(done.status.lastFailover.reason, 'PrimaryUnhealthy');
    assert.equal(done.status.lastFailover.startedAt, /startedAt=(\S+)/.exec(mark ?? '')?.[1], 'the failover the mark recorded, from its start');
    assert.ok(
      done.status.history.some((h: { phase: string; at: string }) => h.phase === 'FailingOver' && h.at === done.status.lastFailover.startedAt),
      'its history line is dated when it started',
    );
    assert.equal(p.count('rds', 'PromoteReadReplica'), 1, 'exactly one PromoteReadReplica reached AWS');
    assert.equal((await bed.dbs.secretData(s.secret)).region, WEST);
    const old = await bed.dbs.instance(EAST, s.db);
    const groups = (old.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId);
    assert.equal(groups.length, 1, `the old writer keeps only the deny-all group: ${groups.join(',')}`);
    assert.ok(p.count('ec2', 'CreateSecurityGroup') <= 1, 'one deny-all group, not one per attempt');
  });

  test('killed right after fencing, then set to Manual: the restart finds the failover by its mark, aborts it, unfences, promotes nothing', async () => {
    const { first, proxy: p } = await bed.startKilledAfter('rds', 'ModifyDBInstance');
    const s = await bed.dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    const o = await bed.dbs.healthyAndReady(s);
    const groupsBefore = (await bed.dbs.instance(EAST, s.db)).VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId);
    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    await first.exited;
    assert.ok(failoverMarkOn(await bed.dbs.instance(EAST, s.db)), 'the old writer carries the mark');
    // The operator takes over while the controller is down: the failover status never held is withdrawn.
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: s.name }, { spec: { failover: { mode: 'Manual' } } });

    await bed.start({ behindProxy: true });
    let old = await bed.dbs.instance(EAST, s.db);
    for (let i = 0; i < 60 && failoverMarkOn(old); i++) {
      await sleep(1_000);
      old = await bed.dbs.instance(EAST, s.db);
    }
    assert.equal(failoverMarkOn(old), undefined, 'the mark goes with the fence');
    assert.deepEqual(
      old.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId),
      groupsBefore,
      'its own groups are back',
    );
    assert.equal(p.count('rds', 'PromoteReadReplica'), 0, 'nothing promoted');
    let events: string[] = [];
    for (let i = 0; i < 20 && !events.includes('FailoverAborted'); i++) {
      if (i > 0) await sleep(500);
      events = (await bed.kube.events(NS, s.name)).map((e) => e.reason);
    }
    assert.ok(events.includes('FailoverAborted'), events.join(','));
    const after = await bed.kube.get('FailoverPolicy', NS, s.name);
    assert.equal(after?.status.inProgress, undefined);
    assert.equal(after?.status.activeRegion, EAST);
  });

  test('killed right after PromoteReadReplica: the restart never promotes again, nor aborts, and converges', async () => {
    const { first, proxy: p } = await bed.startKilledAfter('rds', 'PromoteReadReplica');
    const s = await bed.dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    const o = await bed.dbs.healthyAndReady(s);
    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    await first.exited;
    assert.equal(p.count('rds', 'PromoteReadReplica'), 1);
    const mid = await bed.kube.get('FailoverPolicy', NS, s.name);
    // No write before the promote: the marks on the old writer and the replica record the failover.
    assert.equal(mid?.status.inProgress, undefined, 'status holds no failover yet');
    const marked = await bed.dbs.instance(WEST, s.replica);
    assert.ok(
      (marked.TagList ?? []).some((t) => t.Key === 'multiregion.dev/promote-requested-at'),
      'the replica carries the promote tag',
    );
    assert.match(failoverMarkOn(marked) ?? '', /^reason=PrimaryUnhealthy /, "and the failover's mark");
    // The primary answers Healthy again before the restart: the trigger is withdrawn, but the
    // promote went out, so unfencing the old writer now would leave two writers.
    await bed.aws.putHealth(o.status.healthCheckIds.primary, 1);
    const eastModifies = () => p.calls.filter((c) => c.service === 'rds' && c.operation === 'ModifyDBInstance' && c.region === EAST).length;
    const swaps = eastModifies();

    await bed.start({ behindProxy: true });
    await sleep(5_000);
    assert.equal(p.count('rds', 'PromoteReadReplica'), 1, 'the restart waits instead of promoting again');
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: s.name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': '1' } } });
    const done = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 90_000);
    assert.equal(done.status.activeRegion, WEST);
    assert.equal((await bed.dbs.secretData(s.secret)).region, WEST);
    assert.equal(await bed.dbs.primaryRecordValue(s), '203.0.113.20');
    assert.equal(p.count('rds', 'PromoteReadReplica'), 1, 'exactly one PromoteReadReplica reached AWS');
    assert.deepEqual(done.status.lastFailover.steps.map((m: StepMark) => m.step).slice(0, 4), ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested']);
    assert.equal(eastModifies(), swaps, 'the old writer was never unfenced');
    const old = await bed.dbs.instance(EAST, s.db);
    assert.equal(old.VpcSecurityGroups?.length, 1, 'only the deny-all group');
  });
});
