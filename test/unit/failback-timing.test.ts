// The failback timing is the operator's (--failback-stable-period, --failback-cooldown): the
// flags parse with the old constants as defaults, and decide() keeps to the values it is given.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import { FAILBACK_STABLE_MS } from '../../src/controllers/failover-policy/failover-ready.ts';
import { FAILBACK_COOLDOWN_MS } from '../../src/controllers/failover-policy/failover-trigger.ts';
import { parseFlags, USAGE } from '../../src/flags.ts';
import { A, B, baseSpec, runLoop, T0, World } from './failover-world.ts';

describe('failback timing flags', () => {
  it('default to 10 minutes stable and a 1 hour cooldown; set by flag or env; 0 or junk refused', () => {
    const d = parseFlags(['--cluster-id=a'], {});
    assert.equal(d.failbackStablePeriodMs, FAILBACK_STABLE_MS);
    assert.equal(d.failbackCooldownMs, FAILBACK_COOLDOWN_MS);
    assert.equal(FAILBACK_STABLE_MS, 10 * 60_000);
    assert.equal(FAILBACK_COOLDOWN_MS, 3_600_000);
    const f = parseFlags(['--cluster-id=a', '--failback-stable-period=20s', '--failback-cooldown=90s'], {});
    assert.equal(f.failbackStablePeriodMs, 20_000);
    assert.equal(f.failbackCooldownMs, 90_000);
    const e = parseFlags(['--cluster-id=a'], { MRC_FAILBACK_STABLE_PERIOD: '15m', MRC_FAILBACK_COOLDOWN: '2h' });
    assert.equal(e.failbackStablePeriodMs, 15 * 60_000);
    assert.equal(e.failbackCooldownMs, 2 * 3_600_000);
    assert.throws(() => parseFlags(['--cluster-id=a', '--failback-cooldown=0s'], {}), /--failback-cooldown/);
    assert.throws(() => parseFlags(['--cluster-id=a', '--failback-stable-period=soon'], {}), /--failback-stable-period.*invalid duration/);
    assert.match(USAGE, /--failback-stable-period [\s\S]*\[MRC_FAILBACK_STABLE_PERIOD\]/);
    assert.match(USAGE, /--failback-cooldown [\s\S]*\[MRC_FAILBACK_COOLDOWN\]/);
  });
});

describe('decide() keeps to the failback timing it is given', () => {
  it('home stable for the given period starts the failback; an aborted one waits the given cooldown, not the default', () => {
    const timing = { stableMs: 30_000, cooldownMs: 5 * 60_000 };
    const w = new World();
    const spec = baseSpec({ mode: 'Automatic', failback: 'Automatic', promoteWhenFenceUnconfirmed: true, unhealthyForSeconds: 10 });
    w.health[A] = { state: 'Unhealthy', since: new Date(T0 - 120_000).toISOString() };
    w.reachable[A] = false;
    let s: MachineStatus = runLoop(w, spec, {}, { until: (x) => x.lastFailover?.to === B && !x.inProgress }).status;
    w.reachable[A] = true;
    s = runLoop(w, spec, s, { until: (x) => x.database?.replica?.region === A, maxIterations: 50 }).status;
    w.zeroWhenSourceFenced = false; // every failback waits after the fence, so home can fail it
    w.lagSeconds = 5;
    w.setHealth(A, 'Healthy');
    const healthyAt = w.now;
    const starts: number[] = [];
    for (let i = 0; i < 500 && starts.length < 3; i++) {
      const d = decide({ spec, status: s, obs: w.observe(spec, s), failback: timing });
      if (d.status.inProgress?.reason === 'Failback' && !s.inProgress) starts.push(w.now);
      for (const a of d.actions) w.execute(a);
      s = d.status;
      if (s.inProgress?.reason === 'Failback' && s.inProgress.step === 'Fenced') w.setHealth(A, 'Unhealthy');
      else if (!s.inProgress && w.health[A]?.state === 'Unhealthy') w.setHealth(A, 'Healthy');
      w.tick(Math.min(d.requeueAfterMs ?? 5_000, 5_000));
    }
    assert.equal(starts.length, 3, `failbacks started: ${starts.length}`);
    const first = starts[0]! - healthyAt;
    assert.ok(first >= timing.stableMs && first < FAILBACK_STABLE_MS, `first failback ${first} ms after home turned Healthy`);
    for (let i = 1; i < starts.length; i++) {
      const gap = starts[i]! - starts[i - 1]!;
      assert.ok(gap >= timing.cooldownMs && gap < FAILBACK_COOLDOWN_MS, `attempt ${i + 1} came ${gap} ms after the one before`);
    }
  });
});
