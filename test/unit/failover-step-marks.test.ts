// The step marks the failover machine keeps for `multiregion timeline`: every step once, in
// order, with both regions' health, also when the controller crashes and resumes mid-failover;
// and the timeline drawn from them holds the same steps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_STEP_MARKS } from '../../src/api/types.ts';
import { buildTimeline } from '../../src/cli/timeline.ts';
import type { MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import { A, B, baseSpec, runLoop, World } from './failover-world.ts';

const done = (s: MachineStatus): boolean => s.lastFailover?.to === B && !s.inProgress;
const FULL = ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested', 'Promoted', 'SecretWritten', 'DnsSwitched', 'Completed'];

describe('failover step marks', () => {
  it('a manual switch away from an unhealthy primary records every step once, in order, with the health of both regions', () => {
    const world = new World();
    world.setHealth(A, 'Unhealthy');
    world.zeroWhenSourceFenced = false;
    world.lagSeconds = 12;
    const s = runLoop(world, baseSpec({ activeRegion: B }), {}, { until: done }).status;
    const marks = s.lastFailover?.steps ?? [];
    assert.deepEqual(
      marks.map((m) => m.step),
      FULL,
    );
    const times = marks.map((m) => Date.parse(m.at));
    assert.ok(
      times.every((t, i) => i === 0 || t >= times[i - 1]!),
      JSON.stringify(marks),
    );
    assert.equal(marks[0]?.at, s.lastFailover?.startedAt);
    assert.equal(marks.at(-1)?.at, s.lastFailover?.completedAt);
    assert.ok(
      marks.every((m) => m.fromHealth === 'Unhealthy' && m.toHealth === 'Healthy'),
      JSON.stringify(marks),
    );

    const policy = {
      apiVersion: 'multiregion.dev/v1alpha1' as const,
      kind: 'FailoverPolicy' as const,
      metadata: { name: 'orders', namespace: 'apps' },
      spec: { dns: { hostedZoneId: 'Z1', recordName: 'o.example.com', primary: { region: A, target: {} }, secondary: { region: B, target: {} } } },
      status: s,
    };
    const t = buildTimeline(policy, new Date(), 'failover');
    assert.deepEqual(
      t.steps.map((m) => m.step),
      FULL,
    );
    assert.deepEqual(
      t.lanes.map((l) => l.name),
      [`health ${A} (from)`, `health ${B} (to)`, 'fence', 'promote', 'Secret', 'DNS'],
    );
  });

  it('a crash before or after any action, then a resume: still each step once and in order, never more than the schema allows', () => {
    const spec = baseSpec({ activeRegion: B });
    const total = runLoop(new World(), spec, {}, { until: done }).actionsSeen;
    for (let n = 0; n < total; n++) {
      for (const after of [false, true]) {
        const world = new World();
        const crashed = runLoop(world, spec, {}, { crashAt: { n, after } });
        const resumed = runLoop(world, spec, crashed.status, { until: done }).status;
        const steps = (resumed.lastFailover?.steps ?? []).map((m) => m.step);
        assert.deepEqual(steps, FULL, `crash at action ${n} (${after ? 'after' : 'before'} it)`);
        assert.ok(steps.length <= MAX_STEP_MARKS);
      }
    }
  });
});
