// Failover reaction of the FailoverPolicy controller when many policies fail over at once: in
// each round, N fresh Automatic policies (each with its own primary DB, seeded; its replica,
// created by the controller; records in one zone) become FailoverReady under a controller of
// their own, in an emptied moto, then every primary's Unhealthy datapoint is put together. The
// reaction of a policy is the time from the put to its PromoteReadReplica at the fault proxy,
// minus unhealthyForSeconds. Rounds add samples: a p99 over more than 100 samples is not the maximum.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { API_VERSION } from '../../src/api/types.ts';
import { MIN_PARTIAL_SAMPLES } from '../../src/aws/cloudwatch/health-status.ts';
import { LIMITS } from '../../src/aws/ratelimit.ts';
import { startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { seedDatabase, seedDbSubnetGroup, seedHostedZone, seedVpc } from '../env/seed.ts';
import type { Stack } from '../env/stack.ts';
import { Aws, clearPolicies, EAST, policyObj, WEST } from '../integration/failover-policy-fixtures.ts';
import { condition, Kube, type Obj } from '../integration/helpers.ts';
import { apiserverRequests, diffCounts, sleep, tallyCalls } from './metrics.ts';
import { stackCpu, type WindowCpu, windowCpu } from './process-cpu.ts';

export const FAILOVER_NS = 'bench-failover';
const PROMOTE_REQUESTED_TAG = 'multiregion.dev/promote-requested-at';
/** The controller's health window (--health-period): short, so a flip is judged in seconds. */
const HEALTH_PERIOD_SECONDS = 10;
/** What an account with raised quotas lets the bench create health checks at (see raisedLimits). */
const RAISED_CREATE_HEALTH_CHECK = { ratePerSec: 10, burst: 100 };

export interface FailoverRound {
  /** Seconds from apply until every policy of the round was FailoverReady. */
  setupSeconds: number;
  /** Seconds beyond unhealthyForSeconds, per policy of the round. */
  reactionSeconds: number[];
  /** PromoteReadReplica calls seen for the round's policies. */
  promoted: number;
  /** Replicas carrying the promote-requested tag afterwards: each call was a different policy's. */
  taggedReplicas: number;
  /** 1-minute load average when the Unhealthy datapoints were put, and when the last promote was seen. */
  loadAverage: { atFlip: number; atEnd: number };
  /** AWS calls at the proxy from apply to FailoverReady, by `service:Operation`. */
  setupAwsCalls: Record<string, number>;
  /** AWS calls at the proxy from the flip to the last promote, by `service:Operation`. */
  reactionAwsCalls: Record<string, number>;
  /** apiserver requests from just before the put to the last promote (the apiserver's own counters), by verb and resource. */
  reactionApiserver: Record<string, number>;
  /**
   * CPU the stack (moto, etcd, apiserver, controller, this bench) spent from the failovers due
   * (board saw the put + unhealthyForSeconds) to the last promote, read every 250 ms.
   */
  reactionCpu: WindowCpu;
  /**
   * Seconds AWS's published RDS bucket (per account and Region: LIMITS.rds) alone needs for the
   * RDS calls made from the flip to the last promote, the burst spent first: the busier Region's.
   * No controller can beat it.
   */
  rdsFloorSeconds: number;
  /** RDS calls from the flip to the last promote, by Region. */
  rdsCallsByRegion: Record<string, number>;
  /** Per policy: from the put until the controller's health board saw the primary Unhealthy. */
  detectSeconds: number[];
  /** Per promote (in order): from the failover's trigger (FailingOver in status.history) to PromoteReadReplica. */
  triggerToPromoteSeconds: number[];
}

export interface FailoverResult {
  /** Policies failing over at once in each round. */
  policies: number;
  rounds: number;
  samples: number;
  unhealthyForSeconds: number;
  healthObserveIntervalSeconds: number;
  concurrency: number;
  /** Set-up of all rounds, seconds (apply → every policy FailoverReady), summed. */
  setupSeconds: number;
  /** --aws-rate-limits the controller ran with for set-up (an account with raised quotas), if any. */
  rateLimits?: string;
  /** Every sample, round after round. */
  reactionSeconds: number[];
  p50: number;
  p99: number;
  max: number;
  /** Whether the nearest-rank p99 is the worst sample (too few samples for a tail estimate). */
  p99IsMax: boolean;
  goalP99Seconds: number;
  roundDetails: FailoverRound[];
  /** A round that could not be measured (set-up timed out): the figures are those of the rounds before it. */
  error?: string;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The nearest-rank p99 is a sample below the maximum only from 101 samples on. */
export function p99IsWorstSample(samples: number): boolean {
  return Math.ceil(0.99 * samples) >= samples;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** RDS calls by Region: AWS counts the RDS request rate per account and Region (as the limiter does: limiterKey). */
export function rdsCallsByRegion(calls: readonly { service: string; region: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) if (c.service === 'rds') out[c.region] = (out[c.region] ?? 0) + 1;
  return out;
}

/** The published RDS bucket's floor for these calls, per Region (see FailoverRound.rdsFloorSeconds). */
export function rdsFloor(byRegion: Record<string, number>): number {
  const limit = LIMITS.rds!;
  return Math.max(0, ...Object.values(byRegion).map((n) => Math.max(0, n - limit.burst) / limit.ratePerSec));
}

async function listPolicies(kube: Kube, ns: string): Promise<Obj[]> {
  return ((await kube.api.list(API_VERSION, 'FailoverPolicy', ns)) as unknown as { items: Obj[] }).items;
}

async function putMetrics(aws: Aws, region: string, namespace: string, data: MetricDatum[]): Promise<void> {
  for (let i = 0; i < data.length; i += 500) {
    await aws.cw(region).send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + 500) }));
  }
}

