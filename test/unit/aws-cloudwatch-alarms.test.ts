import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { alarmDiff, type MetricAlarmSpec, ownerTags, putAlarmInput } from '../../src/aws/cloudwatch/alarms.ts';
import { clientAlarmNames, clientAlarmSpecs } from '../../src/aws/cloudwatch/client-alarms.ts';
import { type ClientObservabilityInput, desiredClientObservability } from '../../src/aws/cloudwatch/client-observability.ts';
import { desiredFailoverAlarms, failoverAlarmNames } from '../../src/aws/cloudwatch/failover-alarms.ts';
import { planQueryDefinitions } from '../../src/aws/cloudwatch/query-definitions.ts';

const owner = { clusterId: 'prod', kind: 'ClientConnection', namespace: 'clients', name: 'acme', uid: 'u-1' };

const lagSpec: MetricAlarmSpec = {
  name: 'mrc/x/replica-lag',
  description: 'd',
  comparisonOperator: 'GreaterThanThreshold',
  threshold: 60,
  evaluationPeriods: 2,
  treatMissingData: 'breaching',
  alarmActions: ['arn:aws:sns:us-west-2:1:b', 'arn:aws:sns:us-west-2:1:a'],
  metric: { namespace: 'AWS/RDS', metricName: 'ReplicaLag', dimensions: { DBInstanceIdentifier: 'db' }, stat: 'Maximum', period: 60 },
};

/** What DescribeAlarms gives back for lagSpec: defaults filled in, actions in AWS's order. */
const described: MetricAlarm = {
  AlarmName: 'mrc/x/replica-lag',
  AlarmDescription: 'd',
  ActionsEnabled: true,
  AlarmActions: ['arn:aws:sns:us-west-2:1:a', 'arn:aws:sns:us-west-2:1:b'],
  OKActions: [],
  InsufficientDataActions: [],
  ComparisonOperator: 'GreaterThanThreshold',
  Threshold: 60,
  EvaluationPeriods: 2,
  TreatMissingData: 'breaching',
  Namespace: 'AWS/RDS',
  MetricName: 'ReplicaLag',
  Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'db' }],
  Statistic: 'Maximum',
  Period: 60,
};

describe('alarm comparison (only the fields we set)', () => {
  const cases: Array<{ reason: string; seen: MetricAlarm; diff: string[] }> = [
    { reason: 'identical apart from AWS defaults and action order', seen: described, diff: [] },
    { reason: 'DatapointsToAlarm spelled out equal to EvaluationPeriods', seen: { ...described, DatapointsToAlarm: 2 }, diff: [] },
    { reason: 'state and timestamps do not matter', seen: { ...described, StateValue: 'ALARM', StateReason: 'x' }, diff: [] },
    { reason: 'threshold changed', seen: { ...described, Threshold: 30 }, diff: ['threshold'] },
    { reason: 'an action removed by hand', seen: { ...described, AlarmActions: ['arn:aws:sns:us-west-2:1:a'] }, diff: ['alarmActions'] },
    { reason: 'missing-data handling reset to the AWS default', seen: { ...described, TreatMissingData: undefined }, diff: ['treatMissingData'] },
    { reason: 'another instance', seen: { ...described, Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'other' }] }, diff: ['metric'] },
    { reason: 'actions disabled', seen: { ...described, ActionsEnabled: false }, diff: ['actionsEnabled'] },
  ];
  for (const c of cases) it(c.reason, () => assert.deepEqual(alarmDiff(lagSpec, c.seen), c.diff));

  it('compares metric-math alarms query by query', () => {
    const { specs } = clientAlarmSpecs({
      owner,
      displayName: 'ACME',
      region: 'us-east-1',
      transitGatewayId: 'tgw-1',
      attachmentId: 'att-1',
      rejectedPacketsPerFiveMinutes: 100,
    });
    const spec = specs[0] as MetricAlarmSpec;
    const input = putAlarmInput(spec, []);
    const seen: MetricAlarm = { ...(input as MetricAlarm), Dimensions: [], OKActions: [] };
    assert.deepEqual(alarmDiff(spec, seen), []);
    const edited = structuredClone(seen);
    edited.Metrics![2]!.Expression = 'noroute';
    assert.deepEqual(alarmDiff(spec, edited), ['queries']);
  });
});

