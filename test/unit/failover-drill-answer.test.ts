// The drill's look at the shadow answer, once per pass: succeed, time out with the message the
// in-pass wait used, or carry the wait to the next pass (the timeout counts from the first look).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DrillProgress } from '../../src/api/types.ts';
import { decideAnswer } from '../../src/controllers/failover-policy/drill-answer.ts';

const T0 = Date.parse('2026-03-04T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
const switched: DrillProgress = {
  startedAt: at(-2).toISOString(),
  reason: 'OnDemand',
  trigger: 'x',
  step: 'Switched',
  stepAt: at(-1).toISOString(),
  standby: 'secondary',
};
const notYet = { ok: false, how: 'checked by reading the record back' };

const cases: Array<{ reason: string; p: DrillProgress; ok: boolean; now: number; want: string; since?: string; message?: RegExp }> = [
  { reason: 'the answer is there: the drill ends', p: switched, ok: true, now: 0, want: 'answered' },
  { reason: 'first look, not there yet: waits, and the timeout starts now', p: switched, ok: false, now: 0, want: 'wait', since: at(0).toISOString() },
  {
    reason: "a later look within the timeout keeps the first look's time",
    p: { ...switched, answerSince: at(0).toISOString() },
    ok: false,
    now: 59,
    want: 'wait',
    since: at(0).toISOString(),
  },
  {
    reason: 'past the timeout: fails with the old message',
    p: { ...switched, answerSince: at(0).toISOString() },
    ok: false,
    now: 60,
    want: 'timedOut',
    message: /^the shadow record did not answer with the secondary target within 60s \(checked by reading the record back\)$/,
  },
  { reason: 'a zero timeout looks once and fails', p: switched, ok: false, now: 0, want: 'timedOut' },
];

for (const c of cases) {
  test(`decideAnswer: ${c.reason}`, () => {
    const d = decideAnswer(
      c.p,
      c.ok ? { ok: true, how: 'checked with TestDNSAnswer (NOERROR: 203.0.113.20)' } : notYet,
      at(c.now),
      c.reason.includes('zero') ? 0 : 60_000,
    );
    assert.equal(d.kind, c.want);
    if (d.kind === 'wait') {
      assert.equal(d.progress.answerSince, c.since);
      assert.match(d.progress.waitingFor ?? '', /answer with the secondary target/);
    }
    if (d.kind === 'timedOut' && c.message) assert.match(d.message, c.message);
  });
}
