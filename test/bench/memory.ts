// Controller memory with many objects cached: paused RegionPairs (the controller reconciles
// them, writes a Paused status, makes no AWS call), created in steps so the per-object cost
// shows, then every object forced through reconciles with the reconcile-now annotation.
// It measures the compiled controller the way the image runs it (`npm run build`, then
// `node dist/main.js`, the bundle, with the environment of the Dockerfile: NODE_ENV, NODE_OPTIONS,
// the jemalloc preload and its MALLOC_CONF; test/env/image-env.ts), not src/ through tsx.
// BENCH_HEAP_SNAPSHOT=<file> also writes a heap snapshot of the controller at the top level;
// BENCH_CONTROLLER_ENV='K=V K=V' adds environment to the controller (e.g. to try allocator or
// V8 options: MALLOC_CONF=narenas:2 replaces the image's, LD_PRELOAD= runs glibc's malloc;
// NODE_OPTIONS=--max-semi-space-size=4 is appended to the image's).
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { API_VERSION } from '../../src/api/types.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { imageEnvironmentHere } from '../env/image-env.ts';
import { freePort } from '../env/ports.ts';
import { repoRoot, type Stack } from '../env/stack.ts';
import { condition, inChunks, Kube, type Obj } from '../integration/helpers.ts';
import { apiserverRequests, collectGarbage, controllerMemory, diffCounts, mib, type ProcessMemory, sleep } from './metrics.ts';

export const MEM_NS = 'bench-memory';

export interface MemoryStep {
  objects: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** V8 heap committed (used + free pages + new space) and memory outside the V8 heap (Buffers). */
  heapTotalMiB: number;
  externalMiB: number;
  /** Seconds from the first create of this step until every object shows the Paused status. */
  settleSeconds: number;
  apiserverByVerbResource: Record<string, number>;
}

export interface MemoryResult {
  /** What ran: the compiled entry and the controller's NODE_OPTIONS. */
  controller: string;
  baseline: { rssMiB: number; heapUsedMiB: number; heapTotalMiB: number; externalMiB: number; note: string };
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

/**
 * The bench's own request to the apiserver, tried again when the connection failed before an
 * answer: on a machine at load 20–60 one of 5,000 requests did, and ended the phase. Both kinds
 * are safe to send twice: an apply of the same object, a patch setting the same annotation value.
 */
async function retryDroppedRequest<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= 3 || !(err instanceof TypeError && err.message === 'fetch failed')) throw err;
      await sleep(500 * attempt);
    }
  }
}

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

interface Memory extends ProcessMemory {
  externalBytes: number;
}

/** Memory after a forced full GC (prom-client reads the heap when /metrics is scraped). */
async function settledMemory(ctrl: ControllerProcess, inspectPort: number): Promise<Memory> {
  await sleep(2000);
  await collectGarbage(inspectPort);
  const m = await controllerMemory(ctrl.metricsUrl);
  const page = await (await fetch(ctrl.metricsUrl)).text();
  const line = page.split('\n').find((l) => l.startsWith('nodejs_external_memory_bytes '));
  return { ...m, externalBytes: line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN };
}

const figures = (m: Memory) => ({
  rssMiB: mib(m.rssBytes),
  heapUsedMiB: mib(m.heapUsedBytes),
  heapTotalMiB: mib(m.heapTotalBytes),
  externalMiB: mib(m.externalBytes),
});

