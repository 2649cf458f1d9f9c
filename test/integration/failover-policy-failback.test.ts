// FailoverPolicy with a database, planned both ways: a manual switchover to us-west-2 and the
// failback to us-east-1 onto the replica re-created there. A planned switch promotes only at
// lag 0 measured after the fence; RDS publishes lag per minute (moto rounds GetMetricData to the
// period), so the test waits for the minute after the fence and then reports lag 0, as RDS would.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, WEST } from './failover-policy-fixtures.ts';
import type { Obj } from './helpers.ts';

const NS = 'fp-failback';
const bed = new PolicyBed(NS);

const poke = (name: string) =>
  bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': String(Date.now()) } } });

/**
 * Drives a planned switch to `to` past its lag-0 gate: once the old writer is fenced, waits for
 * the next whole minute (the lag datapoint's period must start after the fence) and reports lag
 * 0 for the replica being promoted, then asks for a reconcile instead of waiting for the requeue.
 */
async function completePlannedSwitch(name: string, to: string, replica: { region: string; identifier: string }, sinceCompleted?: string): Promise<Obj> {
  const deadline = Date.now() + 150_000;
  const done = (x: Obj) => !!x.status?.lastFailover?.completedAt && x.status.lastFailover.completedAt !== sinceCompleted && x.status.lastFailover.to === to;
  const fenced = await bed.kube.waitFor('FailoverPolicy', NS, name, 'old writer fenced', (x) => x.status?.inProgress?.step === 'Fenced' || done(x), 60_000);
  if (done(fenced)) return fenced;
  const fencedAt = Date.parse(fenced.status.inProgress.stepAt ?? fenced.status.inProgress.startedAt);
  const nextMinute = Math.ceil((fencedAt + 1) / 60_000) * 60_000;
  await sleep(Math.max(0, nextMinute - Date.now()) + 1_500);
  while (Date.now() < deadline) {
    await bed.aws.putLag(replica.region, replica.identifier, 0);
    await poke(name);
    try {
      return await bed.kube.waitFor('FailoverPolicy', NS, name, `switch to ${to} completed`, done, 15_000);
    } catch {
      // still waiting: report again (a datapoint may have landed in the previous period)
    }
  }
  throw new Error(`the planned switch to ${to} did not complete`);
}

describe('FailoverPolicy planned switchover and failback', () => {
  test('switch to us-west-2, then fail back to us-east-1 onto the re-created replica', async () => {
    await bed.start();
    const { dbs } = bed;
    const s = await dbs.setup({ mode: 'Manual', activeRegion: EAST });
    const { name, replica, db, secret } = s;
    const o = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      name,
      'checks and replica',
      (x) => !!x.status?.healthCheckIds?.secondary && !!x.status?.database?.replica,
      90_000,
    );
    const healthy = async () => {
      await bed.aws.putHealth(o.status.healthCheckIds.primary, 1);
      await bed.aws.putHealth(o.status.healthCheckIds.secondary, 1);
    };
    await dbs.moveToRegionDefaultGroup(WEST, replica);
    await bed.aws.putLag(WEST, replica, 2);
    await healthy();
    await bed.kube.waitCondition('FailoverPolicy', NS, name, 'FailoverReady', 'True', 'StandbyReady', 60_000);

    // Planned switchover.
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: WEST } } });
    const over = await completePlannedSwitch(name, WEST, { region: WEST, identifier: replica });
    assert.equal(over.status.lastFailover.reason, 'PlannedSwitchover');
    assert.equal(over.status.lastFailover.rpoSeconds, 0, 'a planned switch loses nothing');
    assert.equal(over.status.activeRegion, WEST);
    assert.deepEqual(over.status.database.writer, { region: WEST, identifier: replica });
    assert.equal((await dbs.secretData(secret)).region, WEST);
    assert.equal(await dbs.primaryRecordValue(s), '203.0.113.20');

    // The controller re-creates a replica in us-east-1; once it is caught up, fail back.
    const reseeded = await bed.kube.waitFor('FailoverPolicy', NS, name, 'replica in us-east-1', (x) => x.status?.database?.replica?.region === EAST, 60_000);
    const newReplica = reseeded.status.database.replica.identifier as string;
    assert.notEqual(newReplica, db, 'never the fenced ex-writer');
    await bed.aws.putLag(EAST, newReplica, 1);
    await healthy();
    await poke(name);
    await bed.kube.waitCondition('FailoverPolicy', NS, name, 'FailoverReady', 'True', 'StandbyReady', 90_000);
    const described = (await bed.aws.rds(EAST).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: newReplica }))).DBInstances![0]!;
    assert.match(described.ReadReplicaSourceDBInstanceIdentifier ?? '', new RegExp(replica));

    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: EAST } } });
    const back = await completePlannedSwitch(name, EAST, { region: EAST, identifier: newReplica }, over.status.lastFailover.completedAt);
    assert.equal(back.status.lastFailover.reason, 'Failback');
    assert.equal(back.status.lastFailover.from, WEST);
    assert.equal(back.status.activeRegion, EAST);
    assert.deepEqual(back.status.database.writer, { region: EAST, identifier: newReplica });
    assert.equal((await dbs.secretData(secret)).region, EAST);
    assert.equal(await dbs.primaryRecordValue(s), '198.51.100.10');
    const reasons = (back.status.history as Array<{ reason: string }>).map((h) => h.reason);
    assert.ok(reasons.filter((r) => r === 'FailoverCompleted').length >= 2, reasons.join(','));
  });
});
