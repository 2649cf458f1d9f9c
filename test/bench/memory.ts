// Controller memory with many objects cached: paused RegionPairs (the controller reconciles
// them, writes a Paused status, makes no AWS call), created in steps so the per-object cost
// shows, then every object forced through reconciles with the reconcile-now annotation.
import { API_VERSION } from '../../src/api/types.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { freePort } from '../env/ports.ts';
import type { Stack } from '../env/stack.ts';
import { condition, inChunks, Kube, type Obj } from '../integration/helpers.ts';
import { apiserverRequests, collectGarbage, controllerMemory, diffCounts, mib, type ProcessMemory, sleep } from './metrics.ts';

export const MEM_NS = 'bench-memory';

export interface MemoryStep {
  objects: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** Seconds from the first create of this step until every object shows the Paused status. */
  settleSeconds: number;
  apiserverByVerbResource: Record<string, number>;
}

export interface MemoryResult {
  baseline: { rssMiB: number; heapUsedMiB: number; note: string };
  steps: MemoryStep[];
  perObjectKiB: { rss: number; heapUsed: number };
  afterReconciles?: {
    rounds: number;
    reconciles: number;
    seconds: number;
    perSecond: number;
    rssMiB: number;
    heapUsedMiB: number;
    apiserverByVerbResource: Record<string, number>;
  };
  awsCalls: number;
}

const PAUSED = { 'multiregion.dev/paused': 'true' };

function pausedPair(i: number): Obj {
  const hex = i.toString(16).padStart(17, '0');
  return {
    apiVersion: API_VERSION,
    kind: 'RegionPair',
    metadata: { name: `idle-${i}`, namespace: MEM_NS, annotations: PAUSED },
    spec: {
      primary: { region: 'us-east-1', vpcAttachments: [{ vpcId: `vpc-${hex}`, subnetIds: [`subnet-${hex}`] }], cidrs: ['10.0.0.0/16'] },
      secondary: { region: 'us-west-2', vpcAttachments: [{ vpcId: `vpc-${hex}`, subnetIds: [`subnet-${hex}`] }], cidrs: ['10.1.0.0/16'] },
    },
  };
}

async function countPaused(kube: Kube): Promise<number> {
  const items = ((await kube.api.list(API_VERSION, 'RegionPair', MEM_NS)) as unknown as { items: Obj[] }).items;
  return items.filter((o) => condition(o, 'Synced')?.reason === 'Paused').length;
}

async function reconcileTotal(ctrl: ControllerProcess): Promise<number> {
  const page = await (await fetch(ctrl.metricsUrl)).text();
  return page
    .split('\n')
    .filter((l) => l.startsWith('multiregion_reconcile_total{') && l.includes('kind="RegionPair"'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Memory after a forced full GC (prom-client reads the heap when /metrics is scraped). */
async function settledMemory(ctrl: ControllerProcess, inspectPort: number): Promise<ProcessMemory> {
  await sleep(2000);
  await collectGarbage(inspectPort);
  return controllerMemory(ctrl.metricsUrl);
}

export async function benchMemory(
  stack: Stack,
  o: { levels: number[]; reconcileRounds: number; timeoutMs: number; log: (s: string) => void },
): Promise<MemoryResult> {
  const kube = new Kube(stack.kc);
  await kube.ensureNamespace(MEM_NS);
  const proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  const inspectPort = await freePort();
  const ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: proxy.endpoint,
    clusterId: 'bench',
    args: ['--log-level=info'],
    env: { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` },
  });
  try {
    const base = await settledMemory(ctrl, inspectPort);
    const existing = ((await kube.api.list(API_VERSION, 'RegionPair')) as unknown as { items: Obj[] }).items.length;
    const baseline = { rssMiB: mib(base.rssBytes), heapUsedMiB: mib(base.heapUsedBytes), note: `${existing} RegionPair(s) already in the cluster` };
    o.log(`  baseline: RSS ${baseline.rssMiB} MiB, heap ${baseline.heapUsedMiB} MiB (${baseline.note})`);
    const steps: MemoryStep[] = [];
    let made = 0;
    for (const level of o.levels) {
      const before = await apiserverRequests(stack.kc);
      const t0 = Date.now();
      const idx = Array.from({ length: level - made }, (_, k) => made + k);
      await inChunks(idx, 50, (i) => kube.apply(pausedPair(i)));
      made = level;
      let paused = 0;
      while (Date.now() - t0 < o.timeoutMs && (paused = await countPaused(kube)) < level) await sleep(2000);
      const settleSeconds = (Date.now() - t0) / 1000;
      const after = await apiserverRequests(stack.kc);
      const m = await settledMemory(ctrl, inspectPort);
      steps.push({
        objects: level,
        rssMiB: mib(m.rssBytes),
        heapUsedMiB: mib(m.heapUsedBytes),
        settleSeconds,
        apiserverByVerbResource: diffCounts(after.byVerbResource, before.byVerbResource),
      });
      o.log(`  ${level} objects (${paused} Paused) in ${settleSeconds.toFixed(1)} s: RSS ${mib(m.rssBytes)} MiB, heap ${mib(m.heapUsedBytes)} MiB`);
      if (paused < level) break;
    }
    const top = steps.at(-1)!;
    const perObjectKiB = {
      rss: Math.round((((top.rssMiB - baseline.rssMiB) * 1024) / top.objects) * 10) / 10,
      heapUsed: Math.round((((top.heapUsedMiB - baseline.heapUsedMiB) * 1024) / top.objects) * 10) / 10,
    };

    let afterReconciles: MemoryResult['afterReconciles'];
    if (o.reconcileRounds > 0) {
      const before = await apiserverRequests(stack.kc);
      const rec0 = await reconcileTotal(ctrl);
      const t0 = Date.now();
      const want = top.objects * o.reconcileRounds;
      for (let r = 0; r < o.reconcileRounds; r++) {
        const stamp = `${Date.now()}-${r}`;
        await inChunks(
          Array.from({ length: top.objects }, (_, i) => i),
          50,
          (i) =>
            kube.mergePatch(
              { kind: 'RegionPair', namespace: MEM_NS, name: `idle-${i}` },
              { metadata: { annotations: { 'multiregion.dev/reconcile-now': stamp } } },
            ),
        );
      }
      let done = 0;
      while (Date.now() - t0 < o.timeoutMs && (done = (await reconcileTotal(ctrl)) - rec0) < want) await sleep(1000);
      const seconds = (Date.now() - t0) / 1000;
      const after = await apiserverRequests(stack.kc);
      const m = await settledMemory(ctrl, inspectPort);
      afterReconciles = {
        rounds: o.reconcileRounds,
        reconciles: done,
        seconds,
        perSecond: Math.round(done / seconds),
        rssMiB: mib(m.rssBytes),
        heapUsedMiB: mib(m.heapUsedBytes),
        apiserverByVerbResource: diffCounts(after.byVerbResource, before.byVerbResource),
      };
      o.log(
        `  ${done} reconciles (${o.reconcileRounds} reconcile-now rounds over ${top.objects} objects) in ${seconds.toFixed(1)} s: RSS ${afterReconciles.rssMiB} MiB, heap ${afterReconciles.heapUsedMiB} MiB`,
      );
    }
    return { baseline, steps, perObjectKiB, afterReconciles, awsCalls: proxy.calls.length };
  } finally {
    await ctrl.stop();
    await proxy.stop();
  }
}
