// One reconcile pass of a failover (database.ts runRounds) as far as its reads and status writes
// go: a round that only recorded a step reuses the reads of the round before, and a step with no
// work of its own is written together with the next one. Driven through the real state machine
// against the plain-data world of failover-world.ts, with a crash between any two effects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayReuse, observationKey, type Reads, recordPlan } from '../../src/controllers/failover-policy/database.ts';
import { secretDecides } from '../../src/controllers/failover-policy/database-observe.ts';
import { decide, type MachineSpec, type MachineStatus, type Observations } from '../../src/controllers/failover-policy/failover-machine.ts';
import { A, B, baseSpec, World } from './failover-world.ts';

interface PassResult {
  persisted: MachineStatus;
  status: MachineStatus;
  reads: number;
  writes: number;
  /** The step recorded in the written status when PromoteReadReplica was sent. */
  stepAtPromote?: string;
  crashed: boolean;
}

/** The pass loop of runRounds; `crashAfter` effects (status writes and actions), it stops as a killed process would. */
function pass(world: World, spec: MachineSpec, start: MachineStatus, crashAfter = Infinity, invariant: () => void = () => {}): PassResult {
  let persisted = start;
  let status = start;
  let reads = 0;
  let writes = 0;
  let effects = 0;
  let unwritten = false;
  let unchanged: Reads | undefined;
  let stepAtPromote: string | undefined;
  const crash = (): boolean => ++effects > crashAfter;
  for (let round = 0; round < 12; round++) {
    const key = observationKey(spec, status);
    let obs: Observations;
    const reused = unchanged && mayReuse(unchanged, key, status) ? unchanged : undefined;
    if (reused) obs = reused.obs;
    else {
      reads++;
      obs = world.observe(spec, status);
    }
    const read: Reads = reused ?? { key, obs, withSecret: secretDecides(status) };
    const d = decide({ spec, status, obs });
    const plan = recordPlan(d, unwritten);
    if (plan.write) {
      if (crash()) return { persisted, status, reads, writes, crashed: true };
      writes++;
      persisted = d.status;
    }
    unwritten = plan.defer;
    for (const a of d.actions) {
      if (a.type === 'recordStep') continue;
      if (crash()) return { persisted, status, reads, writes, crashed: true };
      if (a.type === 'promote') stepAtPromote = persisted.inProgress?.step;
      world.execute(a);
      invariant();
    }
    unchanged = d.actions.every((a) => a.type === 'recordStep') ? { ...read, obs } : undefined;
    status = d.status;
    if (d.requeueAfterMs !== 0 || d.actions.some((a) => a.type === 'promote')) break;
  }
  // The lifecycle writes the pass's final status.
  return { persisted: status, status, reads, writes, ...(stepAtPromote && { stepAtPromote }), crashed: false };
}

/** A steady pair with its status recorded, then the writer's region Unhealthy for longer than unhealthyForSeconds. */
function unhealthyPrimary(): { world: World; spec: MachineSpec; status: MachineStatus } {
  const world = new World();
  const spec = baseSpec({ mode: 'Automatic', unhealthyForSeconds: 60 });
  const status = pass(world, spec, {}).status;
  assert.equal(status.activeRegion, A);
  world.setHealth(A, 'Unhealthy');
  world.tick(61_000);
  return { world, spec, status };
}

test('an unplanned failover reaches PromoteReadReplica in one pass with 2 reads and 2 status writes (Triggered and Fenced ride along)', () => {
  const { world, spec, status } = unhealthyPrimary();
  const r = pass(world, spec, status);
  assert.equal(world.count('promote'), 1);
  assert.equal(r.stepAtPromote, 'PromoteRequested', 'the promote is sent only once PromoteRequested is written');
  // Triggered (no work) is written with LagChecked (the fence); Fenced (no work) with PromoteRequested.
  assert.equal(r.writes, 2, `status writes before the promote: ${r.writes}`);
  // Read before Triggered (reused for LagChecked) and after the fence (reused for PromoteRequested).
  assert.equal(r.reads, 2, `observations before the promote: ${r.reads}`);
});

test('a step that waits is written at once: an RPO guard holding records Triggered before it waits', () => {
  const { world, spec, status } = unhealthyPrimary();
  world.lagHistoryMinutes = 0; // no lag from before the outage: the guard holds
  const r = pass(world, spec, status);
  assert.equal(world.count('fence'), 0);
  assert.equal(r.persisted.inProgress?.step, 'Triggered');
});

for (let crashAfter = 0; crashAfter < 8; crashAfter++) {
  test(`a crash after ${crashAfter} effects of the failover pass: still exactly one PromoteReadReplica and never two writers`, () => {
    const { world, spec, status } = unhealthyPrimary();
    const invariant = () => assert.ok(world.liveWriters().length <= 1, 'two writers could take writes');
    let r = pass(world, spec, status, crashAfter, invariant);
    for (let i = 0; i < 20 && r.persisted.lastFailover?.to !== B; i++) {
      world.tick(1_000);
      r = pass(world, spec, r.persisted, Infinity, invariant);
    }
    assert.equal(r.persisted.lastFailover?.to, B, 'the failover completed after the restart');
    assert.equal(world.count('promote'), 1);
  });
}
