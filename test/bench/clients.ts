// ClientConnections at scale on one Ready RegionPair (the integration fixtures' world): time
// until all are Ready, AWS calls by operation, then a quiet window with a short drift interval
// in which nothing should be written to AWS.
// The controller may run with raised per-account rates (`--aws-rate-limits`, an account with
// raised quotas): the result records the rates it ran with, so the floor those rates set for the
// calls it made can be computed from the run (goal.ts), next to the floor at published rates.
// Where the time went is read from the controller's own metrics: reconcile time summed over the
// workers, AWS call time (after the rate limiter's wait), and the apiserver writes it made.
import { API_VERSION } from '../../src/api/types.ts';
import type { BucketLimit } from '../../src/aws/ratelimit.ts';
import type { Stack } from '../env/stack.ts';
import { CLIENT_NS, clientCidr, clientObj, OTHER_NS, PAIR_NS, setUpWorld, tearDown, type World } from '../integration/client-connection-fixtures.ts';
import { condition, inChunks, Kube, type Obj } from '../integration/helpers.ts';
import { apiserverRequests, controllerMemory, diffCounts, isMutating, mib, sleep, sumWrites, tallyCalls } from './metrics.ts';

export interface ClientsResult {
  clients: number;
  ready: number;
  seconds: number;
  awsCalls: Record<string, number>;
  awsCallsPerClient: number;
  rssMiB: number;
  concurrency: number;
  /** The per-account rates given to the controller (`--aws-rate-limits`); families not named ran at the published rates. */
  rateLimits: Record<string, BucketLimit>;
  /** Seconds from the first apply until this many clients were Ready (10 %, 50 %, 90 %, all). */
  readyAfter: Record<string, number>;
  profile: ClientsProfile;
  quiet?: { seconds: number; driftIntervalSeconds: number; awsMutating: Record<string, number>; awsReads: number; apiserverMultiregionWrites: number };
}

/** Where the convergence time went, from the controller's /metrics and the apiserver's counters. */
export interface ClientsProfile {
  /** ClientConnection reconciles by result (success, requeue, error). */
  reconciles: Record<string, number>;
  /** Sum of ClientConnection reconcile durations, and that over (seconds × concurrency): how busy the workers were. */
  reconcileSeconds: number;
  workerBusyShare: number;
  /** Sum of AWS call durations (moto's answer time, the limiter's wait excluded), by service. */
  awsCallSeconds: Record<string, number>;
  /** multiregion.dev requests during convergence, by verb and resource (the apiserver's counters). */
  apiserver: Record<string, number>;
  /** The first and the last call of the family that bounds the phase, seconds after the first apply. */
  callSpan: Record<string, { first: number; last: number }>;
}

/** "family=rate/burst,…" for `--aws-rate-limits`. */
export const rateLimitsArg = (l: Record<string, BucketLimit>): string =>
  Object.entries(l)
    .map(([f, b]) => `${f}=${b.ratePerSec}/${b.burst}`)
    .join(',');

