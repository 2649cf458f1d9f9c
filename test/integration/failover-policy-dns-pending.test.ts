// No reconcile waits for Route 53 to apply a change. moto answers every change INSYNC at once, so
// the controller runs behind the fault proxy, which rewrites ChangeInfo to PENDING while the test
// says so, as Route 53 does for about a minute after each change. While PENDING, a pass still
// ends and writes status (the change id, what waits); once INSYNC, what waited goes on.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultProxy } from '../env/fault-proxy.ts';
import { seedHostedZone } from '../env/seed.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { condition, type Obj, uniqueName } from './helpers.ts';

const NS = 'fp-dns-pending';
const bed = new PolicyBed(NS);

/** While `pending`, every ChangeInfo in a Route 53 answer says PENDING. */
class PendingChanges {
  pending = false;

  constructor(private readonly proxy: FaultProxy) {
    proxy.add({
      service: 'route53',
      kind: 'rewrite',
      rewrite: (body) => (this.pending && body.includes('<ChangeInfo>') ? body.replace(/<Status>INSYNC<\/Status>/g, '<Status>PENDING</Status>') : body),
    });
  }

  get getChanges(): number {
    return this.proxy.calls.filter((c) => c.service === 'route53' && c.operation === 'GetChange').length;
  }
}

/** A controller behind the bed's fault proxy (the bed stops both before the next test). */
async function controllerBehindPending(): Promise<PendingChanges> {
  await bed.start({ behindProxy: true });
  return new PendingChanges(bed.proxy!);
}

interface Setup {
  name: string;
  zone: string;
  record: string;
}

async function applyPolicy(): Promise<Setup> {
  const name = uniqueName('pend');
  const zone = await seedHostedZone({ endpoint: bed.stack.motoEndpoint }, 'example.com');
  const s = { name, zone, record: `${name}.example.com` };
  const check = { type: 'HTTPS', path: '/health/deep', port: 443 };
  await bed.kube.apply(
    policyObj(NS, name, {
      dns: {
        hostedZoneId: zone,
        recordName: s.record,
        primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: check },
        secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: check },
      },
      failover: { mode: 'Manual', activeRegion: EAST },
    }),
  );
  return s;
}

async function healthy(s: Setup): Promise<Obj> {
  const o = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'checks', (x) => !!x.status?.healthCheckIds?.secondary, 60_000);
  await bed.aws.putHealth(o.status.healthCheckIds.primary, 1);
  await bed.aws.putHealth(o.status.healthCheckIds.secondary, 1);
  return o;
}

const shadow = async (s: Setup) => (await bed.aws.records(s.zone)).filter((r) => r.Name?.includes('_drill.'));
const drillNow = (s: Setup, value: string) =>
  bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: s.name }, { metadata: { annotations: { 'multiregion.dev/drill-now': value } } });

