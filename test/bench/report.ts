// The human-readable side of the bench: a table of what was measured, and next to it the
// figures other projects publish about themselves (quoted as their claims, not re-measured).
import type { ClientsResult } from './clients.ts';
import { type FailoverResult, percentile } from './failover.ts';
import { benchTimeGoal, convergenceGoal, memoryGoal, readsGoal } from './goal.ts';
import type { MemoryResult } from './memory.ts';
import type { PoliciesResult } from './policies.ts';
import type { PairBench } from './region-pairs.ts';
import type { Route53Result } from './route53.ts';

export interface BenchResults {
  startedAt: string;
  mode: 'quick' | 'full';
  config: Record<string, unknown>;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  route53?: Route53Result;
  clients?: ClientsResult;
  /** RegionPairs at the convergence goal's size (10). */
  regionPairs?: PairBench;
  /** RegionPairs at the reads goal's larger size (100): reads per drift pass beside those at 10. */
  regionPairsLarge?: PairBench;
  memory?: MemoryResult;
  policies?: PoliciesResult;
  failover?: FailoverResult;
  notMeasured: string[];
  error?: string;
  /** Wall time of each phase, stack resets included, and of the whole run. */
  phaseSeconds?: Record<string, number>;
  totalSeconds?: number;
}

export const PUBLISHED_ALTERNATIVES = [
  'Crossplane (published scale tests of the big providers, e.g. provider-aws): provider pods using several GB of memory, and about 19 min for 100 ' +
    'managed resources to become Ready.',
  'AWS Controllers for Kubernetes (ACK): default resync period of 10 h (drift outside Kubernetes is seen up to 10 h later unless reconfigured).',
];

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
const fmt = (r: Record<string, number>): string =>
  Object.entries(r)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || '(none)';

const statusWrites = (r: Record<string, number>): number =>
  Object.entries(r)
    .filter(([k]) => /^(PATCH|PUT|APPLY) regionpairs\/status$/.test(k))
    .reduce((n, [, v]) => n + v, 0);

