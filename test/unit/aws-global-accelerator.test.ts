// The pure parts of src/aws/global-accelerator: tokens, ARNs, which listener is ours, the diffs
// that decide an update, the full-configuration update (a dial left out never falls back to 100),
// status math; and how GA calls are limited, classified and retried.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointGroup, Listener } from '@aws-sdk/client-global-accelerator';
import { classifyError } from '../../src/aws/errors.ts';
import { acceleratorDiff, flowLogAttributes, flowLogDiff } from '../../src/aws/global-accelerator/accelerator.ts';
import { acceleratorArnOf, accountOf, isAcceleratorArn } from '../../src/aws/global-accelerator/arns.ts';
import { endpointGroupDiff, specOf, updateInput } from '../../src/aws/global-accelerator/endpoint-groups.ts';
import { listenerDiff, pickListener } from '../../src/aws/global-accelerator/listener.ts';
import { GaOwnershipError } from '../../src/aws/global-accelerator/ownership.ts';
import { groupState } from '../../src/aws/global-accelerator/state.ts';
import { idempotencyToken } from '../../src/aws/global-accelerator/tokens.ts';
import { isUnsafeToRepeat } from '../../src/aws/middleware.ts';
import { bucketsForCall, limiterKey, limitOf } from '../../src/aws/ratelimit.ts';
import type { Owner } from '../../src/aws/types.ts';

const ACC = 'arn:aws:globalaccelerator::123456789012:accelerator/1234abcd-abcd-1234-abcd-1234abcdef00';
const LISTENER = `${ACC}/listener/0123abcd`;
const GROUP = `${LISTENER}/endpoint-group/098765abcdef`;
const owner: Owner = { clusterId: 'c1', kind: 'FailoverPolicy', namespace: 'apps', name: 'orders', uid: 'uid-1' };

describe('idempotencyToken', () => {
  it('is the same for the same owner, purpose and parent, and differs when any of them does', () => {
    const t = idempotencyToken(owner, 'listener', ACC);
    assert.equal(idempotencyToken(owner, 'listener', ACC), t);
    assert.match(t, /^mrc-listener-[0-9a-f]{40}$/);
    assert.ok(t.length <= 255);
    const others = [
      idempotencyToken(owner, 'endpoint-group', ACC),
      idempotencyToken(owner, 'listener', `${ACC}x`),
      idempotencyToken({ ...owner, uid: 'uid-2' }, 'listener', ACC),
      idempotencyToken({ ...owner, clusterId: 'c2' }, 'listener', ACC),
    ];
    assert.equal(new Set([t, ...others]).size, 5);
  });
  it('refuses an owner without a uid (the token would be shared by every such object)', () => {
    assert.throws(() => idempotencyToken({ ...owner, uid: '' }, 'accelerator'), /uid/);
  });
});

describe('ARNs', () => {
  const cases: Array<[string, string | undefined, string]> = [
    [ACC, ACC, 'an accelerator is its own'],
    [LISTENER, ACC, 'a listener'],
    [GROUP, ACC, 'an endpoint group'],
    ['arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1', undefined, 'another service'],
    [`${ACC}/listener/`, undefined, 'truncated'],
  ];
  for (const [arn, want, reason] of cases) it(`acceleratorArnOf: ${reason}`, () => assert.equal(acceleratorArnOf(arn), want));
  it('isAcceleratorArn and accountOf', () => {
    assert.equal(isAcceleratorArn(ACC), true);
    assert.equal(isAcceleratorArn(LISTENER), false);
    assert.equal(accountOf(GROUP), '123456789012');
  });
});

