// RegionPair convergence and quiet steady state: N pairs (each with its own seeded VPCs)
// applied at once through the controller process, AWS calls counted at the fault proxy
// (no faults set: it only logs), apiserver requests read from the apiserver's own counters.
import { API_VERSION } from '../../src/api/types.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { type SeededVpc, seedVpc } from '../env/seed.ts';
import type { Stack } from '../env/stack.ts';
import { condition, Kube, type Obj } from '../integration/helpers.ts';
import { apiserverRequests, controllerMemory, diffCounts, isMutating, mib, type ProcessMemory, sleep, sumWrites, tallyCalls } from './metrics.ts';

export const PAIR_NS = 'bench-pairs';
/** At most this many drift intervals waited for the pairs to stop writing before the quiet window. */
const MAX_SETTLE_INTERVALS = 6;

export interface ConvergenceResult {
  pairs: number;
  ready: number;
  seconds: number;
  perPairSeconds: { p50: number; max: number };
  awsCalls: Record<string, number>;
  awsCallsTotal: number;
  awsMutatingTotal: number;
  apiserverByVerb: Record<string, number>;
  apiserverByVerbResource: Record<string, number>;
  memoryAfter: ProcessMemory;
}

export interface SteadyResult {
  /** Seconds waited for a drift interval without writes to our objects before the window, and whether one came. */
  settleSeconds: number;
  settled: boolean;
  seconds: number;
  driftIntervalSeconds: number;
  awsMutating: Record<string, number>;
  awsReads: Record<string, number>;
  awsReadsPerObjectPerInterval: number;
  /**
   * AWS reads per RegionPair reconcile in the window, and that times the pair count: the reads
   * of one drift pass (every pair reconciled once), also when the controller cannot fit a whole
   * pass into the window (at 100 pairs the EC2 read bucket is what limits it).
   */
  awsReadsPerReconcile: number;
  awsReadsPerPass: number;
  /** AWS reads in the window over the drift intervals it spans (no reconcile count involved). */
  awsReadsPerInterval: number;
  apiserverMultiregionWrites: number;
  apiserverByVerbResource: Record<string, number>;
  reconciles: number;
}

function pairObj(name: string, east: SeededVpc, west: SeededVpc): Obj {
  return {
    apiVersion: API_VERSION,
    kind: 'RegionPair',
    metadata: { name, namespace: PAIR_NS },
    spec: {
      primary: {
        region: 'us-east-1',
        vpcAttachments: [{ vpcId: east.vpcId, subnetIds: east.subnetIds, routeTableIds: [east.routeTableId] }],
        cidrs: [east.cidr],
      },
      secondary: {
        region: 'us-west-2',
        vpcAttachments: [{ vpcId: west.vpcId, subnetIds: west.subnetIds, routeTableIds: [west.routeTableId] }],
        cidrs: [west.cidr],
      },
      flowLogs: { enabled: true, retentionDays: 14, deliveryRoleArn: 'arn:aws:iam::123456789012:role/flow-logs' },
    },
  };
}

