// The human-readable side of the bench: a table of what was measured, and next to it the
// figures other projects publish about themselves (quoted as their claims, not re-measured).
import type { ClientsResult } from './clients.ts';
import type { FailoverResult } from './failover.ts';
import { convergenceGoal } from './goal.ts';
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
  regionPairs?: PairBench;
  memory?: MemoryResult;
  policies?: PoliciesResult;
  failover?: FailoverResult;
  notMeasured: string[];
  error?: string;
  totalSeconds?: number;
}

export const PUBLISHED_ALTERNATIVES = [
  'Crossplane (published scale tests of the big providers, e.g. provider-aws): provider pods using several GB of memory, and about 19 min for 100 managed resources to become Ready.',
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
      `${cc.ready}/${cc.clients} in ${cc.seconds.toFixed(1)} s (--concurrency=8), ${cc.awsCallsPerClient} AWS calls per client, RSS ${cc.rssMiB} MiB`,
    ]);
    if (cc.quiet)
      rows.push([
        `  quiet ${cc.quiet.seconds.toFixed(0)} s, drift ${cc.quiet.driftIntervalSeconds} s`,
        `AWS mutating ${sum(cc.quiet.awsMutating)}${sum(cc.quiet.awsMutating) ? ` (${fmt(cc.quiet.awsMutating)})` : ''}, AWS reads ${cc.quiet.awsReads}, multiregion.dev writes ${cc.quiet.apiserverMultiregionWrites}`,
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
    rows.push([`Quiet ${s.seconds.toFixed(0)} s, drift ${s.driftIntervalSeconds} s`, `${s.reconciles} reconciles`]);
    rows.push(['  AWS mutating calls', `${sum(s.awsMutating)} ${sum(s.awsMutating) ? `(${fmt(s.awsMutating)})` : ''}`]);
    rows.push(['  AWS reads', `${sum(s.awsReads)} = ${s.awsReadsPerObjectPerInterval} per pair per drift interval`]);
    rows.push(['  apiserver writes to multiregion.dev', String(s.apiserverMultiregionWrites)]);
    const other = Object.fromEntries(Object.entries(s.apiserverByVerbResource).filter(([k]) => /^(POST|PUT|PATCH|DELETE|APPLY)/.test(k)));
    rows.push(['  apiserver writes, all (incl. leases)', fmt(other)]);
  }
  const mem = r.memory;
  if (mem) {
    rows.push(['controller memory, baseline', `RSS ${mem.baseline.rssMiB} MiB, heap ${mem.baseline.heapUsedMiB} MiB (${mem.baseline.note})`]);
    for (const st of mem.steps)
      rows.push([
        `  ${st.objects} paused RegionPairs`,
        `RSS ${st.rssMiB} MiB, heap ${st.heapUsedMiB} MiB; all reconciled in ${st.settleSeconds.toFixed(1)} s; status writes ${statusWrites(st.apiserverByVerbResource)}`,
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
      `${fp.ready}/${fp.policies} in ${fp.seconds.toFixed(1)} s (--concurrency=8, one zone), ${fp.changeBatches} ChangeResourceRecordSets calls for ${fp.policies * 2} records`,
    ]);
    rows.push(['  AWS calls to converge', fmt(fp.awsCalls)]);
    if (fp.quiet)
      rows.push([
        `  quiet ${fp.quiet.seconds.toFixed(0)} s, drift ${fp.quiet.driftIntervalSeconds} s`,
        `AWS mutating ${sum(fp.quiet.awsMutating)}${sum(fp.quiet.awsMutating) ? ` (${fmt(fp.quiet.awsMutating)})` : ''}, AWS reads ${fp.quiet.awsReads}, multiregion.dev writes ${fp.quiet.apiserverMultiregionWrites}`,
      ]);
  }
  const fo = r.failover;
  if (fo) {
    rows.push([
      'Failover reaction (beyond unhealthyFor)',
      `p50 ${fo.p50} s, p99 ${fo.p99} s, max ${fo.max} s over ${fo.samples} samples; goal p99 < ${fo.goalP99Seconds} s: ${fo.p99 < fo.goalP99Seconds ? 'met' : 'NOT met'}`,
    ]);
    rows.push([
      '  set-up',
      `${fo.policies} Automatic policies, unhealthyForSeconds=${fo.unhealthyForSeconds}, --health-observe-interval=${fo.healthObserveIntervalSeconds}s (included: up to one interval), puts ${fo.spacingMs} ms apart; FailoverReady in ${fo.setupSeconds.toFixed(0)} s; matched by ${fo.matchedBy}`,
    ]);
  }
  if (r.error) rows.push(['ERROR', r.error.split('\n')[0] ?? r.error]);
  rows.push(['total bench time', `${r.totalSeconds ?? '?'} s`]);
  console.log(`\nmultiregion-controller bench (${r.mode}, ${r.startedAt})\n${table(rows)}`);
  if (c) console.log(`\nAWS calls to converge ${c.pairs} pairs:\n${table(Object.entries(c.awsCalls).map(([k, v]) => [k, String(v)]))}`);
  if (s && sum(s.awsReads)) console.log(`\nAWS reads in the quiet window:\n${table(Object.entries(s.awsReads).map(([k, v]) => [k, String(v)]))}`);
  console.log(`\nPublished figures of alternatives (their own claims, not measured here):\n${PUBLISHED_ALTERNATIVES.map((p) => `  - ${p}`).join('\n')}`);
  const goal = convergenceGoal({ pairs: c, clients: cc, policies: fp });
  console.log(`\nConvergence goal: ${goal.met ? 'met' : 'NOT met'}\n${goal.lines.map((l) => `  - ${l}`).join('\n')}`);
  if (r.notMeasured.length) console.log(`\nNot measured:\n${r.notMeasured.map((p) => `  - ${p}`).join('\n')}`);
}
