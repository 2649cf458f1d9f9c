import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthCheckConfig } from '@aws-sdk/client-route-53';
import { DnsSpecError } from '../../src/aws/route53/dns-spec-error.ts';
import {
  callerReference,
  callerReferencePrefix,
  diffHealthCheck,
  generationOf,
  type HealthCheckInput,
  healthCheckConfig,
  isShallowCheck,
  requiresReplacement,
  updateInput,
} from '../../src/aws/route53/health-check-config.ts';
import type { TargetInput } from '../../src/aws/route53/records.ts';

const F = 'spec.dns.primary.healthCheck';

test('healthCheckConfig builds the Route 53 config of each type', () => {
  const cases: { reason: string; hc: HealthCheckInput; target?: TargetInput; want: HealthCheckConfig }[] = [
    {
      reason: 'HTTPS with an FQDN: SNI on, path, interval and threshold as given',
      hc: { type: 'HTTPS', fqdn: 'API.example.com.', path: '/health/deep', intervalSeconds: 10, failureThreshold: 2 },
      want: {
        Type: 'HTTPS',
        FullyQualifiedDomainName: 'api.example.com',
        Port: 443,
        ResourcePath: '/health/deep',
        RequestInterval: 10,
        FailureThreshold: 2,
        EnableSNI: true,
      },
    },
    {
      reason: 'HTTPS to an IP only: no host name, so SNI off',
      hc: { type: 'HTTPS', ipAddress: '192.0.2.10' },
      want: { Type: 'HTTPS', IPAddress: '192.0.2.10', Port: 443, RequestInterval: 30, FailureThreshold: 3, EnableSNI: false },
    },
    {
      reason: 'HTTP defaults to port 80 and takes the endpoint from the CNAME target',
      hc: { type: 'HTTP', path: '/healthz' },
      target: { cname: 'east.example.net' },
      want: { Type: 'HTTP', FullyQualifiedDomainName: 'east.example.net', Port: 80, ResourcePath: '/healthz', RequestInterval: 30, FailureThreshold: 3 },
    },
    {
      reason: 'TCP to the first IP of the target',
      hc: { type: 'TCP', port: 5432 },
      target: { ips: ['198.51.100.7', '198.51.100.8'] },
      want: { Type: 'TCP', IPAddress: '198.51.100.7', Port: 5432, RequestInterval: 30, FailureThreshold: 3 },
    },
    {
      reason: 'an alias target gives its DNS name as endpoint',
      hc: { type: 'HTTP' },
      target: { alias: { dnsName: 'nlb-1.elb.us-east-1.amazonaws.com', hostedZoneId: 'Z26' } },
      want: { Type: 'HTTP', FullyQualifiedDomainName: 'nlb-1.elb.us-east-1.amazonaws.com', Port: 80, RequestInterval: 30, FailureThreshold: 3 },
    },
    {
      reason: 'CloudWatchAlarm: alarm identifier, last known status while data is missing',
      hc: { type: 'CloudWatchAlarm', alarmName: 'orders-east-5xx', alarmRegion: 'us-east-1' },
      target: { ips: ['10.0.0.5'] },
      want: { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Region: 'us-east-1', Name: 'orders-east-5xx' }, InsufficientDataHealthStatus: 'LastKnownStatus' },
    },
  ];
  for (const c of cases) assert.deepEqual(healthCheckConfig(c.hc, c.target, F), c.want, c.reason);
});

test('healthCheckConfig refuses what Route 53 would, naming the field', () => {
  const cases: { reason: string; hc: HealthCheckInput; target?: TargetInput; field: string }[] = [
    { reason: 'interval other than 10 or 30', hc: { type: 'HTTP', fqdn: 'a.example.com', intervalSeconds: 15 }, field: `${F}.intervalSeconds` },
    { reason: 'threshold 0', hc: { type: 'HTTP', fqdn: 'a.example.com', failureThreshold: 0 }, field: `${F}.failureThreshold` },
    { reason: 'threshold 11', hc: { type: 'HTTP', fqdn: 'a.example.com', failureThreshold: 11 }, field: `${F}.failureThreshold` },
    { reason: 'TCP without port', hc: { type: 'TCP', fqdn: 'a.example.com' }, field: `${F}.port` },
    { reason: 'port out of range', hc: { type: 'HTTP', fqdn: 'a.example.com', port: 70000 }, field: `${F}.port` },
    { reason: 'path without slash', hc: { type: 'HTTP', fqdn: 'a.example.com', path: 'health' }, field: `${F}.path` },
    { reason: 'TCP with a path', hc: { type: 'TCP', fqdn: 'a.example.com', port: 1, path: '/x' }, field: `${F}.path` },
    { reason: 'no endpoint anywhere', hc: { type: 'HTTP' }, field: `${F}.fqdn` },
    {
      reason: 'a private IP (from the target) cannot be checked by Route 53',
      hc: { type: 'TCP', port: 80 },
      target: { ips: ['10.1.2.3'] },
      field: `${F}.ipAddress`,
    },
    { reason: 'a private IP given explicitly', hc: { type: 'HTTP', ipAddress: '192.168.1.1' }, field: `${F}.ipAddress` },
    { reason: 'alarm without name', hc: { type: 'CloudWatchAlarm', alarmRegion: 'us-east-1' }, field: `${F}.alarmName` },
    { reason: 'alarm without region', hc: { type: 'CloudWatchAlarm', alarmName: 'a' }, field: `${F}.alarmRegion` },
  ];
  for (const c of cases) {
    assert.throws(
      () => healthCheckConfig(c.hc, c.target, F),
      (e: unknown) => e instanceof DnsSpecError && e.field === c.field,
      c.reason,
    );
  }
  assert.throws(() => healthCheckConfig({ type: 'TCP', port: 80 }, { ips: ['10.1.2.3'] }, F), /CloudWatchAlarm/, 'the message names the way out');
});

