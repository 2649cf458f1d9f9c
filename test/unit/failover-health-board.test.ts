// HealthBoard ages what it knows: when GetMetricData keeps failing, an entry older than the age
// limit reads Unknown (so the failover clock stops counting on data nobody sees) and the policies
// watching it are enqueued so status and metrics show it.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../../src/aws/types.ts';
import { HealthBoard } from '../../src/controllers/failover-policy/health-board.ts';
import { createLogger } from '../../src/runtime/logger.ts';

const T0 = Date.parse('2026-01-01T12:00:30Z');

/** A CloudWatch that answers every check with `share` for the last whole minute, or fails; each read takes `readMs`. */
function fakeCloudWatch(now: () => Date, readMs = 0) {
  const state = { share: 1 as number, failing: false, calls: 0, sentAt: [] as number[] };
  const client = {
    send: async (cmd: GetMetricDataCommand) => {
      state.calls++;
      state.sentAt.push(now().getTime());
      if (readMs > 0) await new Promise((r) => setTimeout(r, readMs));
      if (state.failing) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
      const minute = Math.floor(now().getTime() / 60_000) * 60_000 - 60_000;
      return { MetricDataResults: (cmd.input.MetricDataQueries ?? []).map((q) => ({ Id: q.Id, Values: [state.share], Timestamps: [new Date(minute)] })) };
    },
  };
  return { state, client: client as unknown as CloudWatchClient };
}

function setup(intervalMs?: number) {
  let nowMs = T0;
  const now = () => new Date(nowMs);
  const cw = fakeCloudWatch(now);
  const aws = { cloudwatch: () => cw.client } as unknown as AwsClients;
  const changed: string[] = [];
  let failures = 0;
  const log = createLogger({ level: 'error', stream: new PassThrough() });
  const board = new HealthBoard(aws, (k) => changed.push(k), log, now, { ...(intervalMs !== undefined && { intervalMs }), onObserveFailure: () => failures++ });
  board.watch('apps/orders', { region: 'us-east-1' }, ['hc-a', 'hc-b']);
  board.watch('apps/billing', { region: 'us-east-1' }, ['hc-c']);
  return {
    board,
    cw,
    changed,
    failures: () => failures,
    at: (secondsAfterT0: number) => void (nowMs = T0 + secondsAfterT0 * 1000),
    iso: (secondsAfterT0: number) => new Date(T0 + secondsAfterT0 * 1000).toISOString(),
  };
}

test('age limit: three observation intervals, never under 60 s', () => {
  const cases = [
    { intervalMs: 1_000, want: 60_000, reason: 'a 1 s interval would flap on any hiccup: the floor holds' },
    { intervalMs: 20_000, want: 60_000, reason: 'three intervals (60 s) equal the floor' },
    { intervalMs: 30_000, want: 90_000, reason: 'the default interval: 90 s' },
    { intervalMs: 120_000, want: 360_000, reason: 'slow polling: three intervals' },
  ];
  for (const c of cases) assert.equal(setup(c.intervalMs).board.ageLimitMs, c.want, c.reason);
});

test('an entry nobody could confirm for longer than the limit reads Unknown, and its policies are enqueued once', async () => {
  const t = setup(30_000);
  await t.board.poll();
  assert.deepEqual(t.board.get('hc-a'), { health: 'Healthy', since: t.iso(0) });
  assert.deepEqual(t.changed.sort(), ['apps/billing', 'apps/orders']);
  t.changed.length = 0;
  for (const sec of [60, 120, 180]) {
    t.at(sec);
    await t.board.poll();
  }
  assert.deepEqual(t.board.get('hc-a'), { health: 'Healthy', since: t.iso(0) }, 'confirmed passes keep since and refresh the age');
  assert.deepEqual(t.changed, []);

  t.cw.state.failing = true;
  t.at(210);
  await t.board.poll();
  assert.deepEqual(t.changed.sort(), ['apps/billing', 'apps/orders'], 'the first failure enqueues its policies: a pass says what it finds');
  assert.deepEqual(t.board.get('hc-a'), { health: 'Healthy', since: t.iso(0) }, 'one failure changes no health');
  t.changed.length = 0;
  t.at(240);
  await t.board.poll();
  t.at(270);
  await t.board.poll();
  assert.deepEqual(t.board.get('hc-a'), { health: 'Healthy', since: t.iso(0) }, 'at the limit: still the last value');
  assert.deepEqual(t.changed, [], 'later failures: not enqueued again until the limit');

  t.at(271);
  assert.deepEqual(t.board.get('hc-a'), { health: 'Unknown', since: t.iso(270) }, 'get() ages on its own, between polls');
  assert.equal(t.failures(), 3, 'each failed pass counted');
  t.at(300);
  await t.board.poll();
  for (const id of ['hc-a', 'hc-b', 'hc-c']) assert.deepEqual(t.board.get(id), { health: 'Unknown', since: t.iso(270) }, id);
  assert.deepEqual(t.changed.sort(), ['apps/billing', 'apps/orders'], 'every policy watching an aged check is enqueued');

  t.changed.length = 0;
  t.at(330);
  await t.board.poll();
  assert.deepEqual(t.changed, [], 'already Unknown: not enqueued again');
  assert.equal(t.failures(), 5);
});