describe('pickListener', () => {
  const l = (arn: string, protocol: string, ...ranges: Array<[number, number]>): Listener =>
    ({ ListenerArn: `${ACC}/listener/${arn}`, Protocol: protocol, PortRanges: ranges.map(([FromPort, ToPort]) => ({ FromPort, ToPort })) }) as Listener;
  const spec = { protocol: 'TCP' as const, portRanges: [{ fromPort: 443, toPort: 443 }] };
  const cases: Array<{ reason: string; listeners: Listener[]; owned: boolean; want: string | undefined }> = [
    { reason: 'same protocol and ports wins over an overlap', listeners: [l('b', 'TCP', [400, 500]), l('c', 'TCP', [443, 443])], owned: false, want: 'c' },
    {
      reason: 'an overlapping one of the protocol (a second could not be created)',
      listeners: [l('a', 'UDP', [443, 443]), l('b', 'TCP', [440, 450])],
      owned: false,
      want: 'b',
    },
    { reason: 'on our accelerator, its only listener even with another protocol', listeners: [l('a', 'UDP', [53, 53])], owned: true, want: 'a' },
    { reason: 'on an adopted accelerator, never a listener of theirs on other ports', listeners: [l('a', 'UDP', [53, 53])], owned: false, want: undefined },
    {
      reason: 'on our accelerator with several, none that does not match',
      listeners: [l('a', 'UDP', [53, 53]), l('b', 'TCP', [80, 80])],
      owned: true,
      want: undefined,
    },
    { reason: 'none at all', listeners: [], owned: true, want: undefined },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(pickListener(c.listeners, spec, c.owned)?.ListenerArn, c.want && `${ACC}/listener/${c.want}`));

  it('listenerDiff names each field that differs; range order does not matter', () => {
    const have = l('a', 'TCP', [81, 81], [80, 80]);
    assert.deepEqual(
      listenerDiff(have, {
        protocol: 'TCP',
        portRanges: [
          { fromPort: 80, toPort: 80 },
          { fromPort: 81, toPort: 81 },
        ],
      }),
      [],
    );
    assert.deepEqual(listenerDiff({ ...have, ClientAffinity: 'SOURCE_IP' }, { protocol: 'UDP', portRanges: [{ fromPort: 80, toPort: 80 }] }), [
      'Protocol: TCP → UDP',
      'PortRanges: 80-80,81-81 → 80-80',
      'ClientAffinity: SOURCE_IP → NONE',
    ]);
  });
});

describe('endpoint groups', () => {
  const group: EndpointGroup = {
    EndpointGroupArn: GROUP,
    EndpointGroupRegion: 'us-east-1',
    EndpointDescriptions: [{ EndpointId: 'nlb-1', Weight: 128, ClientIPPreservationEnabled: false, HealthState: 'HEALTHY' }],
    TrafficDialPercentage: 40,
    HealthCheckProtocol: 'HTTPS',
    HealthCheckPort: 443,
    HealthCheckPath: '/health',
    HealthCheckIntervalSeconds: 10,
    ThresholdCount: 2,
    PortOverrides: [{ ListenerPort: 443, EndpointPort: 8443 }],
  };

  const cases: Array<{ reason: string; spec: Parameters<typeof endpointGroupDiff>[1]; want: string[] }> = [
    {
      reason: 'what the spec leaves out is not compared (default weight 128, no dial, no health check)',
      spec: { region: 'us-east-1', endpoints: [{ id: 'nlb-1' }] },
      want: [],
    },
    {
      reason: 'a weight, a dial and client IP preservation the spec sets',
      spec: { region: 'us-east-1', endpoints: [{ id: 'nlb-1', weight: 100, clientIpPreservation: true }], dial: 0 },
      want: ['Endpoints: [nlb-1=128-ip] → [nlb-1=100+ip]', 'TrafficDialPercentage: 40 → 0'],
    },
    {
      reason: 'health check fields and port overrides',
      spec: { region: 'us-east-1', endpoints: [{ id: 'nlb-1' }], healthCheck: { path: '/ready', thresholdCount: 3 }, portOverrides: [] },
      want: ['HealthCheckPath: /health → /ready', 'ThresholdCount: 2 → 3', 'PortOverrides: [443→8443] → []'],
    },
    {
      reason: 'an endpoint added',
      spec: { region: 'us-east-1', endpoints: [{ id: 'nlb-1' }, { id: 'nlb-2', weight: 5 }] },
      want: ['Endpoints: [nlb-1=128] → [nlb-1=128, nlb-2=5]'],
    },
  ];
  for (const c of cases) it(`endpointGroupDiff: ${c.reason}`, () => assert.deepEqual(endpointGroupDiff(group, c.spec), c.want));

  it('updateInput sends the whole configuration: the group’s own values for what the spec leaves out (never a default dial)', () => {
    assert.deepEqual(updateInput(group, { region: 'us-east-1', endpoints: [{ id: 'nlb-1', weight: 50 }, { id: 'alb-2' }] }), {
      EndpointGroupArn: GROUP,
      EndpointConfigurations: [
        { EndpointId: 'nlb-1', Weight: 50, ClientIPPreservationEnabled: false },
        { EndpointId: 'alb-2', Weight: 128 },
      ],
      TrafficDialPercentage: 40,
      HealthCheckProtocol: 'HTTPS',
      HealthCheckPort: 443,
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 10,
      ThresholdCount: 2,
      PortOverrides: [{ ListenerPort: 443, EndpointPort: 8443 }],
    });
    const tcp = updateInput(group, { region: 'us-east-1', endpoints: [], healthCheck: { protocol: 'TCP' }, dial: 0, portOverrides: [] });
    assert.equal(tcp.HealthCheckPath, undefined, 'no path for a TCP check');
    assert.equal(tcp.TrafficDialPercentage, 0);
    assert.deepEqual(tcp.PortOverrides, []);
  });

  it('specOf a group, with only the dial changed, differs in the dial alone', () => {
    assert.deepEqual(endpointGroupDiff(group, { ...specOf(group), dial: 100 }), ['TrafficDialPercentage: 40 → 100']);
  });

  it('groupState: healthy needs at least one endpoint and every one HEALTHY', () => {
    assert.equal(groupState(group).healthy, true);
    assert.equal(groupState({ ...group, EndpointDescriptions: [] }).healthy, false);
    const mixed = groupState({ ...group, EndpointDescriptions: [...(group.EndpointDescriptions ?? []), { EndpointId: 'x', HealthState: 'INITIAL' }] });
    assert.deepEqual([mixed.healthy, mixed.dial, mixed.region], [false, 40, 'us-east-1']);
  });
});

