import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunk, healthQueries, judgeShare, MAX_QUERIES_PER_CALL, MIN_PARTIAL_SAMPLES, queryWindow, sampleOf } from '../../src/aws/cloudwatch/health-status.ts';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

test('sampleOf: the newest period decides, stale or missing data is Unknown', () => {
  const cases = [
    { reason: 'no result at all', result: undefined, want: { health: 'Unknown', healthyShare: undefined } },
    { reason: 'no datapoints', result: { Values: [], Timestamps: [] }, want: { health: 'Unknown', healthyShare: undefined } },
    { reason: 'fresh 1', result: { Values: [1], Timestamps: [ago(60)] }, want: { health: 'Healthy', healthyShare: 1, timestamp: ago(60) } },
    { reason: 'fresh 0', result: { Values: [0], Timestamps: [ago(60)] }, want: { health: 'Unhealthy', healthyShare: 0, timestamp: ago(60) } },
    {
      reason: 'a minute half down is flapping, not Unhealthy',
      result: { Values: [0.5], Timestamps: [ago(60)] },
      want: { health: 'Unknown', healthyShare: 0.5, timestamp: ago(60) },
    },
    {
      reason: 'newest wins whatever the order (descending)',
      result: { Values: [0, 1], Timestamps: [ago(60), ago(120)] },
      want: { health: 'Unhealthy', healthyShare: 0, timestamp: ago(60) },
    },
    {
      reason: 'newest wins whatever the order (ascending)',
      result: { Values: [0, 1], Timestamps: [ago(120), ago(60)] },
      want: { health: 'Healthy', healthyShare: 1, timestamp: ago(60) },
    },
    {
      reason: 'older than staleAfter: Unknown, but the share is kept',
      result: { Values: [1], Timestamps: [ago(301)] },
      want: { health: 'Unknown', healthyShare: 1, timestamp: ago(301) },
    },
  ];
  for (const c of cases) assert.deepEqual(sampleOf(c.result, now, 300), c.want, c.reason);
});

test('judgeShare: the healthy share of a period, with a flapping band between the thresholds', () => {
  const cases: Array<{ share: number; want: string; reason: string }> = [
    { share: 0, want: 'Unhealthy', reason: 'down the whole period: a dead region' },
    { share: 0.2, want: 'Unhealthy', reason: 'down 48 s of the minute is still down' },
    { share: 0.21, want: 'Unknown', reason: 'just above the unhealthy threshold' },
    { share: 1 / 3, want: 'Unknown', reason: 'flapping every 20 s: 1 of 3 probes healthy' },
    { share: 0.5, want: 'Unknown', reason: 'flapping, half and half' },
    { share: 2 / 3, want: 'Unknown', reason: 'flapping every 20 s: 2 of 3 probes healthy' },
    { share: 0.79, want: 'Unknown', reason: 'just below the healthy threshold' },
    { share: 0.8, want: 'Healthy', reason: 'a missed probe or two is not an outage' },
    { share: 1, want: 'Healthy', reason: 'up the whole period' },
  ];
  for (const c of cases) assert.equal(judgeShare(c.share), c.want, c.reason);
});

test('queryWindow: whole periods from an aligned StartTime, up to now (the running period included)', () => {
  const cases = [
    { reason: 'mid-minute', at: '2026-01-01T12:00:42.123Z', period: 60, lookback: 600, want: ['2026-01-01T11:50:00.000Z', '2026-01-01T12:00:42.123Z'] },
    { reason: 'on the minute', at: '2026-01-01T12:00:00.000Z', period: 60, lookback: 600, want: ['2026-01-01T11:50:00.000Z', '2026-01-01T12:00:00.000Z'] },
    {
      reason: 'lookback rounded up to whole periods',
      at: '2026-01-01T12:03:10Z',
      period: 120,
      lookback: 300,
      want: ['2026-01-01T11:56:00.000Z', '2026-01-01T12:03:10.000Z'],
    },
  ];
  for (const c of cases) {
    const w = queryWindow(new Date(c.at), c.period, c.lookback);
    assert.deepEqual([w.start.toISOString(), w.end.toISOString()], c.want, c.reason);
  }
});

test('sampleOf: a running period counts once it holds MIN_PARTIAL_SAMPLES probes, else the last complete one speaks', () => {
  const now = new Date('2026-01-01T12:00:30Z');
  const prev = new Date('2026-01-01T11:59:00Z');
  const cur = new Date('2026-01-01T12:00:00Z');
  const avg = { Values: [1, 0], Timestamps: [prev, cur] };
  const cases = [
    { reason: 'one probe so far: the complete minute decides', n: 1, want: 'Healthy' },
    { reason: 'two probes: still the complete minute', n: MIN_PARTIAL_SAMPLES - 1, want: 'Healthy' },
    { reason: 'enough probes: the running minute decides', n: MIN_PARTIAL_SAMPLES, want: 'Unhealthy' },
  ];
  for (const c of cases) {
    const got = sampleOf(avg, now, 300, { Values: [20, c.n], Timestamps: [prev, cur] }, 60);
    assert.equal(got.health, c.want, c.reason);
  }
  assert.equal(
    sampleOf(avg, new Date('2026-01-01T12:01:30Z'), 300, { Values: [20, 1], Timestamps: [prev, cur] }, 60).health,
    'Unhealthy',
    'a finished period counts whatever its count',
  );
});

test('healthQueries: an Average and a SampleCount MetricStat per check on AWS/Route53 HealthCheckStatus', () => {
  const q = healthQueries(['a', 'b'], 60);
  assert.deepEqual(
    q.map((x) => x.Id),
    ['h0', 'n0', 'h1', 'n1'],
  );
  const metric = { Namespace: 'AWS/Route53', MetricName: 'HealthCheckStatus', Dimensions: [{ Name: 'HealthCheckId', Value: 'b' }] };
  assert.deepEqual(q[2]?.MetricStat, { Metric: metric, Period: 60, Stat: 'Average' });
  assert.deepEqual(q[3]?.MetricStat, { Metric: metric, Period: 60, Stat: 'SampleCount' });
  assert.ok(q.length <= MAX_QUERIES_PER_CALL);
  for (const x of q) assert.match(x.Id ?? '', /^[a-z][a-zA-Z0-9_]*$/, 'GetMetricData ids start with a lower-case letter');
});

test('chunk keeps every item and never exceeds the size', () => {
  const cases = [
    { n: 0, size: 500, want: [] },
    { n: 500, size: 500, want: [500] },
    { n: 1201, size: MAX_QUERIES_PER_CALL, want: [500, 500, 201] },
  ];
  for (const c of cases) {
    const items = Array.from({ length: c.n }, (_, i) => i);
    const parts = chunk(items, c.size);
    assert.deepEqual(
      parts.map((p) => p.length),
      c.want,
      `${c.n} by ${c.size}`,
    );
    assert.deepEqual(parts.flat(), items);
  }
});
