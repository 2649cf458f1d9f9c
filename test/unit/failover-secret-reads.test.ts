// The connection Secret is read by a database round only where a decision depends on it: in steady
// state and from Promoted on. From Triggered to PromoteRequested (the rounds of a failover's
// trigger pass, when many policies fail over at once) it is not read, and a round that did not
// read it never stands in for one that needs it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayReuse, observationKey } from '../../src/controllers/failover-policy/database.ts';
import { secretDecides } from '../../src/controllers/failover-policy/database-observe.ts';
import type { FailoverStep, MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import { A, B, baseSpec } from './failover-world.ts';

const running = (step: FailoverStep): MachineStatus => ({
  activeRegion: A,
  inProgress: { startedAt: '2026-12-04T00:00:00Z', from: A, to: B, reason: 'PrimaryUnhealthy', step },
});

test('the Secret decides in steady state and from Promoted on, never from Triggered to PromoteRequested', () => {
  assert.equal(secretDecides({ activeRegion: A }), true, 'steady state keeps it naming the writer');
  // Every step (the type makes a missing one a compile error).
  const want: Record<FailoverStep, boolean> = {
    Triggered: false,
    LagChecked: false,
    Fenced: false,
    FenceUnconfirmed: false,
    PromoteRequested: false,
    Promoted: true,
    SecretWritten: true,
    DnsSwitched: true,
    WriterConfigRequested: true,
    Completed: true,
  };
  for (const [step, decides] of Object.entries(want)) assert.equal(secretDecides(running(step as FailoverStep)), decides, step);
});

test('reads without the Secret never stand in for a round that decides on it; reads with it serve any round', () => {
  const spec = baseSpec({ mode: 'Automatic', unhealthyForSeconds: 60 });
  const steady: MachineStatus = { activeRegion: A };
  // Same instances either way: only the Secret tells the rounds apart.
  const key = observationKey(spec, running('Triggered'));
  assert.equal(key, observationKey(spec, steady));
  // A failover aborted at Triggered: the next (steady) round must read the Secret itself.
  assert.equal(mayReuse({ key, withSecret: false }, key, steady), false);
  // The trigger pass: steady round 0 read it, so Triggered and Fenced take its reads.
  assert.equal(mayReuse({ key, withSecret: true }, key, running('Triggered')), true);
  assert.equal(mayReuse({ key, withSecret: false }, key, running('Fenced')), true);
  assert.equal(mayReuse({ key, withSecret: true }, 'other', steady), false, 'other instances: read again');
});
