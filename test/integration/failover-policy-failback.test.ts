// FailoverPolicy with a database, planned both ways: a manual switchover to us-west-2 and the
// failback to us-east-1 onto the replica re-created there. A planned switch promotes only at
// lag 0 measured after the fence; RDS publishes lag per minute (moto rounds GetMetricData to the
// period), so the test waits for the minute after the fence and then reports lag 0, as RDS would.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { getStack, type Stack } from '../env/stack.ts';
import { startController, type ControllerProcess } from '../env/controller.ts';
import { Kube, type Obj } from './helpers.ts';
import { Aws, clearPolicies, EAST, WEST } from './failover-policy-fixtures.ts';
import { DbPolicies } from './failover-policy-db-fixtures.ts';

const NS = 'fp-failback';
let stack: Stack;
let kube: Kube;
let aws: Aws;
let ctrl: ControllerProcess | undefined;

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  aws = new Aws(stack.motoEndpoint);
  await kube.ensureNamespace(NS);
});
after(async () => {
  await ctrl?.stop();
  aws.destroy();
  await stack.stop();
});
beforeEach(async () => {
  await ctrl?.stop();
  await clearPolicies(kube, NS);
  await stack.resetMoto();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const poke = (name: string) => kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': String(Date.now()) } } });

async function secretRegion(name: string): Promise<string> {
  const s = (await kube.get('Secret', NS, name, 'v1')) as unknown as { data: Record<string, string> } | undefined;
  return Buffer.from(s?.data.region ?? '', 'base64').toString('utf8');
}

async function primaryValue(zone: string, name: string): Promise<string | undefined> {
  return (await aws.records(zone, `${name}.example.com`)).find((r) => r.SetIdentifier === `${name}-primary`)?.ResourceRecords?.[0]?.Value;
}

/**
 * Drives a planned switch to `to` past its lag-0 gate: once the old writer is fenced, waits for
 * the next whole minute (the lag datapoint's period must start after the fence) and reports lag
 * 0 for the replica being promoted, then asks for a reconcile instead of waiting for the requeue.
 */
async function completePlannedSwitch(name: string, to: string, replica: { region: string; identifier: string }, sinceCompleted?: string): Promise<Obj> {
  const deadline = Date.now() + 150_000;
  const done = (x: Obj) => !!x.status?.lastFailover?.completedAt && x.status.lastFailover.completedAt !== sinceCompleted && x.status.lastFailover.to === to;
  const fenced = await kube.waitFor('FailoverPolicy', NS, name, 'old writer fenced', (x) => x.status?.inProgress?.step === 'Fenced' || done(x), 60_000);
  if (done(fenced)) return fenced;
  const fencedAt = Date.parse(fenced.status.inProgress.stepAt ?? fenced.status.inProgress.startedAt);
  const nextMinute = Math.ceil((fencedAt + 1) / 60_000) * 60_000;
  await sleep(Math.max(0, nextMinute - Date.now()) + 1_500);
  while (Date.now() < deadline) {
    await aws.putLag(replica.region, replica.identifier, 0);
    await poke(name);
    try {
      return await kube.waitFor('FailoverPolicy', NS, name, `switch to ${to} completed`, done, 15_000);
    } catch {
      // still waiting: report again (a datapoint may have landed in the previous period)
    }
  }
  throw new Error(`the planned switch to ${to} did not complete`);
}

describe('FailoverPolicy planned switchover and failback', () => {
  test('switch to us-west-2, then fail back to us-east-1 onto the re-created replica', async () => {
    ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint, args: ['--health-observe-interval=1s'] });
    const dbs = new DbPolicies(stack, kube, aws, NS);
    const { name, zone, replica, db, secret } = await dbs.setup({ mode: 'Manual', activeRegion: EAST });
    const o = await kube.waitFor('FailoverPolicy', NS, name, 'checks and replica', (x) => !!x.status?.healthCheckIds?.secondary && !!x.status?.database?.replica, 90_000);
    const healthy = async () => {
      await aws.putHealth(o.status.healthCheckIds.primary, 1);
      await aws.putHealth(o.status.healthCheckIds.secondary, 1);
    };
    await dbs.moveToRegionDefaultGroup(WEST, replica);
    await aws.putLag(WEST, replica, 2);
    await healthy();
    await kube.waitCondition('FailoverPolicy', NS, name, 'FailoverReady', 'True', 'StandbyReady', 60_000);

    // Planned switchover.
    await kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: WEST } } });
    const over = await completePlannedSwitch(name, WEST, { region: WEST, identifier: replica });
    assert.equal(over.status.lastFailover.reason, 'PlannedSwitchover');
    assert.equal(over.status.lastFailover.rpoSeconds, 0, 'a planned switch loses nothing');
    assert.equal(over.status.activeRegion, WEST);
    assert.deepEqual(over.status.database.writer, { region: WEST, identifier: replica });
    assert.equal(await secretRegion(secret), WEST);
    assert.equal(await primaryValue(zone, name), '203.0.113.20');

    // The controller re-creates a replica in us-east-1; once it is caught up, fail back.
    const reseeded = await kube.waitFor('FailoverPolicy', NS, name, 'replica in us-east-1', (x) => x.status?.database?.replica?.region === EAST, 60_000);
    const newReplica = reseeded.status.database.replica.identifier as string;
    assert.notEqual(newReplica, db, 'never the fenced ex-writer');
    await aws.putLag(EAST, newReplica, 1);
    await healthy();
    await poke(name);
    await kube.waitCondition('FailoverPolicy', NS, name, 'FailoverReady', 'True', 'StandbyReady', 90_000);
    const described = (await aws.rds(EAST).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: newReplica }))).DBInstances![0]!;
    assert.match(described.ReadReplicaSourceDBInstanceIdentifier ?? '', new RegExp(replica));

    await kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: EAST } } });
    const back = await completePlannedSwitch(name, EAST, { region: EAST, identifier: newReplica }, over.status.lastFailover.completedAt);
    assert.equal(back.status.lastFailover.reason, 'Failback');
    assert.equal(back.status.lastFailover.from, WEST);
    assert.equal(back.status.activeRegion, EAST);
    assert.deepEqual(back.status.database.writer, { region: EAST, identifier: newReplica });
    assert.equal(await secretRegion(secret), EAST);
    assert.equal(await primaryValue(zone, name), '198.51.100.10');
    const reasons = (back.status.history as Array<{ reason: string }>).map((h) => h.reason);
    assert.ok(reasons.filter((r) => r === 'FailoverCompleted').length >= 2, reasons.join(','));
  });
});