const https: HealthCheckConfig = {
  Type: 'HTTPS',
  FullyQualifiedDomainName: 'api.example.com',
  Port: 443,
  ResourcePath: '/h',
  RequestInterval: 10,
  FailureThreshold: 2,
  EnableSNI: true,
};

test('diffHealthCheck lists differing fields as "Field: observed → desired"', () => {
  const cases: { reason: string; desired: HealthCheckConfig; observed: HealthCheckConfig; want: string[] }[] = [
    { reason: 'equal', desired: https, observed: https, want: [] },
    {
      reason: 'moto/AWS extras (MeasureLatency, Inverted…) and a trailing dot do not count',
      desired: https,
      observed: { ...https, FullyQualifiedDomainName: 'API.example.com.', MeasureLatency: false, Inverted: false, Disabled: false },
      want: [],
    },
    { reason: 'path', desired: { ...https, ResourcePath: '/health/deep' }, observed: https, want: ['ResourcePath: "/h" → "/health/deep"'] },
    {
      reason: 'port and threshold',
      desired: { ...https, Port: 8443, FailureThreshold: 5 },
      observed: https,
      want: ['Port: 443 → 8443', 'FailureThreshold: 2 → 5'],
    },
    {
      reason: 'fqdn',
      desired: { ...https, FullyQualifiedDomainName: 'b.example.com' },
      observed: https,
      want: ['FullyQualifiedDomainName: "api.example.com" → "b.example.com"'],
    },
    { reason: 'an unset path equals "/"', desired: { ...https, ResourcePath: undefined }, observed: { ...https, ResourcePath: '/' }, want: [] },
    { reason: 'interval', desired: { ...https, RequestInterval: 30 }, observed: https, want: ['RequestInterval: 10 → 30'] },
    { reason: 'type', desired: { ...https, Type: 'HTTP', EnableSNI: undefined }, observed: https, want: ['Type: "HTTPS" → "HTTP"'] },
    {
      reason: 'a CloudWatch check ignores the port/interval AWS reports for it',
      desired: { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Region: 'us-east-1', Name: 'a' }, InsufficientDataHealthStatus: 'LastKnownStatus' },
      observed: {
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Region: 'us-east-1', Name: 'a' },
        InsufficientDataHealthStatus: 'LastKnownStatus',
        Port: 80,
        RequestInterval: 30,
      },
      want: [],
    },
    {
      reason: 'another alarm',
      desired: { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Region: 'us-east-1', Name: 'b' }, InsufficientDataHealthStatus: 'LastKnownStatus' },
      observed: { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Region: 'us-east-1', Name: 'a' }, InsufficientDataHealthStatus: 'LastKnownStatus' },
      want: ['AlarmIdentifier.Name: "a" → "b"'],
    },
    {
      reason: 'an observation without AlarmIdentifier (moto drops it) proves no drift',
      desired: { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Region: 'us-east-1', Name: 'b' }, InsufficientDataHealthStatus: 'LastKnownStatus' },
      observed: { Type: 'CLOUDWATCH_METRIC', Port: 80 },
      want: [],
    },
  ];
  for (const c of cases) assert.deepEqual(diffHealthCheck(c.desired, c.observed), c.want, c.reason);
});

test('requiresReplacement: only type, interval and MeasureLatency cannot change in place', () => {
  const cases = [
    { diff: [], want: false },
    { diff: ['ResourcePath: "/" → "/x"', 'Port: 80 → 81'], want: false },
    { diff: ['RequestInterval: 30 → 10'], want: true },
    { diff: ['Port: 80 → 81', 'Type: "HTTP" → "TCP"'], want: true },
  ];
  for (const c of cases) assert.equal(requiresReplacement(c.diff), c.want, c.diff.join('; '));
});

