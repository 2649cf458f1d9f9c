// src/api/defaults.ts must default exactly like the apiserver does from the CRD schemas: the
// schema's `default:` values are applied here the way the apiserver applies them (absent keys
// only, parents before children) and compared with the code's result.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultClientConnectionSpec, defaultFailoverPolicySpec, defaultRegionPairSpec } from '../../src/api/defaults.ts';
import { clientConnectionSchema } from '../../src/api/schemas/client-connection.ts';
import type { Schema } from '../../src/api/schemas/common.ts';
import { failoverPolicySchema } from '../../src/api/schemas/failover-policy.ts';
import { regionPairSchema } from '../../src/api/schemas/region-pair.ts';
import type { ClientConnectionSpec, FailoverPolicySpec, RegionPairSpec } from '../../src/api/types.ts';

function schemaDefaults(s: Schema, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((item) => (s.items ? schemaDefaults(s.items, item) : item));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  for (const [k, sub] of Object.entries(s.properties ?? {})) {
    if (out[k] === undefined && sub.default !== undefined) out[k] = structuredClone(sub.default);
  }
  for (const [k, val] of Object.entries(out)) {
    const sub = s.properties?.[k] ?? s.additionalProperties;
    if (sub) out[k] = schemaDefaults(sub, val);
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.values(o).forEach(deepFreeze);
    Object.freeze(o);
  }
  return o;
}

const rpSide = (region: string, cidr: string) => ({ region, cidrs: [cidr] });
const rpBase: RegionPairSpec = { primary: rpSide('us-east-1', '10.0.0.0/16'), secondary: rpSide('us-west-2', '10.1.0.0/16') };
const target = { alias: { dnsName: 'a.example.com', hostedZoneId: 'Z1' } };
const fpBase: FailoverPolicySpec = {
  dns: { hostedZoneId: 'Z1', recordName: 'orders.example.com', primary: { target }, secondary: { target: { ips: ['192.0.2.1'] } } },
};
const ccBase: ClientConnectionSpec = {
  regionPairRef: { name: 'prod' },
  side: 'primary',
  client: { displayName: 'ACME', cidrs: ['203.0.113.0/24'] },
  attachment: { type: 'vpn', id: 'tgw-attach-0123456789abcdef0' },
};

const regionPairCases: Array<{ reason: string; spec: RegionPairSpec }> = [
  { reason: 'no flow logs: only deletionPolicy is defaulted', spec: rpBase },
  { reason: 'flow logs enabled without details get group, retention and traffic type', spec: { ...rpBase, flowLogs: { enabled: true } } },
  {
    reason: 'user values win',
    spec: { ...rpBase, deletionPolicy: 'Orphan', flowLogs: { enabled: true, logGroupName: '/x', retentionDays: 7, trafficType: 'REJECT' } },
  },
];
const failoverCases: Array<{ reason: string; spec: FailoverPolicySpec }> = [
  { reason: 'minimal: ttl, failover block and deletionPolicy', spec: fpBase },
  {
    reason: 'a health check gets interval and threshold; the side without one stays without',
    spec: { ...fpBase, dns: { ...fpBase.dns!, primary: { target, healthCheck: { type: 'HTTPS', path: '/health' } } } },
  },
  {
    reason: 'a database gets maxReplicaLagSeconds',
    spec: {
      ...fpBase,
      database: {
        engine: 'postgres',
        primary: { region: 'us-east-1', instanceIdentifier: 'a' },
        replica: { region: 'us-west-2', instanceIdentifier: 'b' },
        connectionSecret: { name: 's' },
      },
    },
  },
  { reason: 'a partial failover block keeps what is set', spec: { ...fpBase, failover: { mode: 'Automatic', activeRegion: 'us-east-1' } } },
  {
    reason: 'the outage fields keep what is set (promoteWhenFenceUnconfirmed true, a cap of 1)',
    spec: { ...fpBase, failover: { mode: 'Automatic', failback: 'Automatic', promoteWhenFenceUnconfirmed: true, failbackMaxAttemptsPerDay: 1 } },
  },
];
const clientCases: Array<{ reason: string; spec: ClientConnectionSpec }> = [
  { reason: 'minimal: routes, full dashboard, deletionPolicy', spec: ccBase },
  { reason: 'chosen widgets kept, period defaulted', spec: { ...ccBase, routes: false, dashboard: { widgets: ['latency'] } } },
];

const kinds = [
  { kind: 'RegionPair', schema: regionPairSchema(), cases: regionPairCases, apply: defaultRegionPairSpec as (s: never) => unknown },
  { kind: 'FailoverPolicy', schema: failoverPolicySchema(), cases: failoverCases, apply: defaultFailoverPolicySpec as (s: never) => unknown },
  { kind: 'ClientConnection', schema: clientConnectionSchema(), cases: clientCases, apply: defaultClientConnectionSpec as (s: never) => unknown },
];

for (const { kind, schema, cases, apply } of kinds) {
  for (const { reason, spec } of cases) {
    test(`${kind}: ${reason} (code defaults == schema defaults)`, () => {
      const expected = schemaDefaults(schema.properties!.spec!, spec);
      const frozen = deepFreeze(structuredClone(spec));
      assert.deepEqual(apply(frozen as never), expected);
    });
  }
}

test('the documented defaults are the ones applied', () => {
  const rp = defaultRegionPairSpec({ ...rpBase, flowLogs: { enabled: true } });
  assert.deepEqual(rp.flowLogs, { enabled: true, logGroupName: '/aws/tgw/flow-logs', retentionDays: 30, trafficType: 'ALL' });
  assert.equal(rp.deletionPolicy, 'Delete');
  const fp = defaultFailoverPolicySpec({ ...fpBase, dns: { ...fpBase.dns!, primary: { target, healthCheck: { type: 'TCP', port: 5432 } } } });
  assert.equal(fp.dns?.ttl, 60);
  assert.deepEqual(fp.failover, {
    mode: 'Manual',
    unhealthyForSeconds: 60,
    failback: 'Manual',
    promoteWhenFenceUnconfirmed: false,
    failbackMaxAttemptsPerDay: 3,
  });
  assert.equal(fp.dns?.primary.healthCheck?.intervalSeconds, 30);
  assert.equal(fp.dns?.primary.healthCheck?.failureThreshold, 3);
  const cc = defaultClientConnectionSpec(ccBase);
  assert.deepEqual(cc.dashboard, { widgets: ['topTalkers', 'rejectedTraffic', 'bandwidth', 'latency'], periodSeconds: 300 });
  assert.equal(cc.routes, true);
});

test('the returned spec shares no objects with the input (safe to change)', () => {
  const input = structuredClone(ccBase);
  const out = defaultClientConnectionSpec(input);
  out.client.cidrs.push('198.51.100.0/24');
  out.dashboard.widgets.pop();
  assert.deepEqual(input, ccBase);
  assert.equal(defaultClientConnectionSpec(input).dashboard.widgets.length, 4);
});
