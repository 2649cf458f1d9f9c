// The window of a Switchover drill: the last slot of the schedule in its time zone plus
// windowMinutes; outside it, the message says when the next window opens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drillWindow, lastSlot } from '../../src/controllers/failover-policy/drill-window.ts';

const at = (iso: string) => new Date(iso);

const cases: Array<{ reason: string; schedule?: string; timeZone?: string; windowMinutes: number; now: string; inside: boolean; next?: string }> = [
  { reason: 'no schedule: no window, the annotation picks the time', windowMinutes: 60, now: '2026-01-01T12:00:00Z', inside: true },
  { reason: 'at the slot itself', schedule: '0 3 * * *', windowMinutes: 60, now: '2026-01-01T03:00:00Z', inside: true },
  { reason: 'within the window', schedule: '0 3 * * *', windowMinutes: 60, now: '2026-01-01T03:59:59Z', inside: true },
  { reason: 'the window has closed', schedule: '0 3 * * *', windowMinutes: 60, now: '2026-01-01T04:00:00Z', inside: false, next: '2026-01-02T03:00:00.000Z' },
  { reason: 'before the slot', schedule: '0 3 * * *', windowMinutes: 60, now: '2026-01-01T02:59:00Z', inside: false, next: '2026-01-01T03:00:00.000Z' },
  // 03:00 in Berlin is 02:00 UTC in winter.
  { reason: 'read in the time zone', schedule: '0 3 * * *', timeZone: 'Europe/Berlin', windowMinutes: 30, now: '2026-01-01T02:10:00Z', inside: true },
  {
    reason: 'the zone moves the slot: 03:10 UTC is 04:10 in Berlin, outside a 30 min window',
    schedule: '0 3 * * *',
    timeZone: 'Europe/Berlin',
    windowMinutes: 30,
    now: '2026-01-01T03:10:00Z',
    inside: false,
    next: '2026-01-02T02:00:00.000Z',
  },
  { reason: 'a day-long window', schedule: '0 3 1 */3 *', windowMinutes: 1440, now: '2026-04-02T02:59:00Z', inside: true },
];

for (const c of cases) {
  test(`drill window: ${c.reason}`, () => {
    const w = drillWindow({
      ...(c.schedule && { schedule: c.schedule }),
      ...(c.timeZone && { timeZone: c.timeZone }),
      windowMinutes: c.windowMinutes,
      now: at(c.now),
    });
    assert.equal(w.inside, c.inside);
    if (!w.inside) {
      assert.equal(w.nextOpensAt?.toISOString(), c.next);
      assert.match(w.message, /outside its window/);
      assert.ok(w.message.includes(`the next window opens at ${c.next}`), w.message);
    }
  });
}

test('a bad schedule is outside any window, and says why', () => {
  const w = drillWindow({ schedule: '0 3 * *', windowMinutes: 60, now: at('2026-01-01T03:00:00Z') });
  assert.equal(w.inside, false);
  assert.match(w.inside ? '' : w.message, /cannot be read/);
});

test('lastSlot counts a slot at this very minute', () => {
  assert.equal(lastSlot('0 3 * * *', 'UTC', at('2026-01-01T03:00:00Z'))?.toISOString(), '2026-01-01T03:00:00.000Z');
  assert.equal(lastSlot('0 3 * * *', 'UTC', at('2026-01-01T02:59:59Z'))?.toISOString(), '2025-12-31T03:00:00.000Z');
});
