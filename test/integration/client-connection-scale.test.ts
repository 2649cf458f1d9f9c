// Hundreds of clients on one pair: they converge, a routine resync costs no CloudWatch call at
// all, and a forced drift check of every client (reconcile-now) reads but makes zero Put* calls.
// CC_SCALE_N overrides the number of clients (default 300).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { API_VERSION } from '../../src/api/types.ts';
import { metricValue } from '../env/controller.ts';
import { ClientBed } from './client-connection-bed.ts';
import { CLIENT_NS, clientCidr, clientObj, dashboard, PAIR_NS, queryDefinitions, staticRoutes } from './client-connection-fixtures.ts';
import { condition, inChunks, type Obj, uniqueName } from './helpers.ts';

const N = Number(process.env.CC_SCALE_N ?? 300);
const bed = new ClientBed();

async function listClients(): Promise<Obj[]> {
  return ((await bed.kube.api.list(API_VERSION, 'ClientConnection', CLIENT_NS)) as unknown as { items: Obj[] }).items;
}
async function reconciles(): Promise<number> {
  const page = await (await fetch(bed.w!.ctrl.metricsUrl)).text();
  return ['success', 'requeue', 'error'].reduce(
    (n, result) => n + (metricValue(page, 'multiregion_reconcile_total', { kind: 'ClientConnection', result }) ?? 0),
    0,
  );
}
const since = (mark: number, pred: (c: { service: string; operation: string }) => boolean) => bed.w!.proxy.calls.slice(mark).filter(pred);
const tally = (calls: Array<{ service: string; operation: string }>) =>
  Object.entries(
    calls.reduce<Record<string, number>>((m, c) => {
      m[`${c.service}:${c.operation}`] = (m[`${c.service}:${c.operation}`] ?? 0) + 1;
      return m;
    }, {}),
  ).sort();

