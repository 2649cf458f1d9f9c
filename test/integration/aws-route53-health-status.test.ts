// Health from CloudWatch's AWS/Route53 HealthCheckStatus metric in moto (moto accepts
// PutMetricData into the AWS/ namespace, which AWS itself refuses: that is how the tests stand
// in for Route 53's checkers). Many checks cost few GetMetricData calls, and Route 53 is
// never asked (GetHealthCheckStatus is limited to 1 call/s per account).
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { MotoBed } from './moto-bed.ts';
import { HealthObserver, MAX_QUERIES_PER_CALL } from '../../src/aws/cloudwatch/health-status.ts';
import { cloudwatchClient, watchCalls } from './aws-route53-fixtures.ts';

const bed = new MotoBed();
let cw: CloudWatchClient;

beforeEach(() => {
  cw = bed.perTest(cloudwatchClient(bed.endpoint, 'us-east-1'));
});

const datum = (id: string, value: number, secondsAgo: number): MetricDatum => ({
  MetricName: 'HealthCheckStatus',
  Dimensions: [{ Name: 'HealthCheckId', Value: id }],
  Value: value,
  Timestamp: new Date(Date.now() - secondsAgo * 1000),
});

async function put(data: MetricDatum[]): Promise<void> {
  for (let i = 0; i < data.length; i += 500) {
    await cw.send(new PutMetricDataCommand({ Namespace: 'AWS/Route53', MetricData: data.slice(i, i + 500) }));
  }
}

test('the newest minute decides: healthy, unhealthy, recovered, stale and silent checks', async () => {
  await put([
    datum('hc-healthy', 1, 90),
    datum('hc-down', 1, 150),
    datum('hc-down', 0, 30),
    datum('hc-recovered', 0, 150),
    datum('hc-recovered', 1, 30),
    datum('hc-stale', 1, 500),
  ]);
  const observer = new HealthObserver(cw, { staleAfterSeconds: 300, lookbackSeconds: 900 });
  const got = await observer.observe(['hc-healthy', 'hc-down', 'hc-recovered', 'hc-stale', 'hc-silent']);
  const view = Object.fromEntries([...got].map(([id, s]) => [id, `${s.health}:${s.value}`]));
  assert.deepEqual(view, {
    'hc-healthy': 'Healthy:1',
    'hc-down': 'Unhealthy:0',
    'hc-recovered': 'Healthy:1',
    'hc-stale': 'Unknown:1',
    'hc-silent': 'Unknown:undefined',
  });
  assert.ok(got.get('hc-down')?.timestamp instanceof Date);
});

test('1,001 checks cost three GetMetricData calls', async () => {
  const ids = Array.from({ length: 1001 }, (_, i) => `hc-${i}`);
  await put(ids.map((id, i) => datum(id, i % 2, 60)));
  const calls = watchCalls(cw);
  // A short look-back keeps moto's per-period scan of every datapoint quick.
  const got = await new HealthObserver(cw, { lookbackSeconds: 180 }).observe([...ids, 'hc-0']);
  assert.equal(calls.count('GetMetricData'), Math.ceil(ids.length / MAX_QUERIES_PER_CALL));
  assert.equal(got.size, ids.length, 'duplicates asked once');
  assert.equal(got.get('hc-0')?.health, 'Unhealthy');
  assert.equal(got.get('hc-1')?.health, 'Healthy');
  assert.equal(got.get('hc-1000')?.health, 'Unhealthy');
  assert.equal([...got.values()].filter((s) => s.health === 'Healthy').length, 500);
});
