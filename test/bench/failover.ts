// Failover reaction of the FailoverPolicy controller: N Automatic policies, each with its own
// primary DB (seeded), replica (created by the controller) and records in one zone. Once all
// are FailoverReady, each primary's Unhealthy datapoint is put in turn (spaced apart, so the
// samples do not queue behind each other), and the time from that put to the policy's
// PromoteReadReplica at the fault proxy, minus unhealthyForSeconds, is the reaction.
import { type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { API_VERSION } from '../../src/api/types.ts';
import { startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { seedDatabase, seedHostedZone } from '../env/seed.ts';
import type { Stack } from '../env/stack.ts';
import { Aws, clearPolicies, EAST, policyObj, WEST } from '../integration/failover-policy-fixtures.ts';
import { condition, Kube, type Obj } from '../integration/helpers.ts';
import { sleep, tallyCalls } from './metrics.ts';

export const FAILOVER_NS = 'bench-failover';
const PROMOTE_REQUESTED_TAG = 'multiregion.dev/promote-requested-at';

export interface FailoverResult {
  policies: number;
  samples: number;
  unhealthyForSeconds: number;
  healthObserveIntervalSeconds: number;
  spacingMs: number;
  /** Seconds from apply until every policy was FailoverReady (CreateHealthCheck at 0.5/s dominates). */
  setupSeconds: number;
  /** Seconds beyond unhealthyForSeconds, per sample, in put order. */
  reactionSeconds: number[];
  p50: number;
  p99: number;
  max: number;
  /** How each Unhealthy put was matched to its PromoteReadReplica call. */
  matchedBy: 'promote-requested tag' | 'order';
  goalP99Seconds: number;
  setupAwsCalls: Record<string, number>;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

async function listPolicies(kube: Kube): Promise<Obj[]> {
  return ((await kube.api.list(API_VERSION, 'FailoverPolicy', FAILOVER_NS)) as unknown as { items: Obj[] }).items;
}

async function putMetrics(aws: Aws, region: string, namespace: string, data: MetricDatum[]): Promise<void> {
  for (let i = 0; i < data.length; i += 20) {
    await aws.cw(region).send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + 20) }));
  }
}

