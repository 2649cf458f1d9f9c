// Health from CloudWatch's AWS/Route53 HealthCheckStatus metric in moto (moto accepts
// PutMetricData into the AWS/ namespace, which AWS itself refuses: that is how the tests stand
// in for Route 53's checkers). Many checks cost few GetMetricData calls, and Route 53 is
// never asked (GetHealthCheckStatus is limited to 1 call/s per account).
// moto 5.2.1 computes Average over every datapoint of a period (MetricStat, not metric math),
// which is what the health judgement reads: a period's healthy share.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { beforeEach, test } from 'node:test';
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { FailoverPolicyStatus } from '../../src/api/types.ts';
import { HealthObserver, MAX_QUERIES_PER_CALL } from '../../src/aws/cloudwatch/health-status.ts';
import type { AwsClients } from '../../src/aws/types.ts';
import type { MachineSpec, Work } from '../../src/controllers/failover-policy/failover-machine.ts';
import { findTrigger } from '../../src/controllers/failover-policy/failover-trigger.ts';
import { HealthBoard } from '../../src/controllers/failover-policy/health-board.ts';
import { sideHealth } from '../../src/controllers/failover-policy/sync.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { cloudwatchClient, watchCalls } from './aws-route53-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
let cw: CloudWatchClient;

beforeEach(() => {
  cw = bed.perTest(cloudwatchClient(bed.endpoint, 'us-east-1'));
});

const datum = (id: string, value: number, secondsAgo: number, from = Date.now()): MetricDatum => ({
  MetricName: 'HealthCheckStatus',
  Dimensions: [{ Name: 'HealthCheckId', Value: id }],
  Value: value,
  Timestamp: new Date(from - secondsAgo * 1000),
});

async function put(data: MetricDatum[]): Promise<void> {
  for (let i = 0; i < data.length; i += 500) {
    await cw.send(new PutMetricDataCommand({ Namespace: 'AWS/Route53', MetricData: data.slice(i, i + 500) }));
  }
}

test('the newest whole minute decides: healthy, unhealthy, recovered, stale and silent checks', async () => {
  // Relative to a whole minute: the minute still running is never judged.
  const T = Math.floor(Date.now() / 60_000) * 60_000;
  await put([
    datum('hc-healthy', 1, 90, T),
    datum('hc-down', 1, 150, T),
    datum('hc-down', 0, 30, T),
    datum('hc-recovered', 0, 150, T),
    datum('hc-recovered', 1, 30, T),
    datum('hc-stale', 1, 500, T),
    datum('hc-healthy', 0, -10, T),
  ]);
  const observer = new HealthObserver(cw, { staleAfterSeconds: 300, lookbackSeconds: 900, now: () => new Date(T + 20_000) });
  const got = await observer.observe(['hc-healthy', 'hc-down', 'hc-recovered', 'hc-stale', 'hc-silent']);
  const view = Object.fromEntries([...got].map(([id, s]) => [id, `${s.health}:${s.healthyShare}`]));
  assert.deepEqual(view, {
    'hc-healthy': 'Healthy:1',
    'hc-down': 'Unhealthy:0',
    'hc-recovered': 'Healthy:1',
    'hc-stale': 'Unknown:1',
    'hc-silent': 'Unknown:undefined',
  });
  assert.ok(got.get('hc-down')?.timestamp instanceof Date);
});

test('1,001 checks cost five GetMetricData calls (two queries a check, 500 a call)', async () => {
  const ids = Array.from({ length: 1001 }, (_, i) => `hc-${i}`);
  await put(ids.map((id, i) => datum(id, i % 2, 60)));
  const calls = watchCalls(cw);
  // A short look-back keeps moto's per-period scan of every datapoint quick.
  const got = await new HealthObserver(cw, { lookbackSeconds: 180 }).observe([...ids, 'hc-0']);
  assert.equal(calls.count('GetMetricData'), Math.ceil(ids.length / (MAX_QUERIES_PER_CALL / 2)));
  assert.equal(got.size, ids.length, 'duplicates asked once');
  assert.equal(got.get('hc-0')?.health, 'Unhealthy');
  assert.equal(got.get('hc-1')?.health, 'Healthy');
  assert.equal(got.get('hc-1000')?.health, 'Unhealthy');
  assert.equal([...got.values()].filter((s) => s.health === 'Healthy').length, 500);
});

// Route 53's checkers as a series: one probe every 20 s from `fromMs` to `toMs` (exclusive).
const MIN = 60_000;
function series(id: string, fromMs: number, toMs: number, valueAt: (ms: number, k: number) => number): MetricDatum[] {
  const out: MetricDatum[] = [];
  for (let ms = fromMs, k = 0; ms < toMs; ms += 20_000, k++) {
    out.push({ MetricName: 'HealthCheckStatus', Dimensions: [{ Name: 'HealthCheckId', Value: id }], Value: valueAt(ms, k), Timestamp: new Date(ms) });
  }
  return out;
}

