// Switchover drills end to end (spec.drill.type Switchover): the drill-now annotation runs the real
// planned switchover to the standby and back through the failover state machine, only inside the
// drill's window, and a drill that fails in the middle ends on a known writer. AWS is read back
// with DescribeDBInstances. A planned switch promotes only at lag 0 measured after the fence, and
// moto rounds GetMetricData to the minute: each direction waits for the minute after its fence.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FENCE_TAGS } from '../../src/aws/rds/fence.ts';
import { isAvailableReplica, isStandaloneWriter } from '../../src/aws/rds/instances.ts';
import { startController } from '../env/controller.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, WEST } from './failover-policy-fixtures.ts';
import type { Obj } from './helpers.ts';

const NS = 'fp-drill-switchover';
const bed = new PolicyBed(NS, { eachTest: 'controller' });

/** A daily schedule whose slot is `offsetMin` minutes from now (UTC; negative: in the past). */
function scheduleAt(offsetMin: number): string {
  const t = new Date(Date.now() + offsetMin * 60_000);
  return `${t.getUTCMinutes()} ${t.getUTCHours()} * * *`;
}

const drillNow = (name: string, value: string) =>
  bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/drill-now': value } } });
const poke = (name: string) =>
  bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': String(Date.now()) } } });

/** The drill's current direction past its lag-0 gate: after the fence, the next whole minute, then lag 0 for the replica it promotes. */
async function passCatchUp(name: string, to: string): Promise<void> {
  const fenced = await bed.kube.waitFor(
    'FailoverPolicy',
    NS,
    name,
    `switch to ${to} fenced`,
    (x) => x.status?.inProgress?.to === to && x.status.inProgress.step === 'Fenced',
    120_000,
  );
  const ip = fenced.status.inProgress;
  const fencedAt = Date.parse(ip.stepAt ?? ip.startedAt);
  await sleep(Math.max(0, Math.ceil((fencedAt + 1) / 60_000) * 60_000 - Date.now()) + 1_500);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    await bed.aws.putLag(to, ip.toIdentifier, 0);
    await poke(name);
    try {
      await bed.kube.waitFor(
        'FailoverPolicy',
        NS,
        name,
        `switch to ${to} promoted`,
        (x) => x.status?.inProgress?.to !== to || x.status.inProgress.step !== 'Fenced',
        15_000,
      );
      return;
    } catch {
      // a datapoint may have landed in the previous period: report again
    }
  }
  throw new Error(`the switch to ${to} did not get past its catch-up`);
}

async function setupReady(drill: Record<string, unknown>) {
  const s = await bed.dbs.setup({ mode: 'Manual', activeRegion: EAST }, { drill });
  const o = await bed.kube.waitFor(
    'FailoverPolicy',
    NS,
    s.name,
    'checks and replica',
    (x) => !!x.status?.healthCheckIds?.secondary && !!x.status?.database?.replica,
    90_000,
  );
  // moto gives the cross-region replica the source's group ids; the drill fences it on the way back.
  await bed.dbs.moveToRegionDefaultGroup(WEST, s.replica);
  await bed.dbs.healthyAndReady(s);
  return { s, checks: o.status.healthCheckIds as { primary: string; secondary: string } };
}

const lastDrillAfter = (name: string, trigger: string, ms: number): Promise<Obj> =>
  bed.kube.waitFor(
    'FailoverPolicy',
    NS,
    name,
    `drill ${trigger} recorded`,
    (x) => x.status?.lastDrill?.trigger === trigger && !!x.status.lastDrill.completedAt,
    ms,
  );

