// A manual failover under GitOps (docs/gitops.md), against the real apiserver and a running
// controller: Argo CD syncs the policy from git by server-side apply as `argocd-controller`,
// forced (Argo CD's server-side sync overrides conflicts); the operator switches with
// `multiregion failover`; the next sync must not undo the switch, and git must still win for
// every other field.
//
// Argo CD itself does not run here. What it sends on a sync with `RespectIgnoreDifferences=true`
// and `ignoreDifferences.managedFieldsManagers` is modelled by `respectIgnoreDifferences` below
// (Argo CD's normalizeTargetResources: in the manifest from git, every field a trusted manager
// owns in the live object takes the live value). The apiserver's part, the field ownership the
// model reads and the forced apply that follows, is the real one.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { PatchStrategy } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { CLI_FIELD_MANAGER } from '../../src/cli/commands/failover.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { waitFor } from '../env/ports.ts';
import { seedHostedZone } from '../env/seed.ts';
import { getStack, repoRoot, type Stack } from '../env/stack.ts';
import { kubectlBin, run } from '../unit/packaging-tools.ts';
import { Aws, clearPolicies, EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { Kube, type Obj, uniqueName } from './helpers.ts';

const NS = 'gitops-failover';
const ARGO = 'argocd-controller';
const doc = readFileSync(join(repoRoot, 'docs', 'gitops.md'), 'utf8');
/** The managers docs/gitops.md's Application tells Argo CD to trust on FailoverPolicies (read from the doc, so it cannot drift). */
const TRUSTED = (() => {
  const block = [...doc.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).find((b) => b.includes('kind: Application'));
  const app = parse(block ?? '') as {
    spec: { ignoreDifferences: Array<{ group: string; kind: string; managedFieldsManagers: string[] }>; syncPolicy: { syncOptions: string[] } };
  };
  assert.ok(app.spec.syncPolicy.syncOptions.includes('RespectIgnoreDifferences=true'), 'the Application respects ignoreDifferences on sync');
  const entry = app.spec.ignoreDifferences.find((d) => d.group === 'multiregion.dev' && d.kind === 'FailoverPolicy');
  if (!entry) throw new Error('docs/gitops.md: the Application has no ignoreDifferences entry for multiregion.dev FailoverPolicy');
  assert.ok(entry.managedFieldsManagers.includes(CLI_FIELD_MANAGER), 'the Application trusts the CLI');
  return entry.managedFieldsManagers;
})();
const STRIP_PATCH = '{"metadata":{"managedFields":[{}]}}';
const STRIP = `--type=merge -p '${STRIP_PATCH}'`;
let stack: Stack;
let kube: Kube;
let aws: Aws;
let ctrl: ControllerProcess;

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args, `--kubeconfig=${stack.kubeconfigPath}`], {
    cwd: repoRoot,
    timeout: 120_000,
  });

type Fields = { [k: string]: Fields };
/** The object paths (`f:` keys only: enough for the fields of a spec without lists) a fieldsV1 set holds. */
function leafPaths(fields: Fields, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (!k.startsWith('f:')) continue;
    const path = [...prefix, k.slice(2)];
    if (Object.keys(v).some((c) => c.startsWith('f:'))) out.push(...leafPaths(v, path));
    else out.push(path);
  }
  return out;
}
const getPath = (o: unknown, path: string[]): unknown => path.reduce<unknown>((at, k) => (at as Record<string, unknown> | undefined)?.[k], o);

/** The manifest Argo CD applies on a sync with RespectIgnoreDifferences=true: git's, with trusted managers' fields taken from live. */
export function respectIgnoreDifferences(git: Obj, live: Obj, trusted: string[]): Obj {
  const out = structuredClone(git);
  for (const m of (live.metadata.managedFields ?? []) as Array<{ manager: string; fieldsV1: Fields }>) {
    if (!trusted.includes(m.manager)) continue;
    for (const path of leafPaths(m.fieldsV1)) {
      const parent = getPath(out, path.slice(0, -1)) as Record<string, unknown> | undefined;
      const key = path[path.length - 1]!;
      if (parent && typeof parent === 'object' && key in parent) parent[key] = getPath(live, path);
    }
  }
  return out;
}