test('updateInput carries the version, the new values, and resets what was removed', () => {
  const got = updateInput('hc-1', 1, { ...https, ResourcePath: undefined, FullyQualifiedDomainName: undefined, IPAddress: '192.0.2.1' }, https);
  assert.equal(got.HealthCheckVersion, 1);
  assert.equal(got.IPAddress, '192.0.2.1');
  assert.deepEqual(got.ResetElements, ['FullyQualifiedDomainName', 'ResourcePath']);
  const cw = updateInput(
    'hc-2',
    3,
    { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Region: 'us-west-2', Name: 'x' }, InsufficientDataHealthStatus: 'LastKnownStatus' },
    { Type: 'CLOUDWATCH_METRIC' },
  );
  assert.deepEqual(cw.AlarmIdentifier, { Region: 'us-west-2', Name: 'x' });
  assert.equal(cw.Port, undefined);
});

test('callerReference is deterministic, ≤ 64 characters, new per generation and per side', () => {
  const owner = { clusterId: 'prod-eu', uid: '0b6f8c2e-1f0a-4f4e-9b59-3c1d6f0f1a2b' };
  const r0 = callerReference(owner, 'primary', 0);
  assert.equal(r0, callerReference(owner, 'primary', 0));
  assert.notEqual(r0, callerReference(owner, 'primary', 1));
  assert.notEqual(r0, callerReference(owner, 'secondary', 0));
  assert.notEqual(r0, callerReference({ ...owner, uid: 'other' }, 'primary', 0));
  assert.ok(callerReference(owner, 'secondary', 123456789).length <= 64);
  const prefix = callerReferencePrefix(owner, 'primary');
  const cases = [
    { ref: callerReference(owner, 'primary', 7), want: 7 },
    { ref: callerReference(owner, 'secondary', 7), want: undefined },
    { ref: `${prefix}x`, want: undefined },
    { ref: 'console-created', want: undefined },
    { ref: undefined, want: undefined },
  ];
  for (const c of cases) assert.equal(generationOf(c.ref, prefix), c.want, String(c.ref));
});

test('isShallowCheck flags HTTP(S) checks of / only', () => {
  const cases: { hc: HealthCheckInput; want: boolean }[] = [
    { hc: { type: 'HTTP' }, want: true },
    { hc: { type: 'HTTPS', path: '/' }, want: true },
    { hc: { type: 'HTTPS', path: '/health/deep' }, want: false },
    { hc: { type: 'TCP', port: 443 }, want: false },
    { hc: { type: 'CloudWatchAlarm', alarmName: 'a', alarmRegion: 'us-east-1' }, want: false },
  ];
  for (const c of cases) assert.equal(isShallowCheck(c.hc), c.want, JSON.stringify(c.hc));
});

test('MeasureLatency: set on HTTP(S) checks when a latency alarm is asked for, never on TCP; a change replaces the check', () => {
  const target = { alias: { dnsName: 'nlb-1.elb.us-east-1.amazonaws.com', hostedZoneId: 'Z26' } };
  const http = healthCheckConfig({ type: 'HTTPS', path: '/health' }, target, F, { measureLatency: true });
  assert.equal(http.MeasureLatency, true);
  assert.equal(healthCheckConfig({ type: 'HTTPS', path: '/health' }, target, F).MeasureLatency, undefined);
  assert.equal(healthCheckConfig({ type: 'TCP', port: 443 }, target, F, { measureLatency: true }).MeasureLatency, undefined);
  assert.equal(
    healthCheckConfig({ type: 'CloudWatchAlarm', alarmName: 'a', alarmRegion: 'us-east-1' }, target, F, { measureLatency: true }).MeasureLatency,
    undefined,
  );

  const without = healthCheckConfig({ type: 'HTTPS', path: '/health' }, target, F);
  const on = diffHealthCheck(http, { ...without, MeasureLatency: false });
  assert.deepEqual(on, ['MeasureLatency: false → true']);
  assert.equal(requiresReplacement(on), true, 'MeasureLatency can only be set at creation');
  const off = diffHealthCheck(without, { ...http });
  assert.deepEqual(off, ['MeasureLatency: true → false']);
  assert.equal(requiresReplacement(off), true);
  assert.deepEqual(diffHealthCheck(without, { ...without, MeasureLatency: false }), [], 'false as AWS reports it equals unset');
  const tcp = healthCheckConfig({ type: 'TCP', port: 443 }, target, F);
  assert.deepEqual(diffHealthCheck(tcp, { ...tcp, MeasureLatency: true }), [], 'a TCP check is not compared on it');
});
