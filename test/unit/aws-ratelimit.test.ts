import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketsForCall, familyOf, limitOf, RateLimiter, recordChangeCost, TokenBucket } from '../../src/aws/ratelimit.ts';

const families: { service: string; operation: string; want: string }[] = [
  { service: 'ec2', operation: 'DescribeTransitGateways', want: 'ec2:describe' },
  { service: 'ec2', operation: 'GetTransitGatewayRouteTableAssociations', want: 'ec2:describe' },
  { service: 'ec2', operation: 'SearchTransitGatewayRoutes', want: 'ec2:describe' },
  { service: 'ec2', operation: 'CreateTransitGatewayPeeringAttachment', want: 'ec2:mutate' },
  { service: 'ec2', operation: 'CreateTags', want: 'ec2:mutate' },
  { service: 'ec2', operation: 'AcceptTransitGatewayPeeringAttachment', want: 'ec2:mutate' },
  { service: 'route53', operation: 'ChangeResourceRecordSets', want: 'route53:ChangeResourceRecordSets' },
  { service: 'route53', operation: 'CreateHealthCheck', want: 'route53:CreateHealthCheck' },
  { service: 'rds', operation: 'PromoteReadReplica', want: 'rds' },
  { service: 'cloudwatch', operation: 'PutMetricAlarm', want: 'cloudwatch:PutMetricAlarm' },
  { service: 'cloudwatch', operation: 'GetMetricData', want: 'cloudwatch:GetMetricData' },
  { service: 'cloudwatch', operation: 'ListTagsForResource', want: 'cloudwatch' },
  { service: 'logs', operation: 'PutQueryDefinition', want: 'logs' },
  { service: 'logs', operation: 'DescribeLogGroups', want: 'logs:DescribeLogGroups' },
  { service: 'sts', operation: 'AssumeRole', want: 'sts' },
];

for (const c of families) {
  test(`familyOf(${c.service}, ${c.operation}) = ${c.want}`, () => {
    assert.equal(familyOf(c.service, c.operation), c.want);
  });
}

const limits: { family: string; rate: number; burst: number }[] = [
  { family: 'route53', rate: 10, burst: 50 },
  { family: 'route53:ListHostedZones', rate: 10, burst: 50 },
  { family: 'route53:CreateHealthCheck', rate: 0.5, burst: 50 },
  { family: 'route53:records', rate: 100, burst: 1500 },
  { family: 'ec2:describe', rate: 20, burst: 100 },
  { family: 'ec2:mutate', rate: 5, burst: 200 },
  { family: 'rds', rate: 12, burst: 300 },
  { family: 'cloudwatch:PutMetricAlarm', rate: 3, burst: 3 },
  { family: 'cloudwatch:GetMetricData', rate: 50, burst: 50 },
  { family: 'logs', rate: 5, burst: 5 },
  { family: 'sts', rate: 50, burst: 50 },
  { family: 'somethingnew:Op', rate: 5, burst: 10 },
];

for (const c of limits) {
  test(`limitOf(${c.family}) follows the published limit`, () => {
    assert.deepEqual(limitOf(c.family), { ratePerSec: c.rate, burst: c.burst });
  });
}

test('limitOf prefers overrides, by family then by service', () => {
  assert.deepEqual(limitOf('rds', { rds: { ratePerSec: 1, burst: 2 } }), { ratePerSec: 1, burst: 2 });
  assert.deepEqual(limitOf('logs:CreateLogGroup', { logs: { ratePerSec: 7, burst: 7 } }), { ratePerSec: 7, burst: 7 });
});

const costs: { reason: string; input: unknown; want: number }[] = [
  { reason: 'UPSERT counts twice', input: { ChangeBatch: { Changes: [{ Action: 'UPSERT' }, { Action: 'UPSERT' }] } }, want: 4 },
  { reason: 'CREATE and DELETE count once', input: { ChangeBatch: { Changes: [{ Action: 'CREATE' }, { Action: 'DELETE' }, { Action: 'UPSERT' }] } }, want: 4 },
  { reason: 'an empty batch still costs a token', input: { ChangeBatch: { Changes: [] } }, want: 1 },
  { reason: 'no input at all', input: undefined, want: 1 },
];

for (const c of costs) {
  test(`recordChangeCost: ${c.reason}`, () => {
    assert.equal(recordChangeCost(c.input), c.want);
  });
}

const calls: { service: string; operation: string; input?: unknown; want: [string, number][] }[] = [
  { service: 'ec2', operation: 'DescribeVpcs', want: [['ec2:describe', 1]] },
  {
    service: 'route53',
    operation: 'GetHostedZone',
    want: [
      ['route53:GetHostedZone', 1],
      ['route53', 1],
    ],
  },
  {
    service: 'route53',
    operation: 'ChangeResourceRecordSets',
    input: { ChangeBatch: { Changes: [{ Action: 'UPSERT' }, { Action: 'DELETE' }] } },
    want: [
      ['route53:ChangeResourceRecordSets', 1],
      ['route53', 1],
      ['route53:records', 3],
    ],
  },
];

