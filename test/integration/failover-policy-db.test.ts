// FailoverPolicy, database half, end to end: automatic failover (fence → promote → Secret → DNS),
// the RPO guard, and a controller killed right after PromoteReadReplica reached AWS.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AddTagsToResourceCommand } from '@aws-sdk/client-rds';
import { getStack, type Stack } from '../env/stack.ts';
import { startController, type ControllerProcess } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { Kube, condition } from './helpers.ts';
import { Aws, clearPolicies, EAST, WEST } from './failover-policy-fixtures.ts';
import { DbPolicies } from './failover-policy-db-fixtures.ts';

const NS = 'fp-db';
let stack: Stack;
let kube: Kube;
let aws: Aws;
let ctrl: ControllerProcess | undefined;
let proxy: FaultProxy | undefined;
let dbs: DbPolicies;

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  aws = new Aws(stack.motoEndpoint);
  dbs = new DbPolicies(stack, kube, aws, NS);
  await kube.ensureNamespace(NS);
});
after(async () => {
  await ctrl?.stop();
  await proxy?.stop();
  aws.destroy();
  await stack.stop();
});
beforeEach(async () => {
  await ctrl?.stop();
  await proxy?.stop();
  proxy = undefined;
  await clearPolicies(kube, NS);
  await stack.resetMoto();
});

const start = (endpoint = stack.motoEndpoint) =>
  startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: endpoint, args: ['--health-observe-interval=1s'] });

