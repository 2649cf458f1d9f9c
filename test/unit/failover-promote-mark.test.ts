// The promote's mark on the standby stands for the step PromoteRequested: the pass that sends
// PromoteReadReplica leaves the step's status write to the next pass (database.ts,
// promoteWriteWaits), which reads the step from the mark. From then on the failover only goes
// forward: a withdrawn trigger no longer aborts it, and while the standby cannot be seen, nothing
// is unfenced.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { promoteWriteWaits } from '../../src/controllers/failover-policy/database.ts';
import { decide, type FailoverAction, type MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import { A, B, baseSpec, runLoop, T0, World } from './failover-world.ts';

const spec = baseSpec({ mode: 'Automatic' });
const failedOverTo = (region: string) => (s: MachineStatus) => s.lastFailover?.to === region && !s.inProgress;

/** The primary Unhealthy for two minutes, its region answering: a failover with a confirmed fence. */
function outage(): World {
  const w = new World();
  w.health[A] = { state: 'Unhealthy', since: new Date(T0 - 120_000).toISOString() };
  w.lagSeconds = 12;
  return w;
}

/** Runs the failover up to its PromoteReadReplica (before or after it) and stops there, as a crash would. */
function upToPromote(after: boolean): { world: World; status: MachineStatus } {
  const clean = outage();
  runLoop(clean, spec, {}, { until: failedOverTo(B), promoteWriteWaits: true });
  const n = clean.executed.findIndex((a) => a.type === 'promote');
  assert.ok(n > 0, 'the clean run promotes');
  const world = outage();
  const r = runLoop(world, spec, {}, { crashAt: { n, after }, promoteWriteWaits: true });
  assert.ok(r.crashed);
  return { world, status: r.status };
}

describe('the promote mark stands for PromoteRequested', () => {
  it('the pass that promotes leaves the step unwritten; the next one records it, with the fence, from AWS', () => {
    const { world, status } = upToPromote(true);
    // The reconciler also folds Fenced into the next write (recordPlan): status holds LagChecked there.
    assert.equal(status.inProgress?.step, 'Fenced', 'status still holds the last written step');
    assert.equal(world.get(B, 'orders-db-replica')?.promoteMarked, true);
    const d = decide({ spec, status, obs: world.observe(spec, status) });
    assert.equal(d.status.inProgress?.step, 'PromoteRequested');
    assert.match(d.status.inProgress?.fencing ?? '', /^Confirmed: /);
    assert.deepEqual(
      d.status.inProgress?.steps?.map((m) => m.step),
      ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested'],
    );
    assert.deepEqual(
      d.actions.map((a) => a.type),
      ['recordStep'],
      'no second promote',
    );
    const done = runLoop(world, spec, status, { until: failedOverTo(B), promoteWriteWaits: true });
    assert.ok(failedOverTo(B)(done.status));
    assert.equal(world.count('promote'), 1);
  });

  it('a trigger withdrawn after the promote went out aborts nothing: the failover goes forward', () => {
    const { world, status } = upToPromote(true);
    world.setHealth(A, 'Healthy');
    const done = runLoop(world, spec, status, { until: failedOverTo(B), promoteWriteWaits: true, invariant: () => assert.ok(world.liveWriters().length <= 1) });
    assert.ok(failedOverTo(B)(done.status), JSON.stringify(done.status.inProgress));
    assert.equal(world.count('unfence'), 0, 'the old writer stays fenced');
    assert.equal(world.count('promote'), 1);
  });

  it('withdrawn while the standby cannot be seen: held, nothing unfenced, until its region answers', () => {
    const { world, status } = upToPromote(true);
    world.setHealth(A, 'Healthy');
    world.reachable[B] = false;
    const d = decide({ spec, status, obs: world.observe(spec, status) });
    assert.equal(d.blocked?.reason, 'AbortHeld');
    assert.match(d.blocked?.message ?? '', /could leave two writers/);
    assert.deepEqual(
      d.actions.filter((a) => a.type === 'unfence'),
      [],
    );
    const held = runLoop(world, spec, status, { maxIterations: 5, promoteWriteWaits: true });
    assert.equal(world.count('unfence'), 0);
    world.reachable[B] = true;
    const done = runLoop(world, spec, held.status, { until: failedOverTo(B), promoteWriteWaits: true });
    assert.ok(failedOverTo(B)(done.status));
    assert.equal(world.count('unfence'), 0);
  });

  it('withdrawn before the promote went out (no mark, standby seen): aborted and unfenced as before', () => {
    const { world, status } = upToPromote(false);
    assert.equal(world.get(B, 'orders-db-replica')?.promoteMarked, undefined);
    world.setHealth(A, 'Healthy');
    const r = runLoop(world, spec, status, { maxIterations: 5, promoteWriteWaits: true });
    assert.equal(world.count('unfence'), 1, 'the fenced old writer gets its groups back');
    assert.equal(world.count('promote'), 0);
    assert.equal(r.status.inProgress, undefined);
  });
});

describe('resuming from LagChecked (the Fenced step folded into the unwritten write)', () => {
  it('records Fenced from the fenced old writer, then PromoteRequested', () => {
    const { world, status } = upToPromote(true);
    const ip = status.inProgress!;
    const lagChecked: MachineStatus = {
      ...status,
      inProgress: { ...ip, step: 'LagChecked', steps: ip.steps?.filter((m) => m.step !== 'Fenced') },
    };
    delete lagChecked.inProgress!.fencing;
    const d = decide({ spec, status: lagChecked, obs: world.observe(spec, lagChecked) });
    assert.deepEqual(
      d.status.inProgress?.steps?.map((m) => m.step),
      ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested'],
    );
    assert.match(d.status.inProgress?.fencing ?? '', /^Confirmed: /);
  });
});

describe('promoteWriteWaits: only the step may be new', () => {
  const stored: MachineStatus = {
    activeRegion: A,
    phase: 'FailingOver',
    inProgress: { reason: 'PrimaryUnhealthy', from: A, to: B, startedAt: 't0', step: 'LagChecked', stepAt: 't1', rpoSeconds: 12 },
  };
  const promoting = (over: Partial<NonNullable<MachineStatus['inProgress']>> = {}, top: Partial<MachineStatus> = {}) => ({
    status: {
      ...stored,
      ...top,
      inProgress: { ...stored.inProgress!, step: 'PromoteRequested' as const, stepAt: 't2', fencing: 'Confirmed: only deny-all sg-1 attached', ...over },
    },
    actions: [
      { type: 'recordStep', step: 'PromoteRequested' },
      { type: 'promote', region: B, identifier: 'orders-db-replica' },
    ] as FailoverAction[],
  });
  it('waits when the step, its time and the fencing are all that changed', () => {
    assert.equal(promoteWriteWaits(promoting(), stored), true);
  });
  const cases: [string, ReturnType<typeof promoting>][] = [
    ['the fence unconfirmed (an acceptance the next pass could not rebuild)', promoting({ fencing: 'Unconfirmed: RDS in us-east-1 does not answer' })],
    ['an operator acceptance taken in this pass', promoting({ dataLossAccepted: 'Annotation x' }, { acceptedDataLoss: 'x' })],
    ['the RPO changed', promoting({ rpoSeconds: 0 })],
    ['a step other than PromoteRequested', { ...promoting(), actions: [{ type: 'recordStep', step: 'Promoted' }] }],
    ['more than the promote to do', { ...promoting(), actions: [...promoting().actions, { type: 'switchDns', activeRegion: B }] }],
  ];
  for (const [why, d] of cases) it(`writes first: ${why}`, () => assert.equal(promoteWriteWaits(d as never, stored), false));
});
