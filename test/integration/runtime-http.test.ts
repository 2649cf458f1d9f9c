// The metrics and health endpoints wired to a Manager the way main.ts does it: /readyz follows
// the informers' first sync, /healthz reports stalled informers, /metrics carries every metric
// name dashboards and alerts rely on, with values from real reconciles.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type HttpServers, startHttpServers } from '../../src/runtime/http.ts';
import { Manager } from '../../src/runtime/manager.ts';
import { Metrics } from '../../src/runtime/metrics.ts';
import { freePort, waitFor } from '../env/ports.ts';
import {
  cleanupWidgets,
  createNamespace,
  createWidget,
  sharedOrPrivateCluster,
  type TestCluster,
  testLogger,
  widgets,
  withServer,
} from './runtime-fixtures.ts';

const METRIC_NAMES = [
  'multiregion_reconcile_total',
  'multiregion_reconcile_errors_total',
  'multiregion_reconcile_duration_seconds',
  'multiregion_workqueue_depth',
  'multiregion_workqueue_retries_total',
  'multiregion_aws_api_calls_total',
  'multiregion_aws_api_call_duration_seconds',
  'multiregion_leader',
  'multiregion_informer_restarts_total',
  'multiregion_failover_ready',
  'multiregion_health_check_status',
  'multiregion_replica_lag_seconds',
  'multiregion_failovers_total',
  'multiregion_managed_objects',
];

let cluster: TestCluster;
let ns: string;
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
  cluster = await sharedOrPrivateCluster();
  ns = await createNamespace(cluster.kc, 'rt-http');
  await createWidget(cluster.kc, ns, 'one');
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  if (cluster && ns) await cleanupWidgets(cluster.kc, ns);
  await cluster?.stop();
});

/** A manager and its two servers on free loopback ports, as main.ts wires them. */
async function serve(kc: TestCluster['kc'], stallMs?: number): Promise<{ manager: Manager; metrics: Metrics; servers: HttpServers }> {
  const metrics = new Metrics({ processMetrics: false });
  const manager = new Manager({ kc, logger: testLogger(), metrics, leaderElection: { enabled: false }, stallMs, commandAnnotations: [] });
  manager.register({ kind: 'Widget', path: widgets(ns), reconcile: async () => {} });
  const servers = await startHttpServers({
    metricsAddress: '127.0.0.1:0',
    healthAddress: '127.0.0.1:0',
    registry: metrics.registry,
    isReady: () => manager.hasSynced(),
    healthProblems: () => manager.stalledInformers().map((k) => `informer ${k} stalled`),
    logger: testLogger(),
  });
  cleanups.push(
    () => servers.close(),
    () => manager.stop(500),
  );
  return { manager, metrics, servers };
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
}

/** The value of one sample line, e.g. `multiregion_leader` or `name{labels}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('/readyz is 503 until the informers synced, then 200; /healthz is 200', async () => {
  const { manager, servers } = await serve(cluster.kc);
  const before = await get(servers.healthPort, '/readyz');
  assert.equal(before.status, 503);
  assert.match(before.body, /not synced/);
  assert.equal((await get(servers.healthPort, '/healthz')).status, 200);

  await manager.start();
  await waitFor('/readyz 200', async () => (await get(servers.healthPort, '/readyz')).status === 200, 10_000, 50);
  assert.equal((await get(servers.healthPort, '/healthz')).status, 200);
  assert.equal((await get(servers.healthPort, '/metrics')).status, 404, 'metrics are not on the health port');
  assert.equal((await get(servers.metricsPort, '/healthz')).status, 404, 'probes are not on the metrics port');
});

test('/metrics exposes every metric name, with values from real reconciles', async () => {
  const { manager, servers } = await serve(cluster.kc);
  await manager.start();
  const series = 'multiregion_reconcile_total{kind="Widget",result="success"}';
  let text = '';
  await waitFor(
    'a successful reconcile counted',
    async () => {
      text = (await get(servers.metricsPort, '/metrics')).body;
      return (sample(text, series) ?? 0) >= 1;
    },
    10_000,
    100,
  );
  for (const name of METRIC_NAMES) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  assert.equal(sample(text, 'multiregion_managed_objects{kind="Widget"}'), 1);
  assert.equal(sample(text, 'multiregion_leader'), 1, 'without leader election this replica works, so it leads');
  assert.equal(sample(text, 'multiregion_workqueue_depth{kind="Widget"}'), 0);
});

test('an informer that cannot reach the apiserver: /readyz stays 503 and /healthz turns 500', async () => {
  const dead = withServer(cluster.kc, `https://127.0.0.1:${await freePort()}`);
  const { manager, servers } = await serve(dead, 300);
  await manager.start();
  // No list, watch or event for two watchdog periods (600 ms) is a stall.
  let health = { status: 0, body: '' };
  await waitFor('/healthz 500', async () => (health = await get(servers.healthPort, '/healthz')).status === 500, 5_000, 50);
  assert.match(health.body, /informer Widget stalled/);
  assert.equal((await get(servers.healthPort, '/readyz')).status, 503);
});
