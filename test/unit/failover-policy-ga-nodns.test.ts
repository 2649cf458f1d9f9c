// A FailoverPolicy with Global Accelerator and no spec.dns (issue 18): health from the endpoint
// groups, the active side of a GA-only policy, where the absent records "are" during a failover,
// and the spec-level helpers that used to read spec.dns unconditionally.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultFailoverPolicySpec } from '../../src/api/defaults.ts';
import type { FailoverPolicy, FailoverPolicySpec, FailoverPolicyStatus } from '../../src/api/types.ts';
import { healthCheckWarnings } from '../../src/api/validate.ts';
import { buildTimeline } from '../../src/cli/timeline.ts';
import { renderTimelineText } from '../../src/cli/timeline-text.ts';
import { failoverPolicyUses } from '../../src/controllers/failover-policy/access-uses.ts';
import { noRecordsSide } from '../../src/controllers/failover-policy/dns.ts';
import { endpointGroupHealth, gaOnlyActiveSide, gaReadiness, type SideHealth, withSince } from '../../src/controllers/failover-policy/ga-health.ts';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const T0 = '2026-05-04T10:00:00.000Z';
const T1 = '2026-05-04T10:05:00.000Z';

const healthCases: Array<[string, string[] | undefined, string]> = [
  ['no group', undefined, 'Unknown'],
  ['no endpoints', [], 'Unknown'],
  ['one HEALTHY of two is enough for the region to serve', ['UNHEALTHY', 'HEALTHY'], 'Healthy'],
  ['all HEALTHY', ['HEALTHY', 'HEALTHY'], 'Healthy'],
  ['all UNHEALTHY', ['UNHEALTHY', 'UNHEALTHY'], 'Unhealthy'],
  ['UNHEALTHY and INITIAL: not settled', ['UNHEALTHY', 'INITIAL'], 'Unknown'],
  ['INITIAL only', ['INITIAL'], 'Unknown'],
];
for (const [why, states, want] of healthCases) test(`endpoint group health: ${why} → ${want}`, () => assert.equal(endpointGroupHealth(states), want));

test('withSince keeps since while a side keeps its state and restarts it on a change', () => {
  const prev: FailoverPolicyStatus['health'] = { primary: 'Unhealthy', secondary: 'Healthy', primarySince: T0, secondarySince: T0, since: T0 };
  assert.deepEqual(withSince({ primary: 'Unhealthy', secondary: 'Unknown' }, prev, T1), {
    primary: { state: 'Unhealthy', since: T0 },
    secondary: { state: 'Unknown', since: T1 },
  });
  assert.deepEqual(withSince({ primary: 'Healthy', secondary: 'Healthy' }, undefined, T1).primary, { state: 'Healthy', since: T1 });
});

const h = (primary: string, primarySince: string, secondary = 'Healthy'): SideHealth =>
  ({ primary: { state: primary, since: primarySince }, secondary: { state: secondary, since: T0 } }) as SideHealth;
const auto = { mode: 'Automatic', activeSide: undefined, unhealthyForSeconds: 60 };

test('GA only, Manual: the spec decides whatever the health', () => {
  assert.deepEqual(gaOnlyActiveSide({ ...auto, mode: 'Manual', activeSide: 'secondary' }, h('Healthy', T0), Date.parse(T1)), { side: 'secondary' });
  assert.deepEqual(gaOnlyActiveSide({ ...auto, mode: 'Manual' }, h('Unhealthy', T0), Date.parse(T1)), { side: 'primary' });
});

