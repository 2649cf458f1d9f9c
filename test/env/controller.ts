// Runs the controller as a real child process (so tests can kill it at any line), pointed
// at the test apiserver and moto. Logs are kept for assertions and for the secret scan.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { motoEnv } from './moto.ts';
import { freePort, waitFor } from './ports.ts';
import { repoRoot } from './stack.ts';

export interface ControllerProcess {
  proc: ChildProcess;
  metricsUrl: string;
  healthUrl: string;
  logs(): string;
  /** Log lines parsed as JSON (winston JSON format); non-JSON lines are skipped. */
  logEntries(): Array<Record<string, unknown>>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface ControllerOptions {
  kubeconfigPath: string;
  awsEndpoint: string;
  clusterId?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Run this compiled entry (e.g. dist/main.js, what the image runs) instead of src/main.ts through tsx. */
  entry?: string;
}

export async function startController(o: ControllerOptions): Promise<ControllerProcess> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const args = [
    ...(o.entry ? [o.entry] : ['--import', 'tsx', join(repoRoot, 'src', 'main.ts')]),
    `--kubeconfig=${o.kubeconfigPath}`,
    `--aws-endpoint-url=${o.awsEndpoint}`,
    `--cluster-id=${o.clusterId ?? 'test'}`,
    `--metrics-bind-address=127.0.0.1:${metricsPort}`,
    `--health-probe-bind-address=127.0.0.1:${healthPort}`,
    '--leader-election-namespace=default',
    '--log-level=debug',
    ...(o.args ?? []),
  ];
  const proc = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...motoEnv(o.awsEndpoint), ...o.env },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
  const healthUrl = `http://127.0.0.1:${healthPort}`;
  await waitFor(
    'controller /healthz',
    async () => {
      if (proc.exitCode !== null) throw new Error(`controller exited ${proc.exitCode}:\n${out.slice(-3000)}`);
      return (await fetch(`${healthUrl}/healthz`)).ok;
    },
    60_000,
  );
  return {
    proc,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    healthUrl,
    logs: () => out,
    logEntries: () =>
      out.split('\n').flatMap((l) => {
        try {
          return l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    exited,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Reads one counter/gauge sample from a Prometheus text page. */
export function metricValue(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of page.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries(
      (m[3] ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => {
          const i = kv.indexOf('=');
          return [kv.slice(0, i), kv.slice(i + 2, -1)];
        }),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}
