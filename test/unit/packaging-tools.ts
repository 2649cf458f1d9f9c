// Shared by the packaging tests: where the repo is, which external tools they run, and
// a clear failure (never a silent skip) naming the install step when a tool is missing.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const chartDir = join(repoRoot, 'helm', 'multiregion-controller');
export const deployDir = join(repoRoot, 'deploy');

/** The cache the test/env build scripts write into (same default as theirs). */
export function cacheRoot(): string {
  return process.env.MRC_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'multiregion-controller');
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Path of a Debian tool that test/env/install-tools.sh installs; throws naming that step. */
export function debianTool(name: 'lua5.4' | 'promtool'): string {
  const p = onPath(name);
  if (!p) throw new Error(`${name} not found on PATH: run \`bash test/env/install-tools.sh\` (the Makefile's tools step) first`);
  return p;
}

/** The helm that test/env/build-helm.sh built (version: $HELM_VERSION or that script's default). */
export function helmBin(): string {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  const script = readFileSync(join(repoRoot, 'test', 'env', 'build-helm.sh'), 'utf8');
  const version = process.env.HELM_VERSION ?? /HELM_VERSION:-(v[0-9.]+)/.exec(script)?.[1];
  if (!version) throw new Error('cannot read the default HELM_VERSION from test/env/build-helm.sh');
  const p = join(cacheRoot(), `helm-${version}`, 'helm');
  if (!existsSync(p)) throw new Error(`helm ${version} not found at ${p}: run \`bash test/env/build-helm.sh\` (the Makefile's helm step) first`);
  return p;
}

/** kubectl from PATH (it carries kustomize); throws naming what to install. */
export function kubectlBin(): string {
  const p = process.env.KUBECTL ?? onPath('kubectl');
  if (!p) throw new Error('kubectl not found on PATH (nor $KUBECTL): install kubectl, which the kustomize and dry-run tests need');
  return p;
}

/** Runs a tool; throws with its output when it exits non-zero (unless allowFailure). */
export function run(
  bin: string,
  args: string[],
  opts: { input?: string; cwd?: string; allowFailure?: boolean; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(bin, args, {
    cwd: opts.cwd ?? repoRoot,
    input: opts.input,
    encoding: 'utf8',
    env: opts.env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0 && !opts.allowFailure) {
    throw new Error(`${bin} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** Parses a multi-document YAML stream, dropping empty documents. */
export function parseManifests(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors[0]?.message}`);
    const v = doc.toJS() as K8sObject | null;
    if (v && typeof v === 'object') out.push(v);
  }
  return out;
}

export const releaseName = 'multiregion-controller';
export const releaseNamespace = 'multiregion-system';

/** `helm template` of the chart as the tests install it (ci/test-values.yaml + extra flags). */
export function helmTemplate(extra: string[] = []): K8sObject[] {
  const r = run(helmBin(), [
    'template',
    releaseName,
    chartDir,
    '--namespace',
    releaseNamespace,
    '--include-crds',
    '--values',
    join(chartDir, 'ci', 'test-values.yaml'),
    ...extra,
  ]);
  return parseManifests(r.stdout);
}

/** `kubectl kustomize deploy`. */
export function kustomizeDeploy(): K8sObject[] {
  return parseManifests(run(kubectlBin(), ['kustomize', deployDir]).stdout);
}