describe('accelerator diffs', () => {
  const spec = { name: 'orders', ipAddressType: 'IPV4' as const, enabled: true, flowLogs: { s3Bucket: 'b', s3Prefix: 'p/' } };
  it('acceleratorDiff', () => {
    assert.deepEqual(acceleratorDiff({ Name: 'orders', IpAddressType: 'IPV4', Enabled: true }, spec), []);
    assert.deepEqual(acceleratorDiff({ Name: 'old', IpAddressType: 'DUAL_STACK', Enabled: false }, spec), [
      'Name: old → orders',
      'IpAddressType: DUAL_STACK → IPV4',
      'Enabled: false → true',
    ]);
  });
  it('flowLogDiff: bucket and prefix matter only while enabled', () => {
    assert.deepEqual(flowLogDiff({ FlowLogsEnabled: true, FlowLogsS3Bucket: 'b', FlowLogsS3Prefix: 'p/' }, spec), []);
    assert.deepEqual(flowLogDiff({ FlowLogsEnabled: true, FlowLogsS3Bucket: 'old', FlowLogsS3Prefix: 'p/' }, spec), ['FlowLogsS3Bucket: old → b']);
    const off = { ...spec, flowLogs: undefined };
    assert.deepEqual(flowLogDiff({ FlowLogsEnabled: false, FlowLogsS3Bucket: 'old' }, off), []);
    assert.deepEqual(flowLogDiff({ FlowLogsEnabled: true }, off), ['FlowLogsEnabled: true → false']);
    assert.deepEqual(flowLogAttributes(off), { FlowLogsEnabled: false });
  });
});

describe('calls to Global Accelerator', () => {
  it('creates with an IdempotencyToken may be retried by the SDK; without one they may not', () => {
    assert.equal(isUnsafeToRepeat('CreateAccelerator', { IdempotencyToken: 't' }), false);
    assert.equal(isUnsafeToRepeat('CreateEndpointGroup', { IdempotencyToken: 't' }), false);
    assert.equal(isUnsafeToRepeat('CreateListener', {}), true);
  });
  it('one conservative bucket per account, whatever Region the client says', () => {
    assert.deepEqual(bucketsForCall('globalaccelerator', 'UpdateEndpointGroup'), [{ family: 'globalaccelerator', cost: 1 }]);
    assert.deepEqual(limitOf('globalaccelerator'), { ratePerSec: 5, burst: 10 });
    assert.equal(limiterKey('globalaccelerator', 'a', 'us-west-2'), limiterKey('globalaccelerator', 'a', 'us-east-1'));
  });
  it('a value GA refuses is terminal; a change refused for ownership is terminal and names the tags', () => {
    assert.equal(classifyError({ name: 'InvalidArgumentException', $metadata: { httpStatusCode: 400 } }), 'Terminal');
    assert.equal(classifyError({ name: 'InvalidPortRangeException', $metadata: { httpStatusCode: 400 } }), 'Terminal');
    assert.equal(classifyError({ name: 'AcceleratorNotDisabledException', $metadata: { httpStatusCode: 400 } }), 'Recoverable', 'a wait, not a failure');
    const e = new GaOwnershipError(ACC, owner, 'UpdateEndpointGroup');
    assert.equal(classifyError(e), 'Terminal');
    assert.match(e.message, /UpdateEndpointGroup .*multiregion\.dev\/uid=uid-1/);
  });
});
