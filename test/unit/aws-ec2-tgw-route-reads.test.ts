// The rotation of TGW route table reads (src/aws/ec2/tgw-route-reads.ts): a fixed budget per
// drift interval for unchanged tables, the least recently verified first, a bound on how long a
// route removed outside the controller can go unseen, and fresh reads where something changed.
import assert from 'node:assert/strict';
import test from 'node:test';
import { DEFAULT_TABLE_READS_PER_INTERVAL, detectionBoundMs, maxAgeMs, TableRouteReads } from '../../src/aws/ec2/tgw-route-reads.ts';
import type { TgwRoute } from '../../src/aws/ec2/tgw-routes.ts';

const INTERVAL = 20_000;

/** A region's tables as AWS holds them, and every SearchTransitGatewayRoutes made, with when. */
function region(tables: number) {
  const routes = new Map<string, TgwRoute[]>();
  for (let i = 0; i < tables; i++) routes.set(`tgw-rtb-${i}`, [{ destinationCidr: `10.${i}.0.0/16`, attachmentIds: [], state: 'active', type: 'static' }]);
  const clock = { t: 0 };
  const searches: Array<{ table: string; at: number }> = [];
  const reads = new TableRouteReads(async (table) => {
    searches.push({ table, at: clock.t });
    return structuredClone(routes.get(table) ?? []);
  });
  return { routes, clock, searches, reads, now: () => clock.t };
}

/** One drift pass: every table asked for once, spread over the interval (with the manager's ±10 % jitter). */
async function pass(r: ReturnType<typeof region>, n: number, k: number, askers = 1): Promise<Map<string, TgwRoute[]>> {
  const seen = new Map<string, TgwRoute[]>();
  for (let i = 0; i < n; i++) {
    const jitter = ((i * 7919 + k * 104729) % 200) / 1000 - 0.1;
    r.clock.t = Math.round((k + (i / n) * 0.8 + 0.1 + jitter / 10) * INTERVAL);
    for (let a = 0; a < askers; a++) seen.set(`tgw-rtb-${i}`, await r.reads.read(`tgw-rtb-${i}`, { intervalMs: INTERVAL, budget: 10, now: r.now }));
  }
  return seen;
}

test('with no more tables than the budget, every table is read once per pass and serves every asker in it', async () => {
  const r = region(8);
  await pass(r, 8, 0, 3);
  assert.equal(r.searches.length, 8, 'first pass: one read per table, the pair and two clients share it');
  for (let k = 1; k <= 5; k++) await pass(r, 8, k, 3);
  assert.equal(r.searches.length, 6 * 8, 'each later pass verifies each table once');
});

test('with 10x the budget, reads per interval stay within the budget and every table is verified within the bound', async () => {
  const n = 100;
  const r = region(n);
  await pass(r, n, 0);
  const firstPass = r.searches.length;
  assert.equal(firstPass, n, 'a table never read is read at once');
  const passes = 30;
  for (let k = 1; k <= passes; k++) await pass(r, n, k);
  const later = r.searches.slice(firstPass);
  // Any window of one interval holds at most the budget of rotation reads.
  for (const s of later) {
    const inWindow = later.filter((x) => x.at > s.at - INTERVAL && x.at <= s.at).length;
    assert.ok(inWindow <= 10, `${inWindow} reads in the interval ending at ${s.at}`);
  }
  assert.ok(later.length >= passes * 10 * 0.7, `the budget is used, not left idle: ${later.length} reads in ${passes} passes`);
  // No table goes longer than the documented bound between two reads.
  const bound = detectionBoundMs(n, 10, INTERVAL);
  for (let i = 0; i < n; i++) {
    const times = [0, ...r.searches.filter((s) => s.table === `tgw-rtb-${i}`).map((s) => s.at), (passes + 1) * INTERVAL];
    for (let j = 1; j < times.length; j++) {
      const gap = (times[j] as number) - (times[j - 1] as number);
      assert.ok(gap <= bound, `tgw-rtb-${i} went ${gap} ms unread (bound ${bound})`);
    }
  }
});

test('a route removed outside the controller is seen within the bound', async () => {
  const n = 100;
  const r = region(n);
  await pass(r, n, 0);
  await pass(r, n, 1);
  r.routes.set('tgw-rtb-42', []);
  const removedAt = r.clock.t;
  let seenAt: number | undefined;
  for (let k = 2; k < 40 && seenAt === undefined; k++) {
    const seen = await pass(r, n, k);
    if (seen.get('tgw-rtb-42')?.length === 0) seenAt = r.clock.t;
  }
  assert.ok(seenAt !== undefined, 'the removal was never seen');
  assert.ok(seenAt - removedAt <= detectionBoundMs(n, 10, INTERVAL), `seen after ${seenAt - removedAt} ms`);
});

test('a fresh ask and a table our write named are read at once, budget or not', async () => {
  const r = region(100);
  await pass(r, 100, 0);
  const before = r.searches.length;
  r.clock.t += 1000;
  await r.reads.read('tgw-rtb-5', { intervalMs: INTERVAL, budget: 10, now: r.now });
  assert.equal(r.searches.length, before, 'just verified: served from the cache');
  await r.reads.read('tgw-rtb-5', { fresh: true, intervalMs: INTERVAL, budget: 10, now: r.now });
  assert.equal(r.searches.length, before + 1, 'fresh: read now');
  r.reads.invalidate('tgw-rtb-6');
  await r.reads.read('tgw-rtb-6', { intervalMs: INTERVAL, budget: 10, now: r.now });
  assert.equal(r.searches.length, before + 2, 'after our write: read now');
  assert.equal(r.searches.at(-1)?.table, 'tgw-rtb-6');
});

test('over budget, the least recently verified tables are read first', async () => {
  const r = region(30);
  await pass(r, 30, 0);
  // Everything falls due at once (a pause of 3 intervals > maxAge 2.8); the budget admits 10 in the next interval.
  r.clock.t = 3 * INTERVAL;
  const order = [...Array(30).keys()].reverse();
  for (const i of order) await r.reads.read(`tgw-rtb-${i}`, { intervalMs: INTERVAL, budget: 10, now: r.now });
  const readNow = r.searches.filter((s) => s.at === 3 * INTERVAL).map((s) => s.table);
  assert.equal(readNow.length, 10);
  // Next interval: the 20 deferred ones were verified longest ago, so they are read before the just-read 10.
  r.clock.t = 4 * INTERVAL;
  for (const i of [...Array(30).keys()]) await r.reads.read(`tgw-rtb-${i}`, { intervalMs: INTERVAL, budget: 10, now: r.now });
  const next = r.searches.filter((s) => s.at === 4 * INTERVAL).map((s) => s.table);
  assert.equal(next.length, 10);
  for (const t of next) assert.ok(!readNow.includes(t), `${t} was just read and should wait for the older ones`);
});

test('the bound grows with tables per budget, and the default budget is fixed', () => {
  assert.equal(DEFAULT_TABLE_READS_PER_INTERVAL, 10);
  assert.equal(maxAgeMs(10, 10, INTERVAL), 0.8 * INTERVAL);
  assert.equal(detectionBoundMs(10, 10, INTERVAL), 2.2 * INTERVAL);
  assert.equal(detectionBoundMs(11, 10, INTERVAL), 3.2 * INTERVAL);
  assert.equal(detectionBoundMs(100, 10, INTERVAL), 13.2 * INTERVAL);
  assert.equal(detectionBoundMs(1000, 10, 300_000), 113.2 * 300_000);
});
