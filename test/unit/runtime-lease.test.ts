import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { decideLease, type LeaseDecision, type LeaseSpec, nextLeaseSpec, observeLease, releasedLeaseSpec, toMicroTime } from '../../src/runtime/lease.ts';

const ME = 'host-a_12_aa';
const OTHER = 'host-b_34_bb';
const held = (holder: string | null | undefined, extra: Partial<LeaseSpec> = {}): LeaseSpec => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  renewTime: '2025-01-01T00:00:00.000000Z',
  leaseTransitions: 2,
  ...extra,
});

describe('decideLease', () => {
  const cases: Array<{ reason: string; spec: LeaseSpec | undefined; now: number; observedAt: number; want: LeaseDecision }> = [
    { reason: 'no lease yet: create it', spec: undefined, now: 0, observedAt: 0, want: { action: 'create' } },
    { reason: 'we hold it: renew', spec: held(ME), now: 100_000, observedAt: 0, want: { action: 'renew' } },
    { reason: 'we hold it even if it looks expired: renew', spec: held(ME), now: 10_000_000, observedAt: 0, want: { action: 'renew' } },
    { reason: 'released (empty holder): acquire at once', spec: held(''), now: 1, observedAt: 0, want: { action: 'acquire' } },
    { reason: 'no holder field: acquire', spec: held(undefined), now: 1, observedAt: 0, want: { action: 'acquire' } },
    { reason: 'null holder: acquire', spec: held(null), now: 1, observedAt: 0, want: { action: 'acquire' } },
    {
      reason: 'another holder, observed recently: wait',
      spec: held(OTHER),
      now: 14_999,
      observedAt: 0,
      want: { action: 'wait', holder: OTHER, expiresAtMs: 15_000 },
    },
    { reason: 'another holder, unchanged for a full duration: take over', spec: held(OTHER), now: 15_000, observedAt: 0, want: { action: 'acquire' } },
    {
      reason: 'expiry counts from when we observed it, not from renewTime (clock skew)',
      spec: held(OTHER, { renewTime: '2000-01-01T00:00:00.000000Z' }),
      now: 5_000_000,
      observedAt: 4_999_000,
      want: { action: 'wait', holder: OTHER, expiresAtMs: 5_014_000 },
    },
    {
      reason: 'released with a 1 s duration by a holder name: short wait only',
      spec: held(OTHER, { leaseDurationSeconds: 1 }),
      now: 1_000,
      observedAt: 0,
      want: { action: 'acquire' },
    },
  ];
  for (const c of cases) it(c.reason, () => assert.deepEqual(decideLease(c.spec, ME, c.now, c.observedAt), c.want));
});

describe('observeLease', () => {
  const a = held(OTHER);
  const cases: Array<{ reason: string; prevSpec: LeaseSpec | undefined; nextSpec: LeaseSpec | undefined; keepsTime: boolean }> = [
    { reason: 'unchanged lease keeps the first observation time', prevSpec: a, nextSpec: { ...a }, keepsTime: true },
    { reason: 'a renew (new renewTime) restarts it', prevSpec: a, nextSpec: { ...a, renewTime: '2025-01-01T00:00:02.000000Z' }, keepsTime: false },
    { reason: 'a new holder restarts it', prevSpec: a, nextSpec: { ...a, holderIdentity: ME }, keepsTime: false },
    { reason: 'a deleted lease restarts it', prevSpec: a, nextSpec: undefined, keepsTime: false },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const first = observeLease(undefined, c.prevSpec, 1_000);
      const second = observeLease(first, c.nextSpec, 9_000);
      assert.equal(second.atMs, c.keepsTime ? 1_000 : 9_000);
    });
  }
});

describe('lease specs to write', () => {
  const now = new Date('2025-03-04T05:06:07.891Z');
  const t = '2025-03-04T05:06:07.891000Z';

  it('MicroTime has six fractional digits', () => assert.equal(toMicroTime(now), t));

  const cases: Array<{ reason: string; prev: LeaseSpec | undefined; want: LeaseSpec }> = [
    {
      reason: 'create: we hold it, no transitions yet',
      prev: undefined,
      want: { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: t, renewTime: t, leaseTransitions: 0 },
    },
    {
      reason: 'take over from another holder: a transition, new acquireTime',
      prev: held(OTHER, { acquireTime: 'old' }),
      want: { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: t, renewTime: t, leaseTransitions: 3 },
    },
    {
      reason: 'renew: only renewTime moves',
      prev: held(ME, { acquireTime: 'then' }),
      want: { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: 'then', renewTime: t, leaseTransitions: 2 },
    },
  ];
  for (const c of cases) it(c.reason, () => assert.deepEqual(nextLeaseSpec(c.prev, ME, now, 15), c.want));

  it('release: empty holder, 1 s duration, transitions kept', () => {
    assert.deepEqual(releasedLeaseSpec(held(ME), now), { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: t, renewTime: t, leaseTransitions: 2 });
    // and the next candidate acquires it without waiting
    assert.deepEqual(decideLease(releasedLeaseSpec(held(ME), now), OTHER, 0, 0), { action: 'acquire' });
  });
});