describe('FailoverPolicy Switchover drills', () => {
  test('the catch-up times out (--drill-catch-up-timeout): the switch is aborted, the drill ends on the original writer', async () => {
    // This test's controller has a short catch-up timeout; the bed stops it like its own.
    await bed.ctrl?.stop();
    bed.ctrl = await startController({
      kubeconfigPath: bed.stack.kubeconfigPath,
      awsEndpoint: bed.stack.motoEndpoint,
      args: ['--health-observe-interval=1s', '--health-period=10s', '--drill-catch-up-timeout=10s'],
    });
    const { s } = await setupReady({ type: 'Switchover', windowMinutes: 30 });
    await drillNow(s.name, 'slow');
    // Fenced, and then no lag 0 ever comes.
    await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'old writer fenced', (x) => x.status?.inProgress?.step === 'Fenced', 60_000);
    const o = await lastDrillAfter(s.name, 'slow', 60_000);
    const d = o.status.lastDrill;
    assert.equal(d.result, 'Failed', d.message);
    assert.match(d.message, /did not reach its promotion within 10s/);
    assert.deepEqual(d.writer, { region: EAST, identifier: s.db });
    assert.equal(o.status.inProgress, undefined);
    assert.equal(o.status.activeRegion, EAST);
    const w = await bed.dbs.instance(EAST, s.db);
    assert.ok(isStandaloneWriter(w));
    assert.equal(
      (w.TagList ?? []).some((t) => t.Key === FENCE_TAGS.from),
      false,
      'unfenced',
    );
    assert.ok(isAvailableReplica(await bed.dbs.instance(WEST, s.replica)), 'never promoted');
  });

  test('outside its window: not started, status says why and when the next window opens', async () => {
    const { s } = await setupReady({ type: 'Switchover', schedule: scheduleAt(120), windowMinutes: 10 });
    await drillNow(s.name, 'outside-1');
    const o = await lastDrillAfter(s.name, 'outside-1', 30_000);
    const d = o.status.lastDrill;
    assert.equal(d.type, 'Switchover');
    assert.equal(d.result, 'NotStarted');
    assert.match(d.message, /outside its window/);
    assert.match(d.message, /next window opens at \d{4}-/);
    assert.equal(o.status.drillInProgress, undefined);
    assert.equal(o.status.inProgress, undefined, 'no switchover was triggered');
    assert.equal(o.status.activeRegion, EAST);
    assert.ok(isStandaloneWriter(await bed.dbs.instance(EAST, s.db)));
    assert.ok(isAvailableReplica(await bed.dbs.instance(WEST, s.replica)), 'the replica is still a replica');
  });

  test('inside its window: switched over and back through the state machine, RTO and RPO per direction', async () => {
    const { s } = await setupReady({ type: 'Switchover', schedule: scheduleAt(-1), windowMinutes: 30 });
    await drillNow(s.name, 'both-ways');
    const started = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'drill started', (x) => x.status?.drillInProgress?.type === 'Switchover', 30_000);
    assert.equal(started.status.drillInProgress.switchover.activeRegion, WEST);

    await passCatchUp(s.name, WEST);
    // Back home onto the replica the machine re-seeded in us-east-1, once it reports its lag.
    const back = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      'switched over, re-seed in us-east-1',
      (x) => x.status?.drillInProgress?.switchover?.phase === 'SwitchingBack' && x.status.database?.replica?.region === EAST,
      120_000,
    );
    assert.equal(back.status.activeRegion, WEST);
    assert.equal((await bed.dbs.secretData(s.secret)).region, WEST);
    assert.equal(await bed.dbs.primaryRecordValue(s), '203.0.113.20');
    const reseed = back.status.database.replica.identifier as string;
    await bed.aws.putLag(EAST, reseed, 1);
    await passCatchUp(s.name, EAST);

    const o = await lastDrillAfter(s.name, 'both-ways', 120_000);
    const d = o.status.lastDrill;
    assert.equal(d.result, 'Succeeded', d.message);
    assert.equal(d.type, 'Switchover');
    assert.deepEqual(
      d.directions.map((x: { from: string; to: string }) => [x.from, x.to]),
      [
        [EAST, WEST],
        [WEST, EAST],
      ],
    );
    for (const dir of d.directions) {
      assert.equal(typeof dir.rtoSeconds, 'number', 'RTO per direction');
      assert.equal(dir.rpoSeconds, 0, 'a planned switch loses nothing');
      assert.ok(dir.completedAt);
      assert.ok(
        (dir.steps as Array<{ step: string }>).some((m) => m.step === 'Fenced'),
        'the real path: fenced',
      );
    }
    assert.deepEqual(d.writer, { region: EAST, identifier: reseed });
    assert.equal(o.status.drillInProgress, undefined);
    assert.equal(o.status.activeRegion, EAST);
    assert.equal(o.spec.failover.activeRegion, EAST, 'the spec was never written');
    // AWS: the original region holds the writer again, and the other one a replica of it.
    // (moto keeps the source's ARN on a promoted instance: standalone is judged as the controller does.)
    assert.ok(isStandaloneWriter(await bed.dbs.instance(EAST, reseed)), 'a standalone writer in us-east-1');
    const replica = (await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'replica in us-west-2', (x) => x.status?.database?.replica?.region === WEST, 60_000))
      .status.database.replica;
    const described = await bed.dbs.instance(WEST, replica.identifier);
    assert.match(described.ReadReplicaSourceDBInstanceIdentifier ?? '', new RegExp(reseed), 'a replica of it in us-west-2');
    assert.equal((await bed.dbs.secretData(s.secret)).region, EAST);
    assert.equal(await bed.dbs.primaryRecordValue(s), '198.51.100.10');
  });

  test('failing in the middle (the standby turns unhealthy after the fence): aborted, ends on a known writer', async () => {
    const { s, checks } = await setupReady({ type: 'Switchover', windowMinutes: 30 });
    await drillNow(s.name, 'fails');
    await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'old writer fenced', (x) => x.status?.inProgress?.step === 'Fenced', 60_000);
    await bed.aws.putHealth(checks.secondary, 0);
    const o = await lastDrillAfter(s.name, 'fails', 60_000);
    const d = o.status.lastDrill;
    assert.equal(d.result, 'Failed', d.message);
    assert.deepEqual(d.writer, { region: EAST, identifier: s.db });
    assert.match(d.message, new RegExp(`The writer is ${s.db} in ${EAST}`));
    assert.equal(o.status.inProgress, undefined);
    assert.equal(o.status.activeRegion, EAST);
    assert.deepEqual(o.status.database.writer, { region: EAST, identifier: s.db });
    // AWS and DNS agree: the writer answers (unfenced: not in a fence group) and traffic goes to it.
    const w = await bed.dbs.instance(EAST, s.db);
    assert.ok(isStandaloneWriter(w));
    assert.equal(
      (w.TagList ?? []).some((t) => t.Key === FENCE_TAGS.from),
      false,
      'the old writer is unfenced (its security groups back)',
    );
    const events = await bed.kube.events(NS, s.name);
    assert.ok(
      events.some((e) => e.reason === 'DrillFailed' && e.message.includes(s.db) && e.message.includes(EAST)),
      events.map((e) => e.reason).join(','),
    );
    assert.equal(await bed.dbs.primaryRecordValue(s), '198.51.100.10');
    assert.ok(isAvailableReplica(await bed.dbs.instance(WEST, s.replica)), 'never promoted');
  });
});
