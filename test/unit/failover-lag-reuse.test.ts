// When a round of a failover pass may take the replica lag the pass already read instead of a new
// GetMetricData (database-observe.ts lagDecides): exactly where no decision depends on it. Proven against
// the real state machine: on every step of an unplanned failover where the lag is reused, any
// other lag (higher, none at all) gives the same actions, step and hold; where it is read anew,
// some lag changes the decision.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lagDecides } from '../../src/controllers/failover-policy/database.ts';
import { type Decision, decide, type MachineSpec, type MachineStatus, type Observations } from '../../src/controllers/failover-policy/failover-machine.ts';
import { A, B, baseSpec, World } from './failover-world.ts';

/** What a decision does, without the texts that report the lag. */
const effect = (d: Decision) => ({
  actions: d.actions,
  step: d.status.inProgress?.step,
  activeRegion: d.status.activeRegion,
  requeueAfterMs: d.requeueAfterMs,
  blocked: d.blocked?.reason,
});

/** The same observation with another lag: a far higher one, and none at all. */
function otherLags(obs: Observations): Observations[] {
  const { lag: _lag, lagHistory: _history, ...rest } = obs;
  return [{ ...obs, lag: { seconds: 9_999, at: obs.now }, lagHistory: [{ seconds: 9_999, at: obs.now }] }, rest];
}

/** Runs the machine until the failover completes, handing every (status, observation) to `visit`. */
function walk(world: World, spec: MachineSpec, start: MachineStatus, visit: (status: MachineStatus, obs: Observations) => void): MachineStatus {
  let status = start;
  for (let i = 0; i < 40 && status.lastFailover?.to !== B; i++) {
    const obs = world.observe(spec, status);
    visit(status, obs);
    const d = decide({ spec, status, obs });
    for (const a of d.actions) if (a.type !== 'recordStep') world.execute(a);
    status = d.status;
    if (d.requeueAfterMs !== 0) world.tick(1_000);
  }
  return status;
}

function steadyPair(spec: MachineSpec): { world: World; status: MachineStatus } {
  const world = new World();
  let status: MachineStatus = {};
  for (let i = 0; i < 10; i++) {
    const d = decide({ spec, status, obs: world.observe(spec, status) });
    for (const a of d.actions) if (a.type !== 'recordStep') world.execute(a);
    status = d.status;
    world.tick(1_000);
  }
  assert.equal(status.activeRegion, A);
  return { world, status };
}

describe('lagDecides', () => {
  test('an unplanned failover: wherever the lag is reused, no other lag changes what the machine does', () => {
    const spec = baseSpec({ mode: 'Automatic', unhealthyForSeconds: 60 });
    const { world, status } = steadyPair(spec);
    world.setHealth(A, 'Unhealthy');
    world.tick(61_000);
    const reusedAt = new Set<string>();
    const readAt = new Set<string>();
    const end = walk(world, spec, status, (s, obs) => {
      const step = s.inProgress?.step ?? 'steady';
      if (lagDecides(s)) {
        readAt.add(step);
        return;
      }
      reusedAt.add(step);
      const base = effect(decide({ spec, status: s, obs }));
      for (const other of otherLags(obs)) assert.deepEqual(effect(decide({ spec, status: s, obs: other })), base, `at ${step}`);
    });
    assert.equal(end.lastFailover?.to, B, 'the failover completed');
    assert.deepEqual([...readAt].sort(), ['Triggered', 'steady'], 'read anew before and at the RPO guard');
    for (const step of ['LagChecked', 'Fenced', 'PromoteRequested']) assert.ok(reusedAt.has(step), `reused at ${step}`);
  });

  test('the RPO guard (Triggered) and steady state are read anew: a lag over the limit holds the failover, and FailoverReady reports it', () => {
    const spec = baseSpec({ mode: 'Automatic', unhealthyForSeconds: 60 });
    const { world, status } = steadyPair(spec);
    world.setHealth(A, 'Unhealthy');
    world.tick(61_000);
    const triggered = decide({ spec, status, obs: world.observe(spec, status) }).status;
    assert.equal(triggered.inProgress?.step, 'Triggered');
    assert.equal(lagDecides(triggered), true);
    const obs = world.observe(spec, triggered);
    const [high] = otherLags(obs);
    assert.notDeepEqual(
      effect(decide({ spec, status: triggered, obs: high! })),
      effect(decide({ spec, status: triggered, obs })),
      'a lag over the limit holds it',
    );
    assert.equal(lagDecides(status), true, 'steady: FailoverReady depends on the lag');
  });

  test('a planned switchover waits for lag 0 after the fence: read anew at every step before the promote', () => {
    const spec = baseSpec({ mode: 'Manual', activeRegion: B });
    const { world } = steadyPair(baseSpec({ mode: 'Manual' }));
    world.zeroWhenSourceFenced = false;
    world.lagSeconds = 3;
    let fenced: MachineStatus | undefined;
    walk(world, spec, { activeRegion: A }, (s) => {
      if (s.inProgress) assert.equal(lagDecides(s), true, `at ${s.inProgress.step}`);
      if (s.inProgress?.step === 'Fenced') fenced ??= s;
    });
    assert.ok(fenced, 'the switchover reached Fenced');
    const obs = world.observe(spec, fenced);
    const zero = { ...obs, lag: { seconds: 0, at: obs.now } };
    assert.notDeepEqual(effect(decide({ spec, status: fenced, obs: zero })), effect(decide({ spec, status: fenced, obs })), 'lag 0 lets it promote');
  });
});