const healthDatum = (id: string, value: number, at: Date): MetricDatum => ({
  MetricName: 'HealthCheckStatus',
  Dimensions: [{ Name: 'HealthCheckId', Value: id }],
  Value: value,
  Timestamp: at,
});

/**
 * Health checks per policy at once exceed the published CreateHealthCheck burst: set-up would
 * wait at 0.5/s. The bench then runs the controller as for an account with a raised quota for
 * that one action (the failover path never creates a check, so the reaction is not affected).
 */
export function raisedLimits(policies: number): string | undefined {
  const published = LIMITS['route53:CreateHealthCheck']!;
  if (2 * policies <= published.burst) return undefined;
  return `route53:CreateHealthCheck=${RAISED_CREATE_HEALTH_CHECK.ratePerSec}/${RAISED_CREATE_HEALTH_CHECK.burst}`;
}

interface RoundOptions {
  round: number;
  policies: number;
  unhealthyForSeconds: number;
  concurrency: number;
  rateLimits: string | undefined;
  timeoutMs: number;
  zone: string;
  log: (s: string) => void;
}

async function runRound(stack: Stack, kube: Kube, aws: Aws, proxy: FaultProxy, o: RoundOptions): Promise<FailoverRound> {
  const ns = `${FAILOVER_NS}-${o.round}`;
  await kube.ensureNamespace(ns);
  const seed = { endpoint: stack.motoEndpoint };
  const names = Array.from({ length: o.policies }, (_, i) => `r${o.round}-fo-${i}`);
  // In a DB subnet group, as every instance in a VPC is on AWS: the fence reads its VPC from the
  // instance, not from a DescribeSecurityGroups of its groups (which only an instance without one needs).
  const subnetGroup = await seedDbSubnetGroup(seed, EAST, `${ns}-db`, await seedVpc(seed, EAST, `10.${200 + o.round}.0.0/16`));
  for (let i = 0; i < names.length; i += 10) await Promise.all(names.slice(i, i + 10).map((n) => seedDatabase(seed, EAST, `${n}-db`, { subnetGroup })));
  const ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: proxy.endpoint,
    clusterId: 'bench',
    args: [
      '--health-observe-interval=1s',
      `--health-period=${HEALTH_PERIOD_SECONDS}s`,
      `--watch-namespace=${ns}`,
      `--concurrency=${o.concurrency}`,
      '--log-level=info',
      ...(o.rateLimits ? [`--aws-rate-limits=${o.rateLimits}`] : []),
    ],
  });
  try {
    const check = { type: 'HTTPS', path: '/health/deep', port: 443 };
    const setupMark = proxy.calls.length;
    const t0 = Date.now();
    await Promise.all(
      names.map((n) =>
        kube.apply(
          policyObj(ns, n, {
            dns: {
              hostedZoneId: o.zone,
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

    // As each policy gets its checks and replica, one lag datapoint for its replica (moto's
    // GetMetricData takes no Maximum over several) and one Healthy datapoint per check go in, as
    // CloudWatch publishes them for a new replica and new checks: a policy can be FailoverReady
    // as soon as it is set up, not only after the last one. Healthy once: the controller judges
    // the newest period with data (stale only after 5 min). Republished, the primaries' Healthy
    // probes would share the flip's period and make it a mixed (Unknown) one, so the reaction
    // would wait for the next period.
    let items: Obj[] = [];
    const name = (p: Obj): string => p.metadata.name as string;
    const checksOf = (p: Obj) => p.status.healthCheckIds as { primary: string; secondary: string };
    const hasChecks = (p: Obj): boolean => !!p.status?.healthCheckIds?.secondary && !!p.status?.database?.replica;
    const fed = new Set<string>();
    let healthyAt = new Date();
    while (Date.now() - t0 < o.timeoutMs && fed.size < o.policies) {
      items = await listPolicies(kube, ns);
      const fresh = items.filter((p) => hasChecks(p) && !fed.has(name(p)));
      if (fresh.length > 0) {
        await putMetrics(
          aws,
          WEST,
          'AWS/RDS',
          fresh.map((p) => ({
            MetricName: 'ReplicaLag',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: `${name(p)}-db-replica` }],
            Value: 2,
            Timestamp: new Date(),
          })),
        );
        healthyAt = new Date();
        await putMetrics(
          aws,
          EAST,
          'AWS/Route53',
          fresh.map(checksOf).flatMap((c) => [healthDatum(c.primary, 1, healthyAt), healthDatum(c.secondary, 1, healthyAt)]),
        );
        for (const p of fresh) fed.add(name(p));
      }
      if (fed.size < o.policies) await sleep(2000);
    }
    if (fed.size < o.policies) throw new Error(`only ${fed.size}/${o.policies} policies got their health checks and replica`);
    const checksSeconds = (Date.now() - t0) / 1000;
    const checkOf = new Map(items.map((p) => [name(p), checksOf(p)]));
    const standby = (p: Obj): boolean => condition(p, 'FailoverReady')?.status === 'True';
    while (Date.now() - t0 < o.timeoutMs && (items = await listPolicies(kube, ns)).filter(standby).length < o.policies) await sleep(1000);
    const ready = items.filter(standby).length;
    if (ready < o.policies) throw new Error(`round ${o.round}: only ${ready}/${o.policies} policies FailoverReady`);
    const setupSeconds = (Date.now() - t0) / 1000;
    o.log(
      `  round ${o.round}: ${o.policies} policies FailoverReady in ${setupSeconds.toFixed(1)} s (health checks and replicas of all after ` +
        `${checksSeconds.toFixed(1)} s; ${tallyCalls(proxy.calls.slice(setupMark))['route53:CreateHealthCheck'] ?? 0} CreateHealthCheck)`,
    );

    // AWS's EC2 API is never cold; moto's first EC2 request of a Region loads the EC2 model and
    // builds the Region's backend (0.3 s, before moto_dispatch.py's single load: 0.6-1.3 s for
    // eight at once). The fences are the reaction's first EC2 calls: warmed here, as on AWS.
    await aws.ec2(EAST).send(new DescribeSecurityGroupsCommand({ MaxResults: 5 }));

    // All primaries turn Unhealthy in one PutMetricData. The controller judges the newest
    // complete health period (moto reports no period still running), so the datapoints go into
    // the period that just ended, one without the Healthy datapoints: as Route 53 reports its
    // checkers' minute a little late. The signal is observable the moment the put returns, which
    // is where the reaction starts. It stays the newest period with data, so Unhealthy holds without
    // republishing (which would only grow the metric store moto scans on every GetMetricData).
    const periodMs = HEALTH_PERIOD_SECONDS * 1000;
    const periodOf = (t: number): number => Math.floor(t / periodMs) * periodMs;
    const flipPeriod = periodOf(healthyAt.getTime()) + periodMs;
    await sleep(Math.max(0, flipPeriod + periodMs + 50 - Date.now()));
    const flipAt = new Date(Math.max(flipPeriod, periodOf(Date.now()) - periodMs) + periodMs / 2);
    const unhealthy = (n: number, at = new Date()): MetricDatum[] =>
      [...checkOf.values()].flatMap((c) => Array.from({ length: n }, () => healthDatum(c.primary, 0, at)));
    const apiBefore = await apiserverRequests(kube.kc);
    const mark = proxy.calls.length;
    const atFlip = loadavg()[0]!;
    await putMetrics(aws, EAST, 'AWS/Route53', unhealthy(MIN_PARTIAL_SAMPLES, flipAt));
    const putAt = Date.now();
    const promotes = () => proxy.calls.slice(mark).filter((c) => c.service === 'rds' && c.operation === 'PromoteReadReplica');
    const deadline = Date.now() + o.unhealthyForSeconds * 1000 + 90_000;
    // The stack's CPU, read every poll: the wave is counted from when the failovers became due
    // (the board saw the put, plus unhealthyForSeconds; known from status afterwards) to the last promote.
    const cpuSamples: { at: number; cpu: Record<string, number> }[] = [{ at: putAt, cpu: stackCpu() }];
    while (Date.now() < deadline && promotes().length < o.policies) {
      await sleep(250);
      cpuSamples.push({ at: Date.now(), cpu: stackCpu() });
    }
    const atEnd = loadavg()[0]!;
    const reactionApiserver = diffCounts((await apiserverRequests(kube.kc)).byVerbResource, apiBefore.byVerbResource);
    const calls = promotes().sort((a, b) => a.at - b.at);
    if (calls.length < o.policies) o.log(`  round ${o.round}: only ${calls.length}/${o.policies} PromoteReadReplica calls seen`);
    const last = calls.at(-1);
    const window = proxy.calls.slice(mark, last ? proxy.calls.indexOf(last) + 1 : undefined);
    const reactionAwsCalls = tallyCalls(window);
    const rdsByRegion = rdsCallsByRegion(window);

    // One put for all: every policy's reaction starts at putAt, so each call is one sample
    // whichever policy it was. The promote-requested tags check that each was another policy's.
    const tagged = new Set<string>();
    for (const n of names) {
      const i = (await aws.rds(WEST).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${n}-db-replica` }))).DBInstances?.[0];
      if (i?.TagList?.some((t) => t.Key === PROMOTE_REQUESTED_TAG)) tagged.add(n);
    }
    const reactionSeconds = calls.map((c) => round2((c.at - putAt) / 1000 - o.unhealthyForSeconds));
    // The window's calls in order, seconds after the put: where the time went, call by call.
    if (process.env.BENCH_FAILOVER_LOG) {
      const lines = window.map(
        (c) => `${((c.at - putAt) / 1000).toFixed(3)} ${c.region} ${c.service}:${c.operation}${c.status && c.status >= 300 ? ` ${c.status}` : ''}`,
      );
      writeFileSync(`${process.env.BENCH_FAILOVER_LOG}.calls.${o.round}`, `${lines.join('\n')}\n`);
      // The round's Events too, by first time written (seconds after the put) and reason.
      type Ev = { reason?: string; count?: number; eventTime?: string; firstTimestamp?: string };
      const events = ((await kube.api.list('v1', 'Event', ns)) as unknown as { items: Ev[] }).items;
      const eventLines = events.map((e) => `${((Date.parse(e.eventTime ?? e.firstTimestamp ?? '') - putAt) / 1000).toFixed(3)} ${e.reason} ×${e.count ?? 1}`);
      writeFileSync(
        `${process.env.BENCH_FAILOVER_LOG}.events.${o.round}`,
        `${eventLines.sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b)).join('\n')}\n`,
      );
    }
    // Where the time went, from the policies' own status: when the health board saw the primary
    // Unhealthy (health.primarySince), and when the failover was triggered (the FailingOver
    // history entry). Promotes in call order against those in order: the split is statistical.
    // A failover reaches status after its promote (its marks carry it until the first look,
    // PROMOTE_FIRST_LOOK_MS later): waited for here, after the window.
    const triggerOf = (p: Obj): string | undefined =>
      (p.status?.history as { phase: string; at: string }[] | undefined)?.find((h) => h.phase === 'FailingOver')?.at;
    let after = await listPolicies(kube, ns);
    for (let i = 0; i < 60 && after.some((p) => !triggerOf(p)); i++) {
      await sleep(500);
      after = await listPolicies(kube, ns);
    }
    // One policy as stored after its failover: what each status write of the wave carries.
    if (process.env.BENCH_FAILOVER_LOG && after[0])
      writeFileSync(`${process.env.BENCH_FAILOVER_LOG}.policy.${o.round}.json`, JSON.stringify(after[0], null, 1));
    const seenAt = after.map((p) => Date.parse(p.status?.health?.primarySince ?? '')).filter(Number.isFinite);
    const triggeredAt = after
      .map((p) => Date.parse(triggerOf(p) ?? ''))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const dueAt = (seenAt.length > 0 ? Math.min(...seenAt) : putAt) + o.unhealthyForSeconds * 1000;
    const fromSample = cpuSamples.filter((x) => x.at <= dueAt).at(-1) ?? cpuSamples[0]!;
    const toSample = cpuSamples.at(-1)!;
    const reactionCpu = windowCpu(fromSample.cpu, toSample.cpu, (toSample.at - fromSample.at) / 1000);
    const split = {
      detectSeconds: seenAt.map((t) => round2((t - putAt) / 1000)),
      triggerToPromoteSeconds: calls.slice(0, triggeredAt.length).map((c, k) => round2((c.at - triggeredAt[k]!) / 1000)),
    };
    return {
      setupSeconds,
      reactionSeconds,
      promoted: calls.length,
      taggedReplicas: tagged.size,
      loadAverage: { atFlip: round2(atFlip), atEnd: round2(atEnd) },
      setupAwsCalls: tallyCalls(proxy.calls.slice(setupMark, mark)),
      reactionAwsCalls,
      reactionApiserver,
      reactionCpu,
      rdsFloorSeconds: round2(rdsFloor(rdsByRegion)),
      rdsCallsByRegion: rdsByRegion,
      ...split,
    };
  } finally {
    await ctrl.stop();
    // The controller's own account of the round, for when the figures need explaining.
    if (process.env.BENCH_FAILOVER_LOG) writeFileSync(`${process.env.BENCH_FAILOVER_LOG}.${o.round}`, ctrl.logs());
  }
}

export async function benchFailover(
  stack: Stack,
  o: { policies: number; rounds: number; unhealthyForSeconds: number; concurrency?: number; timeoutMs: number; log: (s: string) => void },
): Promise<FailoverResult> {
  const kube = new Kube(stack.kc);
  const aws = new Aws(stack.motoEndpoint);
  const proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  const concurrency = o.concurrency ?? 8;
  const rateLimits = raisedLimits(o.policies);
  const rounds: FailoverRound[] = [];
  let roundError: string | undefined;
  try {
    for (let round = 0; round < o.rounds; round++) {
      let r: FailoverRound;
      try {
        // Each round in an empty moto (the last round's controller has stopped): moto scans every
        // instance, health check and datapoint it holds on each call, so rounds in one moto grew
        // slower to set up (148, 257, 387 s), a moto artefact: on AWS other resources do not slow a call.
        if (round > 0) await stack.resetMoto();
        const zone = await seedHostedZone({ endpoint: stack.motoEndpoint }, 'failover.bench.example.com');
        r = await runRound(stack, kube, aws, proxy, {
          round,
          policies: o.policies,
          unhealthyForSeconds: o.unhealthyForSeconds,
          concurrency,
          rateLimits,
          timeoutMs: o.timeoutMs,
          zone,
          log: o.log,
        });
      } catch (err) {
        // The rounds measured so far are reported, with why the rest is missing.
        roundError = `round ${round}: ${(err as Error).message}`;
        o.log(`  ${roundError}`);
        break;
      }
      const sorted = [...r.reactionSeconds].sort((a, b) => a - b);
      const det = [...r.detectSeconds].sort((a, b) => a - b);
      const eng = [...r.triggerToPromoteSeconds].sort((a, b) => a - b);
      const rdsCalls = Object.entries(r.rdsCallsByRegion)
        .map(([region, n]) => `${n} in ${region}`)
        .join(', ');
      const rdsPerFailover = Object.values(r.rdsCallsByRegion).reduce((a, b) => a + b, 0) / Math.max(1, r.promoted);
      o.log(
        `  round ${round}: board saw Unhealthy p50 ${percentile(det, 50)} s / max ${det.at(-1)} s after the put; ` +
          `trigger → promote p50 ${percentile(eng, 50)} s / max ${eng.at(-1)} s; ` +
          `RDS calls ${rdsCalls} (${rdsPerFailover.toFixed(1)} per failover), RDS floor ${r.rdsFloorSeconds} s`,
      );
      o.log(
        `  round ${round}: apiserver requests from the put to the last promote: ${Object.entries(r.reactionApiserver)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k}=${n}`)
          .join(', ')}`,
      );
      const cpu = r.reactionCpu;
      const parts = Object.entries(cpu.byPart)
        .sort(([, a], [, b]) => b - a)
        .map(([k, n]) => `${k} ${n} s`)
        .join(', ');
      o.log(
        `  round ${round}: CPU from the failovers due (the board saw the put, + unhealthyForSeconds) to the last promote: ${parts} = ` +
          `${cpu.total} s in ${cpu.wallSeconds.toFixed(1)} s on ${cpu.cores} cores ` +
          `(busy ${Math.round(cpu.busyShare * 100)} %; the same work needs ≥ ${cpu.floorSeconds} s here)`,
      );
      o.log(
        `  round ${round}: reaction p50 ${percentile(sorted, 50)} s, max ${sorted.at(-1)} s over ${sorted.length} (load ${r.loadAverage.atFlip} → ` +
          `${r.loadAverage.atEnd})`,
      );
      rounds.push(r);
    }
  } finally {
    await proxy.stop();
    aws.destroy();
    for (let round = 0; round < o.rounds; round++) await clearPolicies(kube, `${FAILOVER_NS}-${round}`).catch(() => {});
  }
  const reactionSeconds = rounds.flatMap((r) => r.reactionSeconds);
  const sorted = [...reactionSeconds].sort((a, b) => a - b);
  const result: FailoverResult = {
    policies: o.policies,
    rounds: rounds.length,
    samples: sorted.length,
    unhealthyForSeconds: o.unhealthyForSeconds,
    healthObserveIntervalSeconds: 1,
    concurrency,
    setupSeconds: round2(rounds.reduce((s, r) => s + r.setupSeconds, 0)),
    ...(rateLimits && { rateLimits }),
    reactionSeconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    p99IsMax: p99IsWorstSample(sorted.length),
    goalP99Seconds: 2,
    roundDetails: rounds,
    ...(roundError && { error: roundError }),
  };
  o.log(
    `  reaction beyond unhealthyForSeconds=${o.unhealthyForSeconds}: p50 ${result.p50} s, p99 ${result.p99} s, max ${result.max} s over ` +
      `${result.samples} samples (${o.rounds} × ${o.policies} at once)`,
  );
  return result;
}
