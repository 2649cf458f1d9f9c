// The chart and the kustomize base, applied with --dry-run=server to a real kube-apiserver:
// schema (strict field validation), RBAC objects, CRDs and Pod Security "restricted" admission
// all judge the rendered manifests, without anything running.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { startKube } from '../env/kube.ts';
import { ENV } from '../env/stack.ts';
import { helmTemplate, type K8sObject, kubectlBin, kustomizeDeploy, releaseNamespace, run } from '../unit/packaging-tools.ts';

let kube: { kubeconfigPath: string; server: string; stop(): Promise<void> };
let dir: string;

function kubectl(args: string[], input?: string) {
  return run(kubectlBin(), ['--kubeconfig', kube.kubeconfigPath, ...args], { input, allowFailure: true });
}

/** Server-side dry-run apply of the objects; returns kubectl's result. */
function dryRun(name: string, objs: K8sObject[]) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, objs.map((o) => stringify(o)).join('---\n'));
  // --force-conflicts: objects another test file applied on this apiserver (rbac-proof applies the
  // chart's RBAC as "helm") are not this check's business; a dry run changes nothing anyway.
  return kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=packaging-test', '--dry-run=server', '--validate=strict', '-f', file]);
}

before(async () => {
  kubectlBin(); // fail at once, with the install hint, when kubectl is missing
  // The run's shared apiserver when with-stack.ts started one; else a private one. Not getStack():
  // that installs the CRDs first, and judging the CRDs is part of this test.
  const shared = process.env[ENV.kubeconfig];
  kube = shared ? { kubeconfigPath: shared, server: process.env[ENV.server] ?? '', stop: async () => {} } : await startKube();
  dir = mkdtempSync(join(tmpdir(), 'mrc-dryrun-'));
  // Namespaced objects need their namespace to exist for real; it carries the
  // pod-security label, so the dry-run also runs the "restricted" admission on the pod.
  const ns = kustomizeDeploy().filter((o) => o.kind === 'Namespace');
  assert.deepEqual(
    ns.map((o) => o.metadata.name),
    [releaseNamespace],
  );
  const r = kubectl(['apply', '--server-side', '--field-manager=packaging-test', '-f', '-'], stringify(ns[0]));
  assert.equal(r.status, 0, r.stderr);
});

after(async () => {
  // The namespace stays: this apiserver has no namespace controller to finish deleting it, so a
  // deleted namespace would stay Terminating and refuse the next test file's objects.
  if (kube) await kube.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const renders: Array<{ reason: string; objs: () => K8sObject[] }> = [
  { reason: 'helm template, default values', objs: () => helmTemplate() },
  {
    reason: 'helm template, NetworkPolicy and narrowed secrets on',
    objs: () =>
      helmTemplate([
        '--set',
        'networkPolicy.enabled=true',
        '--set',
        `rbac.secretNamespaces={${releaseNamespace}}`,
        '--set',
        'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::111111111111:role/mrc',
      ]),
  },
  { reason: 'kubectl kustomize deploy', objs: () => kustomizeDeploy() },
];

// CRDs and the rest apart: a bad CRD schema (crds/, npm run gen:crds) must not hide a
// packaging fault, nor the other way round. No object here needs the CRDs installed.
const isCrd = (o: K8sObject) => o.kind === 'CustomResourceDefinition';
for (const r of renders) {
  for (const part of [
    { name: 'CRDs', pick: isCrd },
    { name: 'controller objects', pick: (o: K8sObject) => !isCrd(o) },
  ]) {
    test(`${r.reason}: ${part.name} pass a server-side dry-run, with no warnings`, () => {
      const objs = r.objs().filter(part.pick);
      assert.ok(objs.length > 0, `no ${part.name} rendered`);
      const res = dryRun(`${r.reason}-${part.name}`.replace(/\W+/g, '-'), objs);
      assert.equal(res.status, 0, `kubectl apply --dry-run=server failed:\n${res.stderr}`);
      // Pod Security violations and deprecated APIs come back as warnings, not errors.
      assert.doesNotMatch(res.stderr, /Warning/i, res.stderr);
      const applied = res.stdout.split('\n').filter((l) => l.includes('(server dry run)'));
      assert.equal(applied.length, objs.length, res.stdout);
    });
  }
}

test('the restricted Pod Security level would reject a root pod here (the warning check can fail)', () => {
  const deploy = structuredClone(helmTemplate().find((o) => o.kind === 'Deployment')!);
  const pod = (deploy.spec as { template: { spec: { securityContext: Record<string, unknown> } } }).template.spec;
  pod.securityContext = { runAsNonRoot: false, runAsUser: 0 };
  const res = dryRun('root-pod', [deploy]);
  assert.match(res.stderr, /would violate PodSecurity "restricted/);
});
