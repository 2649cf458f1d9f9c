// docs/install-eks.md's kubectl steps against the test apiserver, run as the doc writes them
// (read from the doc, under bash): step 6 applies the AccessPolicy and the first RegionPair with
// dry-run set, and step 8 switches every object to deletionPolicy: Orphan before an uninstall. No
// controller runs: what is checked is what the commands leave in the apiserver. (`multiregion
// plan` needs the example's VPCs to exist; the command itself is tested in cli.test.ts.)

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getStack, repoRoot, type Stack } from '../env/stack.ts';
import { kubectlBin, run } from '../unit/packaging-tools.ts';
import { Kube } from './helpers.ts';

const doc = readFileSync(join(repoRoot, 'docs', 'install-eks.md'), 'utf8');
const shBlocks = [...doc.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
function shBlock(needle: string): string {
  const found = shBlocks.filter((b) => b.includes(needle));
  assert.equal(found.length, 1, `expected one sh block in docs/install-eks.md with ${needle}`);
  return found[0]!;
}

let stack: Stack;
let kube: Kube;
/** Runs doc lines under bash, with kubectl (from PATH or $KUBECTL) pointed at the test apiserver. */
const bash = (script: string) =>
  run('bash', ['-euo', 'pipefail', '-c', `kubectl() { ${JSON.stringify(kubectlBin())} "$@"; }\n${script}`], {
    env: { ...process.env, KUBECONFIG: stack.kubeconfigPath },
  });

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
});
after(async () => {
  for (const [kind, ns, name] of [
    ['ClientConnection', 'clients', 'acme'],
    ['FailoverPolicy', 'apps', 'orders'],
    ['RegionPair', 'platform', 'prod'],
  ] as const) {
    await kube.delete(kind, ns, name).catch(() => {});
  }
  await kube.delete('AccessPolicy', '', 'production').catch(() => {});
  await stack.stop();
});

test('step 6: the AccessPolicy and the first RegionPair, applied with dry-run set before the controller sees it', async () => {
  const block = shBlock('multiregion plan rp prod');
  const lines = block.split('\n').filter((l) => l.startsWith('kubectl '));
  assert.deepEqual(
    lines.map((l) => l.split(' ').slice(0, 2).join(' ')),
    ['kubectl create', 'kubectl apply', 'kubectl annotate'],
  );
  // The namespace may exist on a shared stack; the rest runs as written.
  await kube.ensureNamespace('platform');
  bash(lines.slice(1).join('\n'));
  const rp = await kube.get('RegionPair', 'platform', 'prod');
  assert.equal(rp?.metadata.annotations?.['multiregion.dev/dry-run'], 'true', 'the pair arrives in dry-run');
  assert.ok(await kube.get('AccessPolicy', '', 'production'), 'the AccessPolicy from examples/');
  // The next command the doc gives once the plan is right.
  bash(shBlock('multiregion.dev/dry-run-').split('\n')[0]!);
  assert.equal((await kube.get('RegionPair', 'platform', 'prod'))?.metadata.annotations?.['multiregion.dev/dry-run'], undefined);
});

test('step 8: the loop sets deletionPolicy: Orphan on every object of the three kinds, and the listing shows it', async () => {
  for (const ns of ['platform', 'apps', 'clients']) await kube.ensureNamespace(ns);
  run(
    kubectlBin(),
    [
      'apply',
      '--server-side',
      '--field-manager=tests',
      '-f',
      'examples/region-pair.yaml',
      '-f',
      'examples/failover-policy.yaml',
      '-f',
      'examples/client-connection.yaml',
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: stack.kubeconfigPath },
    },
  );
  const block = shBlock('deletionPolicy":"Orphan"');
  const out = bash(block).stdout;
  for (const [kind, ns, name] of [
    ['RegionPair', 'platform', 'prod'],
    ['FailoverPolicy', 'apps', 'orders'],
    ['ClientConnection', 'clients', 'acme'],
  ] as const) {
    assert.equal((await kube.get(kind, ns, name))?.spec.deletionPolicy, 'Orphan', `${kind} ${ns}/${name}`);
    assert.match(out, new RegExp(`^${kind} +${ns} +${name} +Orphan *$`, 'm'), out);
  }
});
