// The TS types (src/api/types.ts) and the CRD schemas (src/api/schemas) describe the same API.
// Each kind has a sample typed with the TS types and filling every field, so the compiler
// rejects keys the types lack; the walk below then requires every key to be a schema property
// and every schema property to be present in the sample. Both directions together mean: same fields.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS } from '../../src/api/defaults.ts';
import { clientConnectionSchema } from '../../src/api/schemas/client-connection.ts';
import type { CelRule, Schema } from '../../src/api/schemas/common.ts';
import { failoverPolicySchema } from '../../src/api/schemas/failover-policy.ts';
import { regionPairSchema } from '../../src/api/schemas/region-pair.ts';
import type { ClientConnection, Condition, FailoverPolicy, FailoverRecord, PlannedChange, RegionPair, RouteStatus } from '../../src/api/types.ts';

const meta = { name: 'prod', namespace: 'platform', uid: 'u', generation: 2, resourceVersion: '7', labels: {}, annotations: {}, finalizers: [] };
const condition: Condition = {
  type: 'Ready',
  status: 'True',
  reason: 'Available',
  message: 'ok',
  lastTransitionTime: '2025-01-01T00:00:00Z',
  observedGeneration: 2,
};
const planned: PlannedChange = {
  action: 'Create',
  resource: 'TransitGatewayRoute 10.1.0.0/16',
  region: 'us-east-1',
  detail: 'to tgw-attach-0123456789abcdef0',
};
const route: RouteStatus = {
  region: 'us-east-1',
  routeTableId: 'tgw-rtb-0123456789abcdef0',
  destinationCidr: '10.1.0.0/16',
  target: 'tgw-attach-0123456789abcdef0',
  state: 'active',
};
const common = { observedGeneration: 2, conditions: [condition], plannedChanges: [planned] };
const record: FailoverRecord = {
  startedAt: '2025-01-01T00:00:00Z',
  completedAt: '2025-01-01T00:02:00Z',
  rtoSeconds: 120,
  rpoSeconds: 1.5,
  reason: 'PrimaryUnhealthy',
  from: 'us-east-1',
  to: 'us-west-2',
  step: 'Promoted',
  fencing: 'SecurityGroupRevoked',
  stepAt: '2025-01-01T00:01:00Z',
  fromIdentifier: 'orders-db',
  toIdentifier: 'orders-db-replica',
  dataLossAccepted: 'Annotation 2025-01-01T00:00:30Z',
  steps: [{ step: 'Triggered', at: '2025-01-01T00:00:00Z', fromHealth: 'Unhealthy', toHealth: 'Healthy' }],
};

const side = (region: string, n: string) => ({
  region,
  roleArn: 'arn:aws:iam::111111111111:role/multiregion',
  externalId: 'ext-id-1',
  transitGateway: { id: `tgw-0123456789abcdef${n}`, amazonSideAsn: 64512 },
  vpcAttachments: [{ vpcId: `vpc-0123456789abcdef${n}`, subnetIds: [`subnet-0123456789abcdef${n}`], routeTableIds: [`rtb-0123456789abcdef${n}`] }],
  cidrs: [`10.${n}.0.0/16`],
});
const sideStatus = {
  accountId: '111111111111',
  transitGatewayId: 'tgw-0123456789abcdef0',
  transitGatewayAdopted: false,
  routeTableId: 'tgw-rtb-0123456789abcdef0',
  vpcAttachmentIds: { 'vpc-0123456789abcdef0': 'tgw-attach-0123456789abcdef0' },
  previousAssociations: { 'tgw-attach-0123456789abcdef0': 'tgw-rtb-0fedcba9876543210' },
  flowLogId: 'fl-0123456789abcdef0',
  logGroupArn: 'arn:aws:logs:us-east-1:111111111111:log-group:/aws/tgw/flow-logs',
};

