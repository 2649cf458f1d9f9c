import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientConnectionSpec, FailoverPolicySpec, RegionPairSpec } from '../../src/api/types.ts';
import {
  type FieldIssue,
  healthCheckWarnings,
  validateClientAgainstPair,
  validateClientConnection,
  validateFailoverPolicy,
  validateRegionPair,
} from '../../src/api/validate.ts';

const pair = (primaryCidrs: string[], attachments: RegionPairSpec['primary']['vpcAttachments'] = []): RegionPairSpec => ({
  primary: { region: 'us-east-1', cidrs: primaryCidrs, vpcAttachments: attachments },
  secondary: { region: 'us-west-2', cidrs: ['10.1.0.0/16'] },
});
const fields = (issues: FieldIssue[]): string[] => issues.map((i) => i.field);

const regionPairCases: Array<{ reason: string; spec: RegionPairSpec; fields: string[] }> = [
  { reason: 'disjoint CIDRs are fine', spec: pair(['10.0.0.0/16', '172.16.0.0/12']), fields: [] },
  { reason: 'a block inside another on the same side', spec: pair(['10.0.0.0/16', '10.0.4.0/24']), fields: ['spec.primary.cidrs[1]'] },
  {
    reason: 'the later of two overlapping entries is blamed, each pair once',
    spec: pair(['10.0.0.0/8', '10.2.0.0/16', '10.3.0.0/16']),
    fields: ['spec.primary.cidrs[1]', 'spec.primary.cidrs[2]'],
  },
  {
    reason: 'one subnet listed under two VPC attachments',
    spec: pair(
      ['10.0.0.0/16'],
      [
        { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] },
        { vpcId: 'vpc-0123456789abcdef1', subnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef0'] },
      ],
    ),
    fields: ['spec.primary.vpcAttachments[1].subnetIds[1]'],
  },
  {
    reason: 'one route table listed under two VPC attachments',
    spec: pair(
      ['10.0.0.0/16'],
      [
        { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], routeTableIds: ['rtb-0123456789abcdef0'] },
        { vpcId: 'vpc-0123456789abcdef1', subnetIds: ['subnet-0123456789abcdef1'], routeTableIds: ['rtb-0123456789abcdef0'] },
      ],
    ),
    fields: ['spec.primary.vpcAttachments[1].routeTableIds[0]'],
  },
];
for (const c of regionPairCases) test(`RegionPair: ${c.reason}`, () => assert.deepEqual(fields(validateRegionPair(c.spec)), c.fields));

test('an overlap message names both blocks', () => {
  const [issue] = validateRegionPair(pair(['10.0.0.0/16', '10.0.4.0/24']));
  assert.match(issue!.message, /10\.0\.4\.0\/24 overlaps 10\.0\.0\.0\/16 \(spec\.primary\.cidrs\[0\]\)/);
});

const target = { alias: { dnsName: 'a.example.com', hostedZoneId: 'Z1' } };
const policy = (extra: Partial<FailoverPolicySpec>): FailoverPolicySpec => ({
  dns: { hostedZoneId: 'Z1', recordName: 'a.example.com', primary: { target }, secondary: { target } },
  ...extra,
});
const failoverCases: Array<{ reason: string; spec: FailoverPolicySpec; fields: string[] }> = [
  { reason: 'no drill', spec: policy({}), fields: [] },
  { reason: 'a valid quarterly drill', spec: policy({ drill: { schedule: '0 3 1 */3 *' } }), fields: [] },
  { reason: 'a malformed schedule', spec: policy({ drill: { schedule: 'every quarter' } }), fields: ['spec.drill.schedule'] },
  { reason: 'an out-of-range schedule', spec: policy({ drill: { schedule: '0 25 * * *' } }), fields: ['spec.drill.schedule'] },
];
for (const c of failoverCases) test(`FailoverPolicy: ${c.reason}`, () => assert.deepEqual(fields(validateFailoverPolicy(c.spec)), c.fields));

const warningCases: Array<{ reason: string; path?: string; type: 'HTTP' | 'HTTPS' | 'TCP'; warned: boolean }> = [
  { reason: 'HTTPS on / is shallow', path: '/', type: 'HTTPS', warned: true },
  { reason: 'HTTP without a path checks /', type: 'HTTP', warned: true },
  { reason: 'a deep path is fine', path: '/health/deep', type: 'HTTPS', warned: false },
  { reason: 'TCP has no path', type: 'TCP', warned: false },
];
for (const c of warningCases) {
  test(`health check warning: ${c.reason}`, () => {
    const hc = { type: c.type, port: 443, ...(c.path !== undefined && { path: c.path }) };
    const spec = policy({});
    spec.dns!.secondary = { target, healthCheck: hc };
    assert.deepEqual(fields(healthCheckWarnings(spec)), c.warned ? ['spec.dns.secondary.healthCheck.path'] : []);
  });
}

const client = (cidrs: string[]): ClientConnectionSpec => ({
  regionPairRef: { name: 'prod' },
  side: 'primary',
  client: { displayName: 'ACME', cidrs },
  attachment: { type: 'vpn', id: 'tgw-attach-0123456789abcdef0' },
});
const clientCases: Array<{ reason: string; cidrs: string[]; own: string[]; againstPair: string[] }> = [
  { reason: 'a client range apart from the pair', cidrs: ['203.0.113.0/24'], own: [], againstPair: [] },
  { reason: 'two overlapping client ranges', cidrs: ['203.0.113.0/24', '203.0.113.128/25'], own: ['spec.client.cidrs[1]'], againstPair: [] },
  { reason: "a client range inside the pair's primary network", cidrs: ['203.0.113.0/24', '10.0.9.0/24'], own: [], againstPair: ['spec.client.cidrs[1]'] },
  { reason: 'a client range covering both sides', cidrs: ['10.0.0.0/8'], own: [], againstPair: ['spec.client.cidrs[0]', 'spec.client.cidrs[0]'] },
];
for (const c of clientCases) {
  test(`ClientConnection: ${c.reason}`, () => {
    assert.deepEqual(fields(validateClientConnection(client(c.cidrs))), c.own);
    assert.deepEqual(fields(validateClientAgainstPair(client(c.cidrs), pair(['10.0.0.0/16']))), c.againstPair);
  });
}