test(`${N} clients converge; resyncs of unchanged clients make no CloudWatch Put* call`, { timeout: 900_000 }, async (t) => {
  // Drift checks every 30 min: the routine resync below must see only what the resync itself calls.
  const w = await bed.world(uniqueName('pair'), ['--concurrency=8', '--drift-interval=30m']);
  const names = Array.from({ length: N }, (_, i) => `client-${i}`);
  const started = Date.now();
  // One alarm each: PutMetricAlarm is limited to 3/s per account (the controller's token bucket
  // follows AWS), so three alarms per client would make the run alarm-bound.
  await inChunks(names, 50, (n) => bed.kube.apply(clientObj(w, n, [clientCidr(names.indexOf(n))], { alarms: { rejectedPacketsPerFiveMinutes: 1000 } })));
  let readyCount = 0;
  while (Date.now() - started < 600_000) {
    const items = await listClients();
    readyCount = items.filter((o) => condition(o, 'Ready')?.status === 'True' && o.status?.observabilityHash).length;
    if (readyCount === N) break;
    await sleep(2000);
  }
  const convergeSeconds = (Date.now() - started) / 1000;
  t.diagnostic(
    `${readyCount}/${N} clients Ready in ${convergeSeconds.toFixed(1)} s (concurrency 8); ` +
      `AWS calls ${JSON.stringify(tally(w.proxy.calls.filter((c) => c.at >= started)))}`,
  );
  assert.equal(readyCount, N);
  assert.equal((await staticRoutes(bed.stack, w.routeTableId)).length, N + 1, 'one route per client plus the peer route');
  const pair = await bed.kube.waitFor('RegionPair', PAIR_NS, w.pairName, 'overview of all clients', (p) => !!p.status?.overviewDashboardName, 60_000);
  const deadline = Date.now() + 120_000;
  let overview = '';
  while (Date.now() < deadline && !overview.includes(`clients: ${N}`)) {
    overview = JSON.stringify(await dashboard(bed.stack, pair.status.overviewDashboardName));
    await sleep(1000);
  }
  assert.ok(overview.includes(`clients: ${N}`), 'the overview lists every client');
  // Four saved queries per client (top talkers, rejected, bytes each way), each client's in status.
  // Ready does not wait for them (a client is usable without its saved queries), and Logs takes
  // 5 calls/s per account: the last few may land after the last client turned Ready.
  const querySynced = async () =>
    (await listClients()).filter(
      (o) => condition(o, 'QueryDefinitionsSynced')?.status === 'True' && Object.keys(o.status?.queryDefinitionIds ?? {}).length === 4,
    ).length;
  const queriesBy = Date.now() + 120_000;
  let withQueries = await querySynced();
  while (withQueries < N && Date.now() < queriesBy) {
    await sleep(2000);
    withQueries = await querySynced();
  }
  assert.equal(withQueries, N);
  const saved = await queryDefinitions(bed.stack, 'mrc/');
  assert.equal(saved.length, 4 * N, 'one set of saved queries per client, no duplicates');
  await sleep(3000);

  // A routine resync: a RegionPair spec change wakes every client; the hash and status.routes
  // match, so the clients make no AWS call at all (the pair itself re-reads its own parts).
  let mark = w.proxy.calls.length;
  let before = await reconciles();
  await bed.kube.mergePatch({ kind: 'RegionPair', namespace: PAIR_NS, name: w.pairName }, { spec: { tags: { touched: 'yes' } } });
  while ((await reconciles()) - before < N) await sleep(500);
  await sleep(2000);
  const routine = since(mark, (c) => c.service === 'monitoring' || c.service === 'logs');
  t.diagnostic(`routine resync of ${N} clients: CloudWatch/Logs calls ${JSON.stringify(tally(routine))}`);
  const monitoring = routine.filter((c) => c.service === 'monitoring');
  assert.deepEqual(
    monitoring.filter((c) => !/^(Get|Describe|List)/.test(c.operation)).map((c) => c.operation),
    [],
    'no CloudWatch write',
  );
  // The pair may read its own overview back on its spec change; a client's read would be N.
  assert.ok(monitoring.length <= 2, `CloudWatch reads on the resync: ${monitoring.map((c) => c.operation).join(',')}`);
  // Logs: only the pair's own flow-log group check.
  assert.deepEqual(
    routine.filter((c) => c.service === 'logs' && !/^(DescribeLogGroups|ListTagsForResource)$/.test(c.operation)).map((c) => c.operation),
    [],
  );

  // A forced drift check of every client: reads back, writes nothing.
  mark = w.proxy.calls.length;
  before = await reconciles();
  const checkStarted = Date.now();
  const token = String(Date.now());
  await inChunks(names, 50, (n) =>
    bed.kube.mergePatch({ kind: 'ClientConnection', namespace: CLIENT_NS, name: n }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': token } } }),
  );
  while (since(mark, (c) => c.service === 'monitoring' && c.operation === 'GetDashboard').length < N && Date.now() - checkStarted < 300_000) await sleep(1000);
  while ((await reconciles()) - before < N) await sleep(500);
  await sleep(2000);
  const cw = since(mark, (c) => c.service === 'monitoring');
  const logs = since(mark, (c) => c.service === 'logs');
  t.diagnostic(
    `drift check of ${N} clients in ${((Date.now() - checkStarted) / 1000).toFixed(1)} s: ` +
      `CloudWatch ${JSON.stringify(tally(cw))}; Logs ${JSON.stringify(tally(logs))}`,
  );
  assert.ok(cw.filter((c) => c.operation === 'GetDashboard').length >= N, 'every client dashboard was read back');
  assert.deepEqual(
    cw.filter((c) => /^(Put|Tag|Delete|Set)/.test(c.operation)).map((c) => c.operation),
    [],
    'zero CloudWatch writes',
  );
  assert.deepEqual(
    logs.filter((c) => /^(Put|Delete)/.test(c.operation)).map((c) => c.operation),
    [],
    'zero Logs writes',
  );
  const ec2Writes = since(mark, (c) => c.service === 'ec2' && /^(Create|Delete|Replace)/.test(c.operation));
  assert.deepEqual(
    ec2Writes.map((c) => c.operation),
    [],
    'zero route writes',
  );
});