/** Argo CD's server-side sync: a forced apply of the desired manifest as argocd-controller. */
const argoApply = (o: Obj) => kube.api.patch(o, undefined, undefined, ARGO, true, PatchStrategy.ServerSideApply) as Promise<Obj>;
async function argoSync(git: Obj, trusted: string[]): Promise<Obj> {
  const live = await kube.get('FailoverPolicy', NS, git.metadata.name);
  return argoApply(live ? respectIgnoreDifferences(git, live, trusted) : git);
}

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  aws = new Aws(stack.motoEndpoint);
  await kube.ensureNamespace(NS);
  await stack.resetMoto();
  ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: stack.motoEndpoint,
    args: ['--health-observe-interval=1s', '--health-period=10s'],
  });
});
after(async () => {
  await ctrl?.stop();
  await clearPolicies(kube, NS).catch(() => {});
  aws?.destroy();
  await stack.stop();
});

async function dnsPolicy(name: string, zone: string, failover: Record<string, unknown>, ttl = 30): Promise<Obj> {
  const hc = { type: 'HTTPS', path: '/health/deep', port: 443 };
  return policyObj(NS, name, {
    dns: {
      hostedZoneId: zone,
      recordName: `${name}.example.com`,
      ttl,
      primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: hc },
      secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: hc },
    },
    failover,
  });
}

async function readyAndHealthy(name: string): Promise<void> {
  const o = await kube.waitCondition('FailoverPolicy', NS, name, 'Ready', 'True', undefined, 60_000);
  for (const id of Object.values(o.status.healthCheckIds as Record<string, string>)) await aws.putHealth(id, 1);
}

const owners = (o: Obj | undefined) =>
  ((o?.metadata.managedFields ?? []) as Array<{ manager: string; fieldsV1: Fields }>)
    .filter((m) => getPath(m.fieldsV1, ['f:spec', 'f:failover', 'f:activeRegion']) !== undefined)
    .map((m) => m.manager)
    .sort();

test(
  'git sets activeRegion: the switch survives a sync that trusts multiregion-cli, ' +
    'git still wins elsewhere, and the field goes back to git once git agrees',
  async () => {
    const zone = await seedHostedZone({ endpoint: stack.motoEndpoint }, 'example.com');
    const name = uniqueName('gitops');
    const recordName = `${name}.example.com`;
    const git = await dnsPolicy(name, zone, { mode: 'Manual', activeRegion: EAST });
    await argoSync(git, TRUSTED);
    await readyAndHealthy(name);
    assert.deepEqual(owners(await kube.get('FailoverPolicy', NS, name)), [ARGO]);

    const { stdout, stderr } = await cli('failover', name, '-n', NS, '--to', WEST, '--yes', '--timeout=90s');
    assert.match(stdout, /active region us-west-2/);
    assert.match(stderr, /also applied by argocd-controller .*field manager multiregion-cli/s, 'the operator hears that git owns the field too');
    const switched = await kube.get('FailoverPolicy', NS, name);
    assert.equal(switched?.spec.failover.activeRegion, WEST);
    assert.deepEqual(owners(switched), [CLI_FIELD_MANAGER], 'the forced apply took the field from argocd-controller');

    // The next sync (selfHeal, or a commit elsewhere): git changes the TTL, and still says us-east-1.
    const gitNext = await dnsPolicy(name, zone, { mode: 'Manual', activeRegion: EAST }, 60);
    const synced = await argoSync(gitNext, TRUSTED);
    assert.equal(synced.spec.failover.activeRegion, WEST, 'the sync kept the switch');
    assert.equal(synced.spec.dns.ttl, 60, 'and applied what git changed');
    const generation = synced.metadata.generation as number;
    const seen = await kube.waitFor('FailoverPolicy', NS, name, 'the TTL change observed', (p) => (p.status?.observedGeneration ?? 0) >= generation, 60_000);
    assert.equal(seen.status.activeRegion, WEST, 'the controller keeps serving from the switched region');
    const primary = async () => (await aws.records(zone, recordName)).find((r) => r.SetIdentifier === `${name}-primary`);
    await waitFor('the PRIMARY record at the TTL from git', async () => (await primary())?.TTL === 60, 60_000, 250);
    assert.equal((await primary())?.ResourceRecords?.[0]?.Value, '203.0.113.20', 'PRIMARY still serves the secondary target');

    // The incident is over: the operator commits us-west-2 to git, and hands the field back (docs/gitops.md).
    await handBack(name, await dnsPolicy(name, zone, { mode: 'Manual', activeRegion: WEST }, 60));
    // From now on git drives again: a planned failback committed to git is applied by the next sync.
    const back = await argoSync(await dnsPolicy(name, zone, { mode: 'Manual', activeRegion: EAST }, 60), TRUSTED);
    assert.equal(back.spec.failover.activeRegion, EAST);
  },
);