const regionPair: RegionPair = {
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'RegionPair',
  metadata: meta,
  spec: {
    primary: side('us-east-1', '0'),
    secondary: side('us-west-2', '1'),
    flowLogs: {
      enabled: true,
      logGroupName: '/aws/tgw/flow-logs',
      retentionDays: 30,
      trafficType: 'ALL',
      deliveryRoleArn: 'arn:aws:iam::111111111111:role/flow-logs',
    },
    allowedNamespaces: ['apps'],
    tags: { team: 'network' },
    deletionPolicy: 'Delete',
  },
  status: {
    ...common,
    primary: sideStatus,
    secondary: sideStatus,
    peering: { attachmentId: 'tgw-attach-0123456789abcdef0', state: 'available' },
    routes: [route],
    drift: ['route 10.1.0.0/16 missing'],
    overviewDashboardName: 'mrc_test_rp_platform_prod',
    overviewDashboardUrl: 'https://console/o',
    overviewHash: 'h1',
  },
};

const dnsSide = (region: string) => ({
  region,
  target: {
    alias: { dnsName: 'nlb.elb.amazonaws.com', hostedZoneId: 'Z26RNL4JYFTOTI', evaluateTargetHealth: true },
    ips: ['192.0.2.1'],
    cname: 'app.example.com',
  },
  healthCheck: {
    type: 'HTTPS' as const,
    fqdn: 'app.example.com',
    ipAddress: '192.0.2.1',
    port: 443,
    path: '/health/deep',
    intervalSeconds: 10 as const,
    failureThreshold: 2,
    alarmName: 'a',
    alarmRegion: region,
  },
});

