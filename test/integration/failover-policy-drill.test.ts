// FailoverPolicy drills end to end: the drill-now annotation runs a practice failover on the
// shadow record `_drill.<recordName>` and leaves production alone — both production records and
// the database (no promote / modify / reboot call reaches AWS, counted at the fault proxy).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { seedDatabase, seedHostedZone } from '../env/seed.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { type Obj, uniqueName } from './helpers.ts';

const NS = 'fp-drill';
const DB_WRITES = ['PromoteReadReplica', 'ModifyDBInstance', 'RebootDBInstance', 'DeleteDBInstance'];
const bed = new PolicyBed(NS, { eachTest: 'controllerBehindProxy' });

interface Setup {
  name: string;
  zone: string;
  record: string;
  replica: string;
}

async function setup(withDatabase: boolean, extra: Record<string, unknown> = {}): Promise<Setup> {
  const name = uniqueName('drill');
  const zone = await seedHostedZone({ endpoint: bed.stack.motoEndpoint }, 'example.com');
  const db = `${name}-db`;
  const s: Setup = { name, zone, record: `${name}.example.com`, replica: `${db}-replica` };
  if (withDatabase) await seedDatabase({ endpoint: bed.stack.motoEndpoint }, EAST, db);
  const check = { type: 'HTTPS', path: '/health/deep', port: 443 };
  await bed.kube.apply(
    policyObj(NS, name, {
      dns: {
        hostedZoneId: zone,
        recordName: s.record,
        primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: check },
        secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: check },
      },
      ...(withDatabase && {
        database: {
          engine: 'postgres',
          primary: { region: EAST, instanceIdentifier: db },
          replica: { region: WEST, instanceIdentifier: s.replica },
          maxReplicaLagSeconds: 30,
          connectionSecret: { name: `${name}-conn` },
        },
      }),
      failover: { mode: 'Manual', activeRegion: EAST },
      ...extra,
    }),
  );
  return s;
}

async function ready(s: Setup, withDatabase: boolean): Promise<Obj> {
  const o = await bed.kube.waitFor(
    'FailoverPolicy',
    NS,
    s.name,
    'checks',
    (x) => !!x.status?.healthCheckIds?.secondary && (!withDatabase || !!x.status?.database?.replica),
    90_000,
  );
  if (withDatabase) await bed.aws.putLag(WEST, s.replica, 3);
  await bed.aws.putHealth(o.status.healthCheckIds.primary, 1);
  await bed.aws.putHealth(o.status.healthCheckIds.secondary, 1);
  return bed.kube.waitCondition('FailoverPolicy', NS, s.name, 'FailoverReady', 'True', 'StandbyReady', 60_000);
}

const production = async (s: Setup) =>
  (await bed.aws.records(s.zone, s.record))
    .map((r) => ({ id: r.SetIdentifier, failover: r.Failover, values: r.ResourceRecords?.map((v) => v.Value), hc: r.HealthCheckId }))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));

const drillNow = (s: Setup, value: string) =>
  bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: s.name }, { metadata: { annotations: { 'multiregion.dev/drill-now': value } } });

const dbWrites = () => DB_WRITES.reduce((n, op) => n + bed.proxy!.count('rds', op), 0);

describe('FailoverPolicy drills', () => {
  test('drill-now on a policy with a database: shadow switched and removed, production and database untouched', async () => {
    const s = await setup(true);
    await ready(s, true);
    const prodBefore = await production(s);
    assert.equal(prodBefore.length, 2);
    const writesBefore = dbWrites();
    await drillNow(s, 'one');
    const o = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'drill done', (x) => x.status?.lastDrill?.trigger === 'one', 90_000);
    const d = o.status.lastDrill;
    assert.equal(d.result, 'Succeeded', d.message);
    // The default type, and its result says what it does not measure.
    assert.equal(d.type, 'Dns');
    assert.match(d.message, /measures the DNS answer only: no fencing, no promotion/);
    assert.equal(d.reason, 'OnDemand');
    assert.ok(d.rtoSeconds >= 0 && d.rtoSeconds < 60, `rto ${d.rtoSeconds}`);
    assert.equal(d.rpoSeconds, 3, 'replica lag at the switch');
    assert.ok(Date.parse(d.completedAt) >= Date.parse(d.startedAt));
    assert.match(d.message, /_drill\./);
    assert.match(d.message, /us-west-2/);

    assert.deepEqual(await production(s), prodBefore, 'production records unchanged');
    assert.equal(dbWrites(), writesBefore, 'no RDS write during the drill');
    assert.equal(o.status.activeRegion, EAST);
    const all = await bed.aws.records(s.zone);
    assert.deepEqual(
      all.filter((r) => r.Name?.includes('_drill.')).map((r) => r.Name),
      [],
      'shadow records and their registry record removed',
    );
    // The switch really happened on the shadow: two shadow writes reached Route 53 plus the removal.
    assert.ok(bed.proxy!.count('route53', 'ChangeResourceRecordSets') >= 3);
    const events = await bed.kube.events(NS, s.name);
    assert.ok(
      events.some((e) => e.reason === 'DrillSucceeded'),
      events.map((e) => e.reason).join(','),
    );

    // The same value again starts nothing; a new value starts one more drill.
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: s.name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': 'x' } } });
    await sleep(3_000);
    assert.equal((await bed.kube.get('FailoverPolicy', NS, s.name))?.status.lastDrill.startedAt, d.startedAt);
    await drillNow(s, 'two');
    const o2 = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'second drill', (x) => x.status?.lastDrill?.trigger === 'two', 90_000);
    assert.equal(o2.status.lastDrill.result, 'Succeeded');
    assert.notEqual(o2.status.lastDrill.startedAt, d.startedAt);
    assert.equal(dbWrites(), writesBefore);
  });

  test('a drill while the standby is unhealthy fails, says why, and still cleans up', async () => {
    const s = await setup(false);
    const o = await ready(s, false);
    const prodBefore = await production(s);
    await bed.aws.putHealth(o.status.healthCheckIds.secondary, 0);
    await bed.kube.waitCondition('FailoverPolicy', NS, s.name, 'FailoverReady', 'False', 'StandbyUnhealthy', 60_000);
    await drillNow(s, 'bad');
    const done = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'drill done', (x) => x.status?.lastDrill?.trigger === 'bad', 60_000);
    assert.equal(done.status.lastDrill.result, 'Failed');
    assert.match(done.status.lastDrill.message, /StandbyUnhealthy/);
    assert.equal(done.status.lastDrill.rtoSeconds, undefined);
    assert.deepEqual(await production(s), prodBefore);
    assert.deepEqual(
      (await bed.aws.records(s.zone)).filter((r) => r.Name?.includes('_drill.')),
      [],
    );
    const events = await bed.kube.events(NS, s.name);
    assert.ok(events.some((e) => e.reason === 'DrillFailed' && e.type === 'Warning'));
  });
});
