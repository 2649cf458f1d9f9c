// The Global Accelerator shift planner: every branch, one case each, with why it matters.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dialsForStep,
  fromStatusShift,
  planDials,
  type ShiftInput,
  type ShiftState,
  type Side,
  toStatusShift,
} from '../../src/controllers/failover-policy/ga-shift.ts';

const T0 = Date.parse('2026-05-01T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
const iso = (s: number) => at(s).toISOString();
const ON_PRIMARY = { primary: 100, secondary: 0 };
const ON_SECONDARY = { primary: 0, secondary: 100 };

/** A planned switch to secondary, traffic still on primary, steps 10/50/100 every 60 s. */
const base = (over: Partial<ShiftInput> = {}): ShiftInput => ({
  active: 'secondary',
  planned: true,
  steps: [10, 50, 100],
  stepSeconds: 60,
  current: ON_PRIMARY,
  receivingHealth: 'Healthy',
  now: at(0),
  ...over,
});
const running = (stepIndex: number, stepAtS: number, over: Partial<ShiftState> = {}): ShiftState => ({
  from: 'primary',
  to: 'secondary',
  stepIndex,
  stepAt: iso(stepAtS),
  startedAt: iso(-600),
  ...over,
});

test('dial pair of a step: receiving s, sending 100 - s (the only pair that moves s % of all traffic)', () => {
  assert.deepEqual(dialsForStep('secondary', 10), { primary: 90, secondary: 10 });
  assert.deepEqual(dialsForStep('primary', 50), { primary: 50, secondary: 50 });
  assert.deepEqual(dialsForStep('primary', 100), ON_PRIMARY);
  // The share reaching the receiving side, for clients split f / 1-f by proximity, is s for every f.
  for (const s of [10, 50, 90]) {
    const d = dialsForStep('secondary', s);
    for (const f of [0, 0.3, 1]) {
      const share = f * (100 - d.primary) + (1 - f) * d.secondary;
      assert.ok(Math.abs(share - s) < 1e-9, `s=${s} f=${f} gave ${share}`);
    }
  }
});

const cases: Array<{
  reason: string;
  input: ShiftInput;
  dials: { primary: number; secondary: number };
  shift?: Partial<ShiftState> | 'none';
  requeue?: number;
  note?: RegExp;
}> = [
  {
    reason: 'an emergency failover moves everything at once, whatever the steps',
    input: base({ planned: false }),
    dials: ON_SECONDARY,
    shift: 'none',
    note: /emergency failover/,
  },
  {
    reason: 'an emergency during a gradual shift abandons it and says so',
    input: base({ planned: false, current: dialsForStep('secondary', 10), shift: running(0, -5) }),
    dials: ON_SECONDARY,
    shift: 'none',
    note: /abandoned/,
  },
  {
    reason: 'an emergency with the dials already in place is silent',
    input: base({ planned: false, current: ON_SECONDARY }),
    dials: ON_SECONDARY,
    shift: 'none',
  },
  { reason: 'steady state: nothing to do, no requeue', input: base({ current: ON_SECONDARY }), dials: ON_SECONDARY, shift: 'none' },
  { reason: 'planned without steps: one jump', input: base({ steps: undefined }), dials: ON_SECONDARY, shift: 'none' },
  { reason: 'planned with steps [100]: one jump', input: base({ steps: [100] }), dials: ON_SECONDARY, shift: 'none' },
  {
    reason: 'a planned switch from all-on-primary begins at the first step and requeues for stepSeconds',
    input: base(),
    dials: { primary: 90, secondary: 10 },
    shift: { from: 'primary', to: 'secondary', stepIndex: 0, stepAt: iso(0), startedAt: iso(0) },
    requeue: 60_000,
    note: /step 1 of 3, 10%/,
  },
  {
    reason: 'the receiving side Unhealthy before the first step: no traffic moves, rolled back at once',
    input: base({ receivingHealth: 'Unhealthy' }),
    dials: ON_PRIMARY,
    shift: { rolledBack: true, stepIndex: 0 },
    note: /secondary turned Unhealthy before the first step/,
  },
  {
    reason: 'the receiving side Unknown before the first step: wait, keep traffic where it is, look again',
    input: base({ receivingHealth: 'Unknown' }),
    dials: ON_PRIMARY,
    shift: 'none',
    requeue: 60_000,
    note: /Unknown/,
  },
  {
    reason: 'dials that are neither a side nor a step (drift, or defaults of an adopted accelerator) are set at once',
    input: base({ current: { primary: 100, secondary: 100 } }),
    dials: ON_SECONDARY,
    shift: 'none',
    note: /neither/,
  },
  {
    reason: 'within stepSeconds: hold the step, requeue for what is left',
    input: base({ current: dialsForStep('secondary', 10), shift: running(0, -20) }),
    dials: { primary: 90, secondary: 10 },
    shift: { stepIndex: 0, stepAt: iso(-20) },
    requeue: 40_000,
  },
  {
    reason: 'within stepSeconds, a dial changed outside is put back to the step',
    input: base({ current: ON_PRIMARY, shift: running(0, -20) }),
    dials: { primary: 90, secondary: 10 },
    shift: { stepIndex: 0 },
    requeue: 40_000,
  },
  {
    reason: 'after stepSeconds and Healthy: the next step',
    input: base({ current: dialsForStep('secondary', 10), shift: running(0, -60) }),
    dials: { primary: 50, secondary: 50 },
    shift: { stepIndex: 1, stepAt: iso(0), startedAt: iso(-600) },
    requeue: 60_000,
    note: /step 2 of 3, 50%/,
  },
  {
    reason: 'the last step reaches 100: the shift is over and cleared',
    input: base({ current: dialsForStep('secondary', 50), shift: running(1, -61) }),
    dials: ON_SECONDARY,
    shift: 'none',
    note: /complete/,
  },
  {
    reason: 'after stepSeconds but the receiving side is Unknown: hold, do not advance',
    input: base({ current: dialsForStep('secondary', 10), shift: running(0, -300), receivingHealth: 'Unknown' }),
    dials: { primary: 90, secondary: 10 },
    shift: { stepIndex: 0, stepAt: iso(-300) },
    requeue: 60_000,
    note: /holds at 10%/,
  },
  {
    reason: 'the receiving side turns Unhealthy mid-shift: all back to from, rolledBack with a reason',
    input: base({ current: dialsForStep('secondary', 50), shift: running(1, -10), receivingHealth: 'Unhealthy' }),
    dials: ON_PRIMARY,
    shift: { rolledBack: true, stepIndex: 1, from: 'primary', to: 'secondary' },
    note: /turned Unhealthy at 50%: all traffic went back to primary/,
  },
  {
    reason: 'rolled back and active unchanged: no retry even when healthy again, dials stay on from',
    input: base({ current: ON_PRIMARY, shift: running(1, -10, { rolledBack: true, reason: 'went back' }), receivingHealth: 'Healthy', now: at(3600) }),
    dials: ON_PRIMARY,
    shift: { rolledBack: true, reason: 'went back' },
    note: /went back/,
  },
  {
    reason: 'rolled back, and a dial moved outside: put back on from',
    input: base({ current: ON_SECONDARY, shift: running(1, -10, { rolledBack: true }) }),
    dials: ON_PRIMARY,
    shift: { rolledBack: true },
  },
  {
    reason: 'rolled back, then active set back to from: the shift is forgotten',
    input: base({ active: 'primary', current: ON_PRIMARY, shift: running(1, -10, { rolledBack: true }) }),
    dials: ON_PRIMARY,
    shift: 'none',
  },
  {
    reason: 'a new switch after a rollback (the caller dropped shift) starts again from the first step',
    input: base({ current: ON_PRIMARY, shift: undefined }),
    dials: { primary: 90, secondary: 10 },
    shift: { stepIndex: 0, rolledBack: undefined },
    requeue: 60_000,
  },
  {
    reason: 'active turned back mid-shift: traffic goes back at once, the shift is abandoned',
    input: base({ active: 'primary', current: dialsForStep('secondary', 50), shift: running(1, -10) }),
    dials: ON_PRIMARY,
    shift: 'none',
    note: /abandoned/,
  },
  {
    reason: 'restart mid-shift with status intact: continues from the recorded step and time',
    input: base({ current: dialsForStep('secondary', 50), shift: running(1, -59), now: at(0) }),
    dials: { primary: 50, secondary: 50 },
    shift: { stepIndex: 1, stepAt: iso(-59) },
    requeue: 1_000,
  },
  {
    reason: 'restart after the dials were written but before the status write: resumes at the step found, held a full period',
    input: base({ current: dialsForStep('secondary', 50), shift: undefined }),
    dials: { primary: 50, secondary: 50 },
    shift: { from: 'primary', to: 'secondary', stepIndex: 1, stepAt: iso(0) },
    requeue: 60_000,
    note: /resumed the shift to secondary at 50%/,
  },
  {
    reason: 'resumed from the dials but the receiving side is Unhealthy: rolled back',
    input: base({ current: dialsForStep('secondary', 10), shift: undefined, receivingHealth: 'Unhealthy' }),
    dials: ON_PRIMARY,
    shift: { rolledBack: true, stepIndex: 0 },
  },
  {
    reason: 'steps shortened while a shift ran: the index is clamped to the last step',
    input: base({ steps: [20, 100], current: dialsForStep('secondary', 50), shift: running(2, -61) }),
    dials: ON_SECONDARY,
    shift: 'none',
    note: /complete/,
  },
  {
    reason: 'steps removed while a shift ran: finish at once',
    input: base({ steps: [], current: dialsForStep('secondary', 50), shift: running(1, -1) }),
    dials: ON_SECONDARY,
    shift: 'none',
    note: /no shift steps/,
  },
  {
    reason: 'an unreadable stepAt holds the step rather than jumping ahead',
    input: base({ current: dialsForStep('secondary', 10), shift: running(0, 0, { stepAt: 'garbage' }) }),
    dials: { primary: 90, secondary: 10 },
    shift: { stepIndex: 0 },
    requeue: 60_000,
  },
  {
    reason: 'the default stepSeconds is 60',
    input: base({ stepSeconds: undefined }),
    dials: { primary: 90, secondary: 10 },
    requeue: 60_000,
  },
  {
    reason: 'a failback to primary shifts the other way',
    input: base({ active: 'primary', current: ON_SECONDARY, steps: [25, 100] }),
    dials: { primary: 25, secondary: 75 },
    shift: { from: 'secondary', to: 'primary', stepIndex: 0 },
    requeue: 60_000,
  },
];

for (const c of cases) {
  test(c.reason, () => {
    const plan = planDials(c.input);
    assert.deepEqual(plan.dials, c.dials);
    if (c.shift === 'none') assert.equal(plan.shift, undefined);
    else if (c.shift) {
      assert.ok(plan.shift, 'a shift state is returned');
      for (const [k, v] of Object.entries(c.shift)) assert.deepEqual(plan.shift[k as keyof ShiftState], v, k);
    }
    assert.equal(plan.requeueAfterMs, c.requeue);
    if (c.note) assert.match(plan.note ?? '', c.note);
  });
}

test('a whole planned shift, pass by pass, with the time and health the controller would see', () => {
  let shift: ShiftState | undefined;
  let current = ON_PRIMARY;
  const seen: string[] = [];
  for (const s of [0, 30, 60, 90, 120]) {
    const plan = planDials(base({ current, shift, now: at(s) }));
    current = plan.dials;
    shift = plan.shift;
    seen.push(`${s}:${plan.dials.secondary}`);
  }
  assert.deepEqual(seen, ['0:10', '30:10', '60:50', '90:50', '120:100']);
  assert.equal(shift, undefined);
});

test('status round trip: regions and field names of status.globalAccelerator.shift', () => {
  const regionOf = (s: Side) => (s === 'primary' ? 'us-east-1' : 'us-west-2');
  const sideOf = (r: string): Side | undefined => (r === 'us-east-1' ? 'primary' : r === 'us-west-2' ? 'secondary' : undefined);
  const st = running(1, -10, { rolledBack: true, reason: 'why' });
  const status = toStatusShift(st, regionOf);
  assert.deepEqual(status, { from: 'us-east-1', to: 'us-west-2', step: 1, stepAt: iso(-10), startedAt: iso(-600), rolledBack: true, message: 'why' });
  assert.deepEqual(fromStatusShift(status, sideOf), st);
  assert.equal(fromStatusShift({ ...status, to: 'eu-west-1' }, sideOf), undefined, 'a region of neither side forgets the shift');
  assert.equal(fromStatusShift(undefined, sideOf), undefined);
  assert.equal(toStatusShift({ ...st, startedAt: undefined }, regionOf).startedAt, st.stepAt);
});