test('a check flapping every 20 s is not Unhealthy; a dead one is', async () => {
  // Whole minutes in the past, so each judged minute holds exactly three probes.
  const T = Math.floor(Date.now() / MIN) * MIN;
  const from = T - 5 * MIN + 10_000;
  await put([
    ...series('hc-flap', from, T, (_, k) => k % 2),
    ...series('hc-dead', from, T, (ms) => (ms < T - 3 * MIN ? 1 : 0)),
    ...series('hc-up', from, T, () => 1),
  ]);
  const got = await new HealthObserver(cw, { now: () => new Date(T + 5_000) }).observe(['hc-flap', 'hc-dead', 'hc-up']);
  const flap = got.get('hc-flap');
  assert.equal(flap?.health, 'Unknown', 'flapping: neither healthy nor unhealthy');
  const share = flap?.healthyShare ?? Number.NaN;
  assert.ok(
    [1 / 3, 2 / 3].some((x) => Math.abs(share - x) < 1e-9),
    `moto averages the three probes of the minute: ${share}`,
  );
  assert.deepEqual({ health: got.get('hc-dead')?.health, share: got.get('hc-dead')?.healthyShare }, { health: 'Unhealthy', share: 0 });
  assert.deepEqual({ health: got.get('hc-up')?.health, share: got.get('hc-up')?.healthyShare }, { health: 'Healthy', share: 1 });
});

test('through the board into the trigger: no failover on a flapping primary, failover on a dead one in time', async () => {
  const A = 'us-east-1';
  const B = 'us-west-2';
  const T = Math.floor(Date.now() / MIN) * MIN;
  const dies = T - 8 * MIN + 20_000;
  await put([
    ...series('hc-flap', T - 20 * MIN, T, (_, k) => k % 2),
    ...series('hc-dead', T - 20 * MIN, T, (ms) => (ms < dies ? 1 : 0)),
    ...series('hc-standby', T - 20 * MIN, T, () => 1),
  ]);
  let nowMs = T - 10 * MIN + 5_000;
  const aws = { cloudwatch: () => cw } as unknown as AwsClients;
  const board = new HealthBoard(
    aws,
    () => {},
    createLogger({ level: 'error', stream: new PassThrough() }),
    () => new Date(nowMs),
    { intervalMs: 30_000 },
  );
  const policies = { flapping: 'hc-flap', dead: 'hc-dead' } as const;
  for (const [name, primary] of Object.entries(policies)) board.watch(`apps/${name}`, { region: A }, [primary, 'hc-standby']);

  const unhealthyForSeconds = 60;
  const spec = {
    database: {
      engine: 'postgres',
      primary: { region: A, instanceIdentifier: 'db' },
      replica: { region: B, instanceIdentifier: 'db-replica' },
      maxReplicaLagSeconds: 60,
      connectionSecret: { name: 'db' },
    },
    failover: { mode: 'Automatic', unhealthyForSeconds, failback: 'Manual', promoteWhenFenceUnconfirmed: false, failbackMaxAttemptsPerDay: 3 },
    deletionPolicy: 'Delete',
  } as unknown as MachineSpec;
  const s = { activeRegion: A, database: { writer: { region: A, identifier: 'db' } } } as Work['s'];
  const prev: Record<string, FailoverPolicyStatus['health']> = {};
  const firstTrigger: Record<string, number> = {};
  const seen: Record<string, Set<string>> = { flapping: new Set(), dead: new Set() };

  // The reconcile's view every 30 s, as the health loop and sync.ts build it.
  for (; nowMs <= T + 5_000; nowMs += 30_000) {
    await board.poll();
    for (const [name, primary] of Object.entries(policies)) {
      const now = new Date(nowMs).toISOString();
      const h = sideHealth(board, { primary, secondary: 'hc-standby' }, prev[name], now);
      prev[name] = { primary: h.primary.state, secondary: h.secondary.state, primarySince: h.primary.since, secondarySince: h.secondary.since };
      seen[name]!.add(h.primary.state);
      const obs = { now, health: { [A]: h.primary, [B]: h.secondary }, dns: { recordsInPlace: true, healthChecksInPlace: true } };
      const t = findTrigger(spec, s, obs, nowMs);
      if (t && 'to' in t && firstTrigger[name] === undefined) firstTrigger[name] = nowMs;
    }
  }
  assert.equal(firstTrigger.flapping, undefined, `a flapping primary never starts a failover (it read ${[...seen.flapping!].join(', ')})`);
  assert.ok(!seen.flapping!.has('Unhealthy'), 'flapping never reads Unhealthy');
  assert.ok(firstTrigger.dead !== undefined, 'a dead primary starts a failover');
  // Unhealthy from the first whole minute after it died, then unhealthyForSeconds, then the next poll.
  const late = (firstTrigger.dead! - dies) / 1000;
  assert.ok(late <= unhealthyForSeconds + 120 + 30, `failover ${late} s after the region died`);
  assert.ok(late >= unhealthyForSeconds, `not before unhealthyForSeconds (${late} s)`);
});
