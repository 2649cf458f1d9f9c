// Pure parts of the FailoverPolicy reconciler: which side the PRIMARY record serves, how health
// `since` survives restarts, and how the machine's status fields are merged into the object's.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { desiredRecords, type FailoverRecordsInput, type RRSet } from '../../src/aws/route53/records.ts';
import { activeSideOf } from '../../src/controllers/failover-policy/dns.ts';
import type { HealthEntry } from '../../src/controllers/failover-policy/health-board.ts';
import { compose, sideHealth } from '../../src/controllers/failover-policy/sync.ts';

const input: FailoverRecordsInput = {
  policyName: 'orders',
  recordName: 'orders.example.com',
  ttl: 60,
  primary: { target: { ips: ['198.51.100.10'] }, healthCheckId: 'hc-p' },
  secondary: { target: { ips: ['203.0.113.20'] }, healthCheckId: 'hc-s' },
};

describe('activeSideOf', () => {
  const cases: Array<{ reason: string; current: RRSet[]; known?: Record<string, string>; want: 'primary' | 'secondary' | undefined }> = [
    { reason: 'no records of ours yet', current: [], want: undefined },
    { reason: 'records as written for the primary side', current: desiredRecords(input, 'primary'), want: 'primary' },
    { reason: 'records as written for the secondary side', current: desiredRecords(input, 'secondary'), want: 'secondary' },
    {
      reason: 'a replaced health check: the target still tells the side',
      current: desiredRecords({ ...input, secondary: { ...input.secondary, healthCheckId: 'hc-old' } }, 'secondary'),
      want: 'secondary',
    },
    {
      reason: 'the target changed in the spec: the recorded check id tells the side',
      current: desiredRecords({ ...input, secondary: { target: { ips: ['192.0.2.99'] }, healthCheckId: 'hc-s' } }, 'secondary'),
      known: { primary: 'hc-p', secondary: 'hc-s' },
      want: 'secondary',
    },
    {
      reason: 'a record with another SetIdentifier is not ours',
      current: desiredRecords({ ...input, policyName: 'other' }, 'secondary'),
      want: undefined,
    },
  ];
  for (const c of cases) {
    test(c.reason, () => assert.equal(activeSideOf(c.current, input, c.known ?? {}), c.want));
  }
});

describe('sideHealth', () => {
  const board = (entries: Record<string, HealthEntry>) => ({ get: (id: string | undefined) => (id ? entries[id] : undefined) });
  const now = '2025-01-01T00:10:00.000Z';
  const cases = [
    {
      reason: 'no check: Unknown since now',
      entries: {},
      ids: {},
      prev: undefined,
      want: { primary: { state: 'Unknown', since: now }, secondary: { state: 'Unknown', since: now } },
    },
    {
      reason: 'the board decides the state and, on a change, the time',
      entries: { p: { health: 'Unhealthy', since: '2025-01-01T00:09:00.000Z' }, s: { health: 'Healthy', since: '2025-01-01T00:08:00.000Z' } },
      ids: { primary: 'p', secondary: 's' },
      prev: { primary: 'Healthy', primarySince: '2025-01-01T00:00:00.000Z' },
      want: { primary: { state: 'Unhealthy', since: '2025-01-01T00:09:00.000Z' }, secondary: { state: 'Healthy', since: '2025-01-01T00:08:00.000Z' } },
    },
    {
      reason: 'an unchanged state keeps the earlier since from status (a restart does not reset the clock)',
      entries: { p: { health: 'Unhealthy', since: '2025-01-01T00:09:30.000Z' } },
      ids: { primary: 'p' },
      prev: { primary: 'Unhealthy', primarySince: '2025-01-01T00:05:00.000Z', secondary: 'Unknown', secondarySince: '2025-01-01T00:01:00.000Z' },
      want: { primary: { state: 'Unhealthy', since: '2025-01-01T00:05:00.000Z' }, secondary: { state: 'Unknown', since: '2025-01-01T00:01:00.000Z' } },
    },
  ] as const;
  for (const c of cases) {
    test(c.reason, () => assert.deepEqual(sideHealth(board(c.entries as Record<string, HealthEntry>), c.ids, c.prev as never, now), c.want));
  }
});

describe('compose', () => {
  test('machine fields replace the old ones, removed ones disappear, the rest stays', () => {
    const base = {
      activeRegion: 'us-east-1',
      inProgress: { step: 'PromoteRequested', from: 'us-east-1', to: 'us-west-2' },
      lastDrill: { result: 'Succeeded' },
      conditions: [{ type: 'Ready', status: 'True' as const, reason: 'Available', message: '', lastTransitionTime: 't' }],
    };
    const out = compose(base, { activeRegion: 'us-west-2', lastFailover: { completedAt: 'x' } }, { healthCheckIds: { primary: 'p' } });
    assert.equal(out.activeRegion, 'us-west-2');
    assert.equal(out.inProgress, undefined);
    assert.deepEqual(out.lastFailover, { completedAt: 'x' });
    assert.deepEqual(out.lastDrill, { result: 'Succeeded' });
    assert.deepEqual(out.healthCheckIds, { primary: 'p' });
    assert.equal(out.conditions?.length, 1);
    assert.equal(base.inProgress.step, 'PromoteRequested', 'the input is not changed');
  });
});
