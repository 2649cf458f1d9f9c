// The failover state machine in a regional outage (issue 14): the RPO of an unplanned failover
// comes from the lag before the outage, a broken replica is never ready, lost status never
// sends DNS to a dead region, and automatic failback cools down and is capped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type FailoverProgress, type MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import { FAILBACK_COOLDOWN_MS } from '../../src/controllers/failover-policy/failover-trigger.ts';
import { A, B, baseSpec, runLoop, T0, World } from './failover-world.ts';

const iso = (ms: number): string => new Date(ms).toISOString();
const steady = (): MachineStatus => ({
  activeRegion: A,
  phase: 'Healthy',
  database: { writer: { region: A, identifier: 'orders-db' }, replica: { region: B, identifier: 'orders-db-replica' } },
});
const triggered = (over: Partial<FailoverProgress> = {}): MachineStatus => ({
  ...steady(),
  phase: 'FailingOver',
  inProgress: {
    startedAt: iso(T0),
    from: A,
    to: B,
    reason: 'PrimaryUnhealthy',
    step: 'Triggered',
    stepAt: iso(T0),
    fromIdentifier: 'orders-db',
    toIdentifier: 'orders-db-replica',
    ...over,
  },
});
const automatic = baseSpec({ mode: 'Automatic' });

/** A down since T0 − 60 s; the lag CloudWatch holds is given point by point (seconds before T0 → lag). */
function outage(points: Array<[number, number]>): World {
  const w = new World();
  w.health[A] = { state: 'Unhealthy', since: iso(T0 - 60_000) };
  w.lagHistoryMinutes = 0;
  w.lagSeconds = undefined;
  const base = w.observe.bind(w);
  w.observe = (spec, status) => ({ ...base(spec, status), lagHistory: points.map(([before, seconds]) => ({ seconds, at: iso(T0 - before * 1000) })) });
  return w;
}

describe('RPO of an unplanned failover: the lag from before the outage', () => {
  const cases: Array<{ reason: string; points: Array<[number, number]>; rpo?: number; blocked?: RegExp }> = [
    {
      reason: 'the last valid datapoint before the source turned unhealthy is the RPO, whatever came after',
      points: [
        [120, 4],
        [60, 6],
        [30, 900],
        [0, 1800],
      ],
      rpo: 6,
    },
    {
      reason: 'datapoints only after the onset (the lag grows with the source down) say nothing',
      points: [
        [30, 900],
        [0, 1800],
      ],
      blocked: /from before the outage is unknown/,
    },
    {
      reason: '-1 (MySQL: replication stopped) is not a lag',
      points: [
        [90, -1],
        [60, -1],
      ],
      blocked: /unknown/,
    },
    { reason: 'a datapoint older than the window before the onset is too old', points: [[60 + 200 + 60, 3]], blocked: /unknown/ },
    { reason: 'a lag above maxReplicaLagSeconds before the outage holds', points: [[60, 300]], blocked: /300s .* exceeds maxReplicaLagSeconds 60/ },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const w = outage(c.points);
      const status = triggered();
      const d = decide({ spec: automatic, status, obs: w.observe(automatic, status) });
      if (c.rpo !== undefined) {
        assert.equal(d.status.inProgress?.step, 'LagChecked');
        assert.equal(d.status.inProgress?.rpoSeconds, c.rpo);
        assert.deepEqual(
          d.actions.map((a) => a.type),
          ['recordStep', 'fence'],
        );
      } else {
        assert.equal(d.status.inProgress?.step, 'Triggered');
        assert.equal(d.blocked?.reason, 'RpoUnknown');
        assert.match(d.blocked?.message ?? '', c.blocked!);
        assert.match(d.blocked?.message ?? '', /--accept-data-loss/);
        assert.deepEqual(d.actions, []);
      }
    });
  }

  it('the break-glass annotation lets an unknown RPO go on once, and the same value covers the fence step', () => {
    const w = outage([]);
    w.reachable[A] = false;
    w.acceptDataLoss = '2026-12-03T08:00:00Z';
    let status = triggered();
    let d = decide({ spec: automatic, status, obs: w.observe(automatic, status) });
    assert.equal(d.status.inProgress?.step, 'LagChecked');
    assert.equal(d.status.inProgress?.dataLossAccepted, 'Annotation 2026-12-03T08:00:00Z');
    assert.equal(d.status.acceptedDataLoss, '2026-12-03T08:00:00Z');
    assert.ok(d.events.some((e) => e.reason === 'DataLossAccepted'));
    status = d.status;
    d = decide({ spec: automatic, status, obs: w.observe(automatic, status) });
    assert.equal(d.status.inProgress?.step, 'FenceUnconfirmed', 'the unconfirmed fence was accepted by the same value');
  });

  it('a planned switchover never takes the break-glass for an unknown lag', () => {
    const w = new World();
    w.lagSeconds = undefined;
    w.acceptDataLoss = 'v';
    const status = triggered({ reason: 'PlannedSwitchover' });
    const spec = baseSpec({ activeRegion: B });
    const d = decide({ spec, status, obs: w.observe(spec, status) });
    assert.equal(d.status.inProgress?.step, 'Triggered');
    assert.equal(d.status.acceptedDataLoss, undefined);
  });
});

