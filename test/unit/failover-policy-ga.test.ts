// The pure parts of the FailoverPolicy Global Accelerator integration: which changes count as
// drift, status from what GA returned, group health, where the dials go and when a switch is an
// emergency (the dials then move at once, never through a shift).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GlobalAcceleratorSpec } from '../../src/api/types.ts';
import type { GaGroupState, GaState } from '../../src/aws/global-accelerator/state.ts';
import type { MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import { driftOf, groupHealth, groupSpec, statusOf } from '../../src/controllers/failover-policy/global-accelerator.ts';
import { gaTarget, planPolicyDials } from '../../src/controllers/failover-policy/global-accelerator-dials.ts';
import type { ResolvedPolicy } from '../../src/controllers/failover-policy/resolve.ts';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const regions = { primary: EAST, secondary: WEST };

const group = (region: string, dial: number, health: string[]): GaGroupState => ({
  arn: `arn:${region}`,
  region,
  dial,
  endpoints: health.map((h, i) => ({ id: `e${i}`, weight: 128, health: h })),
  healthy: health.length > 0 && health.every((h) => h === 'HEALTHY'),
});

test('group health: Healthy only when every endpoint is; any UNHEALTHY is Unhealthy; INITIAL or none is Unknown', () => {
  assert.equal(groupHealth(group(EAST, 100, ['HEALTHY', 'HEALTHY'])), 'Healthy');
  assert.equal(groupHealth(group(EAST, 100, ['HEALTHY', 'UNHEALTHY'])), 'Unhealthy');
  assert.equal(groupHealth(group(EAST, 100, ['HEALTHY', 'INITIAL'])), 'Unknown');
  assert.equal(groupHealth(group(EAST, 100, [])), 'Unknown');
  assert.equal(groupHealth(undefined), 'Unknown');
});

test('status from GA: ARN, DNS name, IPs, status, dials and health per side of the named listener', () => {
  const state: GaState = {
    arn: 'arn:acc',
    name: 'orders',
    enabled: true,
    status: 'IN_PROGRESS',
    dnsName: 'a1.awsglobalaccelerator.com',
    ipAddresses: ['192.0.2.1', '192.0.2.2'],
    listeners: [
      { arn: 'l-other', protocol: 'UDP', portRanges: [], groups: [group(EAST, 5, ['HEALTHY'])] },
      { arn: 'l-ours', protocol: 'TCP', portRanges: [], groups: [group(EAST, 100, ['HEALTHY']), group(WEST, 0, ['UNHEALTHY'])] },
    ],
  };
  assert.deepEqual(statusOf(state, regions, false, 'l-ours'), {
    arn: 'arn:acc',
    listenerArn: 'l-ours',
    dnsName: 'a1.awsglobalaccelerator.com',
    ipAddresses: ['192.0.2.1', '192.0.2.2'],
    status: 'IN_PROGRESS',
    dials: { primary: 100, secondary: 0 },
    health: { primary: 'Healthy', secondary: 'Unhealthy' },
  });
  assert.equal(statusOf(state, regions, true, 'l-ours').adopted, true);
});

test('drift: a dial AWS had otherwise than we recorded setting it; not a dial a switch moves, not a create, not a spec change', () => {
  const dialEast = `endpoint group ${EAST}: TrafficDialPercentage: 25 → 100`;
  const endpoints = `endpoint group ${WEST}: Endpoints: [a=1] → [a=100]`;
  const create = `endpoint group ${WEST}: create`;
  // Recorded 100 and want 100, AWS had 25: drift.
  assert.deepEqual(driftOf([dialEast], regions, { primary: 100, secondary: 0 }, { [EAST]: 100, [WEST]: 0 }, true), [dialEast]);
  // Recorded 0, want 100 (a switch): not drift.
  assert.deepEqual(driftOf([dialEast], regions, { primary: 0, secondary: 100 }, { [EAST]: 100, [WEST]: 0 }, true), []);
  // Endpoints changed: drift only while the generation is the one converged.
  assert.deepEqual(driftOf([endpoints], regions, {}, {}, true), [endpoints]);
  assert.deepEqual(driftOf([endpoints], regions, {}, {}, false), []);
  assert.deepEqual(driftOf([create, 'accelerator: create accelerator x'], regions, {}, {}, true), []);
});

test('group spec: only what the spec sets, with the dial', () => {
  assert.deepEqual(groupSpec(EAST, { endpoints: [{ id: 'e1' }] }, 0), { region: EAST, endpoints: [{ id: 'e1' }], dial: 0 });
  assert.deepEqual(
    groupSpec(
      WEST,
      { endpoints: [{ id: 'e2', weight: 7, clientIpPreservation: false }], portOverrides: [{ listenerPort: 443, endpointPort: 8443 }] },
      undefined,
    ),
    { region: WEST, endpoints: [{ id: 'e2', weight: 7, clientIpPreservation: false }], portOverrides: [{ listenerPort: 443, endpointPort: 8443 }] },
  );
});

const spec = (steps?: number[]): GlobalAcceleratorSpec => ({
  create: { name: 'orders' },
  listener: { protocol: 'TCP', portRanges: [{ from: 443, to: 443 }] },
  primary: { endpoints: [{ id: 'e1' }] },
  secondary: { endpoints: [{ id: 'e2' }] },
  ...(steps && { shift: { steps, stepSeconds: 30 } }),
});
const now = new Date('2026-05-01T12:00:00Z');
const healthy = { primary: 'Healthy', secondary: 'Healthy' } as const;

test('dials: the active region 100, the standby 0; a planned switch with steps takes the first step; an emergency goes at once', () => {
  const base = { prev: undefined, regions, now, health: healthy };
  assert.deepEqual(planPolicyDials({ ...base, spec: spec(), activeRegion: EAST, emergency: false, current: { primary: 100, secondary: 0 } }).dials, {
    [EAST]: 100,
    [WEST]: 0,
  });
  const planned = planPolicyDials({ ...base, spec: spec([10, 100]), activeRegion: WEST, emergency: false, current: { primary: 100, secondary: 0 } });
  assert.deepEqual(planned.dials, { [EAST]: 90, [WEST]: 10 });
  assert.equal(planned.shift?.to, WEST);
  assert.equal(planned.shift?.from, EAST);
  assert.ok(planned.requeueAfterMs);
  const emergency = planPolicyDials({ ...base, spec: spec([10, 100]), activeRegion: WEST, emergency: true, current: { primary: 100, secondary: 0 } });
  assert.deepEqual(emergency.dials, { [EAST]: 0, [WEST]: 100 });
  assert.equal(emergency.shift, undefined);
});

const resolved = (database: boolean, mode: 'Manual' | 'Automatic'): ResolvedPolicy =>
  ({
    spec: { failover: { mode }, ...(database && { database: {} }) },
    regions,
  }) as unknown as ResolvedPolicy;

test(
  'gaTarget: with a database GA follows the records and only ManualSwitch, ' + 'PlannedSwitchover and Failback are planned; without one Manual is planned',
  () => {
    const m = (reason?: string, activeRegion = EAST): MachineStatus =>
      ({ activeRegion, ...(reason && { inProgress: { reason } }) }) as unknown as MachineStatus;
    assert.deepEqual(gaTarget(resolved(true, 'Manual'), m('ManualSwitch'), 'secondary'), { activeRegion: WEST, emergency: false });
    assert.deepEqual(gaTarget(resolved(true, 'Automatic'), m('PrimaryUnhealthy'), 'secondary'), { activeRegion: WEST, emergency: true });
    assert.deepEqual(gaTarget(resolved(true, 'Automatic'), m('Failback'), 'primary'), { activeRegion: EAST, emergency: false });
    // Records unknown (a DNS error): the machine's active region.
    assert.deepEqual(gaTarget(resolved(true, 'Manual'), m('PlannedSwitchover', WEST), undefined), { activeRegion: WEST, emergency: false });
    assert.deepEqual(gaTarget(resolved(false, 'Manual'), m(undefined, WEST), 'primary'), { activeRegion: WEST, emergency: false });
    assert.deepEqual(gaTarget(resolved(false, 'Automatic'), m(undefined, WEST), 'primary'), { activeRegion: WEST, emergency: true });
  },
);