/** docs/gitops.md's hand-back: git says the active region, Argo CD syncs, managedFields are cleared, the next sync owns all of git. */
async function handBack(name: string, gitAgreeing: Obj): Promise<void> {
  await argoSync(gitAgreeing, TRUSTED);
  assert.ok(doc.includes(STRIP), 'docs/gitops.md gives this command');
  run(kubectlBin(), ['patch', 'fp', name, '-n', NS, '--type=merge', '-p', STRIP_PATCH, `--kubeconfig=${stack.kubeconfigPath}`]);
  const synced = await argoSync(gitAgreeing, TRUSTED);
  assert.equal(synced.spec.failover.activeRegion, gitAgreeing.spec.failover.activeRegion, 'the value stays: git says the same');
  // The apiserver files the fields it had under `before-first-apply` (an update manager Argo CD does not trust).
  const now = owners(synced);
  assert.ok(now.includes(ARGO), `git's apply owns the field: ${now.join(', ')}`);
  assert.deepEqual(
    now.filter((m) => TRUSTED.includes(m)),
    [],
    'no trusted manager owns it: git decides again',
  );
}

test("the failover action's write (argocd-server, an update) survives a sync that trusts argocd-server, and is handed back the same way", async () => {
  const zone = await seedHostedZone({ endpoint: stack.motoEndpoint }, 'example.com');
  const name = uniqueName('gitops-action');
  const git = await dnsPolicy(name, zone, { mode: 'Manual', activeRegion: EAST });
  await argoSync(git, TRUSTED);
  await readyAndHealthy(name);
  // What Argo CD does with an action's result: a merge patch as argocd-server.
  await kube.api.patch(
    { apiVersion: 'multiregion.dev/v1alpha1', kind: 'FailoverPolicy', metadata: { name, namespace: NS }, spec: { failover: { activeRegion: WEST } } },
    undefined,
    undefined,
    'argocd-server',
    undefined,
    PatchStrategy.MergePatch,
  );
  const synced = await argoSync(git, TRUSTED);
  assert.equal(synced.spec.failover.activeRegion, WEST);
  await kube.waitFor('FailoverPolicy', NS, name, 'active west', (p) => p.status?.activeRegion === WEST, 60_000);
  await handBack(name, await dnsPolicy(name, zone, { mode: 'Manual', activeRegion: WEST }));
});

test('a sync that does not trust multiregion-cli (a forced apply of git as is) undoes the switch: why docs/gitops.md asks for both settings', async () => {
  const zone = await seedHostedZone({ endpoint: stack.motoEndpoint }, 'example.com');
  const name = uniqueName('gitops-plain');
  const git = await dnsPolicy(name, zone, { mode: 'Manual', activeRegion: EAST });
  await argoApply(git);
  await readyAndHealthy(name);
  await cli('failover', name, '-n', NS, '--to', WEST, '--yes', '--timeout=90s');
  assert.equal((await argoApply(git)).spec.failover.activeRegion, EAST);
});

test('git leaves activeRegion out: a plain forced apply of git never touches the switch', async () => {
  const zone = await seedHostedZone({ endpoint: stack.motoEndpoint }, 'example.com');
  const name = uniqueName('gitops-omit');
  const git = await dnsPolicy(name, zone, { mode: 'Manual' });
  await argoApply(git);
  await readyAndHealthy(name);

  const { stderr } = await cli('failover', name, '-n', NS, '--to', WEST, '--yes', '--timeout=90s');
  assert.doesNotMatch(stderr, /also applied by/, 'nothing else owns the field');
  const synced = await argoApply(await dnsPolicy(name, zone, { mode: 'Manual' }, 45));
  assert.equal(synced.spec.failover.activeRegion, WEST);
  const generation = synced.metadata.generation as number;
  const seen = await kube.waitFor('FailoverPolicy', NS, name, 'the TTL change observed', (p) => (p.status?.observedGeneration ?? 0) >= generation, 60_000);
  assert.equal(seen.status.activeRegion, WEST);
});