describe('client alarms', () => {
  const base = { owner, displayName: 'ACME', region: 'us-east-1', transitGatewayId: 'tgw-1', attachmentId: 'tgw-attach-1' };
  it('none when no threshold is set', () => assert.deepEqual(clientAlarmSpecs(base), { specs: [], warnings: [] }));

  it('rejected packets: no-route + blackhole drops of the attachment over 5 minutes', () => {
    const { specs } = clientAlarmSpecs({ ...base, rejectedPacketsPerFiveMinutes: 1000, snsTopicArn: 'arn:aws:sns:us-east-1:1:t' });
    assert.equal(specs.length, 1);
    const s = specs[0] as MetricAlarmSpec;
    assert.equal(s.name, 'mrc/prod/cc/clients/acme/rejected-packets');
    assert.equal(s.threshold, 1000);
    assert.deepEqual(s.alarmActions, ['arn:aws:sns:us-east-1:1:t']);
    assert.deepEqual(
      s.queries?.map((q) => q.metricStat?.metricName ?? q.expression),
      ['PacketDropCountNoRoute', 'PacketDropCountBlackhole', 'FILL(noroute, 0) + FILL(blackhole, 0)'],
    );
    assert.deepEqual(s.queries?.[0]?.metricStat?.dimensions, { TransitGateway: 'tgw-1', TransitGatewayAttachment: 'tgw-attach-1' });
    assert.equal(s.queries?.[0]?.metricStat?.period, 300);
  });

  it('bandwidth: bytes/second both ways as Sum / PERIOD', () => {
    const { specs } = clientAlarmSpecs({ ...base, bandwidthBytesPerSecond: 1e9 });
    assert.deepEqual(
      specs.map((s) => [s.name.split('/').pop(), s.queries?.[0]?.metricStat?.metricName, s.queries?.[1]?.expression, s.threshold]),
      [
        ['bandwidth-from-client', 'BytesIn', 'bytes / PERIOD(bytes)', 1e9],
        ['bandwidth-to-client', 'BytesOut', 'bytes / PERIOD(bytes)', 1e9],
      ],
    );
  });

  it('leaves out an SNS topic of another region, with a warning', () => {
    const { specs, warnings } = clientAlarmSpecs({ ...base, rejectedPacketsPerFiveMinutes: 1, snsTopicArn: 'arn:aws:sns:eu-west-1:1:t' });
    assert.deepEqual(specs[0]?.alarmActions, []);
    assert.equal(warnings.length, 1);
  });

  it('makes no alarm without the TGW id, and says why', () => {
    const r = clientAlarmSpecs({ ...base, transitGatewayId: undefined, rejectedPacketsPerFiveMinutes: 1 });
    assert.equal(r.specs.length, 0);
    assert.match(r.warnings[0] ?? '', /transit gateway id/);
  });

  it('every name a client may own is known, so deletion never lists alarms', () => {
    assert.deepEqual(
      clientAlarmNames(owner).map((n) => n.split('/').pop()),
      ['rejected-packets', 'bandwidth-from-client', 'bandwidth-to-client'],
    );
  });

  it('tags carry ownership and user tags cannot override it', () => {
    const tags = ownerTags({ ...owner, userTags: { team: 'net', 'multiregion.dev/cluster': 'evil' } });
    assert.deepEqual(Object.fromEntries(tags.map((t) => [t.Key, t.Value])), {
      'multiregion.dev/cluster': 'prod',
      'multiregion.dev/kind': 'ClientConnection',
      'multiregion.dev/owner': 'clients/acme',
      'multiregion.dev/uid': 'u-1',
      team: 'net',
    });
  });
});