export async function benchFailover(
  stack: Stack,
  o: { policies: number; unhealthyForSeconds: number; spacingMs: number; timeoutMs: number; log: (s: string) => void },
): Promise<FailoverResult> {
  const kube = new Kube(stack.kc);
  await kube.ensureNamespace(FAILOVER_NS);
  const aws = new Aws(stack.motoEndpoint);
  const seed = { endpoint: stack.motoEndpoint };
  const zone = await seedHostedZone(seed, 'failover.bench.example.com');
  const names = Array.from({ length: o.policies }, (_, i) => `fo-${i}`);
  for (let i = 0; i < names.length; i += 10) await Promise.all(names.slice(i, i + 10).map((n) => seedDatabase(seed, EAST, `${n}-db`)));
  const proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  const ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: proxy.endpoint,
    clusterId: 'bench',
    args: ['--health-observe-interval=1s', '--health-period=10s', `--watch-namespace=${FAILOVER_NS}`, '--concurrency=8', '--log-level=info'],
  });
  try {
    const check = { type: 'HTTPS', path: '/health/deep', port: 443 };
    const t0 = Date.now();
    await Promise.all(
      names.map((n) =>
        kube.apply(
          policyObj(FAILOVER_NS, n, {
            dns: {
              hostedZoneId: zone,
              recordName: `${n}.failover.bench.example.com`,
              ttl: 30,
              primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: check },
              secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: check },
            },
            database: {
              engine: 'postgres',
              primary: { region: EAST, instanceIdentifier: `${n}-db` },
              replica: { region: WEST, instanceIdentifier: `${n}-db-replica` },
              maxReplicaLagSeconds: 30,
              connectionSecret: { name: `${n}-conn` },
            },
            failover: { mode: 'Automatic', unhealthyForSeconds: o.unhealthyForSeconds },
          }),
        ),
      ),
    );

    // Checks and replicas exist → one lag datapoint per replica (moto's GetMetricData takes no
    // Maximum over several) and a Healthy datapoint per check.
    let items: Obj[] = [];
    const hasChecks = (p: Obj): boolean => !!p.status?.healthCheckIds?.secondary && !!p.status?.database?.replica;
    while (Date.now() - t0 < o.timeoutMs && (items = await listPolicies(kube)).filter(hasChecks).length < o.policies) await sleep(2000);
    if (items.filter(hasChecks).length < o.policies)
      throw new Error(`only ${items.filter(hasChecks).length}/${o.policies} policies got their health checks and replica`);
    const checkOf = new Map(items.map((p) => [p.metadata.name, p.status.healthCheckIds as { primary: string; secondary: string }]));
    const healthDatum = (id: string, value: number): MetricDatum => ({
      MetricName: 'HealthCheckStatus',
      Dimensions: [{ Name: 'HealthCheckId', Value: id }],
      Value: value,
      Timestamp: new Date(),
    });
    await putMetrics(
      aws,
      WEST,
      'AWS/RDS',
      names.map((n) => ({
        MetricName: 'ReplicaLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: `${n}-db-replica` }],
        Value: 2,
        Timestamp: new Date(),
      })),
    );
    await putMetrics(
      aws,
      EAST,
      'AWS/Route53',
      [...checkOf.values()].flatMap((c) => [healthDatum(c.primary, 1), healthDatum(c.secondary, 1)]),
    );
    const standby = (p: Obj): boolean => condition(p, 'FailoverReady')?.status === 'True';
    while (Date.now() - t0 < o.timeoutMs && (items = await listPolicies(kube)).filter(standby).length < o.policies) await sleep(1000);
    const ready = items.filter(standby).length;
    if (ready < o.policies) throw new Error(`only ${ready}/${o.policies} policies FailoverReady`);
    const setupSeconds = (Date.now() - t0) / 1000;
    const setupAwsCalls = tallyCalls(proxy.calls);
    o.log(`  ${o.policies} policies FailoverReady in ${setupSeconds.toFixed(1)} s (${setupAwsCalls['route53:CreateHealthCheck'] ?? 0} CreateHealthCheck)`);

    const mark = proxy.calls.length;
    const putAt = new Map<string, number>();
    const flip0 = Date.now();
    for (const [i, n] of names.entries()) {
      await sleep(Math.max(0, flip0 + i * o.spacingMs - Date.now()));
      await aws.putHealth(checkOf.get(n)!.primary, 0);
      putAt.set(n, Date.now());
    }
    const promotes = () => proxy.calls.slice(mark).filter((c) => c.service === 'rds' && c.operation === 'PromoteReadReplica');
    const deadline = Date.now() + o.unhealthyForSeconds * 1000 + 90_000;
    while (Date.now() < deadline && promotes().length < o.policies) await sleep(500);
    const calls = promotes().sort((a, b) => a.at - b.at);
    if (calls.length < o.policies) o.log(`  only ${calls.length}/${o.policies} PromoteReadReplica calls seen`);

    // The controller tags each replica just before its PromoteReadReplica: that order is the
    // call order, so it pairs calls with policies even if two failovers overtake each other.
    const tagAt = new Map<string, number>();
    for (const n of names) {
      const i = (await aws.rds(WEST).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${n}-db-replica` }))).DBInstances?.[0];
      const v = i?.TagList?.find((t) => t.Key === PROMOTE_REQUESTED_TAG)?.Value;
      if (v && !Number.isNaN(Date.parse(v))) tagAt.set(n, Date.parse(v));
    }
    const byTag = tagAt.size === calls.length;
    const order = byTag
      ? [...tagAt.entries()].sort((a, b) => a[1] - b[1]).map(([n]) => n)
      : [...putAt.entries()]
          .sort((a, b) => a[1] - b[1])
          .map(([n]) => n)
          .slice(0, calls.length);
    const reactionByName = new Map(order.map((n, k) => [n, (calls[k]!.at - putAt.get(n)!) / 1000 - o.unhealthyForSeconds]));
    const reactionSeconds = names.filter((n) => reactionByName.has(n)).map((n) => round2(reactionByName.get(n)!));
    const sorted = [...reactionSeconds].sort((a, b) => a - b);
    const result: FailoverResult = {
      policies: o.policies,
      samples: sorted.length,
      unhealthyForSeconds: o.unhealthyForSeconds,
      healthObserveIntervalSeconds: 1,
      spacingMs: o.spacingMs,
      setupSeconds,
      reactionSeconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
      matchedBy: byTag ? 'promote-requested tag' : 'order',
      goalP99Seconds: 2,
      setupAwsCalls,
    };
    o.log(
      `  reaction beyond unhealthyForSeconds=${o.unhealthyForSeconds}: p50 ${result.p50} s, p99 ${result.p99} s, max ${result.max} s over ${result.samples} samples (matched by ${result.matchedBy})`,
    );
    return result;
  } finally {
    await ctrl.stop();
    await proxy.stop();
    aws.destroy();
    await clearPolicies(kube, FAILOVER_NS);
  }
}
