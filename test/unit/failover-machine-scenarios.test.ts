// The failover state machine over whole runs against a simulated AWS: a restart after every
// single action still promotes exactly once; failover, re-seed and failback end where they
// should; automatic triggers are flap-damped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type MachineSpec, type MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import { A, B, baseSpec, runLoop, steadyStatus, T0, World } from './failover-world.ts';

const iso = (ms: number): string => new Date(ms).toISOString();
const start = (): MachineStatus => ({});
const failedOverTo =
  (region: string) =>
  (s: MachineStatus): boolean =>
    s.lastFailover?.to === region && !s.inProgress;

interface RestartCase {
  name: string;
  spec: MachineSpec;
  world: (w: World) => void;
  fencing: RegExp;
  reason: string;
}

const restartCases: RestartCase[] = [
  {
    name: 'planned manual switchover (healthy primary, lag 0 after fence)',
    spec: baseSpec({ activeRegion: B }),
    world: () => {},
    fencing: /^Confirmed/,
    reason: 'PlannedSwitchover',
  },
  {
    name: 'manual switch away from an unhealthy primary',
    spec: baseSpec({ activeRegion: B }),
    world: (w) => {
      w.setHealth(A, 'Unhealthy');
      w.zeroWhenSourceFenced = false;
      w.lagSeconds = 12;
    },
    fencing: /^Confirmed/,
    reason: 'ManualSwitch',
  },
  {
    name: 'automatic failover while the primary region does not answer (fencing unconfirmed)',
    spec: baseSpec({ mode: 'Automatic', promoteWhenFenceUnconfirmed: true }),
    world: (w) => {
      w.health[A] = { state: 'Unhealthy', since: iso(T0 - 120_000) };
      w.reachable[A] = false;
      w.lagSeconds = 30;
    },
    fencing: /^Unconfirmed/,
    reason: 'PrimaryUnhealthy',
  },
  {
    name: 'automatic failover, its region answering (fence confirmed: the failover carries its marks)',
    spec: baseSpec({ mode: 'Automatic' }),
    world: (w) => {
      w.health[A] = { state: 'Unhealthy', since: iso(T0 - 120_000) };
      w.zeroWhenSourceFenced = false;
      w.lagSeconds = 12;
    },
    fencing: /^Confirmed/,
    reason: 'PrimaryUnhealthy',
  },
];

/**
 * How the loop writes status: after every decision; leaving the promote step to the next pass;
 * or as the reconciler does, from the status a healthy pair holds (an unplanned failover then
 * writes nothing before its promote: its marks carry it).
 */
const WRITES = [
  { how: '', opts: {}, from: start },
  { how: ', the promote step left to the next pass', opts: { promoteWriteWaits: true }, from: start },
  { how: ', status written as the reconciler writes it', opts: { passes: true }, from: steadyStatus },
];

