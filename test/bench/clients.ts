// ClientConnections at scale on one Ready RegionPair (the integration fixtures' world): time
// until all are Ready, AWS calls by operation, then a quiet window with a short drift interval
// in which nothing should be written to AWS.
import { API_VERSION } from '../../src/api/types.ts';
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
  quiet?: { seconds: number; driftIntervalSeconds: number; awsMutating: Record<string, number>; awsReads: number; apiserverMultiregionWrites: number };
}

export async function benchClients(
  stack: Stack,
  o: { clients: number; driftSeconds: number; quietSeconds: number; timeoutMs: number; log: (s: string) => void },
): Promise<ClientsResult> {
  const kube = new Kube(stack.kc);
  for (const ns of [PAIR_NS, CLIENT_NS, OTHER_NS]) await kube.ensureNamespace(ns);
  let w: World | undefined;
  try {
    w = await setUpWorld(stack, kube, 'bench-clients', ['--concurrency=8', `--drift-interval=${o.driftSeconds}s`, '--log-level=info']);
    const world = w;
    const mark = world.proxy.calls.length;
    const started = Date.now();
    const names = Array.from({ length: o.clients }, (_, i) => `client-${i}`);
    await inChunks(names, 50, (n, i) => kube.apply(clientObj(world, n, [clientCidr(i)])));
    let ready = 0;
    while (Date.now() - started < o.timeoutMs) {
      const items = ((await kube.api.list(API_VERSION, 'ClientConnection', CLIENT_NS)) as unknown as { items: Obj[] }).items;
      ready = items.filter((c) => condition(c, 'Ready')?.status === 'True' && c.status?.observabilityHash).length;
      if (ready === o.clients) break;
      await sleep(1000);
    }
    const seconds = (Date.now() - started) / 1000;
    const calls = world.proxy.calls.slice(mark);
    const result: ClientsResult = {
      clients: o.clients,
      ready,
      seconds,
      awsCalls: tallyCalls(calls),
      awsCallsPerClient: Math.round((calls.length / o.clients) * 10) / 10,
      rssMiB: mib((await controllerMemory(world.ctrl.metricsUrl)).rssBytes),
    };
    o.log(`  ${ready}/${o.clients} ClientConnections Ready in ${seconds.toFixed(1)} s; ${calls.length} AWS calls`);
    if (ready < o.clients) return result;
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
      `  quiet ${result.quiet.seconds.toFixed(0)} s: ${Object.values(result.quiet.awsMutating).reduce((a, b) => a + b, 0)} AWS mutating, ${result.quiet.awsReads} reads, ${result.quiet.apiserverMultiregionWrites} multiregion.dev writes`,
    );
    return result;
  } finally {
    await tearDown(kube, w);
  }
}