describe('a replica whose lag reads -1 is never ready', () => {
  it('FailoverReady=False, ReplicaLagInvalid', () => {
    const w = new World();
    w.lagSeconds = -1;
    const d = decide({ spec: baseSpec(), status: steady(), obs: w.observe(baseSpec(), steady()) });
    assert.equal(d.failoverReady.status, 'False');
    assert.equal(d.failoverReady.reason, 'ReplicaLagInvalid');
  });
});

describe('planned Postgres switchover: an idle fenced writer makes ReplicaLag grow', () => {
  const fenced = (): MachineStatus => ({ ...triggered({ reason: 'PlannedSwitchover', step: 'Fenced', stepAt: iso(T0 - 30_000) }) });
  const spec = baseSpec({ activeRegion: B });
  const world = (walMb: number | undefined, walAt: number): World => {
    const w = new World();
    w.zeroWhenSourceFenced = false;
    w.lagSeconds = 95;
    const base = w.observe.bind(w);
    w.observe = (sp, st) => ({ ...base(sp, st), ...(walMb !== undefined && { sourceWalLag: { megabytes: walMb, at: iso(walAt) } }) });
    return w;
  };
  it('no WAL left to send after the fence: promote with RPO 0', () => {
    const w = world(0, T0);
    const d = decide({ spec, status: fenced(), obs: w.observe(spec, fenced()) });
    assert.deepEqual(
      d.actions.map((a) => a.type),
      ['recordStep', 'promote'],
    );
    assert.equal(d.status.inProgress?.rpoSeconds, 0);
  });
  it('WAL still to send: wait', () => {
    const w = world(12, T0);
    const d = decide({ spec, status: fenced(), obs: w.observe(spec, fenced()) });
    assert.deepEqual(d.actions, []);
  });
  it('a WAL datapoint from before the fence does not count', () => {
    const w = world(0, T0 - 60_000);
    const d = decide({ spec, status: fenced(), obs: w.observe(spec, fenced()) });
    assert.deepEqual(d.actions, []);
  });
  it('MySQL has no such signal: it waits for lag 0', () => {
    const w = world(0, T0);
    const mysql = { ...spec, database: { ...spec.database, engine: 'mysql' } };
    const d = decide({ spec: mysql, status: fenced(), obs: w.observe(mysql, fenced()) });
    assert.deepEqual(d.actions, []);
  });
});

