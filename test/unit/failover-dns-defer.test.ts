// Which FailoverPolicy passes leave Route 53 alone: while the writer's region is Unhealthy or a
// failover has not seen its replica promoted yet, a pass takes the DNS state the last full pass of the same
// object and generation read, instead of five Route 53 calls ahead of the failover.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FailoverPolicy, FailoverPolicyStatus } from '../../src/api/types.ts';
import { DnsKit, type DnsState } from '../../src/controllers/failover-policy/dns.ts';
import type { HealthEntry } from '../../src/controllers/failover-policy/health-board.ts';
import { deferDns } from '../../src/controllers/failover-policy/sync.ts';

const NOW = new Date('2026-01-01T12:00:00Z');
const read: DnsState = {
  healthCheckIds: { primary: 'hc-p', secondary: 'hc-s' },
  recordsInPlace: true,
  healthChecksInPlace: true,
  activeSide: 'primary',
  shallow: [],
};
const board = (primary: HealthEntry['health']) => ({
  get: (id: string | undefined): HealthEntry | undefined =>
    id === 'hc-p' ? { health: primary, since: '2026-01-01T11:59:00Z' } : id === 'hc-s' ? { health: 'Healthy', since: '2026-01-01T11:00:00Z' } : undefined,
});
const prev = (over: Partial<FailoverPolicyStatus> = {}): FailoverPolicyStatus => ({
  activeRegion: 'us-east-1',
  healthCheckIds: { primary: 'hc-p', secondary: 'hc-s' },
  ...over,
});
const automatic = { hasDatabase: true, mode: 'Automatic', activeSide: 'primary' as const, unhealthyForSeconds: 10 };
const running = (step: string) => ({ startedAt: '2026-01-01T11:59:50Z', from: 'us-east-1', to: 'us-west-2', reason: 'PrimaryUnhealthy', step });

describe('deferDns', () => {
  const cases: Array<{
    reason: string;
    policy?: typeof automatic;
    status: FailoverPolicyStatus;
    primary: HealthEntry['health'];
    last?: DnsState;
    defer: boolean;
  }> = [
    { reason: 'the writer region is Unhealthy (Automatic): the failover goes first', status: prev(), primary: 'Unhealthy', defer: true },
    { reason: 'both regions Healthy: Route 53 is read as always', status: prev(), primary: 'Healthy', defer: false },
    { reason: 'health Unknown is no reason to skip the reads', status: prev(), primary: 'Unknown', defer: false },
    { reason: 'Manual mode does not fail over on health', policy: { ...automatic, mode: 'Manual' }, status: prev(), primary: 'Unhealthy', defer: false },
    { reason: 'DNS-only policy: the records are all it has', policy: { ...automatic, hasDatabase: false }, status: prev(), primary: 'Unhealthy', defer: false },
    { reason: 'no earlier read of this object and generation: read', status: prev(), primary: 'Unhealthy', last: undefined, defer: false },
    { reason: 'a failover at LagChecked (before the promote)', status: prev({ inProgress: running('LagChecked') }), primary: 'Healthy', defer: true },
    {
      reason: 'a failover at PromoteRequested waits for the replica to take writes: no DNS yet, other failovers go first',
      status: prev({ inProgress: running('PromoteRequested') }),
      primary: 'Unhealthy',
      defer: true,
    },
    {
      reason: 'a failover at Promoted moves the records next: read',
      status: prev({ inProgress: running('Promoted') }),
      primary: 'Unhealthy',
      defer: false,
    },
    {
      reason: 'a failover held for over a minute before its promote (RPO guard, fence, outage): read, so DnsSynced tells the truth',
      status: prev({ inProgress: { ...running('LagChecked'), startedAt: '2026-01-01T11:58:30Z' } }),
      primary: 'Unhealthy',
      defer: false,
    },
    {
      reason: 'Unhealthy for over unhealthyForSeconds + a minute and still no failover (blocked): read',
      policy: { ...automatic, unhealthyForSeconds: -10 },
      status: prev(),
      primary: 'Unhealthy',
      defer: false,
    },
  ];
  for (const c of cases) {
    test(c.reason, () => {
      const last = 'last' in c ? c.last : read;
      const got = deferDns(c.policy ?? automatic, c.status, board(c.primary), last, NOW);
      assert.equal(got !== undefined, c.defer);
      if (c.defer) assert.deepEqual(got, read);
    });
  }
});

describe('DnsKit.lastState', () => {
  const obj = (generation: number, uid = 'u1'): FailoverPolicy =>
    ({
      apiVersion: 'multiregion.dev/v1alpha1',
      kind: 'FailoverPolicy',
      metadata: { namespace: 'ns', name: 'orders', uid, generation },
      spec: {},
    }) as FailoverPolicy;
  test('the same object and generation get what the last full pass read', () => {
    const kit = new DnsKit();
    kit.remember(obj(3), read);
    assert.deepEqual(kit.lastState(obj(3)), read);
  });
  test('a spec change (generation), a re-created object (uid) or a forgotten one read again', () => {
    const kit = new DnsKit();
    kit.remember(obj(3), read);
    assert.equal(kit.lastState(obj(4)), undefined);
    assert.equal(kit.lastState(obj(3, 'u2')), undefined);
    kit.forget('ns/orders');
    assert.equal(kit.lastState(obj(3)), undefined);
  });
  test('a pass that left a change pending, a DNS error or a conflict is no state to go on', () => {
    for (const extra of [{ pendingChange: { id: 'C1', submittedAt: NOW.toISOString() } }, { error: 'Throttling' }, { conflict: 'foreign record' }]) {
      const kit = new DnsKit();
      kit.remember(obj(3), { ...read, ...extra });
      assert.equal(kit.lastState(obj(3)), undefined, JSON.stringify(extra));
    }
  });
});