/** Streams a heap snapshot of the controller (HeapProfiler over its inspector) into `file`. */
async function writeHeapSnapshot(inspectPort: number, file: string): Promise<void> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error('controller inspector: no target');
  const out = createWriteStream(file);
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onerror = () => reject(new Error('controller inspector: websocket error'));
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.takeHeapSnapshot', params: { reportProgress: false } }));
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number; method?: string; params?: { chunk?: string } };
      if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') out.write(msg.params?.chunk ?? '');
      else if (msg.id === 1) resolve();
    };
  });
  ws.close();
  await new Promise<void>((resolve) => out.end(resolve));
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
  o.log('  npm run build (the memory phase measures dist/main.js, as the image runs it)');
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  // The image's environment (Dockerfile), plus the inspector the bench forces GCs through.
  const extra = Object.fromEntries(
    (process.env.BENCH_CONTROLLER_ENV ?? '')
      .split(' ')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const image = imageEnvironmentHere();
  const nodeOptions = `${image.NODE_OPTIONS ?? ''} ${extra.NODE_OPTIONS ?? ''}`.replace(/ +/g, ' ').trim();
  const env = { ...image, ...extra, NODE_OPTIONS: nodeOptions };
  const ctrl = await startController({
    entry: 'dist/main.js',
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: proxy.endpoint,
    clusterId: 'bench',
    args: ['--log-level=info'],
    env: { ...env, NODE_OPTIONS: `${nodeOptions} --inspect=127.0.0.1:${inspectPort}`.trim() },
  });
  try {
    const base = await settledMemory(ctrl, inspectPort);
    const existing = ((await kube.api.list(API_VERSION, 'RegionPair')) as unknown as { items: Obj[] }).items.length;
    const baseline = { ...figures(base), note: `${existing} RegionPair(s) already in the cluster` };
    o.log(
      `  baseline: RSS ${baseline.rssMiB} MiB, heap ${baseline.heapUsedMiB} MiB used / ${baseline.heapTotalMiB} MiB total, external ` +
        `${baseline.externalMiB} MiB (${baseline.note})`,
    );
    const steps: MemoryStep[] = [];
    let made = 0;
    for (const level of o.levels) {
      const before = await apiserverRequests(stack.kc);
      const t0 = Date.now();
      const idx = Array.from({ length: level - made }, (_, k) => made + k);
      await inChunks(idx, 50, (i) => retryDroppedRequest(() => kube.apply(pausedPair(i))));
      made = level;
      let paused = 0;
      // At least 100 ms per new object: a loaded machine must not cut the step short (the figure
      // would then include the work still in flight).
      const stepTimeoutMs = Math.max(o.timeoutMs, idx.length * 100);
      while (Date.now() - t0 < stepTimeoutMs && (paused = await countPaused(kube)) < level) await sleep(2000);
      const settleSeconds = (Date.now() - t0) / 1000;
      const after = await apiserverRequests(stack.kc);
      const m = await settledMemory(ctrl, inspectPort);
      const f = figures(m);
      steps.push({ objects: level, ...f, settleSeconds, apiserverByVerbResource: diffCounts(after.byVerbResource, before.byVerbResource) });
      o.log(
        `  ${level} objects (${paused} Paused) in ${settleSeconds.toFixed(1)} s: RSS ${f.rssMiB} MiB, heap ${f.heapUsedMiB} MiB used / ${f.heapTotalMiB} ` +
          `MiB total, external ${f.externalMiB} MiB`,
      );
      if (paused < level) break;
    }
    const snapshot = process.env.BENCH_HEAP_SNAPSHOT;
    if (snapshot) {
      await writeHeapSnapshot(inspectPort, snapshot);
      o.log(`  heap snapshot written to ${snapshot}`);
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
            retryDroppedRequest(() =>
              kube.mergePatch(
                { kind: 'RegionPair', namespace: MEM_NS, name: `idle-${i}` },
                { metadata: { annotations: { 'multiregion.dev/reconcile-now': stamp } } },
              ),
            ),
        );
      }
      // Read at least once: on a loaded machine the patches alone can outlast the timeout.
      let done = (await reconcileTotal(ctrl)) - rec0;
      while (Date.now() - t0 < o.timeoutMs && done < want) {
        await sleep(1000);
        done = (await reconcileTotal(ctrl)) - rec0;
      }
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
        `  ${done} reconciles (${o.reconcileRounds} reconcile-now rounds over ${top.objects} objects) in ${seconds.toFixed(1)} s: RSS ` +
          `${afterReconciles.rssMiB} MiB, heap ${afterReconciles.heapUsedMiB} MiB`,
      );
    }
    const ran = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return { controller: `node dist/main.js (${ran.join(' ')})`, baseline, steps, perObjectKiB, afterReconciles, awsCalls: proxy.calls.length };
  } finally {
    await ctrl.stop();
    await proxy.stop();
  }
}