describe('FailoverPolicy database', () => {
  test('automatic failover: unhealthy primary → fence → promote → Secret → DNS, with RTO/RPO', async () => {
    ctrl = await start();
    const s = await dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    const o = await dbs.healthyAndReady(s);
    const before = await dbs.secretData(s.secret);
    assert.equal(before.region, EAST);
    assert.equal(before.role, 'writer');
    assert.equal(before.engine, 'postgres');
    assert.equal(before.host, (await dbs.instance(EAST, s.db)).Endpoint?.Address);
    assert.equal(await dbs.primaryRecordValue(s), '198.51.100.10');

    await aws.putHealth(o.status.healthCheckIds.primary, 0);
    const done = await kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 120_000);
    const lf = done.status.lastFailover;
    assert.equal(lf.reason, 'PrimaryUnhealthy');
    assert.equal(lf.from, EAST);
    assert.equal(lf.to, WEST);
    assert.ok(lf.rtoSeconds >= 0);
    assert.ok(lf.rpoSeconds <= 30);
    assert.match(lf.fencing, /^Confirmed/);
    assert.equal(done.status.activeRegion, WEST);
    assert.deepEqual(done.status.database.writer, { region: WEST, identifier: s.replica });

    const after = await dbs.secretData(s.secret);
    assert.equal(after.region, WEST);
    assert.equal(after.host, (await dbs.instance(WEST, s.replica)).Endpoint?.Address);
    assert.equal(await dbs.primaryRecordValue(s), '203.0.113.20', 'PRIMARY now carries the secondary target');
    const old = await dbs.instance(EAST, s.db);
    assert.equal(old.VpcSecurityGroups?.length, 1, 'old writer fenced behind one deny-all group');
    const events = (await kube.events(NS, s.name)).map((e) => e.reason);
    for (const r of ['FailoverTriggered', 'PromotingReplica', 'FailoverCompleted']) assert.ok(events.includes(r), `${r} in ${events.join(',')}`);
    assert.ok(done.status.history.some((h: { reason: string }) => h.reason === 'FailoverCompleted'));
  });

  test('the RPO guard holds a failover while the replica lags too far', async () => {
    ctrl = await start();
    const s = await dbs.setup({ mode: 'Manual', activeRegion: EAST });
    await dbs.healthyAndReady(s, 120);
    await kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: s.name }, { spec: { failover: { activeRegion: WEST } } });
    const o = await kube.waitFor('FailoverPolicy', NS, s.name, 'holding', (x) => x.status?.inProgress?.step === 'Triggered', 60_000);
    assert.equal(condition(o, 'FailoverReady')?.status, 'False');
    await new Promise((r) => setTimeout(r, 3_000));
    const events = (await kube.events(NS, s.name)).map((e) => e.reason);
    assert.ok(events.includes('RpoGuardHolding'), events.join(','));
    const replica = await dbs.instance(WEST, s.replica);
    assert.ok(!(replica.TagList ?? []).some((t) => t.Key?.startsWith('multiregion.dev/promote')), 'never asked to promote');
    assert.equal((await dbs.secretData(s.secret)).region, EAST);
    const still = await kube.get('FailoverPolicy', NS, s.name);
    assert.equal(still?.status.inProgress.step, 'Triggered');
  });

  test('killed right after CreateDBInstanceReadReplica: the restart finds the replica and never creates a second', async () => {
    proxy = new FaultProxy(stack.motoEndpoint);
    await proxy.start();
    const p = proxy;
    ctrl = await start(p.endpoint);
    const first = ctrl;
    p.add({ service: 'rds', operation: 'CreateDBInstanceReadReplica', kind: 'applyThenDrop', times: 1, hook: () => first.kill() });
    const s = await dbs.setup({ mode: 'Manual', activeRegion: EAST });
    await first.exited;
    const mid = await kube.get('FailoverPolicy', NS, s.name);
    assert.match(mid?.metadata.annotations?.['multiregion.dev/create-pending'] ?? '', /DBInstanceReadReplica@/, 'intent recorded before the call');
    ctrl = await start(p.endpoint);
    await kube.waitFor('FailoverPolicy', NS, s.name, 'replica in status', (x) => x.status?.database?.replica?.identifier === s.replica, 90_000);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(p.count('rds', 'CreateDBInstanceReadReplica'), 1, 'one create call in all (moto would silently replace a second)');
    const replica = await dbs.instance(WEST, s.replica);
    assert.ok(replica.ReadReplicaSourceDBInstanceIdentifier, 'the replica exists and replicates the primary');
  });

  test('killed right after fencing (ModifyDBInstance reached AWS): the restart fences once more, promotes exactly once, converges', async () => {
    proxy = new FaultProxy(stack.motoEndpoint);
    await proxy.start();
    const p = proxy;
    ctrl = await start(p.endpoint);
    const first = ctrl;
    p.add({ service: 'rds', operation: 'ModifyDBInstance', kind: 'applyThenDrop', times: 1, hook: () => first.kill() });
    const s = await dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    const o = await dbs.healthyAndReady(s);
    await aws.putHealth(o.status.healthCheckIds.primary, 0);
    await first.exited;
    assert.equal(p.count('rds', 'PromoteReadReplica'), 0, 'killed before any promotion');
    const mid = await kube.get('FailoverPolicy', NS, s.name);
    assert.ok(mid?.status.inProgress, 'the failover in progress is recorded');

    ctrl = await start(p.endpoint);
    const done = await kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 120_000);
    assert.equal(done.status.activeRegion, WEST);
    assert.equal(p.count('rds', 'PromoteReadReplica'), 1, 'exactly one PromoteReadReplica reached AWS');
    assert.equal((await dbs.secretData(s.secret)).region, WEST);
    const old = await dbs.instance(EAST, s.db);
    const groups = (old.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId);
    assert.equal(groups.length, 1, `the old writer keeps only the deny-all group: ${groups.join(',')}`);
    assert.ok(p.count('ec2', 'CreateSecurityGroup') <= 1, 'one deny-all group, not one per attempt');
  });

  test('killed right after PromoteReadReplica: the restart never promotes again and converges', async () => {
    proxy = new FaultProxy(stack.motoEndpoint);
    await proxy.start();
    const p = proxy;
    ctrl = await start(p.endpoint);
    const first = ctrl;
    p.add({ service: 'rds', operation: 'PromoteReadReplica', kind: 'applyThenDrop', times: 1, hook: () => first.kill() });
    const s = await dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    const o = await dbs.healthyAndReady(s);
    await aws.putHealth(o.status.healthCheckIds.primary, 0);
    await first.exited;
    assert.equal(p.count('rds', 'PromoteReadReplica'), 1);
    const mid = await kube.get('FailoverPolicy', NS, s.name);
    assert.equal(mid?.status.inProgress.step, 'PromoteRequested', 'the step was recorded before the call');

    ctrl = await start(p.endpoint);
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal(p.count('rds', 'PromoteReadReplica'), 1, 'the restart waits instead of promoting again');
    // moto keeps ReadReplicaSourceDBInstanceIdentifier after a promotion (AWS clears it): the
    // promoted-at tag stands in for that, as it does for promote() itself.
    const arn = (await dbs.instance(WEST, s.replica)).DBInstanceArn!;
    await aws.rds(WEST).send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'multiregion.dev/promoted-at', Value: new Date().toISOString() }] }));
    await kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: s.name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': '1' } } });
    const done = await kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 90_000);
    assert.equal(done.status.activeRegion, WEST);
    assert.equal((await dbs.secretData(s.secret)).region, WEST);
    assert.equal(await dbs.primaryRecordValue(s), '203.0.113.20');
    assert.equal(p.count('rds', 'PromoteReadReplica'), 1, 'exactly one PromoteReadReplica reached AWS');
  });
});