for (const c of calls) {
  test(`bucketsForCall(${c.service}, ${c.operation}) draws from every bucket it must`, () => {
    assert.deepEqual(
      bucketsForCall(c.service, c.operation, c.input).map((b) => [b.family, b.cost]),
      c.want,
    );
  });
}

test('a bucket serves its burst at once, then one token per 1/rate', () => {
  const b = new TokenBucket({ ratePerSec: 10, burst: 3 }, 0);
  assert.deepEqual([b.reserve(1, 0), b.reserve(1, 0), b.reserve(1, 0)], [0, 0, 0]);
  assert.equal(b.reserve(1, 0), 100);
  assert.equal(b.reserve(1, 0), 200, 'the second waiter queues behind the first');
  // 500 ms later the debt (2) is repaid and 3 more tokens are earned, capped at burst.
  assert.equal(b.tokensAt(500), 3);
});

test('tokens never exceed the burst however long the bucket idles', () => {
  const b = new TokenBucket({ ratePerSec: 5, burst: 4 }, 0);
  assert.equal(b.tokensAt(3_600_000), 4);
});

test('a cost above the burst is clamped so it can still be served', () => {
  const b = new TokenBucket({ ratePerSec: 100, burst: 1500 }, 0);
  assert.equal(b.reserve(2000, 0), 0);
  assert.equal(b.tokensAt(0), 0);
});

test('a throttle halves the rate, drops saved tokens, holds, then recovers linearly', () => {
  const b = new TokenBucket({ ratePerSec: 10, burst: 10 }, 0);
  b.slowDown(1000);
  assert.equal(b.rateAt(1000), 5);
  assert.equal(b.tokensAt(1000), 0);
  assert.equal(b.rateAt(11_000), 5, 'held for 10 s');
  assert.equal(b.rateAt(15_000), 7, '+5% of the limit per second after the hold');
  assert.equal(b.rateAt(60_000), 10, 'never above the limit');
});

test('throttles arriving together halve once; later ones halve again down to a floor', () => {
  const b = new TokenBucket({ ratePerSec: 32, burst: 32 }, 0);
  b.slowDown(0);
  b.slowDown(10);
  b.slowDown(500);
  assert.equal(b.rateAt(500), 16);
  for (let t = 1000; t <= 10_000; t += 1000) b.slowDown(t);
  assert.equal(b.rateAt(10_000), 1, 'floor is 1/32 of the limit');
});

/** True when the promise is already settled (resolves before the next macrotask). */
async function servedAtOnce(p: Promise<void>): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
}

test('the limiter keys buckets by (account, family) and refills from the injected clock', async () => {
  let now = 0;
  const limiter = new RateLimiter({ now: () => now, limits: { sts: { ratePerSec: 1, burst: 1 } } });
  assert.equal(await servedAtOnce(limiter.take('111111111111', 'sts')), true, 'burst');
  assert.equal(await servedAtOnce(limiter.take('222222222222', 'sts')), true, 'another account has its own bucket');
  assert.equal(await servedAtOnce(limiter.take('111111111111', 'rds')), true, 'another family has its own bucket');
  now = 400;
  assert.equal(await servedAtOnce(limiter.take('111111111111', 'sts')), false, 'empty until 1 s has passed');
  now = 3000;
  assert.equal(await servedAtOnce(limiter.take('111111111111', 'sts')), true, 'refilled');
  limiter.slowDown('111111111111', 'sts');
  assert.equal(limiter.rateOf('111111111111', 'sts'), 0.5);
  assert.equal(limiter.rateOf('222222222222', 'sts'), 1, 'another account is not slowed');
});

test('takeAll waits for the slowest bucket', async () => {
  const limiter = new RateLimiter({ limits: { a: { ratePerSec: 1000, burst: 1 }, b: { ratePerSec: 50, burst: 1 } } });
  await limiter.takeAll('k', [
    { family: 'a', cost: 1 },
    { family: 'b', cost: 1 },
  ]);
  const started = performance.now();
  await limiter.takeAll('k', [
    { family: 'a', cost: 1 },
    { family: 'b', cost: 1 },
  ]);
  const waited = performance.now() - started;
  assert.ok(waited >= 15, `waited ${waited} ms, expected about 20 ms for bucket b`);
});

test('a pending take does not keep the process alive', async () => {
  const { spawnSync } = await import('node:child_process');
  const src = `import { RateLimiter } from ${JSON.stringify(new URL('../../src/aws/ratelimit.ts', import.meta.url).href)};
const l = new RateLimiter({ limits: { x: { ratePerSec: 0.001, burst: 1 } } });
await l.take('k', 'x'); l.take('k', 'x').then(() => console.log('served'));`;
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', src], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.ok(performance.now() - started < 15_000);
});
