import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextCronTime, parseCron, timeZoneError } from '../../src/api/cron.ts';
import { validateFailoverPolicy } from '../../src/api/validate.ts';

const valid: Array<[string, string]> = [
  ['0 3 1 */3 *', 'quarterly drill'],
  ['*/15 * * * *', 'every 15 minutes'],
  ['0 9-17 * * MON-FRI', 'names and ranges'],
  ['0 0 * * 7', '7 is Sunday'],
  ['5,35 1 1-7 jan,jul 0', 'lists and lower-case names'],
  ['0 3 * * THU', 'a day name with an H in it is no hash'],
  ['0 2 L * *', 'last day of the month'],
  ['0 2 * * 1#1', 'first Monday'],
  ['@weekly', 'macro'],
  ['@MIDNIGHT', 'Vixie macro, any case'],
];
for (const [expr, reason] of valid) test(`cron accepts "${expr}": ${reason}`, () => assert.equal(parseCron(expr).ok, true));

const invalid: Array<[string, RegExp, string]> = [
  ['0 3 1 */3', /expected 5 fields/, 'four fields (cron-parser alone would shift them)'],
  ['0 3 1 */3 * *', /expected 5 fields/, 'six fields (seconds are not supported)'],
  ['', /expected 5 fields/, 'empty (cron-parser alone reads it as every minute)'],
  ['H 3 * * *', /H \(hashed\)/, 'a hashed minute would move on every parse'],
  ['0 H/2 * * *', /H \(hashed\)/, 'a hashed step'],
  ['60 * * * *', /60/, 'minute out of range'],
  ['0 24 * * *', /24/, 'hour out of range'],
  ['0 0 0 * *', /expected range 1-31/, 'day of month starts at 1'],
  ['0 0 * 13 *', /13/, 'month out of range'],
  ['0 0 * * 8', /8/, 'day of week out of range'],
  ['*/0 * * * *', /every 0/, 'zero step'],
  ['0 5-1 * * *', /5-1/, 'reversed range'],
  ['0 0 * * FOO', /foo/, 'unknown name'],
  ['0 0 30 2 *', /day of month/, 'never fires'],
  ['@sometimes', /alias/, 'unknown macro'],
];
for (const [expr, msg, reason] of invalid) {
  test(`cron rejects "${expr}": ${reason}`, () => {
    const r = parseCron(expr);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, msg);
  });
}

const next: Array<[string, string | undefined, string, string, string]> = [
  ['0 3 1 */3 *', undefined, '2025-01-15T10:00:00Z', '2025-04-01T03:00:00.000Z', 'no zone is UTC: next quarter start'],
  ['0 3 1 */3 *', 'UTC', '2025-04-01T02:59:30Z', '2025-04-01T03:00:00.000Z', 'later the same day'],
  ['0 3 1 */3 *', undefined, '2025-04-01T03:00:00Z', '2025-07-01T03:00:00.000Z', 'strictly after'],
  ['*/15 * * * *', undefined, '2025-01-01T00:07:00Z', '2025-01-01T00:15:00.000Z', 'minute steps'],
  ['0 0 13 * 5', undefined, '2025-01-01T00:00:00Z', '2025-01-03T00:00:00.000Z', 'day fields are OR-ed: Friday 3 Jan before the 13th'],
  ['0 3 * * *', 'Europe/Berlin', '2025-03-29T12:00:00Z', '2025-03-30T01:00:00.000Z', 'Berlin 03:00 on the day clocks go forward is 01:00Z (CEST)'],
  ['0 3 * * *', 'Europe/Berlin', '2025-03-28T12:00:00Z', '2025-03-29T02:00:00.000Z', 'Berlin 03:00 the day before is 02:00Z (CET)'],
  ['30 2 * * *', 'Europe/Berlin', '2025-03-29T12:00:00Z', '2025-03-30T01:30:00.000Z', 'a skipped 02:30 runs in the hour after (03:30 CEST)'],
  ['30 2 * * *', 'Europe/Berlin', '2025-10-25T12:00:00Z', '2025-10-26T00:30:00.000Z', 'a repeated 02:30 runs once, at its first occurrence'],
  ['30 2 * * *', 'Europe/Berlin', '2025-10-26T00:30:00Z', '2025-10-27T01:30:00.000Z', '… and not again at the second one'],
  ['0 9 * * MON', 'America/New_York', '2025-03-08T00:00:00Z', '2025-03-10T13:00:00.000Z', 'New York 09:00 after its own change (EDT)'],
];
for (const [expr, zone, after, want, reason] of next) {
  test(`next "${expr}" in ${zone ?? 'default'} after ${after}: ${reason}`, () => {
    const r = parseCron(expr, zone);
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(nextCronTime(r.schedule, new Date(after))?.toISOString(), want);
  });
}

test('a Berlin schedule fires at 03:00 local every day across the spring and autumn changes', () => {
  const r = parseCron('0 3 * * *', 'Europe/Berlin');
  assert.ok(r.ok);
  const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (const start of ['2025-03-27T00:00:00Z', '2025-10-24T00:00:00Z']) {
    let t = new Date(start);
    const utcHours = new Set<number>();
    for (let i = 0; i < 5; i++) {
      t = nextCronTime(r.schedule, t)!;
      assert.equal(local.format(t), '03:00', t.toISOString());
      utcHours.add(t.getUTCHours());
    }
    assert.deepEqual([...utcHours].sort(), [1, 2], `the UTC hour changes with the clocks (${start})`);
  }
});

const zones: Array<[string, RegExp | undefined]> = [
  ['Europe/Berlin', undefined],
  ['UTC', undefined],
  ['America/Argentina/Buenos_Aires', undefined],
  ['Mars/Olympus_Mons', /not a known time zone/],
  ['+01:00', /is an offset/],
  ['Europe Berlin', /not a known time zone/],
];
for (const [zone, want] of zones) {
  test(`timeZone "${zone}" is ${want ? 'refused' : 'accepted'}`, () => {
    const err = timeZoneError(zone);
    if (want) assert.match(err ?? '', want);
    else assert.equal(err, undefined);
    const parsed = parseCron('0 3 * * *', zone);
    assert.equal(parsed.ok, !want);
  });
}

const spec = (drill: { schedule?: string; timeZone?: string }) => ({
  dns: {
    hostedZoneId: 'Z1',
    recordName: 'app.example.com',
    primary: { target: { ips: ['192.0.2.1'] } },
    secondary: { target: { ips: ['192.0.2.2'] } },
  },
  drill,
});

test('validation names spec.drill.timeZone for a bad zone, and reports the schedule only when it is bad itself', () => {
  const bad = validateFailoverPolicy(spec({ schedule: '0 3 * * *', timeZone: 'Europe/Berlim' }));
  assert.deepEqual(
    bad.map((i) => i.field),
    ['spec.drill.timeZone'],
  );
  assert.match(bad[0]!.message, /"Europe\/Berlim" is not a known time zone; use an IANA time zone name/);
  const both = validateFailoverPolicy(spec({ schedule: '0 3 * *', timeZone: 'Nowhere/Town' }));
  assert.deepEqual(
    both.map((i) => i.field),
    ['spec.drill.timeZone', 'spec.drill.schedule'],
  );
  assert.deepEqual(validateFailoverPolicy(spec({ schedule: '0 3 * * *', timeZone: 'Europe/Berlin' })), []);
  assert.deepEqual(validateFailoverPolicy(spec({ timeZone: 'Asia/Tokyo' })), []);
});
