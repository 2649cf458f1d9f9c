import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyError } from '../../src/aws/errors.ts';
import { DnsSpecError } from '../../src/aws/route53/dns-spec-error.ts';
import { desiredRecords, type FailoverRecordsInput, isIPv6, type RRSet, recordType, sameRecord } from '../../src/aws/route53/records.ts';

const base: FailoverRecordsInput = {
  policyName: 'orders',
  recordName: 'Orders.Example.com',
  ttl: 60,
  primary: { target: { ips: ['192.0.2.10'] }, healthCheckId: 'hc-p' },
  secondary: { target: { ips: ['198.51.100.20'] }, healthCheckId: 'hc-s' },
};

const summary = (r: RRSet | undefined) => ({
  name: r?.Name,
  type: r?.Type,
  setId: r?.SetIdentifier,
  failover: r?.Failover,
  hc: r?.HealthCheckId,
  ttl: r?.TTL,
  values: r?.ResourceRecords?.map((v) => v.Value),
  alias: r?.AliasTarget,
});

test('desiredRecords: roles follow the active side', () => {
  const cases = [
    {
      reason: 'primary active: PRIMARY carries the primary side',
      input: base,
      active: 'primary' as const,
      want: [
        { name: 'orders.example.com.', type: 'A', setId: 'orders-primary', failover: 'PRIMARY', hc: 'hc-p', ttl: 60, values: ['192.0.2.10'], alias: undefined },
        {
          name: 'orders.example.com.',
          type: 'A',
          setId: 'orders-secondary',
          failover: 'SECONDARY',
          hc: 'hc-s',
          ttl: 60,
          values: ['198.51.100.20'],
          alias: undefined,
        },
      ],
    },
    {
      reason: 'secondary active (manual switch): the same two records swap target and health check',
      input: base,
      active: 'secondary' as const,
      want: [
        {
          name: 'orders.example.com.',
          type: 'A',
          setId: 'orders-primary',
          failover: 'PRIMARY',
          hc: 'hc-s',
          ttl: 60,
          values: ['198.51.100.20'],
          alias: undefined,
        },
        {
          name: 'orders.example.com.',
          type: 'A',
          setId: 'orders-secondary',
          failover: 'SECONDARY',
          hc: 'hc-p',
          ttl: 60,
          values: ['192.0.2.10'],
          alias: undefined,
        },
      ],
    },
    {
      reason: 'alias targets: type A, no TTL, DNS name with trailing dot, evaluateTargetHealth defaults false',
      input: {
        ...base,
        primary: { target: { alias: { dnsName: 'NLB-1.elb.us-east-1.amazonaws.com', hostedZoneId: 'Z26', evaluateTargetHealth: true } } },
        secondary: { target: { alias: { dnsName: 'nlb-2.elb.us-west-2.amazonaws.com.', hostedZoneId: 'Z18' } } },
      },
      active: 'primary' as const,
      want: [
        {
          name: 'orders.example.com.',
          type: 'A',
          setId: 'orders-primary',
          failover: 'PRIMARY',
          hc: undefined,
          ttl: undefined,
          values: undefined,
          alias: { DNSName: 'nlb-1.elb.us-east-1.amazonaws.com.', HostedZoneId: 'Z26', EvaluateTargetHealth: true },
        },
        {
          name: 'orders.example.com.',
          type: 'A',
          setId: 'orders-secondary',
          failover: 'SECONDARY',
          hc: undefined,
          ttl: undefined,
          values: undefined,
          alias: { DNSName: 'nlb-2.elb.us-west-2.amazonaws.com.', HostedZoneId: 'Z18', EvaluateTargetHealth: false },
        },
      ],
    },
    {
      reason: 'CNAME targets',
      input: { ...base, ttl: 30, primary: { target: { cname: 'east.example.net' } }, secondary: { target: { cname: 'west.example.net.' } } },
      active: 'primary' as const,
      want: [
        {
          name: 'orders.example.com.',
          type: 'CNAME',
          setId: 'orders-primary',
          failover: 'PRIMARY',
          hc: undefined,
          ttl: 30,
          values: ['east.example.net.'],
          alias: undefined,
        },
        {
          name: 'orders.example.com.',
          type: 'CNAME',
          setId: 'orders-secondary',
          failover: 'SECONDARY',
          hc: undefined,
          ttl: 30,
          values: ['west.example.net.'],
          alias: undefined,
        },
      ],
    },
    {
      reason: 'IPv6 addresses make AAAA records',
      input: { ...base, primary: { target: { ips: ['2001:db8::1', '2001:db8::2'] } }, secondary: { target: { ips: ['2001:db8:1::1'] } } },
      active: 'primary' as const,
      want: [
        {
          name: 'orders.example.com.',
          type: 'AAAA',
          setId: 'orders-primary',
          failover: 'PRIMARY',
          hc: undefined,
          ttl: 60,
          values: ['2001:db8::1', '2001:db8::2'],
          alias: undefined,
        },
        {
          name: 'orders.example.com.',
          type: 'AAAA',
          setId: 'orders-secondary',
          failover: 'SECONDARY',
          hc: undefined,
          ttl: 60,
          values: ['2001:db8:1::1'],
          alias: undefined,
        },
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(desiredRecords(c.input, c.active).map(summary), c.want, c.reason);
});

test('desiredRecords refuses specs that cannot make a failover pair, naming the field', () => {
  const cases = [
    { reason: 'sides of different types', input: { ...base, secondary: { target: { cname: 'west.example.net' } } }, field: 'spec.dns.secondary.target' },
    { reason: 'no target at all', input: { ...base, primary: { target: {} } }, field: 'spec.dns.primary.target' },
    {
      reason: 'two targets at once',
      input: { ...base, primary: { target: { ips: ['192.0.2.1'], cname: 'x.example.net' } } },
      field: 'spec.dns.primary.target',
    },
    { reason: 'empty ips', input: { ...base, primary: { target: { ips: [] } } }, field: 'spec.dns.primary.target.ips' },
    { reason: 'IPv4 and IPv6 mixed', input: { ...base, primary: { target: { ips: ['192.0.2.1', '2001:db8::1'] } } }, field: 'spec.dns.primary.target.ips' },
    { reason: 'not an address', input: { ...base, primary: { target: { ips: ['192.0.2.300'] } } }, field: 'spec.dns.primary.target.ips' },
    {
      reason: 'alias without zone',
      input: { ...base, primary: { target: { alias: { dnsName: 'x.example.com', hostedZoneId: '' } } } },
      field: 'spec.dns.primary.target.alias',
    },
    { reason: 'negative ttl', input: { ...base, ttl: -1 }, field: 'spec.dns.ttl' },
    { reason: 'a name too long for a SetIdentifier', input: { ...base, policyName: 'x'.repeat(120) }, field: 'metadata.name' },
  ];
  for (const c of cases) {
    assert.throws(
      () => desiredRecords(c.input as FailoverRecordsInput, 'primary'),
      (e: unknown) => e instanceof DnsSpecError && e.field === c.field && e.class === 'Terminal',
      c.reason,
    );
  }
});

test('recordType and isIPv6', () => {
  const types = [
    { target: { ips: ['10.0.0.1'] }, want: 'A' },
    { target: { ips: ['::ffff:192.0.2.1'] }, want: 'AAAA' },
    { target: { cname: 'a.b' }, want: 'CNAME' },
    { target: { alias: { dnsName: 'a.b', hostedZoneId: 'Z' } }, want: 'A' },
  ];
  for (const t of types) assert.equal(recordType(t.target, 'f'), t.want, JSON.stringify(t.target));
  const v6 = [
    { s: '2001:db8::1', want: true },
    { s: '::', want: true },
    { s: '1:2:3:4:5:6:7:8', want: true },
    { s: '1:2:3:4:5:6:7:8:9', want: false },
    { s: '2001:db8:::1', want: false },
    { s: '192.0.2.1', want: false },
    { s: 'fe80::g', want: false },
  ];
  for (const c of v6) assert.equal(isIPv6(c.s), c.want, c.s);
});

test('sameRecord ignores what Route 53 normalizes and nothing else', () => {
  const [p] = desiredRecords(base, 'primary');
  assert.ok(p);
  const cases = [
    { reason: 'upper case name, no trailing dot', other: { ...p, Name: 'ORDERS.example.com' }, same: true },
    { reason: 'another health check', other: { ...p, HealthCheckId: 'hc-x' }, same: false },
    { reason: 'no health check', other: { ...p, HealthCheckId: undefined }, same: false },
    { reason: 'another failover role', other: { ...p, Failover: 'SECONDARY' as const }, same: false },
    { reason: 'a weight added by someone', other: { ...p, Weight: 10 }, same: false },
  ];
  for (const c of cases) assert.equal(sameRecord(p, c.other), c.same, c.reason);
});

test('a DnsSpecError classifies as Terminal and reads as field + advice', () => {
  const err = new DnsSpecError('spec.dns.ttl', 'ttl -1 is not a whole number of seconds');
  assert.equal(classifyError(err), 'Terminal');
  assert.equal(err.message, 'spec.dns.ttl: ttl -1 is not a whole number of seconds');
});
