// FailoverPolicies at scale, DNS only (no database, no health checks: Manual mode): N policies
// applied at once against one zone → time until all Ready, ChangeResourceRecordSets calls
// (batched across policies by the zone batcher), then a quiet window with a short drift interval.
import { API_VERSION } from '../../src/api/types.ts';
import { startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { seedHostedZone } from '../env/seed.ts';
import type { Stack } from '../env/stack.ts';
import { EAST, policyObj, WEST } from '../integration/failover-policy-fixtures.ts';
import { condition, Kube, type Obj } from '../integration/helpers.ts';
import { apiserverRequests, diffCounts, isMutating, sleep, sumWrites, tallyCalls } from './metrics.ts';

export const POLICIES_NS = 'bench-policies';

export interface PoliciesResult {
  policies: number;
  ready: number;
  seconds: number;
  changeBatches: number;
  awsCalls: Record<string, number>;
  quiet?: { seconds: number; driftIntervalSeconds: number; awsMutating: Record<string, number>; awsReads: number; apiserverMultiregionWrites: number };
}

export async function benchPolicies(
  stack: Stack,
  o: { policies: number; driftSeconds: number; quietSeconds: number; timeoutMs: number; log: (s: string) => void },
): Promise<PoliciesResult> {
  const kube = new Kube(stack.kc);
  await kube.ensureNamespace(POLICIES_NS);
  const zone = await seedHostedZone({ endpoint: stack.motoEndpoint }, 'policies.bench.example.com');
  const proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  const ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: proxy.endpoint,
    clusterId: 'bench',
    args: [`--drift-interval=${o.driftSeconds}s`, `--watch-namespace=${POLICIES_NS}`, '--concurrency=8', '--log-level=info'],
  });
  try {
    await sleep(1000);
    const names = Array.from({ length: o.policies }, (_, i) => `dns-${i}`);
    const mark = proxy.calls.length;
    const started = Date.now();
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map((n, k) =>
          kube.apply(
            policyObj(POLICIES_NS, n, {
              dns: {
                hostedZoneId: zone,
                recordName: `${n}.policies.bench.example.com`,
                ttl: 60,
                primary: { region: EAST, target: { ips: [`198.51.100.${(i + k) % 250}`] } },
                secondary: { region: WEST, target: { ips: ['203.0.113.20'] } },
              },
            }),
          ),
        ),
      );
    }
    let ready = 0;
    while (Date.now() - started < o.timeoutMs) {
      const items = ((await kube.api.list(API_VERSION, 'FailoverPolicy', POLICIES_NS)) as unknown as { items: Obj[] }).items;
      ready = items.filter((p) => condition(p, 'Ready')?.status === 'True' && (p.status?.observedGeneration ?? 0) >= (p.metadata.generation ?? 0)).length;
      if (ready === o.policies) break;
      await sleep(500);
    }
    const seconds = (Date.now() - started) / 1000;
    const calls = proxy.calls.slice(mark);
    const result: PoliciesResult = {
      policies: o.policies,
      ready,
      seconds,
      awsCalls: tallyCalls(calls),
      changeBatches: calls.filter((c) => c.operation === 'ChangeResourceRecordSets').length,
    };
    o.log(
      `  ${ready}/${o.policies} FailoverPolicies Ready in ${seconds.toFixed(1)} s; ${result.changeBatches} ChangeResourceRecordSets, ${calls.length} AWS calls`,
    );
    if (ready < o.policies) return result;
    await sleep(Math.min(o.driftSeconds * 1000, 10_000));
    const qMark = proxy.calls.length;
    const apiBefore = await apiserverRequests(stack.kc);
    const q0 = Date.now();
    await sleep(o.quietSeconds * 1000);
    const quietCalls = proxy.calls.slice(qMark);
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
    await ctrl.stop();
    await proxy.stop();
    await dropAll(kube);
  }
}

/** Deletes every policy without the controller (finalizers dropped), 50 at a time. */
async function dropAll(kube: Kube): Promise<void> {
  const items = ((await kube.api.list(API_VERSION, 'FailoverPolicy', POLICIES_NS)) as unknown as { items: Obj[] }).items;
  for (let i = 0; i < items.length; i += 50) {
    await Promise.all(
      items.slice(i, i + 50).map(async (p) => {
        await kube.mergePatch({ kind: 'FailoverPolicy', namespace: POLICIES_NS, name: p.metadata.name }, { metadata: { finalizers: null } });
        await kube.delete('FailoverPolicy', POLICIES_NS, p.metadata.name);
      }),
    );
  }
}
