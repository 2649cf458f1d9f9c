// The compiled controller, started as the image starts it and given nothing to do, must not
// load the AWS SDK: the packages are ~70 MiB of RSS (client-ec2 alone ~63 MiB) and are loaded
// by the first call that needs them (src/aws/sdk.ts; docs/performance.md, Memory). This runs
// the real start-up path — flags, kubeconfig, createAwsClients, every controller registered,
// the HTTP servers, the manager starting — with a kubeconfig whose server refuses connections,
// and records every module the process loads through a module.registerHooks load hook (it sees
// both `import` and `require`, so a package loaded either way is counted).
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const repoRoot = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

// Appends the URL of each module as it loads, synchronously, so nothing is lost however the
// process ends.
const RECORDER = `
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
const out = process.env.LOADED_MODULES_FILE;
registerHooks({ load(url, context, nextLoad) { appendFileSync(out, url + '\\n'); return nextLoad(url, context); } });
`;

/** Builds src/ into `dir`/dist, beside a package.json and the repo's node_modules (as the image has them). */
export function buildInto(dir: string, sourceRoot = repoRoot): string {
  // The image ships package.json beside dist/: its version is what the build reports (src/version.ts).
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', version }));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const tsc = join(require.resolve('typescript/package.json'), '..', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(sourceRoot, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { stdio: 'pipe' });
  return join(dir, 'dist', 'main.js');
}

/**
 * Bundles the controller over tsc's entry in `dir`/dist, as `npm run build` does (build/bundle.ts):
 * what the image runs. Also the files esbuild put in it (its metafile's inputs).
 */
export function bundleInto(dir: string): { main: string; inputs: string[] } {
  const metafile = join(dir, 'bundle-meta.json');
  execFileSync(process.execPath, [join(repoRoot, 'build', 'bundle.ts'), join(dir, 'dist'), '--metafile', metafile], { stdio: 'pipe' });
  const meta = JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: Record<string, unknown> };
  return { main: join(dir, 'dist', 'main.js'), inputs: Object.keys(meta.inputs) };
}

function waitForOutput(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms; output:\n${seen}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before "${text}"; output:\n${seen}`));
    });
  });
}

/** Starts `main` with nothing to do, waits until it has started its manager, stops it; the modules it loaded. */
export async function modulesLoadedAtStart(main: string, dir: string): Promise<string[]> {
  const loaded = join(dir, 'loaded-modules.txt');
  writeFileSync(loaded, '');
  const kubeconfig = join(dir, 'kubeconfig');
  // Port 1 on loopback: nothing listens, every request to the apiserver fails at once.
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'unused' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    }),
  );
  const args = ['--cluster-id', 'sdk-lazy', '--kubeconfig', kubeconfig, '--leader-elect', 'false'];
  args.push('--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0');
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(RECORDER)}`, main, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'production', LOADED_MODULES_FILE: loaded, AWS_REGION: 'us-east-1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    // Logged after the AWS clients, the controllers and the HTTP servers are set up, as the manager starts.
    await waitForOutput(child, 'starting', 60_000);
  } finally {
    // A process that already exited (a start-up failure) emits no second 'exit': do not wait for one.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
  return readFileSync(loaded, 'utf8').split('\n').filter(Boolean);
}

describe('the compiled controller with nothing to do', () => {
  let dir = '';
  let main = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mrc-sdk-lazy-'));
    main = buildInto(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts without loading any AWS SDK package', async () => {
    const loaded = await modulesLoadedAtStart(main, dir);
    // The check would be empty if the hook saw nothing: the controller's own modules must be there.
    assert.ok(
      loaded.some((u) => u.endsWith('/dist/aws/clients.js')),
      `the recorder saw the controller load: ${loaded.length} modules`,
    );
    assert.ok(
      loaded.some((u) => u.includes('/@kubernetes/client-node/')),
      'the recorder sees packages under node_modules',
    );
    assert.deepEqual(sdkPackages(loaded), [], 'AWS SDK packages loaded by a controller that made no AWS call');
  });

  it('bundled, as the image runs it, starts without loading any AWS SDK package', async () => {
    const { main: bundle, inputs } = bundleInto(dir);
    const loaded = await modulesLoadedAtStart(bundle, dir);
    assert.ok(
      loaded.some((u) => u.endsWith('/dist/main.js')),
      `the recorder saw the bundle load: ${loaded.join(', ')}`,
    );
    assert.ok(!loaded.some((u) => u.endsWith('/dist/aws/clients.js')), "the bundle holds the controller: it loads none of tsc's files");
    assert.deepEqual(sdkPackages(loaded), [], 'AWS SDK packages loaded by a bundled controller that made no AWS call');
    // The SDK must be loaded from node_modules on first use, not parsed at start as part of the bundle.
    assert.ok(
      inputs.some((f) => f.startsWith('node_modules/@kubernetes/client-node/')),
      `esbuild's inputs are listed: ${inputs.length}`,
    );
    assert.deepEqual(sdkPackages(inputs), [], 'AWS SDK packages inside the bundle');
  });
});

/** The @aws-sdk packages among module URLs (file:///…/node_modules/…) or esbuild's relative inputs (node_modules/…). */
function sdkPackages(paths: string[]): string[] {
  return [...new Set(paths.map((u) => /(?:^|\/)node_modules\/(@aws-sdk\/[^/]+)\//.exec(u)?.[1]).filter((p) => p !== undefined))];
}