test('after a gap, the same health starts a new since (the gap is not counted as held)', async () => {
  const t = setup(30_000);
  t.cw.state.share = 0;
  await t.board.poll();
  assert.deepEqual(t.board.get('hc-a'), { health: 'Unhealthy', since: t.iso(0) });
  t.cw.state.failing = true;
  t.at(100);
  assert.equal(t.board.get('hc-a')?.health, 'Unknown');
  t.cw.state.failing = false;
  t.changed.length = 0;
  await t.board.poll();
  assert.deepEqual(t.board.get('hc-a'), { health: 'Unhealthy', since: t.iso(100) }, 'not since 0: nobody saw it in between');
  assert.deepEqual(t.changed.sort(), ['apps/billing', 'apps/orders']);
});

test('start() sets the interval the limit is counted in', async () => {
  const t = setup();
  const stop = t.board.start(10_000);
  await stop();
  assert.equal(t.board.ageLimitMs, 60_000);
  const u = setup();
  await u.board.start(45_000)();
  assert.equal(u.board.ageLimitMs, 135_000);
});

test('observation failing: its policies hear of it once per outage, again after a success', async () => {
  const t = setup(30_000);
  await t.board.poll();
  t.changed.length = 0;
  const rounds: string[][] = [];
  for (const [sec, failing] of [
    [30, true],
    [40, true],
    [50, false],
    [60, true],
  ] as const) {
    t.cw.state.failing = failing;
    t.at(sec);
    await t.board.poll();
    rounds.push(t.changed.splice(0).sort());
  }
  assert.deepEqual(rounds, [['apps/billing', 'apps/orders'], [], [], ['apps/billing', 'apps/orders']]);
  assert.equal(t.board.get('hc-a')?.health, 'Healthy', 'failures within the limit change no health');
});

test('an account nobody watches any more is forgotten: a policy watching it later hears of a failure still going on', async () => {
  const t = setup(30_000);
  await t.board.poll();
  t.cw.state.failing = true;
  t.at(10);
  await t.board.poll();
  t.board.unwatch('apps/orders');
  t.board.unwatch('apps/billing');
  t.at(20);
  await t.board.poll();
  t.changed.length = 0;
  t.board.watch('apps/payments', { region: 'us-east-1' }, ['hc-d']);
  t.at(30);
  await t.board.poll();
  assert.deepEqual(t.changed, ['apps/payments'], 'the new policy is enqueued: its pass reads Route 53 itself and says what it finds');
});

for (const c of [
  { readMs: 300, want: [1_000, 2_000, 3_000], why: 'one observation a second, not one per 1.3 s' },
  { readMs: 1_500, want: [1_000, 2_600], why: 'a read longer than the interval: the next a tenth of the interval after it, not at once' },
]) {
  test(`the health loop polls every interval, start to start (a read of ${c.readMs} ms): its time is not added to the interval`, async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
    const cw = fakeCloudWatch(() => new Date(), c.readMs);
    const aws = { cloudwatch: () => cw.client } as unknown as AwsClients;
    const board = new HealthBoard(
      aws,
      () => {},
      createLogger({ level: 'error', stream: new PassThrough() }),
      () => new Date(),
    );
    board.watch('apps/orders', { region: 'us-east-1' }, ['hc-a']);
    // Mocked time moves only on tick(); the promises it wakes run on the real event loop.
    const settle = async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    const stop = board.start(1_000);
    for (let ms = 0; ms < 3_500; ms += 10) {
      t.mock.timers.tick(10);
      await settle();
    }
    const stopped = stop();
    t.mock.timers.tick(c.readMs); // the read in flight, if any, ends
    await settle();
    await stopped;
    assert.deepEqual(
      cw.state.sentAt.map((at) => at - T0),
      c.want,
      c.why,
    );
  });
}
