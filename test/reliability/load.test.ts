// Load: N ClientConnections (no alarms: the cheapest kind that still writes a dashboard, four
// saved queries and a TGW route each) created at once on one pair while the proxy enforces AWS's published request
// rates the way AWS does (a token bucket per API family; beyond it, each service's real
// throttling answer). All must converge within the budget, the throttled share must stay low
// (the controller's own limiter keeps under the published rates), and resident memory bounded.
// LOAD_N / LOAD_BUDGET_S override. (A constant random throttle share, independent of the call
// rate, is not what AWS does: under it the AIMD limiter sinks to its floor.)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { API_VERSION } from '../../src/api/types.ts';
import { metricValue, startController } from '../env/controller.ts';
import { ClientBed } from '../integration/client-connection-bed.ts';
import { CLIENT_NS, clientCidr, clientObj, staticRoutes } from '../integration/client-connection-fixtures.ts';
import { condition, inChunks, type Obj, uniqueName } from '../integration/helpers.ts';
import { CANARY, keepLogs, record } from './harness.ts';

const N = Number(process.env.LOAD_N ?? 500);
// CloudWatch Logs allows 5 calls/s per account and region: 500 clients' saved queries (a list
// and four puts each) take 500 s on their own, whatever the controller does.
const BUDGET_S = Number(process.env.LOAD_BUDGET_S ?? 720);
// Bounds, not targets: heap is what the controller keeps alive (cache, queues, SDK clients);
// RSS also holds allocator and socket buffers that Node does not hand back after a burst.
const HEAP_LIMIT = 256 * 1024 * 1024;
const RSS_LIMIT = 768 * 1024 * 1024;
const bed = new ClientBed({ beforeTearDown: (w) => keepLogs('load', w.ctrl.logs()) });

const readyCount = async (): Promise<number> =>
  ((await bed.kube.api.list(API_VERSION, 'ClientConnection', CLIENT_NS)) as unknown as { items: Obj[] }).items.filter(
    (o) => condition(o, 'Ready')?.status === 'True' && o.status?.observabilityHash && (o.status?.observedGeneration ?? 0) >= (o.metadata.generation ?? 0),
  ).length;

test(`${N} ClientConnections at once against AWS's published rates: all converge within ${BUDGET_S} s, few throttles, memory bounded`, {
  timeout: (BUDGET_S + 240) * 1000,
}, async (t) => {
  const w = await bed.world(uniqueName('load-pair'));
  // The fixture's controller retires for one with the suite's canary credentials and more workers.
  await w.ctrl.stop();
  w.ctrl = await startController({
    kubeconfigPath: bed.stack.kubeconfigPath,
    awsEndpoint: w.proxy.endpoint,
    args: ['--leader-elect=false', '--concurrency=8'],
    env: { AWS_SECRET_ACCESS_KEY: CANARY.secretKey, AWS_SESSION_TOKEN: CANARY.sessionToken },
  });
  const mark = w.proxy.calls.length;
  w.proxy.enforceRates();
  const started = Date.now();
  await inChunks(
    Array.from({ length: N }, (_, i) => `load-${i}`),
    50,
    (n, i) => {
      const o = clientObj(w, n, [clientCidr(i)]);
      delete o.spec.alarms;
      return bed.kube.apply(o);
    },
  );
  const applied = (Date.now() - started) / 1000;
  let ready = 0;
  let atBudget: number | undefined;
  while (Date.now() - started < (BUDGET_S + 120) * 1000) {
    ready = await readyCount();
    if (atBudget === undefined && Date.now() - started >= BUDGET_S * 1000) atBudget = ready;
    if (ready === N) break;
    await sleep(2000);
  }
  const seconds = (Date.now() - started) / 1000;
  atBudget ??= ready;
  const calls = w.proxy.calls.slice(mark);
  const throttled = w.proxy.injected.throttle ?? 0;
  const byService = Object.entries(Object.groupBy(calls, (c) => c.service))
    .map(([s, cs]) => `${s}=${cs!.length}`)
    .join(' ');
  const page = await (await fetch(w.ctrl.metricsUrl)).text();
  const rss = metricValue(page, 'process_resident_memory_bytes') ?? NaN;
  const heap = metricValue(page, 'nodejs_heap_size_used_bytes') ?? NaN;
  const routes = (await staticRoutes(bed.stack, w.routeTableId)).length;
  const summary =
    `${ready}/${N} Ready in ${seconds.toFixed(0)} s (${atBudget} by ${BUDGET_S} s; applies took ${applied.toFixed(0)} s); ` +
    `throttled ${throttled}/${calls.length} calls (${((100 * throttled) / Math.max(1, calls.length)).toFixed(1)}%; ` +
    `${byService}); routes ${routes}; RSS ${(rss / 2 ** 20).toFixed(0)} MB, heap ${(heap / 2 ** 20).toFixed(0)} MB`;
  t.diagnostic(summary);
  record({ file: 'load', faults: { throttle: throttled }, lostUpdates: N - ready, note: summary });
  assert.equal(ready, N, 'every client converged');
  assert.equal(atBudget, N, `every client converged within ${BUDGET_S} s`);
  assert.equal(routes, N + 1, 'one route per client plus the peer route');
  assert.ok(throttled / Math.max(1, calls.length) < 0.05, `throttled share ${throttled}/${calls.length} stays under 5%`);
  assert.ok(heap > 0 && heap < HEAP_LIMIT, `heap ${heap} bytes below 256 MB`);
  assert.ok(rss > 0 && rss < RSS_LIMIT, `RSS ${rss} bytes below 768 MB`);
  assert.equal(w.ctrl.proc.exitCode, null, 'the controller is still running');
});