describe('Route 53 changes PENDING', () => {
  test('a pass ends while the records change is PENDING; FailoverReady and Ready wait for INSYNC by requeue', async () => {
    const proxy = await controllerBehindPending();
    proxy.pending = true;
    const s = await applyPolicy();
    await healthy(s);
    // Written before INSYNC: with a pass held on GetChange, no status would appear for minutes.
    const o = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      'the pending change in status',
      (x) => !!x.status?.dnsChange?.id && condition(x, 'FailoverReady')?.reason === 'RecordsPending',
      20_000,
    );
    assert.equal(condition(o, 'DnsSynced')?.status, 'Unknown');
    assert.equal(condition(o, 'DnsSynced')?.reason, 'ChangePending');
    assert.equal(condition(o, 'Ready')?.status, 'False');
    assert.equal((await bed.aws.records(s.zone, s.record)).length, 2, 'the records are written; Route 53 just has not applied them');
    // Each pass looks once and requeues within seconds: GetChange keeps coming, nothing turns ready.
    const looks = proxy.getChanges;
    await sleep(4_000);
    assert.ok(proxy.getChanges >= looks + 2, `GetChange ${looks} → ${proxy.getChanges}`);
    const still = (await bed.kube.get('FailoverPolicy', NS, s.name))!;
    assert.equal(condition(still, 'FailoverReady')?.reason, 'RecordsPending');
    assert.equal(still.status.dnsChange.id, o.status.dnsChange.id);

    proxy.pending = false;
    const done = await bed.kube.waitCondition('FailoverPolicy', NS, s.name, 'FailoverReady', 'True', 'StandbyReady', 30_000);
    assert.equal(done.status.dnsChange, undefined);
    assert.equal(condition(done, 'DnsSynced')?.status, 'True');
    assert.equal(condition(done, 'Ready')?.status, 'True');
  });

  test("a failover's DNS step waits for INSYNC by requeue: completedAt and the RTO include the wait", async () => {
    const proxy = await controllerBehindPending();
    const s = await bed.dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    const o = await bed.dbs.healthyAndReady(s);
    proxy.pending = true;
    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    const switching = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      'DNS switched, change pending',
      (x) => x.status?.inProgress?.step === 'SecretWritten' && !!x.status?.dnsChange?.id,
      120_000,
    );
    assert.equal(switching.status.lastFailover, undefined);
    assert.equal(await bed.dbs.primaryRecordValue(s), '203.0.113.20', 'the records are written; Route 53 has not applied them');
    await sleep(4_000);
    const still = (await bed.kube.get('FailoverPolicy', NS, s.name))!;
    assert.equal(still.status.inProgress?.step, 'SecretWritten', 'DnsSwitched waits for INSYNC');
    assert.equal(still.status.lastFailover, undefined);

    const released = Date.now();
    proxy.pending = false;
    const done = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 60_000);
    const lf = done.status.lastFailover;
    assert.ok(Date.parse(lf.completedAt) >= released - 1_000, `completed ${lf.completedAt}, INSYNC from ${new Date(released).toISOString()}`);
    assert.ok(lf.rtoSeconds >= 4, `rto ${lf.rtoSeconds}`);
    assert.equal(done.status.activeRegion, WEST);
    assert.equal(done.status.dnsChange, undefined);
  });

  test('a drill does not hold the pass: it waits in status.drillInProgress and ends on a later pass', async () => {
    const proxy = await controllerBehindPending();
    const s = await applyPolicy();
    await healthy(s);
    await bed.kube.waitCondition('FailoverPolicy', NS, s.name, 'FailoverReady', 'True', 'StandbyReady', 60_000);
    proxy.pending = true;
    await drillNow(s, 'p1');
    const o = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'drill in progress', (x) => x.status?.drillInProgress?.trigger === 'p1', 20_000);
    assert.match(o.status.drillInProgress.waitingFor, /INSYNC/);
    assert.notEqual(o.status.lastDrill?.trigger, 'p1');
    await sleep(3_000);
    const still = (await bed.kube.get('FailoverPolicy', NS, s.name))!;
    assert.equal(still.status.drillInProgress?.trigger, 'p1', 'still waiting, by requeue');
    assert.notEqual(still.status.lastDrill?.trigger, 'p1');

    proxy.pending = false;
    const done = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'drill done', (x) => x.status?.lastDrill?.trigger === 'p1', 30_000);
    assert.equal(done.status.lastDrill.result, 'Succeeded', done.status.lastDrill.message);
    assert.equal(done.status.drillInProgress, undefined);
    assert.ok(done.status.lastDrill.rtoSeconds >= 3, `rto ${done.status.lastDrill.rtoSeconds}: counted until the answer, waits included`);
    assert.deepEqual(await shadow(s), [], 'shadow records removed');
  });

  test('a controller restarted mid-drill resumes the drill and removes the shadow records', async () => {
    const proxy = await controllerBehindPending();
    const s = await applyPolicy();
    await healthy(s);
    await bed.kube.waitCondition('FailoverPolicy', NS, s.name, 'FailoverReady', 'True', 'StandbyReady', 60_000);
    proxy.pending = true;
    await drillNow(s, 'r1');
    await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'drill in progress', (x) => x.status?.drillInProgress?.trigger === 'r1', 20_000);
    await bed.ctrl!.kill();
    assert.ok((await shadow(s)).length > 0, 'the shadow records are there when the controller dies');

    proxy.pending = false;
    await bed.start({ behindProxy: true });
    const done = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'drill done', (x) => x.status?.lastDrill?.trigger === 'r1', 60_000);
    assert.equal(done.status.lastDrill.result, 'Succeeded', done.status.lastDrill.message);
    assert.equal(done.status.drillInProgress, undefined);
    assert.deepEqual(await shadow(s), []);
  });
});