/** Sums of a counter or a histogram's `_sum` from a Prometheus page, by the label picked, for the lines that pass the filter. */
function sumBy(page: string, metric: string, label: string, filter: (line: string) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${metric}{`) || !filter(line)) continue;
    const key = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1] ?? '';
    out[key] = (out[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

export async function benchClients(
  stack: Stack,
  o: {
    clients: number;
    driftSeconds: number;
    quietSeconds: number;
    timeoutMs: number;
    concurrency: number;
    rateLimits: Record<string, BucketLimit>;
    log: (s: string) => void;
  },
): Promise<ClientsResult> {
  const kube = new Kube(stack.kc);
  for (const ns of [PAIR_NS, CLIENT_NS, OTHER_NS]) await kube.ensureNamespace(ns);
  let w: World | undefined;
  try {
    const limits = rateLimitsArg(o.rateLimits);
    const args = [
      `--concurrency=${o.concurrency}`,
      `--drift-interval=${o.driftSeconds}s`,
      '--log-level=info',
      ...(limits ? [`--aws-rate-limits=${limits}`] : []),
    ];
    w = await setUpWorld(stack, kube, 'bench-clients', args);
    const world = w;
    const metricsBefore = await (await fetch(world.ctrl.metricsUrl)).text();
    const convergeApiBefore = await apiserverRequests(stack.kc);
    const mark = world.proxy.calls.length;
    const started = Date.now();
    const names = Array.from({ length: o.clients }, (_, i) => `client-${i}`);
    await inChunks(names, 50, (n, i) => kube.apply(clientObj(world, n, [clientCidr(i)])));
    let ready = 0;
    const marks = [0.1, 0.5, 0.9, 1];
    const readyAfter: Record<string, number> = {};
    while (Date.now() - started < o.timeoutMs) {
      const items = ((await kube.api.list(API_VERSION, 'ClientConnection', CLIENT_NS)) as unknown as { items: Obj[] }).items;
      ready = items.filter((c) => condition(c, 'Ready')?.status === 'True' && c.status?.observabilityHash).length;
      for (const m of marks) {
        const n = Math.ceil(m * o.clients);
        if (ready >= n && readyAfter[n] === undefined) readyAfter[n] = Math.round((Date.now() - started) / 100) / 10;
      }
      if (ready === o.clients) break;
      await sleep(1000);
    }
    const seconds = (Date.now() - started) / 1000;
    const calls = world.proxy.calls.slice(mark);
    const metricsAfter = await (await fetch(world.ctrl.metricsUrl)).text();
    const convergeApiAfter = await apiserverRequests(stack.kc);
    const isClient = (l: string) => l.includes('kind="ClientConnection"');
    const reconciles = diffCounts(
      sumBy(metricsAfter, 'multiregion_reconcile_total', 'result', isClient),
      sumBy(metricsBefore, 'multiregion_reconcile_total', 'result', isClient),
    );
    const reconcileSeconds =
      (sumBy(metricsAfter, 'multiregion_reconcile_duration_seconds_sum', 'kind', isClient).ClientConnection ?? 0) -
      (sumBy(metricsBefore, 'multiregion_reconcile_duration_seconds_sum', 'kind', isClient).ClientConnection ?? 0);
    const awsCallSeconds = diffCounts(
      sumBy(metricsAfter, 'multiregion_aws_api_call_duration_seconds_sum', 'service'),
      sumBy(metricsBefore, 'multiregion_aws_api_call_duration_seconds_sum', 'service'),
    );
    const callSpan: ClientsProfile['callSpan'] = {};
    for (const c of calls) {
      const k = `${c.service}:${c.operation}`;
      const t = Math.round((c.at - started) / 100) / 10;
      const span = callSpan[k];
      if (span) span.last = t;
      else callSpan[k] = { first: t, last: t };
    }
    const result: ClientsResult = {
      clients: o.clients,
      ready,
      seconds,
      awsCalls: tallyCalls(calls),
      awsCallsPerClient: Math.round((calls.length / o.clients) * 10) / 10,
      rssMiB: mib((await controllerMemory(world.ctrl.metricsUrl)).rssBytes),
      concurrency: o.concurrency,
      rateLimits: o.rateLimits,
      readyAfter,
      profile: {
        reconciles,
        reconcileSeconds: Math.round(reconcileSeconds),
        workerBusyShare: Math.round((reconcileSeconds / (seconds * o.concurrency)) * 100) / 100,
        awsCallSeconds: Object.fromEntries(Object.entries(awsCallSeconds).map(([k, v]) => [k, Math.round(v)])),
        apiserver: diffCounts(convergeApiAfter.byVerbResource, convergeApiBefore.byVerbResource),
        callSpan,
      },
    };
    o.log(`  ${ready}/${o.clients} ClientConnections Ready in ${seconds.toFixed(1)} s; ${calls.length} AWS calls; ready after ${JSON.stringify(readyAfter)}`);
    o.log(`  profile: ${JSON.stringify(result.profile)}`);
    // No quiet window asked for (the full run: a drift pass over 1,000 clients does not fit its budget).
    if (ready < o.clients || o.quietSeconds <= 0) return result;
    await sleep(Math.min(o.driftSeconds * 1000, 20_000));
    const qMark = world.proxy.calls.length;
    const apiBefore = await apiserverRequests(stack.kc);
    const q0 = Date.now();
    await sleep(o.quietSeconds * 1000);
    const quietCalls = world.proxy.calls.slice(qMark);
    const apiAfter = await apiserverRequests(stack.kc);
    result.quiet = {
      seconds: (Date.now() - q0) / 1000,
      driftIntervalSeconds: o.driftSeconds,
      awsMutating: tallyCalls(quietCalls.filter((c) => isMutating(c.operation))),
      awsReads: quietCalls.filter((c) => !isMutating(c.operation)).length,
      apiserverMultiregionWrites: sumWrites(diffCounts(apiAfter.byVerb, apiBefore.byVerb)),
    };
    o.log(
      `  quiet ${result.quiet.seconds.toFixed(0)} s: ${Object.values(result.quiet.awsMutating).reduce((a, b) => a + b, 0)} AWS mutating, ` +
        `${result.quiet.awsReads} reads, ${result.quiet.apiserverMultiregionWrites} multiregion.dev writes`,
    );
    return result;
  } finally {
    await tearDown(kube, w);
  }
}
