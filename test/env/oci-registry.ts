// A real OCI registry on loopback for the release tests: go-containerregistry's in-memory
// `registry`, built from its Go module by build-registry.sh. It picks its own free port
// (`-port 0`) and logs it, so there is no window in which another process could take the port.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './ports.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface OciRegistry {
  /** host:port, e.g. 127.0.0.1:40123 (plain HTTP). */
  host: string;
  log(): string;
  stop(): Promise<void>;
}

/** Path of the registry binary, building it on first use. */
export function registryBin(): string {
  const out = execFileSync('bash', [join(here, 'build-registry.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return out.toString().trim().split('\n').pop()!;
}

export async function startOciRegistry(): Promise<OciRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'mrc-registry-'));
  const logPath = join(dir, 'registry.log');
  // The log goes to a file, not a pipe: the registry logs every request, and a pipe nobody
  // drains while a test waits on a synchronous child (helm, make) would block it.
  const fd = openSync(logPath, 'a');
  const proc: ChildProcess = spawn(registryBin(), ['-port', '0'], { stdio: ['ignore', fd, fd] });
  const log = () => readFileSync(logPath, 'utf8');
  let port = 0;
  try {
    await waitFor(
      'the OCI registry to listen',
      async () => {
        if (proc.exitCode !== null) throw new Error(`registry exited ${proc.exitCode}: ${log()}`);
        port = Number(/serving on port (\d+)/.exec(log())?.[1] ?? 0);
        return port > 0 && (await fetch(`http://127.0.0.1:${port}/v2/`)).ok;
      },
      10_000,
    );
  } catch (e) {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    host: `127.0.0.1:${port}`,
    log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
