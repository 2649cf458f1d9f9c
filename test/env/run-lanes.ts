// Runs test files in parallel lanes, each lane with a stack of its own (apiserver + etcd + moto),
// so files never see each other's objects, Leases or AWS resources. The suite mostly waits on
// controllers and moto, not on the CPU, so a 2-core machine runs five lanes in about a third of the
// time of one (measured: docs/performance.md, "Test suite time"). Files run longest first (durations of the last run on this machine, else file
// size); each file's output is printed whole when it ends, so lanes never interleave lines.
//
//   node --import tsx test/env/run-lanes.ts [--lanes=N] [--last=FILE]... FILE|GLOB...
import { spawn } from 'node:child_process';
import { existsSync, globSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ENV, getStack, repoRoot, type Stack } from './stack.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { lanes: { type: 'string' }, last: { type: 'string', multiple: true } },
});
// Every lane starts its own stack, even when run under with-stack.ts.
for (const k of Object.values(ENV)) delete process.env[k];
const lanes = Math.max(1, Number(values.lanes ?? process.env.TEST_LANES ?? 5));
const last = new Set((values.last ?? []).map((f) => relative(repoRoot, join(repoRoot, f))));
const files = [...new Set(positionals.flatMap((p) => globSync(p, { cwd: repoRoot })))].sort();
if (files.length === 0) {
  console.error('run-lanes: no test files matched', positionals.join(' '));
  process.exit(2);
}

// Where the last run's durations are kept: the toolchain cache, outside the repo.
const cacheDir = process.env.MRC_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'multiregion-controller');
const durationsPath = join(cacheDir, 'test-durations.json');
const known: Record<string, number> = existsSync(durationsPath) ? JSON.parse(readFileSync(durationsPath, 'utf8')) : {};
// Without a record, a file's size stands in for its duration (about 1 s per 500 bytes here).
const expected = (f: string): number => known[f] ?? statSync(join(repoRoot, f)).size / 500;
const queue = files.filter((f) => !last.has(f)).sort((a, b) => expected(b) - expected(a));

/** A file that runs longer is stopped and counts as failed: one hung file must not eat CI's 90 minutes. */
const FILE_TIMEOUT_MS = 25 * 60_000;

interface Totals {
  tests: number;
  pass: number;
  fail: number;
  skipped: number;
  todo: number;
  cancelled: number;
}
const totals: Totals = { tests: 0, pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
const failed: string[] = [];
const digests: string[] = [];
// Per failed file, at most this many failing tests are repeated at the end.
const DIGEST_TESTS = 4;
const took: Record<string, number> = {};
// The reliability files append to one tally and one log folder of the run, which the files run
// last (summary.test.ts, security.test.ts's secret scan) read.
const tally = join(tmpdir(), `mrc-reliability-${process.pid}.jsonl`);
const logs = join(tmpdir(), `mrc-reliability-logs-${process.pid}`);

const stacks: Stack[] = [];
// Files run in process groups of their own: an interrupted run stops them itself.
const running = new Set<number>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const pid of running)
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    void Promise.all(stacks.map((st) => st.stop())).finally(() => process.exit(130));
  });
}

async function runFile(file: string, stack: Stack, lane: number): Promise<void> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', file], {
    cwd: repoRoot,
    // its own process group, so that a hung file is stopped with every controller it started
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      [ENV.kubeconfig]: stack.kubeconfigPath,
      [ENV.server]: stack.server,
      [ENV.moto]: stack.motoEndpoint,
      MRC_RELIABILITY_TALLY: tally,
      MRC_RELIABILITY_LOGS: logs,
    },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  running.add(child.pid!);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, FILE_TIMEOUT_MS);
  const code: number = await new Promise((r) => child.on('close', (c, s) => r(c ?? (s ? 1 : 0))));
  clearTimeout(timer);
  running.delete(child.pid!);
  if (timedOut) out += `\nrun-lanes: ${file} stopped after ${FILE_TIMEOUT_MS / 60_000} minutes\n`;
  const seconds = (Date.now() - started) / 1000;
  took[file] = Math.round(seconds);
  for (const k of Object.keys(totals) as Array<keyof Totals>) {
    const m = new RegExp(`^ℹ ${k} (\\d+)$`, 'm').exec(out);
    if (m) totals[k] += Number(m[1]);
  }
  if (code !== 0) {
    failed.push(file);
    digests.push(failureDigest(file, out));
  }
  process.stdout.write(`\n──── ${file} (lane ${lane}, ${seconds.toFixed(0)} s, ${code === 0 ? 'passed' : `FAILED, exit ${code}`}) ────\n${out}`);
}

/**
 * Each failing test of one file with the first line of its error, from the spec reporter's
 * "failing tests" section: printed again as the run's very last lines, because a CI that keeps
 * only the tail of the output would otherwise lose the assertion.
 */
function failureDigest(file: string, out: string): string {
  const at = out.lastIndexOf('✖ failing tests:');
  const lines = at >= 0 ? out.slice(at).split('\n').slice(1) : [];
  const found: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith('✖ ') || found.length >= DIGEST_TESTS * 2) continue;
    const why = lines.slice(i + 1).find((l) => l.trim() !== '');
    found.push(`  ${line}`, `      ${why?.trim().slice(0, 300) ?? ''}`);
  }
  return `── ${file}\n${found.length ? found.join('\n') : '  (no failing test named: see the file output above)'}`;
}

async function lane(n: number, stack: Stack, take: () => string | undefined): Promise<void> {
  for (let f = take(); f !== undefined; f = take()) await runFile(f, stack, n);
}

const started = Date.now();
const count = Math.min(lanes, queue.length || 1);
try {
  for (let i = 0; i < count; i++) stacks.push(await getStack());
  console.log(`run-lanes: ${files.length} files in ${count} lanes, stacks up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await Promise.all(stacks.map((s, i) => lane(i + 1, s, () => queue.shift())));
  const rest = [...last].filter((f) => files.includes(f));
  await lane(1, stacks[0]!, () => rest.shift());
} finally {
  await Promise.all(stacks.map((s) => s.stop()));
}

mkdirSync(join(durationsPath, '..'), { recursive: true });
writeFileSync(durationsPath, JSON.stringify({ ...known, ...took }, null, 1));
const wall = ((Date.now() - started) / 1000).toFixed(0);
console.log(`\nrun-lanes: ${files.length} files, ${count} lanes, ${wall} s wall`);
console.log(
  Object.entries(totals)
    .map(([k, v]) => `ℹ ${k} ${v}`)
    .join('\n'),
);
if (failed.length) console.log(`run-lanes: FAILED files:\n  ${failed.join('\n  ')}`);
// A failed run keeps the controllers' logs to read; a passed one leaves nothing behind.
if (failed.length === 0) for (const p of [tally, logs]) rmSync(p, { recursive: true, force: true });
else console.log(`run-lanes: controller logs of the reliability files in ${logs}`);
if (digests.length) console.log(`run-lanes: what failed, file by file\n${digests.join('\n')}`);
process.exit(failed.length ? 1 : 0);