async function reconcileCount(ctrl: ControllerProcess): Promise<number> {
  const page = await (await fetch(ctrl.metricsUrl)).text();
  return page
    .split('\n')
    .filter((l) => l.startsWith('multiregion_reconcile_total{'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

export interface PairBench {
  convergence: ConvergenceResult;
  steady?: SteadyResult;
}

export async function benchRegionPairs(
  stack: Stack,
  o: { pairs: number; driftSeconds: number; quietSeconds: number; timeoutMs: number; log: (s: string) => void },
): Promise<PairBench> {
  const kube = new Kube(stack.kc);
  await kube.ensureNamespace(PAIR_NS);
  const seed = { endpoint: stack.motoEndpoint };
  // Pair i: 10.(2i).0.0/16 in us-east-1, 10.(2i+1).0.0/16 in us-west-2 (distinct, so routes never clash).
  const vpcs: Array<[SeededVpc, SeededVpc]> = [];
  const seedPair = (i: number) => Promise.all([seedVpc(seed, 'us-east-1', `10.${2 * i}.0.0/16`), seedVpc(seed, 'us-west-2', `10.${2 * i + 1}.0.0/16`)]);
  // Ten pairs at a time: the set-up is not what is measured, and one at a time took a minute at 100.
  for (let i = 0; i < o.pairs; i += 10) {
    vpcs.push(...(await Promise.all(Array.from({ length: Math.min(10, o.pairs - i) }, (_, j) => seedPair(i + j)))));
  }
  const proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  const ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: proxy.endpoint,
    clusterId: 'bench',
    args: [`--drift-interval=${o.driftSeconds}s`, '--log-level=info'],
  });
  try {
    await sleep(1000);
    const names = Array.from({ length: o.pairs }, (_, i) => `pair-${i}`);
    const apiBefore = await apiserverRequests(stack.kc);
    const callMark = proxy.calls.length;
    const started = Date.now();
    await Promise.all(names.map((n, i) => kube.apply(pairObj(n, ...vpcs[i]!))));
    const readyAt = new Map<string, number>();
    while (Date.now() - started < o.timeoutMs && readyAt.size < names.length) {
      const items = ((await kube.api.list(API_VERSION, 'RegionPair', PAIR_NS)) as unknown as { items: Obj[] }).items;
      for (const it of items) {
        const ready = condition(it, 'Ready')?.status === 'True' && (it.status?.observedGeneration ?? 0) >= (it.metadata.generation ?? 0);
        if (ready && !readyAt.has(it.metadata.name)) readyAt.set(it.metadata.name, Date.now() - started);
      }
      await sleep(500);
    }
    const seconds = (Date.now() - started) / 1000;
    const convergeCalls = proxy.calls.slice(callMark);
    const apiAfter = await apiserverRequests(stack.kc);
    const times = [...readyAt.values()].sort((a, b) => a - b);
    const convergence: ConvergenceResult = {
      pairs: o.pairs,
      ready: readyAt.size,
      seconds,
      perPairSeconds: { p50: (times[Math.floor(times.length / 2)] ?? NaN) / 1000, max: (times.at(-1) ?? NaN) / 1000 },
      awsCalls: tallyCalls(convergeCalls),
      awsCallsTotal: convergeCalls.length,
      awsMutatingTotal: convergeCalls.filter((c) => isMutating(c.operation)).length,
      apiserverByVerb: diffCounts(apiAfter.byVerb, apiBefore.byVerb),
      apiserverByVerbResource: diffCounts(apiAfter.byVerbResource, apiBefore.byVerbResource),
      memoryAfter: await controllerMemory(ctrl.metricsUrl),
    };
    o.log(
      `  ${readyAt.size}/${o.pairs} pairs Ready in ${seconds.toFixed(1)} s; ${convergeCalls.length} AWS calls; RSS ` +
        `${mib(convergence.memoryAfter.rssBytes)} MiB`,
    );
    if (readyAt.size < names.length) {
      o.log(`  not all Ready; last controller log lines:\n${ctrl.logs().split('\n').slice(-15).join('\n')}`);
      return { convergence };
    }

    // Let trailing work (status writes, INSYNC waits, first drift pass) settle before the quiet window.
    await sleep(Math.min(o.driftSeconds * 1000, 20_000));
    // Settled = one whole drift interval without a write to our objects: the first drift checks of
    // new pairs (fresh reads outside the route budget, first overview reads) are then behind us, so
    // the quiet window counts steady drift, not the tail of convergence. Bounded, and reported.
    const settleStart = Date.now();
    let settled = false;
    for (let i = 0; i < MAX_SETTLE_INTERVALS && !settled; i++) {
      const before = await apiserverRequests(stack.kc);
      await sleep(o.driftSeconds * 1000);
      settled = sumWrites(diffCounts((await apiserverRequests(stack.kc)).byVerb, before.byVerb)) === 0;
    }
    const settleSeconds = (Date.now() - settleStart) / 1000;
    o.log(`  settle: ${settled ? 'a drift interval without writes' : 'still writing'} after ${settleSeconds.toFixed(0)} s`);
    const quietMark = proxy.calls.length;
    const quietApiBefore = await apiserverRequests(stack.kc);
    const recBefore = await reconcileCount(ctrl);
    const quietStart = Date.now();
    await sleep(o.quietSeconds * 1000);
    const quietSeconds = (Date.now() - quietStart) / 1000;
    const quietCalls = proxy.calls.slice(quietMark);
    const quietApiAfter = await apiserverRequests(stack.kc);
    const writes = diffCounts(quietApiAfter.byVerb, quietApiBefore.byVerb);
    const reads = quietCalls.filter((c) => !isMutating(c.operation));
    const intervals = quietSeconds / o.driftSeconds;
    const reconciles = (await reconcileCount(ctrl)) - recBefore;
    const perReconcile = reconciles > 0 ? reads.length / reconciles : NaN;
    const steady: SteadyResult = {
      settleSeconds,
      settled,
      seconds: quietSeconds,
      driftIntervalSeconds: o.driftSeconds,
      awsMutating: tallyCalls(quietCalls.filter((c) => isMutating(c.operation))),
      awsReads: tallyCalls(reads),
      awsReadsPerObjectPerInterval: Math.round((reads.length / o.pairs / intervals) * 10) / 10,
      awsReadsPerReconcile: Math.round(perReconcile * 10) / 10,
      awsReadsPerPass: Math.round(perReconcile * o.pairs),
      awsReadsPerInterval: Math.round(reads.length / intervals),
      apiserverMultiregionWrites: sumWrites(writes),
      apiserverByVerbResource: diffCounts(quietApiAfter.byVerbResource, quietApiBefore.byVerbResource),
      reconciles,
    };
    o.log(
      `  quiet ${quietSeconds.toFixed(0)} s: ${Object.values(steady.awsMutating).reduce((a, b) => a + b, 0)} AWS mutating calls, ${reads.length} AWS ` +
        `reads, ${steady.apiserverMultiregionWrites} multiregion.dev writes`,
    );
    o.log(
      `  ${reconciles} reconciles: ${steady.awsReadsPerReconcile} AWS reads per reconcile = ${steady.awsReadsPerPass} reads per drift pass of ${o.pairs} ` +
        `pairs (${steady.awsReadsPerInterval} per ${o.driftSeconds} s interval measured)`,
    );
    o.log(
      `  reads by operation: ${Object.entries(steady.awsReads)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    return { convergence, steady };
  } finally {
    await ctrl.stop();
    await proxy.stop();
  }
}
