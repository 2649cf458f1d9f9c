// An unplanned failover carries its record in AWS (failover-mark.ts): the fence writes its mark on
// the old writer before the swap, the promote on the standby with its request mark. The pass that
// triggers sends all of it before any status write (database.ts, markCarriesStep and
// promoteWriteWaits); a pass that finds status without the failover rebuilds it from the marks
// and goes on (or aborts and unfences) as if status had held it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markCarriesStep, promoteWriteWaits } from '../../src/controllers/failover-policy/database.ts';
import { decide, type FailoverAction, type MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import { failoverMarkOf, parseFailoverMark } from '../../src/controllers/failover-policy/failover-mark.ts';
import { A, B, baseSpec, runLoop, steadyStatus, T0, World } from './failover-world.ts';

const spec = baseSpec({ mode: 'Automatic' });
const both = { passes: true };
const failedOverTo = (region: string) => (s: MachineStatus) => s.lastFailover?.to === region && !s.inProgress;

function outage(): World {
  const w = new World();
  w.health[A] = { state: 'Unhealthy', since: new Date(T0 - 120_000).toISOString() };
  w.zeroWhenSourceFenced = false;
  w.lagSeconds = 12;
  return w;
}

/** Runs the failover, with no write before the promote, and stops before or after the first action of `type`. */
function upTo(type: FailoverAction['type'], after: boolean): { world: World; status: MachineStatus } {
  const clean = outage();
  runLoop(clean, spec, steadyStatus(), { until: failedOverTo(B), ...both });
  const n = clean.executed.findIndex((a) => a.type === type);
  assert.ok(n > 0, `the clean run sends a ${type}`);
  const world = outage();
  const r = runLoop(world, spec, steadyStatus(), { crashAt: { n, after }, ...both });
  assert.ok(r.crashed);
  return { world, status: r.status };
}

describe('the mark', () => {
  const ip = {
    reason: 'PrimaryUnhealthy' as const,
    from: 'ap-southeast-4',
    to: 'us-west-2',
    startedAt: '2026-12-05T14:56:11.076Z',
    step: 'LagChecked' as const,
    rpoSeconds: 12,
    fromIdentifier: 'a'.repeat(63),
    toIdentifier: `b${'-c'.repeat(31)}`,
  };

  it('reads back what it wrote, and fits an RDS tag value (256 characters of letters, digits, spaces, _.:/=+-@)', () => {
    const v = failoverMarkOf(ip);
    assert.ok(v);
    assert.ok(v.length <= 256, `${v.length} characters`);
    assert.match(v, /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u);
    assert.deepEqual(parseFailoverMark(v), {
      reason: 'PrimaryUnhealthy',
      startedAt: ip.startedAt,
      rpoSeconds: 12,
      from: { region: ip.from, identifier: ip.fromIdentifier },
      to: { region: ip.to, identifier: ip.toIdentifier },
    });
  });

  it('is written only for a failover it describes whole: unplanned, RPO known, no data loss accepted', () => {
    assert.equal(failoverMarkOf({ ...ip, reason: 'PlannedSwitchover' }), undefined);
    assert.equal(failoverMarkOf({ ...ip, reason: 'ManualSwitch' }), undefined);
    assert.equal(failoverMarkOf({ ...ip, dataLossAccepted: 'Annotation x' }), undefined);
    assert.equal(failoverMarkOf({ ...ip, rpoSeconds: undefined }), undefined);
  });

  it('anything else reads as no mark at all', () => {
    const v = failoverMarkOf(ip)!;
    for (const bad of [
      '',
      'x',
      v.replace('PrimaryUnhealthy', 'Failback'),
      v.replace('rpo=12', 'rpo=twelve'),
      v.replace(/startedAt=\S+/, 'startedAt=soon'),
      v.replace(/ to=\S+/, ''),
    ]) {
      assert.equal(parseFailoverMark(bad), undefined, bad);
    }
  });
});

describe('no status write before the promote: the marks carry the failover', () => {
  it('a clean run writes no failover before its promote, then records it whole, dated when it started', () => {
    const { world, status } = upTo('promote', true);
    assert.equal(status.inProgress, undefined, 'status holds no failover when the promote has gone out');
    assert.equal(world.get(A, 'orders-db')?.fenced, true);
    assert.ok(parseFailoverMark(world.get(A, 'orders-db')?.mark), 'the old writer carries the mark');
    assert.ok(parseFailoverMark(world.get(B, 'orders-db-replica')?.mark), 'so does the standby');
    const d = decide({ spec, status, obs: world.observe(spec, status) });
    const ip = d.status.inProgress;
    assert.equal(ip?.step, 'PromoteRequested');
    assert.equal(ip?.reason, 'PrimaryUnhealthy');
    assert.equal(ip?.rpoSeconds, 12);
    assert.match(ip?.fencing ?? '', /^Confirmed: /);
    assert.deepEqual(
      ip?.steps?.map((m) => m.step),
      ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested'],
    );
    assert.deepEqual(
      d.actions.map((a) => a.type),
      ['recordStep'],
      'no second promote, no second fence',
    );
    assert.deepEqual(d.status.history?.at(-1), { at: ip?.startedAt, phase: 'FailingOver', reason: 'PrimaryUnhealthy', from: A, to: B });
    const done = runLoop(world, spec, status, { until: failedOverTo(B), ...both });
    assert.ok(failedOverTo(B)(done.status));
    assert.equal(world.count('promote'), 1);
    assert.equal(done.status.lastFailover?.startedAt, ip?.startedAt);
  });

  it('killed after the fence, the primary Unhealthy still: the restart goes on from the old writer’s mark, one promote', () => {
    const { world, status } = upTo('fence', true);
    assert.equal(status.inProgress, undefined);
    const d = decide({ spec, status, obs: world.observe(spec, status) });
    assert.equal(d.status.inProgress?.step, 'Fenced');
    const done = runLoop(world, spec, status, { until: failedOverTo(B), ...both, invariant: () => assert.ok(world.liveWriters().length <= 1) });
    assert.ok(failedOverTo(B)(done.status));
    assert.equal(world.count('promote'), 1);
    assert.equal(world.count('unfence'), 0);
  });

  it('killed after the fence, the primary Healthy again: aborted, the old writer unfenced and its mark gone', () => {
    const { world, status } = upTo('fence', true);
    world.setHealth(A, 'Healthy');
    const d = decide({ spec, status, obs: world.observe(spec, status) });
    assert.deepEqual(
      d.actions.map((a) => a.type),
      ['recordStep', 'unfence'],
    );
    assert.ok(d.events.some((e) => e.reason === 'FailoverAborted'));
    const r = runLoop(world, spec, status, { maxIterations: 5, ...both });
    assert.equal(world.count('promote'), 0);
    assert.equal(world.get(A, 'orders-db')?.fenced, false);
    assert.equal(world.get(A, 'orders-db')?.mark, undefined);
    assert.equal(r.status.inProgress, undefined);
  });

  it('marks on a promoted standby while the old writer takes writes again (its fence lifted by hand): nothing goes on, two writers are reported', () => {
    const { world, status } = upTo('promote', true);
    world.tick(60_000);
    world.tick(60_000);
    assert.equal(world.get(B, 'orders-db-replica')?.role, 'writer');
    world.get(A, 'orders-db')!.fenced = false;
    const d = decide({ spec, status, obs: world.observe(spec, status) });
    assert.equal(d.status.inProgress, undefined);
    assert.deepEqual(d.actions, []);
    assert.ok(d.events.some((e) => e.reason === 'TwoWriters'));
  });

  it('a mark naming another replica is no record of this failover: the fence is lifted as any leftover is', () => {
    const { world, status } = upTo('fence', true);
    const old = world.get(A, 'orders-db')!;
    old.mark = old.mark?.replace('orders-db-replica', 'orders-db-replica-old');
    world.setHealth(A, 'Healthy');
    const d = decide({ spec, status, obs: world.observe(spec, status) });
    assert.equal(d.status.inProgress, undefined);
    assert.ok(d.events.some((e) => e.reason === 'WriterFenced'));
  });
});

describe('markCarriesStep: the LagChecked write waits only for a marked fence of a new failover', () => {
  const stored: MachineStatus = { activeRegion: A, phase: 'Healthy' };
  const ip = { reason: 'PrimaryUnhealthy' as const, from: A, to: B, startedAt: 't0', step: 'LagChecked' as const, stepAt: 't0', rpoSeconds: 12 };
  const lagChecked = (fence: Partial<Extract<FailoverAction, { type: 'fence' }>> = { mark: 'm' }, top: Partial<MachineStatus> = {}) => ({
    status: {
      ...stored,
      phase: 'FailingOver' as const,
      history: [{ at: 't0', phase: 'FailingOver' as const, reason: 'PrimaryUnhealthy' }],
      inProgress: ip,
      ...top,
    },
    actions: [
      { type: 'recordStep', step: 'LagChecked' },
      { type: 'fence', region: A, identifier: 'orders-db', ...fence },
    ] as FailoverAction[],
  });
  it('waits for a marked fence that only starts the failover', () => {
    assert.equal(markCarriesStep(lagChecked(), stored), true);
  });
  const cases: [string, ReturnType<typeof lagChecked>, MachineStatus][] = [
    ['an unmarked fence (planned, accepted, RPO unknown)', lagChecked({}), stored],
    ['a failover already in status', lagChecked(), { ...stored, inProgress: { ...ip, step: 'Triggered' } }],
    ['an operator acceptance taken', lagChecked(undefined, { acceptedDataLoss: 'x' }), stored],
    ['the fence re-sent while waiting (no step recorded)', { ...lagChecked(), actions: lagChecked().actions.slice(1) }, stored],
  ];
  for (const [name, d, s] of cases) it(`writes first: ${name}`, () => assert.equal(markCarriesStep(d, s), false));

  it('promoteWriteWaits with no failover in status: only for a marked promote', () => {
    const promoting = {
      status: { ...stored, phase: 'FailingOver' as const, inProgress: { ...ip, step: 'PromoteRequested' as const, fencing: 'Confirmed: deny-all' } },
      actions: [
        { type: 'recordStep', step: 'PromoteRequested' },
        { type: 'promote', region: B, identifier: 'orders-db-replica', mark: 'm' },
      ] as FailoverAction[],
    };
    assert.equal(promoteWriteWaits(promoting, stored), true);
    assert.equal(
      promoteWriteWaits({ ...promoting, actions: [promoting.actions[0]!, { type: 'promote', region: B, identifier: 'orders-db-replica' }] }, stored),
      false,
    );
  });
});