describe('status lost while the writer region is down', () => {
  /** B's replica promoted by us earlier; A does not answer; DNS already serves B. */
  const world = (promotedByUs: boolean): World => {
    const w = new World();
    Object.assign(w.get(B, 'orders-db-replica')!, { role: 'writer', promoteMarked: promotedByUs });
    w.reachable[A] = false;
    w.health[A] = { state: 'Unhealthy', since: iso(T0 - 600_000) };
    w.dnsActive = B;
    w.secret = { region: B, host: 'orders-db-replica.us-west-2.rds' };
    return w;
  };
  it('our promoted standby: status follows AWS, DNS stays on B, the ex-writer is fenced when A answers', () => {
    const w = world(true);
    const spec = baseSpec({ mode: 'Automatic' });
    const r = runLoop(w, spec, {}, { maxIterations: 5 });
    assert.equal(r.status.activeRegion, B);
    assert.deepEqual(r.status.database?.writer, { region: B, identifier: 'orders-db-replica' });
    assert.equal(r.status.lastFailover?.reason, 'WriterRecovered');
    assert.match(r.status.lastFailover?.fencing ?? '', /^Unconfirmed/);
    assert.equal(w.dnsActive, B);
    assert.ok(!w.executed.some((a) => a.type === 'switchDns' && a.activeRegion === A), 'DNS never sent to A');
    w.reachable[A] = true;
    runLoop(w, spec, r.status, { maxIterations: 3 });
    assert.ok(w.get(A, 'orders-db')!.fenced, 'the old writer is fenced once A answers');
    assert.equal(w.liveWriters().length, 1);
  });
  it('a standby promoted by someone else: nothing is touched, and DNS stays', () => {
    const w = world(false);
    const d = decide({ spec: baseSpec({ mode: 'Automatic' }), status: {}, obs: w.observe(baseSpec(), {}) });
    assert.deepEqual(d.actions, []);
    assert.ok(d.events.some((e) => e.reason === 'StandbyIsWriter'));
    assert.equal(d.status.phase, 'Degraded');
  });
  it('the standby still a replica: DNS is not moved toward the unreachable writer', () => {
    const w = new World();
    w.reachable[A] = false;
    w.dnsActive = B;
    const d = decide({ spec: baseSpec(), status: {}, obs: w.observe(baseSpec(), {}) });
    assert.ok(!d.actions.some((a) => a.type === 'switchDns'), JSON.stringify(d.actions));
    assert.ok(d.events.some((e) => e.reason === 'DnsSwitchHeld'));
  });
});

describe('automatic failback: cooldown after an aborted attempt, and a daily cap', () => {
  it('home flapping during every failback costs at most failbackMaxAttemptsPerDay fences of the serving writer', () => {
    const w = new World();
    const spec = baseSpec({ mode: 'Automatic', failback: 'Automatic', promoteWhenFenceUnconfirmed: true });
    // Failed over to B earlier; A is back with a re-seeded replica and healthy.
    w.health[A] = { state: 'Unhealthy', since: iso(T0 - 120_000) };
    w.reachable[A] = false;
    let s = runLoop(w, spec, {}, { until: (x) => x.lastFailover?.to === B && !x.inProgress }).status;
    w.reachable[A] = true;
    w.setHealth(A, 'Healthy');
    s = runLoop(w, spec, s, { until: (x) => !!x.database?.replica && x.database.replica.region === A, maxIterations: 50 }).status;
    w.zeroWhenSourceFenced = false; // the catch-up never ends: every failback waits after fencing B
    w.lagSeconds = 5;
    const fencesOfB = () => w.executed.filter((a) => a.type === 'fence' && a.region === B).length;
    const starts: number[] = [];
    for (let i = 0; i < 3000 && w.now - T0 < 30 * 3_600_000; i++) {
      const d = decide({ spec, status: s, obs: w.observe(spec, s) });
      if (d.status.inProgress?.reason === 'Failback' && !s.inProgress) starts.push(w.now);
      for (const a of d.actions) w.execute(a);
      s = d.status;
      // Home turns unhealthy again right after each fence (then healthy again later).
      if (s.inProgress?.reason === 'Failback' && s.inProgress.step === 'Fenced') w.setHealth(A, 'Unhealthy');
      else if (!s.inProgress && w.health[A]?.state === 'Unhealthy') w.setHealth(A, 'Healthy');
      w.tick(Math.min(d.requeueAfterMs ?? 60_000, 5 * 60_000));
    }
    const inADay = starts.filter((t) => t - starts[0]! < 24 * 3_600_000);
    assert.ok(starts.length >= 2, `failbacks started: ${starts.length}`);
    assert.equal(inADay.length, 3, 'three attempts in the first 24 h');
    for (let i = 1; i < starts.length; i++)
      assert.ok(starts[i]! - starts[i - 1]! >= FAILBACK_COOLDOWN_MS, 'each attempt after an aborted one waits the cooldown');
    assert.ok(fencesOfB() <= starts.length, `B fenced ${fencesOfB()} times for ${starts.length} attempts`);
    assert.equal(w.liveWriters().length, 1);
  });

  it('the cap reached: FailbackBlocked, Degraded, says how to act', () => {
    const w = new World();
    Object.assign(w.get(B, 'orders-db-replica')!, { role: 'writer' });
    w.get(A, 'orders-db')!.fenced = true;
    w.add({
      region: A,
      identifier: 'orders-db-r',
      role: 'replica',
      status: 'available',
      owned: true,
      fenced: false,
      sourceArn: 'arn:aws:rds:us-west-2:123456789012:db:orders-db-replica',
    });
    w.dnsActive = B;
    w.secret = { region: B, host: 'orders-db-replica.us-west-2.rds' };
    w.health[A] = { state: 'Healthy', since: iso(T0 - 3_600_000) };
    const s: MachineStatus = {
      activeRegion: B,
      database: { writer: { region: B, identifier: 'orders-db-replica' }, replica: { region: A, identifier: 'orders-db-r' } },
      lastFailover: {
        completedAt: iso(T0 - 7 * 3_600_000),
        from: A,
        to: B,
        reason: 'PrimaryUnhealthy',
        fromIdentifier: 'orders-db',
        toIdentifier: 'orders-db-replica',
      },
      failbackAttempts: [iso(T0 - 6 * 3_600_000), iso(T0 - 4 * 3_600_000), iso(T0 - 2 * 3_600_000)],
    };
    const spec = baseSpec({ mode: 'Automatic', failback: 'Automatic' });
    const d = decide({ spec, status: s, obs: w.observe(spec, s) });
    assert.equal(d.status.inProgress, undefined);
    assert.equal(d.blocked?.reason, 'FailbackBlocked');
    assert.match(d.blocked?.message ?? '', /mode: Manual/);
    assert.equal(d.status.phase, 'Degraded');
    assert.ok((d.requeueAfterMs ?? 0) >= 17 * 3_600_000, 'looked at again when the oldest attempt leaves the day');
  });
});