function table(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

export function printReport(r: BenchResults): void {
  const rows: Array<[string, string]> = [];
  const m = r.machine;
  rows.push(['machine', `${m.cpus} CPU (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`]);
  if (r.route53) {
    const q = r.route53;
    rows.push(['Route 53 records UPSERTed', `${q.records} (${q.policies} failover pairs, record cost ${q.recordCost})`]);
    rows.push([
      '  ChangeResourceRecordSets, batched',
      `${q.batchedCalls} calls (ceil(cost/1000) = ${q.expectedCalls}), ${q.batchedSeconds.toFixed(1)} s, changes per batch ${q.changesPerBatch.join('/')}`,
    ]);
    rows.push(['  ChangeResourceRecordSets, one per policy', `${q.naiveCalls} calls, ${q.naiveSeconds.toFixed(1)} s`]);
  }
  const cc = r.clients;
  if (cc) {
    rows.push([
      'ClientConnections Ready',
      `${cc.ready}/${cc.clients} in ${cc.seconds.toFixed(1)} s (--concurrency=${cc.concurrency}), ${cc.awsCallsPerClient} AWS calls per client, RSS ` +
        `${cc.rssMiB} MiB`,
    ]);
    const rates = Object.entries(cc.rateLimits ?? {});
    rows.push([
      '  rates run with',
      rates.length ? `raised: ${rates.map(([f, b]) => `${f}=${b.ratePerSec}/${b.burst}`).join(', ')}; others published` : 'published',
    ]);
    rows.push(['  Ready after (clients: s)', fmt(cc.readyAfter ?? {})]);
    const p = cc.profile;
    if (p)
      rows.push([
        '  where the time went',
        `${fmt(p.reconciles)} reconciles, ${p.reconcileSeconds} s in them = workers busy ${Math.round(p.workerBusyShare * 100)} %; AWS call time ` +
          `(limiter wait excluded) s: ${fmt(p.awsCallSeconds)}`,
      ]);
    if (p) {
      // The controller's own apiserver writes (the bench's APPLYs excluded): create-pending and finalizer patches, status, Events.
      const writes = Object.fromEntries(Object.entries(p.apiserver).filter(([k]) => /^(PATCH|PUT|POST) (clientconnections|events)/.test(k)));
      rows.push(['  apiserver writes', `${fmt(writes)} = ${(sum(writes) / Math.max(1, cc.ready)).toFixed(1)} per Ready client`]);
    }
    if (cc.quiet)
      rows.push([
        `  quiet ${cc.quiet.seconds.toFixed(0)} s, drift ${cc.quiet.driftIntervalSeconds} s`,
        `AWS mutating ${sum(cc.quiet.awsMutating)}${sum(cc.quiet.awsMutating) ? ` (${fmt(cc.quiet.awsMutating)})` : ''}, ` +
          `AWS reads ${cc.quiet.awsReads}, multiregion.dev writes ${cc.quiet.apiserverMultiregionWrites}`,
      ]);
  }
  const c = r.regionPairs?.convergence;
  if (c) {
    rows.push([
      'RegionPairs Ready',
      `${c.ready}/${c.pairs} in ${c.seconds.toFixed(1)} s (per pair p50 ${c.perPairSeconds.p50.toFixed(1)} s, max ${c.perPairSeconds.max.toFixed(1)} s)`,
    ]);
    rows.push(['  AWS calls to converge', `${c.awsCallsTotal} (${c.awsMutatingTotal} mutating) = ${(c.awsCallsTotal / c.pairs).toFixed(1)} per pair`]);
    rows.push(['  apiserver multiregion.dev requests', fmt(c.apiserverByVerb)]);
    rows.push([
      '  controller memory after',
      `RSS ${(c.memoryAfter.rssBytes / 1048576).toFixed(0)} MiB, heap ${(c.memoryAfter.heapUsedBytes / 1048576).toFixed(0)} MiB`,
    ]);
  }
  const s = r.regionPairs?.steady;
  if (s) {
    rows.push([
      `Quiet ${s.seconds.toFixed(0)} s, drift ${s.driftIntervalSeconds} s`,
      `${s.reconciles} reconciles; ${s.settled ? 'settled' : 'NOT settled (still writing)'} after ${s.settleSeconds.toFixed(0)} s`,
    ]);
    rows.push(['  AWS mutating calls', `${sum(s.awsMutating)} ${sum(s.awsMutating) ? `(${fmt(s.awsMutating)})` : ''}`]);
    rows.push(['  AWS reads', `${sum(s.awsReads)} = ${s.awsReadsPerObjectPerInterval} per pair per drift interval`]);
    rows.push(['  apiserver writes to multiregion.dev', String(s.apiserverMultiregionWrites)]);
    const other = Object.fromEntries(Object.entries(s.apiserverByVerbResource).filter(([k]) => /^(POST|PUT|PATCH|DELETE|APPLY)/.test(k)));
    rows.push(['  apiserver writes, all (incl. leases)', fmt(other)]);
  }
  const sl = r.regionPairsLarge;
  if (sl)
    rows.push([
      `RegionPairs, ${sl.convergence.pairs}`,
      `${sl.convergence.ready}/${sl.convergence.pairs} Ready in ${sl.convergence.seconds.toFixed(1)} s` +
        (sl.steady
          ? `; ${sl.steady.settled ? 'settled' : 'not settled'} after ${sl.steady.settleSeconds.toFixed(0)} s; quiet ${sl.steady.seconds.toFixed(0)} s: ` +
            `${sl.steady.awsReadsPerPass} AWS reads per drift pass, ${sum(sl.steady.awsMutating)} mutating, ` +
            `${sl.steady.apiserverMultiregionWrites} multiregion.dev writes`
          : ''),
    ]);
  const mem = r.memory;
  if (mem) {
    rows.push(['controller memory, baseline', `RSS ${mem.baseline.rssMiB} MiB, heap ${mem.baseline.heapUsedMiB} MiB (${mem.baseline.note})`]);
    for (const st of mem.steps)
      rows.push([
        `  ${st.objects} paused RegionPairs`,
        `RSS ${st.rssMiB} MiB, heap ${st.heapUsedMiB} MiB; all reconciled in ${st.settleSeconds.toFixed(1)} s; status writes ` +
          `${statusWrites(st.apiserverByVerbResource)}`,
      ]);
    rows.push(['  per object', `RSS ${mem.perObjectKiB.rss} KiB, heap ${mem.perObjectKiB.heapUsed} KiB`]);
    if (mem.afterReconciles) {
      const a = mem.afterReconciles;
      rows.push([
        `  after ${a.reconciles} reconciles`,
        `RSS ${a.rssMiB} MiB, heap ${a.heapUsedMiB} MiB; ${a.perSecond} reconciles/s; status writes ${statusWrites(a.apiserverByVerbResource)}`,
      ]);
    }
    rows.push(['  AWS calls during memory run', String(mem.awsCalls)]);
  }
  const fp = r.policies;
  if (fp) {
    rows.push([
      'FailoverPolicies Ready (DNS only)',
      `${fp.ready}/${fp.policies} in ${fp.seconds.toFixed(1)} s (--concurrency=8, one zone), ${fp.changeBatches} ChangeResourceRecordSets calls for ` +
        `${fp.policies * 2} records`,
    ]);
    rows.push(['  AWS calls to converge', fmt(fp.awsCalls)]);
    if (fp.quiet)
      rows.push([
        `  quiet ${fp.quiet.seconds.toFixed(0)} s, drift ${fp.quiet.driftIntervalSeconds} s`,
        `AWS mutating ${sum(fp.quiet.awsMutating)}${sum(fp.quiet.awsMutating) ? ` (${fmt(fp.quiet.awsMutating)})` : ''}, ` +
          `AWS reads ${fp.quiet.awsReads}, multiregion.dev writes ${fp.quiet.apiserverMultiregionWrites}`,
      ]);
  }
  const fo = r.failover;
  if (fo) {
    rows.push([
      'Failover reaction (beyond unhealthyFor)',
      `p50 ${fo.p50} s, p99 ${fo.p99} s, max ${fo.max} s over ${fo.samples} samples (${fo.rounds} × ${fo.policies} at ` +
        `once${fo.p99IsMax ? '; p99 is the worst sample' : ''}); ${failoverVerdict(fo)}`,
    ]);
    const pct = (xs: number[], p: number): number =>
      percentile(
        [...xs].sort((a, b) => a - b),
        p,
      );
    const detect = fo.roundDetails.flatMap((d) => d.detectSeconds);
    const engine = fo.roundDetails.flatMap((d) => d.triggerToPromoteSeconds);
    rows.push([
      '  where the time goes',
      `health board saw Unhealthy p50 ${pct(detect, 50)} s / p99 ${pct(detect, 99)} s after the put; ` +
        `trigger → PromoteReadReplica p50 ${pct(engine, 50)} s / p99 ${pct(engine, 99)} s; ` +
        `published RDS bucket floor per round ${fo.roundDetails.map((d) => d.rdsFloorSeconds).join(', ')} s; ` +
        `stack CPU from the failovers due to the last promote per round ${fo.roundDetails
          .map((d) => `${d.reactionCpu.total} s in ${d.reactionCpu.wallSeconds.toFixed(1)} s (busy ${Math.round(d.reactionCpu.busyShare * 100)} %)`)
          .join(', ')}`,
    ]);
    const load = fo.roundDetails.map((d) => `${d.loadAverage.atFlip}→${d.loadAverage.atEnd}`).join(', ');
    rows.push([
      '  set-up',
      `unhealthyForSeconds=${fo.unhealthyForSeconds}, --health-observe-interval=${fo.healthObserveIntervalSeconds}s (included: up to one interval), ` +
        `--concurrency=${fo.concurrency}; FailoverReady in ${fo.setupSeconds.toFixed(0)} s over ${fo.rounds} round(s)` +
        `${fo.rateLimits ? `; --aws-rate-limits=${fo.rateLimits} (raised quota, set-up only)` : ''}; load average ${load}`,
    ]);
  }
  if (r.error) rows.push(['ERROR', r.error.split('\n')[0] ?? r.error]);
  rows.push(['total bench time', `${r.totalSeconds ?? '?'} s`]);
  console.log(`\nmultiregion-controller bench (${r.mode}, ${r.startedAt})\n${table(rows)}`);
  if (c) console.log(`\nAWS calls to converge ${c.pairs} pairs:\n${table(Object.entries(c.awsCalls).map(([k, v]) => [k, String(v)]))}`);
  if (s && sum(s.awsReads)) console.log(`\nAWS reads in the quiet window:\n${table(Object.entries(s.awsReads).map(([k, v]) => [k, String(v)]))}`);
  console.log(`\nPublished figures of alternatives (their own claims, not measured here):\n${PUBLISHED_ALTERNATIVES.map((p) => `  - ${p}`).join('\n')}`);
  const goal = convergenceGoal({
    ...(c && { pairs: { objects: c.pairs, ready: c.ready, seconds: c.seconds, awsCalls: c.awsCalls } }),
    ...(cc && { clients: { objects: cc.clients, ready: cc.ready, seconds: cc.seconds, awsCalls: cc.awsCalls, rateLimits: cc.rateLimits ?? {} } }),
    ...(fp && { policies: { objects: fp.policies, ready: fp.ready, seconds: fp.seconds, awsCalls: fp.awsCalls } }),
  });
  console.log(`\nConvergence goal: ${goal.verdict}\n${goal.lines.map((l) => `  - ${l}`).join('\n')}`);
  printGoals(r, goal.verdict);
  if (r.notMeasured.length) console.log(`\nNot measured:\n${r.notMeasured.map((p) => `  - ${p}`).join('\n')}`);
}

/** The issue's failover goal, from the run's own figures: 50 at once, every one promoted, a p99 that is not the maximum, under 2 s. */
export function failoverVerdict(fo: FailoverResult): string {
  if (fo.error) return `goal p99 < ${fo.goalP99Seconds} s at 50 not judged (${fo.error})`;
  const missing = fo.policies * fo.rounds - fo.samples;
  if (missing > 0) return `goal p99 < ${fo.goalP99Seconds} s: NOT met (${missing} failovers never reached PromoteReadReplica)`;
  const why: string[] = [];
  if (fo.policies < 50) why.push(`${fo.policies} at once, not 50`);
  if (fo.p99IsMax) why.push('too few samples for a p99');
  if (why.length > 0) return `goal p99 < ${fo.goalP99Seconds} s at 50 not judged (${why.join('; ')})`;
  return `goal p99 < ${fo.goalP99Seconds} s at 50: ${fo.p99 < fo.goalP99Seconds ? 'met' : 'NOT met'}`;
}

/** One line per goal of issue 15, each verdict from this run's figures (goal.ts), and the time each phase took. */
function printGoals(r: BenchResults, convergence: string): void {
  const small = r.regionPairs?.steady;
  const large = r.regionPairsLarge?.steady;
  const everyPhase = ['route53', 'clients', 'pairs', 'memory', 'policies', 'failover'].every((k) => r.phaseSeconds?.[k] !== undefined);
  const lines = [
    r.failover
      ? `failover reaction at ${r.failover.policies} at once: p99 ${r.failover.p99} s over ${r.failover.samples} samples; ${failoverVerdict(r.failover)}`
      : 'failover: not measured in this run',
    readsGoal(
      small && r.regionPairs && { pairs: r.regionPairs.convergence.pairs, readsPerPass: small.awsReadsPerPass },
      large && r.regionPairsLarge && { pairs: r.regionPairsLarge.convergence.pairs, readsPerPass: large.awsReadsPerPass },
    ).line,
    memoryGoal(r.memory).line,
    `convergence (floor ratios above): ${convergence}`,
    benchTimeGoal(r.totalSeconds, r.mode === 'full' && everyPhase).line,
  ];
  if (r.phaseSeconds) lines.push(`phase wall times, s: ${fmt(r.phaseSeconds)}`);
  console.log(`\nGoals of issue 15, from this run's figures:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
}