describe('failover alarms', () => {
  const fp = { ...owner, kind: 'FailoverPolicy', namespace: 'apps', name: 'orders' };
  it('replica lag in the replica region, latency in us-east-1', () => {
    const d = desiredFailoverAlarms({
      owner: fp,
      replica: { region: 'us-west-2', identifier: 'orders-replica' },
      replicaLagSeconds: 60,
      latency: { millis: 500, healthCheckId: 'hc-1' },
      snsTopicArn: 'arn:aws:sns:us-west-2:1:t',
    });
    assert.deepEqual(Object.keys(d.byRegion).sort(), ['us-east-1', 'us-west-2']);
    const lag = d.byRegion['us-west-2']?.[0] as MetricAlarmSpec;
    assert.deepEqual(lag.metric, {
      namespace: 'AWS/RDS',
      metricName: 'ReplicaLag',
      dimensions: { DBInstanceIdentifier: 'orders-replica' },
      stat: 'Maximum',
      period: 60,
    });
    assert.equal(lag.threshold, 60);
    assert.deepEqual(lag.alarmActions, ['arn:aws:sns:us-west-2:1:t']);
    const lat = d.byRegion['us-east-1']?.[0] as MetricAlarmSpec;
    assert.equal(lat.metric?.metricName, 'TimeToFirstByte');
    assert.deepEqual(lat.alarmActions, [], 'the us-west-2 topic cannot serve a us-east-1 alarm');
    assert.equal(d.warnings.length, 1);
  });
  it('unhealthy endpoints of the active GA group: UnhealthyEndpointCount in us-west-2, dimensions by id and region', () => {
    const ga = {
      threshold: 1,
      acceleratorArn: 'arn:aws:globalaccelerator::123456789012:accelerator/1234abcd-abcd-1234-abcd-1234abcdefgh',
      listenerArn: 'arn:aws:globalaccelerator::123456789012:accelerator/1234abcd-abcd-1234-abcd-1234abcdefgh/listener/0123vxyz',
      activeRegion: 'US-EAST-1',
    };
    const d = desiredFailoverAlarms({ owner: fp, gaUnhealthy: ga, snsTopicArn: 'arn:aws:sns:us-west-2:1:t' });
    assert.deepEqual(Object.keys(d.byRegion), ['us-west-2']);
    const alarm = d.byRegion['us-west-2']?.[0] as MetricAlarmSpec;
    assert.match(alarm.name, /ga-unhealthy-endpoints$/);
    assert.equal(alarm.comparisonOperator, 'GreaterThanOrEqualToThreshold');
    assert.equal(alarm.threshold, 1);
    assert.equal(alarm.treatMissingData, 'notBreaching');
    assert.deepEqual(alarm.alarmActions, ['arn:aws:sns:us-west-2:1:t']);
    assert.deepEqual(alarm.metric, {
      namespace: 'AWS/GlobalAccelerator',
      metricName: 'UnhealthyEndpointCount',
      dimensions: { Accelerator: '1234abcd-abcd-1234-abcd-1234abcdefgh', Listener: '0123vxyz', EndpointGroup: 'us-east-1' },
      stat: 'Maximum',
      period: 60,
    });
    const after = desiredFailoverAlarms({ owner: fp, gaUnhealthy: { ...ga, activeRegion: 'us-west-2' } });
    assert.notEqual(after.hash, desiredFailoverAlarms({ owner: fp, gaUnhealthy: ga }).hash, 'a failover re-puts it on the other group');
    assert.ok(
      failoverAlarmNames(fp).some((n) => n.endsWith('ga-unhealthy-endpoints')),
      'removed from the spec, it is deleted',
    );
  });
  it('hash follows the replica when it moves region', () => {
    const a = desiredFailoverAlarms({ owner: fp, replica: { region: 'us-west-2', identifier: 'db' }, replicaLagSeconds: 60 });
    const b = desiredFailoverAlarms({ owner: fp, replica: { region: 'us-east-1', identifier: 'db' }, replicaLagSeconds: 60 });
    assert.notEqual(a.hash, b.hash);
    assert.equal(a.hash, desiredFailoverAlarms({ owner: fp, replica: { region: 'us-west-2', identifier: 'db' }, replicaLagSeconds: 60 }).hash);
  });
});

