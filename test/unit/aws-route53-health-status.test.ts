import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunk, healthQueries, MAX_QUERIES_PER_CALL, sampleOf } from '../../src/aws/cloudwatch/health-status.ts';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

test('sampleOf: the newest datapoint decides, stale or missing data is Unknown', () => {
  const cases = [
    { reason: 'no result at all', result: undefined, want: { health: 'Unknown', value: undefined } },
    { reason: 'no datapoints', result: { Values: [], Timestamps: [] }, want: { health: 'Unknown', value: undefined } },
    { reason: 'fresh 1', result: { Values: [1], Timestamps: [ago(60)] }, want: { health: 'Healthy', value: 1, timestamp: ago(60) } },
    { reason: 'fresh 0', result: { Values: [0], Timestamps: [ago(60)] }, want: { health: 'Unhealthy', value: 0, timestamp: ago(60) } },
    { reason: 'a partly failing minute (Minimum < 1) is unhealthy', result: { Values: [0.5], Timestamps: [ago(60)] }, want: { health: 'Unhealthy', value: 0, timestamp: ago(60) } },
    { reason: 'newest wins whatever the order (descending)', result: { Values: [0, 1], Timestamps: [ago(60), ago(120)] }, want: { health: 'Unhealthy', value: 0, timestamp: ago(60) } },
    { reason: 'newest wins whatever the order (ascending)', result: { Values: [0, 1], Timestamps: [ago(120), ago(60)] }, want: { health: 'Healthy', value: 1, timestamp: ago(60) } },
    { reason: 'older than staleAfter: Unknown, but the value is kept', result: { Values: [1], Timestamps: [ago(301)] }, want: { health: 'Unknown', value: 1, timestamp: ago(301) } },
  ];
  for (const c of cases) assert.deepEqual(sampleOf(c.result, now, 300), c.want, c.reason);
});

test('healthQueries: one Minimum MetricStat per check on AWS/Route53 HealthCheckStatus', () => {
  const q = healthQueries(['a', 'b'], 60);
  assert.deepEqual(q.map((x) => x.Id), ['h0', 'h1']);
  assert.deepEqual(q[1]?.MetricStat, {
    Metric: { Namespace: 'AWS/Route53', MetricName: 'HealthCheckStatus', Dimensions: [{ Name: 'HealthCheckId', Value: 'b' }] },
    Period: 60,
    Stat: 'Minimum',
  });
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
    assert.deepEqual(parts.map((p) => p.length), c.want, `${c.n} by ${c.size}`);
    assert.deepEqual(parts.flat(), items);
  }
});