describe('no health signal and the writer does not answer (us-east-1 down while it is the primary)', () => {
  const world = (): World => {
    const w = new World();
    w.reachable[A] = false;
    w.health = { [A]: { state: 'Unknown' }, [B]: { state: 'Unknown' } };
    return w;
  };
  const spec = baseSpec({ mode: 'Automatic', promoteWhenFenceUnconfirmed: true });
  it('blocks with the reason and the break-glass, even with the opt-in (the opt-in needs the health checks to agree)', () => {
    const w = world();
    const r = runLoop(w, spec, steady(), { maxIterations: 20 });
    assert.equal(r.status.inProgress, undefined);
    assert.equal(w.count('promote'), 0);
    const d = decide({ spec, status: r.status, obs: w.observe(spec, r.status) });
    assert.equal(d.blocked?.reason, 'HealthSignalLost');
    assert.match(d.blocked?.message ?? '', /--accept-data-loss/);
  });
  it('the break-glass fails over once, recorded as accepted, with DNS deferred while Route 53 does not answer', () => {
    const w = world();
    w.acceptDataLoss = 'go';
    const base = w.observe.bind(w);
    w.observe = (sp, st) => {
      const o = base(sp, st);
      return { ...o, dns: { ...o.dns, error: 'route53 ChangeResourceRecordSets: connect timeout' } };
    };
    const r = runLoop(w, spec, steady(), { until: (s) => s.lastFailover?.to === B && !s.inProgress });
    assert.equal(r.status.lastFailover?.reason, 'ManualSwitch');
    assert.equal(r.status.lastFailover?.dataLossAccepted, 'Annotation go');
    assert.match(r.status.lastFailover?.fencing ?? '', /^Unconfirmed/);
    assert.equal(r.status.acceptedDataLoss, 'go');
    assert.equal(w.count('promote'), 1);
    assert.equal(w.liveWriters().length, 1, 'A does not answer: only B counts as a live writer');
  });
});

describe('a break-glass value set while nothing is blocked', () => {
  it('is spent at once, so it cannot let a later failover lose data', () => {
    const w = new World();
    w.acceptDataLoss = 'stale';
    const d = decide({ spec: baseSpec(), status: steady(), obs: w.observe(baseSpec(), steady()) });
    assert.equal(d.status.acceptedDataLoss, 'stale');
    assert.ok(d.events.some((e) => e.reason === 'AcceptDataLossUnused'));
  });
});
