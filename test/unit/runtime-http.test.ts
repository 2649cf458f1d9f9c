import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type HttpServers, parseAddress, startHttpServers } from '../../src/runtime/http.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { Metrics } from '../../src/runtime/metrics.ts';

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

describe('parseAddress', () => {
  const cases: Array<{ addr: string; want: ReturnType<typeof parseAddress> | 'error' }> = [
    { addr: ':8080', want: { port: 8080 } },
    { addr: '127.0.0.1:8081', want: { host: '127.0.0.1', port: 8081 } },
    { addr: '[::1]:9000', want: { host: '::1', port: 9000 } },
    { addr: '0', want: { port: 0 } },
    { addr: 'localhost:http', want: 'error' },
    { addr: ':70000', want: 'error' },
  ];
  for (const c of cases) {
    it(c.addr, () => (c.want === 'error' ? assert.throws(() => parseAddress(c.addr)) : assert.deepEqual(parseAddress(c.addr), c.want)));
  }
});

describe('metrics and probe servers', () => {
  const metrics = new Metrics({ processMetrics: true });
  let ready = false;
  let problems: string[] = [];
  let servers: HttpServers;
  const quiet = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });
  const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`);

  before(async () => {
    servers = await startHttpServers({
      metricsAddress: '127.0.0.1:0',
      healthAddress: '127.0.0.1:0',
      registry: metrics.registry,
      isReady: () => ready,
      healthProblems: () => problems,
      logger: quiet,
      eventLoopBlockedMs: 1_000,
    });
  });
  after(() => servers.close());

  it('serves every contract metric name, with process metrics', async () => {
    metrics.recordAwsCall({ service: 'ec2', operation: 'DescribeTransitGateways', outcome: 'success', durationMs: 12 });
    metrics.recordReconcile('RegionPair', 'error', 5, 'ThrottlingException');
    metrics.setHealth('apps', 'orders', 'primary', 'Unknown');
    metrics.failoversTotal.inc({ namespace: 'apps', name: 'orders', kind: 'drill' });
    metrics.failoverReady.set({ namespace: 'apps', name: 'orders' }, 1);
    metrics.replicaLagSeconds.set({ namespace: 'apps', name: 'orders' }, 3);
    metrics.informerRestartsTotal.inc({ kind: 'RegionPair', cause: 'gone' });
    const res = await get(servers.metricsPort, '/metrics');
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const n of METRIC_NAMES) assert.match(text, new RegExp(`^# TYPE ${n} `, 'm'), n);
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /multiregion_aws_api_calls_total\{service="ec2",operation="DescribeTransitGateways",outcome="success"\} 1/);
    assert.match(text, /multiregion_reconcile_errors_total\{kind="RegionPair",reason="ThrottlingException"\} 1/);
    assert.match(text, /multiregion_health_check_status\{namespace="apps",name="orders",side="primary"\} -1/);
  });

  it('keeps probes off the metrics port and metrics off the probe port', async () => {
    assert.equal((await get(servers.metricsPort, '/healthz')).status, 404);
    assert.equal((await get(servers.healthPort, '/metrics')).status, 404);
  });

  it('/readyz follows informer sync', async () => {
    ready = false;
    assert.equal((await get(servers.healthPort, '/readyz')).status, 503);
    ready = true;
    assert.equal((await get(servers.healthPort, '/readyz')).status, 200);
  });

  it('/healthz fails with the reported problems', async () => {
    problems = [];
    assert.equal((await get(servers.healthPort, '/healthz')).status, 200);
    problems = ['informer RegionPair stalled'];
    const res = await get(servers.healthPort, '/healthz');
    assert.equal(res.status, 500);
    assert.match(await res.text(), /RegionPair stalled/);
  });

  it('/healthz fails right after the event loop was blocked', async () => {
    problems = [];
    const until = Date.now() + 1_700;
    while (Date.now() < until) {
      /* block the loop */
    }
    const res = await get(servers.healthPort, '/healthz');
    assert.equal(res.status, 500);
    assert.match(await res.text(), /event loop blocked/);
  });
});