test('GA only, Automatic: the primary Unhealthy for unhealthyForSeconds moves traffic; before that a requeue when it would', () => {
  const since = Date.parse(T0);
  assert.deepEqual(gaOnlyActiveSide(auto, h('Unhealthy', T0), since + 20_000), { side: 'primary', waitMs: 40_000 });
  assert.deepEqual(gaOnlyActiveSide(auto, h('Unhealthy', T0), since + 60_000), { side: 'secondary' });
  assert.deepEqual(gaOnlyActiveSide(auto, h('Unhealthy', T0, 'Unhealthy'), since + 600_000), { side: 'primary' }, 'both down: stay');
  assert.deepEqual(gaOnlyActiveSide(auto, h('Unknown', T0), since + 600_000), { side: 'primary' }, 'Unknown never moves traffic');
  assert.deepEqual(gaOnlyActiveSide(auto, h('Healthy', T0), since + 600_000), { side: 'primary' }, 'back once healthy');
});

test('without records, the records step finds them where the switch has reached', () => {
  const r = { regions: { primary: EAST, secondary: WEST } };
  const ip = (step: string) => ({ inProgress: { step, from: EAST, to: WEST, reason: 'PrimaryUnhealthy', startedAt: T0 } }) as unknown as FailoverPolicyStatus;
  assert.equal(noRecordsSide(r, { activeRegion: EAST }), 'primary');
  assert.equal(noRecordsSide(r, { activeRegion: EAST, ...ip('Promoted') }), 'primary', 'before the Secret: still the old side');
  assert.equal(noRecordsSide(r, { activeRegion: EAST, ...ip('SecretWritten') }), 'secondary', 'the records step completes at once');
  assert.equal(noRecordsSide(r, { activeRegion: EAST, ...ip('DnsSwitched') }), 'secondary');
  assert.equal(noRecordsSide(r, undefined), undefined, 'nothing known yet: no claim');
});

const gaOnlySpec: FailoverPolicySpec = {
  regionPairRef: { name: 'prod' },
  failover: { mode: 'Manual', activeRegion: EAST },
  globalAccelerator: {
    create: { name: 'orders' },
    listener: { protocol: 'TCP', portRanges: [{ from: 443, to: 443 }] },
    primary: { endpoints: [{ id: 'eipalloc-0123456789abcdef0' }] },
    secondary: { endpoints: [{ id: 'eipalloc-0fedcba9876543210' }] },
  },
} as FailoverPolicySpec;

test('defaults, shallow-check warnings and AccessPolicy uses of a policy without dns', () => {
  const d = defaultFailoverPolicySpec(gaOnlySpec);
  assert.equal('dns' in d, false, 'no dns block invented');
  assert.equal(d.failover.unhealthyForSeconds, 60);
  assert.deepEqual(healthCheckWarnings(gaOnlySpec), []);
  const obj = { apiVersion: 'multiregion.dev/v1alpha1', kind: 'FailoverPolicy', metadata: { name: 'o', namespace: 'a' }, spec: gaOnlySpec } as FailoverPolicy;
  assert.deepEqual(failoverPolicyUses(obj), []);
});

test('the timeline of a failover of a policy without dns draws', () => {
  const steps = ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested', 'Promoted', 'SecretWritten', 'DnsSwitched', 'Completed'].map((step, i) => ({
    step,
    at: new Date(Date.parse(T0) + i * 1000).toISOString(),
  }));
  const policy = {
    apiVersion: 'multiregion.dev/v1alpha1',
    kind: 'FailoverPolicy',
    metadata: { name: 'o', namespace: 'a' },
    spec: gaOnlySpec,
    status: { lastFailover: { startedAt: T0, completedAt: steps.at(-1)!.at, reason: 'PrimaryUnhealthy', from: EAST, to: WEST, step: 'Completed', steps } },
  } as unknown as FailoverPolicy;
  const text = renderTimelineText(buildTimeline(policy, new Date(T1)));
  assert.match(text, /DnsSwitched/);
});

test('FailoverReady of a GA-only policy follows the standby group', () => {
  assert.equal(gaReadiness('primary', h('Healthy', T0)).status, 'True');
  const r = gaReadiness('secondary', h('Unknown', T0));
  assert.equal(r.status, 'False');
  assert.match(r.message, /the primary side's Global Accelerator endpoints are Unknown/);
});
