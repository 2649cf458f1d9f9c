// A Switchover drill's decisions (pure): when it starts, where it points the failover machine
// (the override), how each direction is recorded, and how a failure or a real outage ends it on
// a known writer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DrillProgress } from '../../src/api/types.ts';
import {
  continueSwitchover,
  DRILL_CATCH_UP_TIMEOUT_MS,
  drillOverride,
  type SwitchoverInput,
  startSwitchover,
  withDrillOverride,
} from '../../src/controllers/failover-policy/drill-switchover.ts';
import type { FailoverProgress, MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import type { ResolvedPolicy } from '../../src/controllers/failover-policy/resolve.ts';
import { parseFlags } from '../../src/flags.ts';

const E = 'us-east-1';
const W = 'us-west-2';
const T0 = '2026-01-01T03:00:00.000Z';
const now = (min: number) => new Date(Date.parse(T0) + min * 60_000);
const ready = { type: 'FailoverReady' as const, status: 'True' as const, reason: 'StandbyReady', message: 'ok' };
const steady: MachineStatus = {
  activeRegion: E,
  phase: 'Healthy',
  database: { writer: { region: E, identifier: 'db' }, replica: { region: W, identifier: 'db-replica' } },
};
const healthy = { [E]: { state: 'Healthy' as const }, [W]: { state: 'Healthy' as const } };

function input(o: Partial<SwitchoverInput> = {}): SwitchoverInput {
  return { now: now(0), machine: steady, health: healthy, ready, failover: { mode: 'Manual', activeRegion: E }, hasDatabase: true, ...o };
}
const inside = { inside: true as const, slot: new Date(T0), closesAt: now(60) };
const start = { startedAt: T0, reason: 'OnDemand', trigger: 'x', window: inside };

function running(): DrillProgress {
  const out = startSwitchover(input(), start);
  assert.ok(out.inProgress);
  return out.inProgress;
}

const leg = (from: string, to: string, step: FailoverProgress['step'], startedAt = now(1).toISOString()): FailoverProgress => ({
  startedAt,
  from,
  to,
  reason: 'PlannedSwitchover',
  step,
  fromIdentifier: from === E ? 'db' : 'db-replica',
  toIdentifier: to === W ? 'db-replica' : 'db-reseed',
});

test('starts inside its window: the override points the machine at the standby', () => {
  const out = startSwitchover(input(), start);
  assert.equal(out.inProgress?.type, 'Switchover');
  assert.deepEqual(
    { phase: out.inProgress?.switchover?.phase, home: out.inProgress?.switchover?.home, away: out.inProgress?.switchover?.away },
    { phase: 'SwitchingOver', home: E, away: W },
  );
  assert.equal(drillOverride({ drillInProgress: out.inProgress }), W);
  assert.equal(out.events[0]?.reason, 'DrillStarted');
});

const refusals: Array<{ reason: string; inp: Partial<SwitchoverInput>; window?: typeof start.window | { inside: false; message: string }; want: RegExp }> = [
  { reason: 'outside its window', inp: {}, window: { inside: false, message: 'outside its window; the next window opens at X' }, want: /outside its window/ },
  { reason: 'the standby is not ready', inp: { ready: { ...ready, status: 'False', reason: 'ReplicaLagTooHigh' } }, want: /not ready.*ReplicaLagTooHigh/ },
  { reason: 'a failover is running', inp: { machine: { ...steady, inProgress: leg(E, W, 'Triggered') } }, want: /is running/ },
  { reason: 'the spec asks for a switch', inp: { failover: { mode: 'Manual', activeRegion: W } }, want: /a switch is pending/ },
  { reason: 'the machine holds a failover', inp: { blocked: { reason: 'RpoUnknown', message: 'lag unknown' } }, want: /RpoUnknown/ },
  { reason: 'no database', inp: { hasDatabase: false }, want: /spec\.database/ },
  { reason: 'the active region is Unhealthy', inp: { health: { ...healthy, [E]: { state: 'Unhealthy' } } }, want: /us-east-1 is Unhealthy: a real failover/ },
];
for (const c of refusals) {
  test(`not started: ${c.reason}`, () => {
    const out = startSwitchover(input(c.inp), { ...start, window: c.window ?? inside });
    assert.equal(out.inProgress, undefined);
    assert.equal(out.lastDrill?.result, 'NotStarted');
    assert.equal(out.lastDrill?.trigger, 'x', 'the annotation value is spent');
    assert.match(out.lastDrill?.message ?? '', c.want);
    assert.equal(out.events[0]?.reason, 'DrillNotStarted');
  });
}

test('withDrillOverride: Manual with the drill region, the spec object untouched', () => {
  const r = { spec: { database: {}, failover: { mode: 'Automatic', activeRegion: undefined } } } as unknown as ResolvedPolicy;
  const o = withDrillOverride(r, W);
  assert.equal(o.spec.failover.mode, 'Manual');
  assert.equal(o.spec.failover.activeRegion, W);
  assert.equal(r.spec.failover.mode, 'Automatic');
  assert.equal(withDrillOverride(r, undefined), r);
});

test('both ways: each direction recorded from the machine, then Succeeded on the writer at home', () => {
  let p = running();
  // The first direction completes: recorded, and the override turns home.
  const over = { ...leg(E, W, 'Completed'), completedAt: now(3).toISOString(), rtoSeconds: 120, rpoSeconds: 0 };
  const afterOver: MachineStatus = {
    activeRegion: W,
    database: { writer: { region: W, identifier: 'db-replica' } },
    lastFailover: over,
  };
  let out = continueSwitchover(input({ now: now(3), machine: afterOver }), p);
  assert.equal(out.inProgress?.switchover?.phase, 'SwitchingBack');
  assert.equal(drillOverride({ drillInProgress: out.inProgress }), E);
  assert.equal(out.inProgress?.switchover?.directions?.length, 1);
  p = out.inProgress!;
  // Waiting for the re-seed: nothing changes, the drill waits.
  out = continueSwitchover(input({ now: now(10), machine: afterOver }), p);
  assert.equal(out.inProgress?.switchover?.phase, 'SwitchingBack');
  // Home again.
  const back = { ...leg(W, E, 'Completed', now(11).toISOString()), reason: 'Failback', completedAt: now(13).toISOString(), rtoSeconds: 110, rpoSeconds: 0 };
  out = continueSwitchover(
    input({ now: now(13), machine: { activeRegion: E, database: { writer: { region: E, identifier: 'db-reseed' } }, lastFailover: back } }),
    p,
  );
  assert.equal(out.inProgress, undefined);
  const d = out.lastDrill!;
  assert.equal(d.result, 'Succeeded');
  assert.deepEqual(
    d.directions?.map((x) => [x.from, x.to, x.rtoSeconds, x.rpoSeconds]),
    [
      [E, W, 120, 0],
      [W, E, 110, 0],
    ],
  );
  assert.deepEqual(d.writer, { region: E, identifier: 'db-reseed' });
  assert.equal(d.rtoSeconds, 120);
  assert.equal(out.events[0]?.reason, 'DrillSucceeded');
});

test('a failover completed before the phase began is not taken for this direction', () => {
  const p = running();
  const old = { ...leg(E, W, 'Completed', now(-100).toISOString()), completedAt: now(-90).toISOString() };
  const out = continueSwitchover(input({ now: now(1), machine: { ...steady, lastFailover: old } }), p);
  assert.equal(out.inProgress?.switchover?.phase, 'SwitchingOver');
});

test('the standby turns Unhealthy before the promotion: the leg is aborted (override back), then the drill fails on the old writer', () => {
  const p = running();
  const fenced = leg(E, W, 'Fenced');
  const sick = { ...healthy, [W]: { state: 'Unhealthy' as const } };
  let out = continueSwitchover(input({ now: now(2), machine: { ...steady, inProgress: fenced }, health: sick }), p);
  assert.equal(out.inProgress?.switchover?.phase, 'Ending');
  assert.equal(drillOverride({ drillInProgress: out.inProgress }), E, 'the machine aborts the switch and unfences');
  assert.equal(out.events[0]?.reason, 'DrillFailing');
  // The machine aborted: no failover running, the writer is still at home.
  out = continueSwitchover(input({ now: now(3), machine: steady, health: sick }), out.inProgress!);
  assert.equal(out.lastDrill?.result, 'Failed');
  assert.deepEqual(out.lastDrill?.writer, { region: E, identifier: 'db' });
  assert.match(out.lastDrill?.message ?? '', /The writer is db in us-east-1/);
  assert.equal(out.events.at(-1)?.reason, 'DrillFailed');
});

test('after PromoteRequested the leg only goes forward: the override stays on its target', () => {
  const p = running();
  const promoting = leg(E, W, 'PromoteRequested');
  const sick = { ...healthy, [W]: { state: 'Unhealthy' as const } };
  const out = continueSwitchover(input({ now: now(2), machine: { ...steady, inProgress: promoting }, health: sick, ready }), p);
  // The standby check applies only before the promotion: nothing to undo now.
  assert.equal(out.inProgress?.switchover?.phase, 'SwitchingOver');
  assert.equal(drillOverride({ drillInProgress: out.inProgress }), W);
});

test('the catch-up times out: the drill fails and the leg is aborted', () => {
  const p = running();
  const fenced = leg(E, W, 'Fenced', now(1).toISOString());
  const out = continueSwitchover(input({ now: now(12), machine: { ...steady, inProgress: fenced } }), p);
  assert.equal(out.inProgress?.switchover?.phase, 'Ending');
  assert.equal(drillOverride({ drillInProgress: out.inProgress }), E);
  assert.match(out.inProgress?.switchover?.failure?.message ?? '', /did not reach its promotion within 600s/);
});

test('a real outage of the active region before the fence abandons the drill; the override goes', () => {
  const p = running();
  const down = { ...healthy, [E]: { state: 'Unhealthy' as const } };
  const out = continueSwitchover(input({ now: now(1), machine: steady, health: down, failover: { mode: 'Automatic' } }), p);
  assert.equal(out.inProgress, undefined);
  assert.equal(out.lastDrill?.result, 'Abandoned');
  assert.match(out.lastDrill?.message ?? '', /real failover takes precedence/);
  assert.deepEqual(out.lastDrill?.writer, { region: E, identifier: 'db' });
});

test('after the fence, the active side failing its (deep) health check is the drill itself, not an outage', () => {
  const p = running();
  const down = { ...healthy, [E]: { state: 'Unhealthy' as const } };
  const out = continueSwitchover(input({ now: now(2), machine: { ...steady, inProgress: leg(E, W, 'Fenced') }, health: down }), p);
  assert.equal(out.inProgress?.switchover?.phase, 'SwitchingOver');
});

test('a drill that fails away from home in Manual mode says the spec brings the writer back', () => {
  const p = running();
  const afterOver: MachineStatus = {
    activeRegion: W,
    database: { writer: { region: W, identifier: 'db-replica' } },
    lastFailover: { ...leg(E, W, 'Completed'), completedAt: now(3).toISOString(), rtoSeconds: 100, rpoSeconds: 0 },
  };
  const back = continueSwitchover(input({ now: now(3), machine: afterOver }), p).inProgress!;
  const sick = { ...healthy, [E]: { state: 'Unhealthy' as const } };
  const out = continueSwitchover(input({ now: now(5), machine: afterOver, health: sick }), back);
  assert.equal(out.lastDrill?.result, 'Failed');
  assert.deepEqual(out.lastDrill?.writer, { region: W, identifier: 'db-replica' });
  assert.equal(out.lastDrill?.directions?.length, 1);
  assert.match(out.lastDrill?.message ?? '', /spec\.failover\.activeRegion is us-east-1/);
});

test('--drill-catch-up-timeout: 10m by default, the flag or MRC_DRILL_CATCH_UP_TIMEOUT shortens it', () => {
  assert.equal(parseFlags(['--cluster-id=a'], {}).drillCatchUpTimeoutMs, DRILL_CATCH_UP_TIMEOUT_MS);
  assert.equal(parseFlags(['--cluster-id=a', '--drill-catch-up-timeout=30s'], {}).drillCatchUpTimeoutMs, 30_000);
  assert.equal(parseFlags(['--cluster-id=a'], { MRC_DRILL_CATCH_UP_TIMEOUT: '2m' }).drillCatchUpTimeoutMs, 120_000);
  assert.throws(() => parseFlags(['--cluster-id=a', '--drill-catch-up-timeout=0s'], {}));
});

test('the catch-up timeout from the flag: a running leg is looked at again when it is up', () => {
  const p = running();
  const fenced = leg(E, W, 'Fenced', now(1).toISOString());
  const timing = { catchUpTimeoutMs: 30_000, legStartTimeoutMs: 3_600_000 };
  const waiting = continueSwitchover(input({ now: new Date(now(1).getTime() + 10_000), machine: { ...steady, inProgress: fenced }, timing }), p);
  assert.equal(waiting.inProgress?.switchover?.phase, 'SwitchingOver');
  assert.ok((waiting.requeueAfterMs ?? 0) <= 20_100 && (waiting.requeueAfterMs ?? 0) >= 1_000, String(waiting.requeueAfterMs));
  const late = continueSwitchover(input({ now: new Date(now(1).getTime() + 31_000), machine: { ...steady, inProgress: fenced }, timing }), p);
  assert.equal(late.inProgress?.switchover?.phase, 'Ending');
});