describe('failover machine: restart after every action', () => {
  for (const c of restartCases) {
    it(`${c.name}: one clean run`, () => {
      const world = new World();
      c.world(world);
      const r = runLoop(world, c.spec, start(), { until: failedOverTo(B) });
      assert.ok(failedOverTo(B)(r.status), `completed: ${JSON.stringify(r.status.inProgress)}`);
      assert.equal(world.count('promote'), 1);
      assert.equal(r.status.activeRegion, B);
      assert.deepEqual(r.status.database?.writer, { region: B, identifier: 'orders-db-replica' });
      assert.equal(r.status.lastFailover?.reason, c.reason);
      assert.match(r.status.lastFailover?.fencing ?? '', c.fencing);
      assert.deepEqual(world.secret, { region: B, host: 'orders-db-replica.us-west-2.rds' });
      assert.equal(world.dnsActive, B);
      const fenceIdx = world.executed.findIndex((a) => a.type === 'fence');
      const promoteIdx = world.executed.findIndex((a) => a.type === 'promote');
      assert.ok(fenceIdx >= 0 && fenceIdx < promoteIdx, 'the fence is sent before the promote');
    });

    for (const { how, opts, from } of WRITES) {
      it(`${c.name}: crash before and after each action, then resume${how}`, () => {
        const clean = new World();
        c.world(clean);
        const total = runLoop(clean, c.spec, from(), { until: failedOverTo(B), ...opts }).actionsSeen;
        assert.ok(total >= 6, `a failover takes several actions (${total})`);
        for (let n = 0; n < total; n++) {
          for (const after of [false, true]) {
            const world = new World();
            c.world(world);
            const noTwoWriters = (): void => assert.ok(world.liveWriters().length <= 1, `two writers after crash ${n}/${after}`);
            const crashed = runLoop(world, c.spec, from(), { crashAt: { n, after }, invariant: noTwoWriters, ...opts });
            assert.ok(crashed.crashed, `crash point ${n} reached`);
            const resumed = runLoop(world, c.spec, crashed.status, { until: failedOverTo(B), invariant: noTwoWriters, ...opts });
            assert.ok(failedOverTo(B)(resumed.status), `completes after a crash at action ${n} (${after ? 'after' : 'before'} it)`);
            assert.equal(world.count('promote'), 1, `exactly one promote with a crash at action ${n} (${after ? 'after' : 'before'} it)`);
            assert.match(resumed.status.lastFailover?.fencing ?? '', c.fencing);
          }
        }
      });
    }
  }
});

describe('failover machine: failover, re-seed, failback', () => {
  it('Manual: to B, re-seed A, back to A, re-seed B, retire the owned ex-writer after its final snapshot', () => {
    const world = new World();
    let spec = baseSpec({ activeRegion: B });
    let s = runLoop(world, spec, start(), { until: failedOverTo(B) }).status;
    assert.equal(s.phase, 'FailedOver');

    // Re-seed: a replica of the new writer in A under a new deterministic name.
    s = runLoop(world, spec, s, { maxIterations: 12 }).status;
    const reseedA = s.database?.replica;
    assert.equal(reseedA?.region, A);
    assert.match(reseedA?.identifier ?? '', /^orders-db-\d{8}t\d{6}$/);
    assert.equal(world.get(A, reseedA!.identifier)?.role, 'replica');
    assert.equal(world.get(A, reseedA!.identifier)?.sourceArn, 'arn:aws:rds:us-west-2:123456789012:db:orders-db-replica');
    assert.equal(world.get(A, 'orders-db')?.fenced, true, 'the adopted ex-primary stays fenced');
    assert.equal(world.count('retireInstance'), 0, 'an adopted ex-primary is never deleted');

    spec = baseSpec({ activeRegion: A });
    s = runLoop(world, spec, s, { until: failedOverTo(A) }).status;
    assert.equal(s.lastFailover?.reason, 'Failback');
    assert.equal(s.lastFailover?.rpoSeconds, 0, 'a planned failback waits for lag 0');
    assert.deepEqual(s.database?.writer, { region: reseedA?.region, identifier: reseedA?.identifier });
    assert.equal(s.phase, 'Healthy');
    assert.equal(world.count('promote'), 2);

    s = runLoop(world, spec, s, { maxIterations: 20 }).status;
    const reseedB = s.database?.replica;
    assert.equal(reseedB?.region, B);
    assert.match(reseedB?.identifier ?? '', /^orders-db-replica-\d{8}t\d{6}$/);
    const retire = world.executed.filter((a) => a.type === 'retireInstance');
    assert.deepEqual(
      retire.map((a) => a.type === 'retireInstance' && [a.identifier, a.finalSnapshotIdentifier.startsWith('orders-db-replica-final-')]),
      [['orders-db-replica', true]],
    );
    assert.equal(world.get(B, 'orders-db-replica'), undefined, 'the owned ex-writer is gone');
    assert.ok(
      world.executed.indexOf(retire[0]!) > world.executed.findIndex((a) => a.type === 'createReplica' && a.region === B),
      'retired only after the new replica',
    );
    const phases = (s.history ?? []).map((h) => h.phase);
    assert.deepEqual(phases, ['FailingOver', 'FailedOver', 'FailingBack', 'Healthy']);
  });

  it('Automatic failback waits until home has been Healthy for 10 minutes, then switches back planned', () => {
    const world = new World();
    const spec = baseSpec({ mode: 'Automatic', failback: 'Automatic', promoteWhenFenceUnconfirmed: true });
    world.health[A] = { state: 'Unhealthy', since: iso(T0 - 120_000) };
    world.reachable[A] = false;
    let s = runLoop(world, spec, start(), { until: failedOverTo(B) }).status;
    assert.equal(s.phase, 'FailingBack', 'failback is wanted from the start');
    world.reachable[A] = true;
    world.setHealth(A, 'Healthy');
    const healthyAt = world.now;
    s = runLoop(world, spec, s, { until: (x) => x.inProgress?.reason === 'Failback', maxIterations: 400 }).status;
    assert.equal(s.inProgress?.step, 'Triggered');
    assert.ok(world.now - healthyAt >= 10 * 60_000, `failback triggered ${(world.now - healthyAt) / 1000}s after recovery`);
    s = runLoop(world, spec, s, { until: failedOverTo(A) }).status;
    assert.equal(s.lastFailover?.reason, 'Failback');
    assert.equal(world.count('promote'), 2);
    assert.ok(world.liveWriters().length === 1);
  });

  it('Manual failback asked for before the re-seeded replica exists waits in FailingBack', () => {
    const world = new World();
    const s = runLoop(world, baseSpec({ activeRegion: B }), start(), { until: failedOverTo(B) }).status;
    const d = decide({ spec: baseSpec({ activeRegion: A }), status: s, obs: world.observe(baseSpec(), s) });
    assert.equal(d.status.inProgress, undefined);
    assert.equal(d.status.phase, 'FailingBack');
    assert.deepEqual(
      d.actions.map((a) => a.type),
      ['recordStep'],
    );
  });
});