describe('query definition plan', () => {
  const P = 'mrc/prod/cc/clients/acme/';
  const want = (q: string, text = `text ${q}`) => ({ name: P + q, queryString: text, logGroupNames: ['/g'] });
  const have = (id: string, q: string, text = `text ${q}`, groups = ['/g']) => ({ id, name: P + q, queryString: text, logGroupNames: groups });
  const cases = [
    {
      reason: 'nothing yet: create all',
      existing: [],
      desired: [want('a'), want('b')],
      put: [
        [P + 'a', undefined],
        [P + 'b', undefined],
      ],
      del: [],
      keep: {},
    },
    { reason: 'unchanged: no writes', existing: [have('1', 'a')], desired: [want('a')], put: [], del: [], keep: { [P + 'a']: '1' } },
    { reason: 'text changed: overwrite by id', existing: [have('1', 'a', 'old')], desired: [want('a')], put: [[P + 'a', '1']], del: [], keep: {} },
    { reason: 'log group changed', existing: [have('1', 'a', 'text a', ['/other'])], desired: [want('a')], put: [[P + 'a', '1']], del: [], keep: {} },
    { reason: 'question dropped: delete it', existing: [have('1', 'a'), have('2', 'b')], desired: [want('a')], put: [], del: ['2'], keep: { [P + 'a']: '1' } },
    {
      reason: 'duplicate after a crash: keep the first id, delete the other',
      existing: [have('9', 'a'), have('3', 'a')],
      desired: [want('a')],
      put: [],
      del: ['9'],
      keep: { [P + 'a']: '3' },
    },
    {
      reason: 'a definition of someone else is ignored',
      existing: [{ id: '7', name: 'mrc/prod/cc/clients/acme2/a', queryString: '', logGroupNames: [] }],
      desired: [],
      put: [],
      del: [],
      keep: {},
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const plan = planQueryDefinitions(P, c.existing, c.desired);
      assert.deepEqual(
        plan.put.map((p) => [p.name, p.id]),
        c.put,
      );
      assert.deepEqual(
        plan.delete.map((d) => d.id),
        c.del,
      );
      assert.deepEqual(plan.keep, c.keep);
    });
  }
  it('refuses to write outside the prefix', () => {
    assert.throws(() => planQueryDefinitions(P, [], [{ name: 'mrc/other', queryString: '', logGroupNames: [] }]));
  });
});

describe('client desired state and its hash', () => {
  const input: ClientObservabilityInput = {
    owner,
    accountId: '123456789012',
    displayName: 'ACME',
    cidrs: ['203.0.113.0/24'],
    region: 'us-east-1',
    logGroupName: '/aws/tgw/flow-logs',
    widgets: ['topTalkers', 'bandwidth'],
    periodSeconds: 300,
    attachment: { type: 'vpc', id: 'tgw-attach-1' },
    transitGatewayId: 'tgw-1',
    alarms: { rejectedPacketsPerFiveMinutes: 10 },
  };
  it('saves one query per question of the chosen widgets', () => {
    const d = desiredClientObservability(input);
    assert.deepEqual(
      d.queryDefinitions.map((q) => q.name),
      ['mrc/prod/cc/clients/acme/bandwidthEgress', 'mrc/prod/cc/clients/acme/bandwidthIngress', 'mrc/prod/cc/clients/acme/topTalkers'],
    );
    assert.ok(d.queryDefinitions.every((q) => q.logGroupNames[0] === '/aws/tgw/flow-logs' && q.queryString.includes('203.0.113.0/24')));
  });
  it('shows the alarms on the dashboard by ARN', () => {
    const text = JSON.stringify(desiredClientObservability(input).dashboardBody);
    assert.ok(text.includes('arn:aws:cloudwatch:us-east-1:123456789012:alarm:mrc/prod/cc/clients/acme/rejected-packets'));
  });
  const changes: Array<[string, Partial<ClientObservabilityInput>]> = [
    ['a CIDR', { cidrs: ['203.0.113.0/25'] }],
    ['the period', { periodSeconds: 60 }],
    ['a widget', { widgets: ['topTalkers'] }],
    ['an alarm threshold', { alarms: { rejectedPacketsPerFiveMinutes: 11 } }],
    ['a user tag', { owner: { ...owner, userTags: { team: 'x' } } }],
  ];
  const h = desiredClientObservability(input).hash;
  it('hash is stable for the same input', () => assert.equal(desiredClientObservability(structuredClone(input)).hash, h));
  for (const [what, patch] of changes) it(`hash changes with ${what}`, () => assert.notEqual(desiredClientObservability({ ...input, ...patch }).hash, h));
});
