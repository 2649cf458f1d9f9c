import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBindAddress, parseDuration, parseFlags, USAGE } from '../../src/flags.ts';

test('parseDuration', () => {
  const cases: Array<[string, number | Error]> = [
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['45', 45_000],
    ['1.5s', 1500],
    ['5 minutes', new Error()],
    ['', new Error()],
    ['-1s', new Error()],
  ];
  for (const [input, want] of cases) {
    if (want instanceof Error) assert.throws(() => parseDuration(input), /invalid duration/, input);
    else assert.equal(parseDuration(input), want, input);
  }
});

test('parseFlags: defaults, env fallbacks and errors name the flag', () => {
  const f = parseFlags(['--cluster-id=prod-eu'], {});
  assert.equal(f.clusterId, 'prod-eu');
  assert.equal(f.metricsBindAddress, ':8080');
  assert.equal(f.healthProbeBindAddress, ':8081');
  assert.equal(f.leaderElect, true);
  assert.equal(f.driftIntervalMs, 300_000);
  assert.equal(f.concurrency, 4);

  const e = parseFlags([], { MRC_CLUSTER_ID: 'from-env', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', POD_NAMESPACE: 'mrc' });
  assert.equal(e.clusterId, 'from-env');
  assert.equal(e.awsEndpointUrl, 'http://127.0.0.1:5000');
  assert.equal(e.leaderElectionNamespace, 'mrc');

  assert.throws(() => parseFlags([], {}), /--cluster-id is required/);
  assert.throws(() => parseFlags(['--cluster-id=Bad_Id'], {}), /--cluster-id/);
  assert.throws(() => parseFlags(['--cluster-id=a', '--concurrency=0'], {}), /--concurrency/);
  assert.throws(() => parseFlags(['--cluster-id=a', '--leader-elect=maybe'], {}), /--leader-elect/);
  assert.throws(() => parseFlags(['--cluster-id=a', '--no-such-flag'], {}), /no-such-flag/);
  assert.equal(parseFlags(['--help'], {}).help, true);
});

test('parseBindAddress', () => {
  assert.deepEqual(parseBindAddress(':8080'), { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(parseBindAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.throws(() => parseBindAddress('nope'));
});

test('AWS timeouts: 3 s to connect and 10 s per attempt by default, set by flag or env', () => {
  const d = parseFlags(['--cluster-id=a'], {});
  assert.equal(d.awsConnectTimeoutMs, 3_000);
  assert.equal(d.awsRequestTimeoutMs, 10_000);

  const f = parseFlags(['--cluster-id=a', '--aws-connect-timeout=500ms', '--aws-request-timeout=2s'], {});
  assert.equal(f.awsConnectTimeoutMs, 500);
  assert.equal(f.awsRequestTimeoutMs, 2_000);

  const e = parseFlags(['--cluster-id=a'], { MRC_AWS_CONNECT_TIMEOUT: '1s', MRC_AWS_REQUEST_TIMEOUT: '30s' });
  assert.equal(e.awsConnectTimeoutMs, 1_000);
  assert.equal(e.awsRequestTimeoutMs, 30_000);
  const both = parseFlags(['--cluster-id=a', '--aws-request-timeout=4s'], { MRC_AWS_REQUEST_TIMEOUT: '30s' });
  assert.equal(both.awsRequestTimeoutMs, 4_000, 'the flag wins over the env');

  // 0 would switch the SDK timeout off: a hung region would hang reconciles again.
  assert.throws(() => parseFlags(['--cluster-id=a', '--aws-request-timeout=0s'], {}), /--aws-request-timeout/);
  assert.throws(() => parseFlags(['--cluster-id=a', '--aws-connect-timeout=soon'], {}), /--aws-connect-timeout.*invalid duration/);
});

test('USAGE lists the AWS timeout flags with their env vars', () => {
  assert.match(USAGE, /--aws-connect-timeout .*\[MRC_AWS_CONNECT_TIMEOUT\]/);
  assert.match(USAGE, /--aws-request-timeout [\s\S]*\[MRC_AWS_REQUEST_TIMEOUT\]/);
});

test('--health-period: a minute by default (AWS), whole seconds of at least 10 when set', () => {
  assert.equal(parseFlags(['--cluster-id=a'], {}).healthPeriodSeconds, 60);
  assert.equal(parseFlags(['--cluster-id=a', '--health-period=10s'], {}).healthPeriodSeconds, 10);
  assert.equal(parseFlags(['--cluster-id=a'], { MRC_HEALTH_PERIOD: '2m' }).healthPeriodSeconds, 120);
  assert.throws(() => parseFlags(['--cluster-id=a', '--health-period=5s'], {}), /--health-period/);
  assert.throws(() => parseFlags(['--cluster-id=a', '--health-period=1500ms'], {}), /--health-period/);
  assert.match(USAGE, /--health-period [\s\S]*\[MRC_HEALTH_PERIOD\]/);
});

test('--aws-rate-limits: raised quotas replace the published buckets; a typo or a bad number is refused', () => {
  assert.deepEqual(parseFlags(['--cluster-id=a'], {}).awsRateLimits, {});
  assert.deepEqual(
    parseFlags(['--cluster-id=a', '--aws-rate-limits=cloudwatch:PutMetricAlarm=10/20, ec2:describe=40,route53:GetChange=2.5'], {}).awsRateLimits,
    {
      'cloudwatch:PutMetricAlarm': { ratePerSec: 10, burst: 20 },
      'ec2:describe': { ratePerSec: 40, burst: 40 },
      'route53:GetChange': { ratePerSec: 2.5, burst: 3 },
    },
  );
  assert.deepEqual(parseFlags(['--cluster-id=a'], { MRC_AWS_RATE_LIMITS: 'rds=30/60' }).awsRateLimits, { rds: { ratePerSec: 30, burst: 60 } });
  for (const bad of ['cloudwatch:PutMetricAlam=10', 'ec2:describe=fast', 'ec2:describe', 'ec2:describe=0', 'ec2=10/-1']) {
    assert.throws(() => parseFlags(['--cluster-id=a', `--aws-rate-limits=${bad}`], {}), /--aws-rate-limits/, bad);
  }
  assert.match(USAGE, /--aws-rate-limits [\s\S]*\[MRC_AWS_RATE_LIMITS\]/);
});
