// Starts moto's server on a free loopback port; tests reset it between cases. It runs through
// moto_server_ext.py, which adds the Logs query-definition operations moto lacks (see that file).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './ports.ts';

export interface Moto {
  endpoint: string;
  port: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMoto(opts: { port?: number; logFile?: string } = {}): Promise<Moto> {
  const port = opts.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const bin = process.env.MOTO_PYTHON ?? 'python3';
  const server = fileURLToPath(new URL('./moto_server_ext.py', import.meta.url));
  const child: ChildProcess = spawn(bin, [server, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, MOTO_ACCOUNT_ID: undefined } as NodeJS.ProcessEnv,
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  await waitFor(
    'moto_server',
    async () => {
      if (exited) throw new Error(`${bin} exited during start`);
      const r = await fetch(`${endpoint}/moto-api/`);
      return r.ok;
    },
    60_000,
  );
  return {
    endpoint,
    port,
    async reset() {
      const r = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!r.ok) throw new Error(`moto reset: HTTP ${r.status}`);
    },
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** Env for SDK clients in tests and for the controller process pointed at moto. */
export function motoEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
