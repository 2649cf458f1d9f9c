import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeAnswer } from '../../src/aws/route53/test-dns-answer.ts';
import { expectedAnswer } from '../../src/controllers/failover-policy/drill.ts';
import { type DrillDueInput, drillDue, drillRequeueMs } from '../../src/controllers/failover-policy/drill-schedule.ts';

const NOW = new Date('2026-03-04T10:30:20Z');
const cases: Array<{ name: string; input: Omit<DrillDueInput, 'now'>; due?: 'OnDemand' | 'Schedule'; nextAt?: string; error?: boolean }> = [
  { name: 'nothing asked', input: {} },
  { name: 'new annotation value', input: { annotation: 'a' }, due: 'OnDemand' },
  { name: 'annotation value already handled', input: { annotation: 'a', lastDrill: { trigger: 'a', startedAt: '2026-03-04T10:00:00Z' } } },
  { name: 'blank annotation', input: { annotation: '  ' } },
  { name: 'changed annotation value', input: { annotation: 'b', lastDrill: { trigger: 'a' } }, due: 'OnDemand' },
  {
    name: 'schedule fired since the last drill',
    input: { schedule: '0 * * * *', lastDrill: { startedAt: '2026-03-04T09:10:00Z' } },
    due: 'Schedule',
    nextAt: '2026-03-04T11:00:00.000Z',
  },
  { name: 'schedule not yet due', input: { schedule: '0 * * * *', lastDrill: { startedAt: '2026-03-04T10:00:00Z' } }, nextAt: '2026-03-04T11:00:00.000Z' },
  {
    name: 'first drill counts from creation',
    input: { schedule: '15 10 * * *', createdAt: '2026-03-03T12:00:00Z' },
    due: 'Schedule',
    nextAt: '2026-03-05T10:15:00.000Z',
  },
  { name: 'created after the last fire time', input: { schedule: '15 10 * * *', createdAt: '2026-03-04T10:20:00Z' }, nextAt: '2026-03-05T10:15:00.000Z' },
  {
    name: 'annotation wins over the schedule',
    input: { annotation: 'x', schedule: '0 * * * *', lastDrill: { startedAt: '2026-03-04T09:10:00Z' } },
    due: 'OnDemand',
    nextAt: '2026-03-04T11:00:00.000Z',
  },
  { name: 'bad schedule', input: { schedule: 'every day' }, error: true },
];

for (const c of cases) {
  test(`drillDue: ${c.name}`, () => {
    const got = drillDue({ ...c.input, now: NOW });
    assert.equal(got.due, c.due);
    assert.equal(got.nextAt?.toISOString(), c.nextAt);
    assert.equal(!!got.scheduleError, !!c.error);
  });
}

test('drillDue: a Europe/Berlin schedule is due at 03:00 local on both sides of the spring change', () => {
  // 2026-03-29: Berlin goes from CET (UTC+1) to CEST (UTC+2) at 02:00 local.
  const input = { schedule: '0 3 * * *', timeZone: 'Europe/Berlin', lastDrill: { startedAt: '2026-03-28T02:00:00Z' } };
  assert.equal(drillDue({ ...input, now: new Date('2026-03-28T12:00:00Z') }).nextAt?.toISOString(), '2026-03-29T01:00:00.000Z');
  assert.equal(drillDue({ ...input, now: new Date('2026-03-29T00:59:00Z') }).due, undefined, 'not yet 03:00 CEST');
  const at = drillDue({ ...input, now: new Date('2026-03-29T01:00:30Z') });
  assert.equal(at.due, 'Schedule');
  assert.equal(at.nextAt?.toISOString(), '2026-03-30T01:00:00.000Z');
});

test('drillDue: without a time zone the schedule stays UTC', () => {
  const got = drillDue({ schedule: '0 3 * * *', lastDrill: { startedAt: '2026-03-28T03:00:00Z' }, now: new Date('2026-03-29T02:00:00Z') });
  assert.equal(got.due, undefined);
  assert.equal(got.nextAt?.toISOString(), '2026-03-29T03:00:00.000Z');
});

test('drillDue: a bad time zone is a schedule error, never a drill', () => {
  const got = drillDue({ schedule: '0 3 * * *', timeZone: 'Europe/Berlim', lastDrill: { startedAt: '2026-03-01T03:00:00Z' }, now: NOW });
  assert.equal(got.due, undefined);
  assert.match(got.scheduleError ?? '', /Europe\/Berlim/);
});

const requeues: Array<{ next?: string; cap: number; want?: number }> = [
  { cap: 300_000 },
  { next: '2026-03-04T10:31:20Z', cap: 300_000, want: 60_000 },
  { next: '2026-03-04T12:00:00Z', cap: 300_000, want: 300_000 },
  { next: '2026-03-04T10:30:20Z', cap: 300_000, want: 1_000 },
];
for (const r of requeues) {
  test(`drillRequeueMs: next ${r.next ?? 'none'} cap ${r.cap}`, () => {
    assert.equal(drillRequeueMs(r.next ? new Date(r.next) : undefined, NOW, r.cap), r.want);
  });
}

const answers: Array<{ target: Parameters<typeof expectedAnswer>[0]; want?: string[] }> = [
  { target: { ips: ['203.0.113.20', '198.51.100.1'] }, want: ['198.51.100.1', '203.0.113.20'] },
  { target: { cname: 'West.Example.com.' }, want: ['west.example.com'] },
  { target: { alias: { dnsName: 'lb.example.com', hostedZoneId: 'Z1' } } },
];
for (const a of answers) {
  test(`expectedAnswer: ${JSON.stringify(a.target)}`, () => {
    assert.deepEqual(expectedAnswer(a.target), a.want);
  });
}

test('normalizeAnswer drops quotes, case and the trailing dot', () => {
  for (const [raw, want] of [
    ['"Abc."', 'abc'],
    [' 1.2.3.4 ', '1.2.3.4'],
    ['x.example.com.', 'x.example.com'],
  ] as const)
    assert.equal(normalizeAnswer(raw), want);
});