const failoverPolicy: FailoverPolicy = {
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'FailoverPolicy',
  metadata: meta,
  spec: {
    regionPairRef: { name: 'prod', namespace: 'platform' },
    dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'orders.example.com', ttl: 60, primary: dnsSide('us-east-1'), secondary: dnsSide('us-west-2') },
    database: {
      engine: 'postgres',
      primary: { region: 'us-east-1', instanceIdentifier: 'orders-db', roleArn: 'arn:aws:iam::111111111111:role/rds' },
      replica: {
        region: 'us-west-2',
        instanceIdentifier: 'orders-db-replica',
        instanceClass: 'db.r6g.large',
        kmsKeyId: 'alias/rds',
        roleArn: 'arn:aws:iam::111111111111:role/rds',
      },
      maxReplicaLagSeconds: 60,
      backupRetentionDays: 7,
      placement: [
        {
          region: 'us-west-2',
          dbSubnetGroupName: 'app-db',
          vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
          kmsKeyId: 'arn:aws:kms:us-west-2:111111111111:key/k',
          multiAZ: true,
          instanceClass: 'db.r6g.large',
          storageType: 'gp3',
          parameterGroupName: 'orders-pg16',
          optionGroupName: 'orders-og',
        },
      ],
      connectionSecret: {
        name: 'orders-db',
        keys: { host: 'DATABASE_HOST' },
        restartWorkloads: [{ kind: 'Deployment', name: 'api' }],
        restartSelector: { matchLabels: { app: 'orders' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
      },
    },
    failover: {
      mode: 'Manual',
      unhealthyForSeconds: 60,
      activeRegion: 'us-east-1',
      failback: 'Manual',
      promoteWhenFenceUnconfirmed: false,
      failbackMaxAttemptsPerDay: 3,
    },
    drill: { schedule: '0 3 1 */3 *', timeZone: 'Europe/Berlin', type: 'Switchover', windowMinutes: 60 },
    alarms: { replicaLagSeconds: 30, latencyMillis: 500, globalAcceleratorUnhealthyEndpoints: 1, snsTopicArn: 'arn:aws:sns:us-east-1:111111111111:oncall' },
    globalAccelerator: {
      acceleratorArn: 'arn:aws:globalaccelerator::111111111111:accelerator/0123abcd-0123-abcd-0123-0123456789ab',
      create: { name: 'orders', ipAddressType: 'IPV4', enabled: true, flowLogs: { s3Bucket: 'ga-logs', s3Prefix: 'flow-logs/' } },
      listener: { protocol: 'TCP', portRanges: [{ from: 443, to: 443 }], clientAffinity: 'NONE' },
      primary: {
        endpoints: [
          { id: 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/orders/0123456789abcdef', weight: 100, clientIpPreservation: true },
        ],
        healthCheck: { protocol: 'HTTP', port: 443, path: '/health', intervalSeconds: 10, thresholdCount: 2 },
        portOverrides: [{ listenerPort: 443, endpointPort: 8443 }],
      },
      secondary: {
        endpoints: [{ id: 'eipalloc-0123456789abcdef0', weight: 128, clientIpPreservation: false }],
        healthCheck: { protocol: 'HTTPS', port: 443, path: '/ready', intervalSeconds: 30, thresholdCount: 3 },
        portOverrides: [],
      },
      shift: { steps: [10, 50, 100], stepSeconds: 60 },
    },
    tags: { app: 'orders' },
    deletionPolicy: 'Orphan',
  },
  status: {
    ...common,
    globalAccelerator: {
      arn: 'arn:aws:globalaccelerator::111111111111:accelerator/0123abcd-0123-abcd-0123-0123456789ab',
      adopted: false,
      listenerArn: 'arn:aws:globalaccelerator::111111111111:accelerator/0123abcd-0123-abcd-0123-0123456789ab/listener/0123abcd',
      dnsName: 'a0123456789abcdef.awsglobalaccelerator.com',
      dualStackDnsName: 'a0123456789abcdef.dualstack.awsglobalaccelerator.com',
      ipAddresses: ['192.0.2.10', '192.0.2.11'],
      status: 'DEPLOYED',
      dials: { primary: 100, secondary: 0 },
      health: { primary: 'Healthy', secondary: 'Unknown' },
      shift: {
        from: 'us-east-1',
        to: 'us-west-2',
        step: 1,
        stepAt: '2025-01-01T00:01:00Z',
        startedAt: '2025-01-01T00:00:00Z',
        rolledBack: true,
        message: 'rolled back',
      },
      teardown: 'Disabling',
    },
    drift: ['endpoint group us-east-1: TrafficDialPercentage: 25 → 100'],
    activeRegion: 'us-east-1',
    phase: 'Healthy',
    health: {
      primary: 'Healthy',
      secondary: 'Healthy',
      since: '2025-01-01T00:00:00Z',
      primarySince: '2025-01-01T00:00:00Z',
      secondarySince: '2025-01-01T00:00:00Z',
    },
    healthCheckIds: { primary: 'hc-1', secondary: 'hc-2' },
    database: {
      writer: { region: 'us-east-1', identifier: 'orders-db' },
      replica: { region: 'us-west-2', identifier: 'orders-db-replica', lagSeconds: 0.4 },
      instances: [
        {
          region: 'us-east-1',
          identifier: 'orders-db',
          role: 'writer',
          status: 'available',
          instanceClass: 'db.r6g.large',
          encrypted: true,
          multiAZ: true,
          backupRetentionDays: 7,
        },
      ],
      rollout: { revision: '0123456789abcdef', restarted: ['Deployment/api'], failed: ['Deployment/ghost: not found'], at: '2025-01-01T00:00:00Z' },
    },
    lastFailover: record,
    inProgress: record,
    history: [{ at: '2025-01-01T00:00:00Z', from: 'us-east-1', to: 'us-west-2', phase: 'FailedOver', reason: 'ManualSwitch' }],
    alarmsHash: 'abc123',
    acceptedDataLoss: '2025-01-01T00:00:30Z',
    failbackAttempts: ['2025-01-01T00:10:00Z'],
    lastDrill: {
      startedAt: '2025-01-01T00:00:00Z',
      completedAt: '2025-01-01T00:05:00Z',
      result: 'Succeeded',
      rtoSeconds: 40,
      rpoSeconds: 0,
      message: 'ok',
      reason: 'OnDemand',
      trigger: '1',
      steps: [{ step: 'Answered', at: '2025-01-01T00:05:00Z', fromHealth: 'Healthy', toHealth: 'Healthy' }],
      type: 'Switchover',
      directions: [
        {
          from: 'us-east-1',
          to: 'us-west-2',
          fromIdentifier: 'orders-db',
          toIdentifier: 'orders-db-replica',
          startedAt: '2025-01-01T00:00:10Z',
          completedAt: '2025-01-01T00:01:50Z',
          rtoSeconds: 100,
          rpoSeconds: 0,
          steps: [{ step: 'Fenced', at: '2025-01-01T00:00:20Z', fromHealth: 'Healthy', toHealth: 'Healthy' }],
        },
      ],
      writer: { region: 'us-east-1', identifier: 'orders-db-r1' },
    },
    dnsChange: { id: '/change/C1', submittedAt: '2025-01-01T00:06:00Z' },
    drillInProgress: {
      startedAt: '2025-01-01T00:07:00Z',
      reason: 'OnDemand',
      trigger: '2',
      step: 'Switched',
      stepAt: '2025-01-01T00:07:01Z',
      standby: 'secondary',
      changeId: '/change/C2',
      answerSince: '2025-01-01T00:07:30Z',
      rpoSeconds: 3,
      waitingFor: 'Route 53 change /change/C2 to be INSYNC',
      steps: [{ step: 'Switched', at: '2025-01-01T00:07:01Z', fromHealth: 'Healthy', toHealth: 'Healthy' }],
      type: 'Switchover',
      switchover: {
        phase: 'Ending',
        home: 'us-east-1',
        away: 'us-west-2',
        activeRegion: 'us-east-1',
        phaseAt: '2025-01-01T00:07:02Z',
        directions: [],
        failure: { result: 'Failed', message: 'the standby side us-west-2 turned Unhealthy' },
      },
    },
    fenceSweep: [
      {
        region: 'us-east-1',
        identifier: 'orders-db',
        since: '2025-01-01T00:08:00Z',
        attempts: 2,
        nextAttemptAt: '2025-01-01T00:08:30Z',
        message: 'orders-db is being deleted',
      },
    ],
  },
};

const clientConnection: ClientConnection = {
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'ClientConnection',
  metadata: meta,
  spec: {
    regionPairRef: { name: 'prod', namespace: 'platform' },
    side: 'primary',
    client: { displayName: 'ACME', cidrs: ['203.0.113.0/24'] },
    attachment: {
      type: 'vpn',
      id: 'tgw-attach-0123456789abcdef0',
      vpnConnectionId: 'vpn-0123456789abcdef0',
      directConnectConnectionId: 'dxcon-fgabc123',
      networkMonitorProbe: 'acme/probe-1',
    },
    routes: true,
    dashboard: { widgets: ['topTalkers', 'latency'], periodSeconds: 300 },
    alarms: { rejectedPacketsPerFiveMinutes: 1000, bandwidthBytesPerSecond: 1e9, snsTopicArn: 'arn:aws:sns:us-east-1:111111111111:oncall' },
    tags: { client: 'acme' },
    deletionPolicy: 'Delete',
  },
  status: {
    ...common,
    dashboardName: 'acme',
    dashboardUrl: 'https://console/x',
    alarmNames: ['a'],
    logGroupName: '/aws/tgw/flow-logs',
    queryDefinitionIds: { topTalkers: 'q1' },
    routes: [route],
    region: 'us-east-1',
    observabilityHash: 'h2',
  },
};

/** Paths in `value` with no schema property, and schema properties missing from `value`. */
function compare(schema: Schema, value: unknown, path: string, out: { unknown: string[]; unfilled: string[] }): void {
  if (Array.isArray(value)) {
    assert.ok(schema.items, `${path} is a list in the type but not in the schema`);
    value.forEach((v, i) => compare(schema.items!, v, `${path}[${i}]`, out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const entries = Object.entries(value);
  if (schema.additionalProperties) {
    for (const [k, v] of entries) compare(schema.additionalProperties, v, `${path}.${k}`, out);
    return;
  }
  if (!schema.properties) return; // metadata: the apiserver's own schema
  for (const [k, v] of entries) {
    const sub = schema.properties[k];
    if (!sub) out.unknown.push(`${path}.${k}`);
    else compare(sub, v, `${path}.${k}`, out);
  }
  for (const k of Object.keys(schema.properties)) if (!(k in value)) out.unfilled.push(`${path}.${k}`);
}

const cases: Array<{ kind: string; schema: Schema; sample: object }> = [
  { kind: 'RegionPair', schema: regionPairSchema(), sample: regionPair },
  { kind: 'FailoverPolicy', schema: failoverPolicySchema(), sample: failoverPolicy },
  { kind: 'ClientConnection', schema: clientConnectionSchema(), sample: clientConnection },
];

for (const { kind, schema, sample } of cases) {
  test(`${kind}: every field of the TS type is a schema property`, () => {
    const out = { unknown: [] as string[], unfilled: [] as string[] };
    compare(schema, sample, kind, out);
    assert.deepEqual(out.unknown, [], 'fields in types.ts that the CRD would prune');
  });
  test(`${kind}: every schema property is filled in the typed sample (so it exists in types.ts)`, () => {
    const out = { unknown: [] as string[], unfilled: [] as string[] };
    compare(schema, sample, kind, out);
    assert.deepEqual(out.unfilled, [], 'schema properties the sample (and so maybe types.ts) lacks');
  });
}

test('the walk notices a field the schema lacks and one the sample lacks', () => {
  const schema: Schema = { description: 'x', type: 'object', properties: { a: { description: 'a', type: 'string' }, b: { description: 'b', type: 'string' } } };
  const out = { unknown: [] as string[], unfilled: [] as string[] };
  compare(schema, { a: 'x', c: 'y' }, 'o', out);
  assert.deepEqual(out, { unknown: ['o.c'], unfilled: ['o.b'] });
});

// Issue 14 (failover during a regional outage): the break-glass fields and the records that
// must not move under a running policy.
const fp = failoverPolicySchema();
const fpSpec = fp.properties!.spec!;
const fpFailover = fpSpec.properties!.failover!.properties!;
const fpDns = fpSpec.properties!.dns!.properties!;

test('FailoverPolicy: promoteWhenFenceUnconfirmed is a boolean defaulting to false, and says it risks two writers when the controller is cut off', () => {
  const f = fpFailover.promoteWhenFenceUnconfirmed!;
  assert.equal(f.type, 'boolean');
  assert.equal(f.default, false);
  assert.equal(f.default, DEFAULTS.failover.promoteWhenFenceUnconfirmed);
  assert.match(f.description, /two writers/);
  assert.match(f.description, /controller that is cut off/);
  assert.match(f.description, /multiregion\.dev\/accept-data-loss/, 'names the one-off alternative');
});

test('FailoverPolicy: failbackMaxAttemptsPerDay is an integer 1..24 defaulting to 3 and names FailbackBlocked', () => {
  const f = fpFailover.failbackMaxAttemptsPerDay!;
  assert.deepEqual([f.type, f.minimum, f.maximum, f.default], ['integer', 1, 24, DEFAULTS.failover.failbackMaxAttemptsPerDay]);
  assert.equal(f.default, 3);
  assert.match(f.description, /FailbackBlocked/);
});

for (const field of ['hostedZoneId', 'recordName'] as const) {
  test(`FailoverPolicy: dns.${field} is immutable (a CEL transition rule whose message names the field and says to create a new policy)`, () => {
    const rules: CelRule[] = fpDns[field]!['x-kubernetes-validations'] ?? [];
    const rule = rules.find((r) => r.rule === 'self == oldSelf');
    assert.ok(rule, `no transition rule on spec.dns.${field}: ${JSON.stringify(rules)}`);
    assert.match(rule.message, new RegExp(`^${field} is immutable`));
    assert.match(rule.message, /create a new FailoverPolicy/);
    assert.match(fpDns[field]!.description, /Immutable/);
  });
}

test('FailoverPolicy: status records the consumed accept-data-loss value, the failback attempts and why a promotion accepted data loss', () => {
  const st = fp.properties!.status!.properties!;
  assert.equal(st.acceptedDataLoss?.type, 'string');
  assert.equal(st.failbackAttempts?.type, 'array');
  assert.equal(st.failbackAttempts?.items?.format, 'date-time');
  for (const rec of ['lastFailover', 'inProgress']) assert.equal(st[rec]?.properties?.dataLossAccepted?.type, 'string', rec);
  assert.match(fp.description, /multiregion\.dev\/accept-data-loss/, 'kubectl explain failoverpolicy names the annotation');
});