describe('failover machine: flap damping (Automatic, unhealthyForSeconds 60)', () => {
  const table: Array<{ name: string; changes: Array<[number, 'Healthy' | 'Unhealthy' | 'Unknown']>; triggersAt: number | null }> = [
    { name: 'continuously unhealthy', changes: [[0, 'Unhealthy']], triggersAt: 60 },
    {
      name: 'a healthy blip restarts the clock',
      changes: [
        [0, 'Unhealthy'],
        [30, 'Healthy'],
        [40, 'Unhealthy'],
      ],
      triggersAt: 100,
    },
    {
      name: 'a blip just before the deadline restarts it too',
      changes: [
        [0, 'Unhealthy'],
        [55, 'Healthy'],
        [60, 'Unhealthy'],
      ],
      triggersAt: 120,
    },
    {
      name: 'Unknown breaks the streak',
      changes: [
        [0, 'Unhealthy'],
        [50, 'Unknown'],
        [55, 'Unhealthy'],
      ],
      triggersAt: 115,
    },
    {
      name: 'flapping every 20 s never triggers',
      changes: [
        [0, 'Unhealthy'],
        [20, 'Healthy'],
        [40, 'Unhealthy'],
        [60, 'Healthy'],
        [80, 'Unhealthy'],
        [100, 'Healthy'],
      ],
      triggersAt: null,
    },
    { name: 'healthy never triggers', changes: [[0, 'Healthy']], triggersAt: null },
  ];
  for (const c of table) {
    it(c.name, () => {
      const world = new World();
      const spec = baseSpec({ mode: 'Automatic' });
      let triggered: number | null = null;
      for (let t = 0; t <= 300 && triggered === null; t += 5) {
        world.now = T0 + t * 1000;
        for (const [at, state] of c.changes) if (at === t) world.setHealth(A, state);
        const d = decide({ spec, status: start(), obs: world.observe(spec, start()) });
        if (d.status.inProgress) triggered = t;
      }
      assert.equal(triggered, c.triggersAt);
    });
  }
});
