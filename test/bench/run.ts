// `make bench`: performance figures against the local stack (real kube-apiserver + moto).
// Not a test: it measures and reports, it does not pass or fail on numbers.
//   node --import tsx test/bench/run.ts [--quick] [--only=route53,clients,pairs,memory,policies,failover]
//     [--pairs=N] [--pairs-quiet=SECONDS]  (the pairs phase: how many RegionPairs, how long the quiet window)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getStack, repoRoot } from '../env/stack.ts';
import { benchClients } from './clients.ts';
import { benchFailover } from './failover.ts';
import { benchMemory } from './memory.ts';
import { benchPolicies } from './policies.ts';
import { benchRegionPairs } from './region-pairs.ts';
import { type BenchResults, printReport } from './report.ts';
import { benchRoute53 } from './route53.ts';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, pairs: { type: 'string' }, 'pairs-quiet': { type: 'string' } },
});
const quick = values.quick ?? false;
const only = new Set((values.only ?? 'route53,clients,pairs,memory,policies,failover').split(','));
// Each Automatic policy needs 2 health checks and the controller creates them at 0.5/s
// (CreateHealthCheck bucket): 4 s or more of set-up per sample. 50 do not fit the 15-minute budget; this many do.
const FAILOVER_FULL = 12;
const cfg = quick
  ? {
      pairs: 3,
      clients: 20,
      driftSeconds: 15,
      quietSeconds: 45,
      records: 1000,
      levels: [100, 500],
      reconcileRounds: 1,
      policies: 50,
      policyQuietSeconds: 30,
      failoverPolicies: 4,
    }
  : {
      pairs: 10,
      clients: 100,
      driftSeconds: 20,
      quietSeconds: 60,
      records: 1000,
      levels: [100, 1000, 5000],
      reconcileRounds: 1,
      policies: 200,
      policyQuietSeconds: 30,
      failoverPolicies: FAILOVER_FULL,
    };
const positive = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${v}`);
  return n;
};
const pairsCount = positive(values.pairs, 'pairs') ?? cfg.pairs;
const pairsQuietSeconds = positive(values['pairs-quiet'], 'pairs-quiet') ?? cfg.quietSeconds;
const log = (s: string): void => void process.stderr.write(`${s}\n`);

const started = Date.now();
log(`bench (${quick ? 'quick' : 'full'}): starting the stack`);
const stack = await getStack();
const results: BenchResults = {
  startedAt: new Date(started).toISOString(),
  mode: quick ? 'quick' : 'full',
  config: { ...cfg, pairs: pairsCount, pairsQuietSeconds },
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
  },
  notMeasured: [],
};
try {
  if (only.has('route53')) {
    log('Route 53 batching (AWS module, no controller)');
    results.route53 = await benchRoute53(stack, { records: cfg.records, log });
  }
  if (only.has('clients')) {
    log(`ClientConnections: ${cfg.clients} on one pair, then ${cfg.quietSeconds} s quiet with --drift-interval=${cfg.driftSeconds}s`);
    await stack.resetMoto();
    try {
      results.clients = await benchClients(stack, {
        clients: cfg.clients,
        driftSeconds: cfg.driftSeconds,
        quietSeconds: cfg.quietSeconds,
        timeoutMs: 300_000,
        log,
      });
    } catch (e) {
      // Another engineer's controller, finished today: its failure is reported, the rest still runs.
      results.notMeasured.push(`ClientConnection bench failed: ${(e as Error).message.split('\n')[0]}`);
      log(`  ClientConnection bench failed: ${(e as Error).stack}`);
    }
  }
  if (only.has('pairs')) {
    log(`RegionPair convergence: ${pairsCount} pairs at once, then ${pairsQuietSeconds} s quiet with --drift-interval=${cfg.driftSeconds}s`);
    await stack.resetMoto();
    // Convergence time grows with the count: 360 s for the default, more for a larger --pairs.
    const timeoutMs = Math.max(360_000, pairsCount * 12_000);
    results.regionPairs = await benchRegionPairs(stack, { pairs: pairsCount, driftSeconds: cfg.driftSeconds, quietSeconds: pairsQuietSeconds, timeoutMs, log });
  }
  if (only.has('memory')) {
    log(`Controller memory: paused RegionPairs at ${cfg.levels.join(' / ')}`);
    results.memory = await benchMemory(stack, { levels: cfg.levels, reconcileRounds: cfg.reconcileRounds, timeoutMs: 240_000, log });
  }
  if (only.has('policies')) {
    log(
      `FailoverPolicies (DNS only, Manual, no health checks): ${cfg.policies} at once in one zone, then ${cfg.policyQuietSeconds} s quiet with --drift-interval=10s`,
    );
    await stack.resetMoto();
    results.policies = await benchPolicies(stack, { policies: cfg.policies, driftSeconds: 10, quietSeconds: cfg.policyQuietSeconds, timeoutMs: 180_000, log });
  }
  if (only.has('failover')) {
    log(`Failover reaction: ${cfg.failoverPolicies} Automatic policies with databases, unhealthyForSeconds=10, --health-observe-interval=1s`);
    await stack.resetMoto();
    results.failover = await benchFailover(stack, { policies: cfg.failoverPolicies, unhealthyForSeconds: 10, spacingMs: 1500, timeoutMs: 300_000, log });
  }
} catch (e) {
  results.error = (e as Error).stack ?? String(e);
  log(`bench failed: ${results.error}`);
} finally {
  await stack.stop();
}
results.totalSeconds = Math.round((Date.now() - started) / 1000);
const dir = join(repoRoot, 'bench-results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `bench-${results.mode}-${results.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
printReport(results);
log(`results written to ${file}`);
process.exit(results.error ? 1 : 0);
