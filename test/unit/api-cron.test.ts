import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextCronTime, parseCron } from '../../src/api/cron.ts';

const valid: Array<[string, string]> = [
  ['0 3 1 */3 *', 'quarterly drill'],
  ['*/15 * * * *', 'every 15 minutes'],
  ['0 9-17 * * MON-FRI', 'names and ranges'],
  ['0 0 * * 7', '7 is Sunday'],
  ['5,35 1 1-7 jan,jul 0', 'lists and lower-case names'],
  ['@weekly', 'macro'],
];
for (const [expr, reason] of valid) test(`cron accepts "${expr}": ${reason}`, () => assert.equal(parseCron(expr).ok, true));

const invalid: Array<[string, RegExp, string]> = [
  ['0 3 1 */3', /expected 5 fields/, 'four fields'],
  ['0 3 1 */3 * *', /expected 5 fields/, 'six fields (seconds are not supported)'],
  ['60 * * * *', /minute "60"/, 'minute out of range'],
  ['0 24 * * *', /hour "24"/, 'hour out of range'],
  ['0 0 0 * *', /day of month "0"/, 'day of month starts at 1'],
  ['0 0 * 13 *', /month "13"/, 'month out of range'],
  ['0 0 * * 8', /day of week "8"/, 'day of week out of range'],
  ['*/0 * * * *', /step must be at least 1/, 'zero step'],
  ['0 5-1 * * *', /range start after end/, 'reversed range'],
  ['0 0 * * FOO', /day of week/, 'unknown name'],
  ['@sometimes', /expected 5 fields/, 'unknown macro'],
];
for (const [expr, msg, reason] of invalid) {
  test(`cron rejects "${expr}": ${reason}`, () => {
    const r = parseCron(expr);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, msg);
  });
}

const next: Array<[string, string, string | undefined, string]> = [
  ['0 3 1 */3 *', '2025-01-15T10:00:00Z', '2025-04-01T03:00:00.000Z', 'next quarter start'],
  ['0 3 1 */3 *', '2025-04-01T02:59:30Z', '2025-04-01T03:00:00.000Z', 'later the same day'],
  ['0 3 1 */3 *', '2025-04-01T03:00:00Z', '2025-07-01T03:00:00.000Z', 'strictly after'],
  ['*/15 * * * *', '2025-01-01T00:07:00Z', '2025-01-01T00:15:00.000Z', 'minute steps'],
  ['0 0 13 * 5', '2025-01-01T00:00:00Z', '2025-01-03T00:00:00.000Z', 'day fields are OR-ed: Friday 3 Jan before the 13th'],
  ['0 0 */2 * 5', '2025-01-03T12:00:00Z', '2025-01-17T00:00:00.000Z', 'a *-started day field is AND-ed: the next Friday on an odd day'],
  ['0 0 30 2 *', '2025-01-01T00:00:00Z', undefined, 'never fires'],
];
for (const [expr, after, want, reason] of next) {
  test(`next "${expr}" after ${after}: ${reason}`, () => {
    const r = parseCron(expr);
    assert.ok(r.ok);
    assert.equal(nextCronTime(r.schedule, new Date(after))?.toISOString(), want);
  });
}
