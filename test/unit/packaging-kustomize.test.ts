// The kustomize base (deploy/) and the Helm chart's defaults must install the same controller:
// same objects, same RBAC rules, same pod. Labels and the chart's checksum annotation may differ.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { chartDir, deployDir, helmTemplate, type K8sObject, kubectlBin, kustomizeDeploy, parseManifests, releaseNamespace, run } from './packaging-tools.ts';

const helm = helmTemplate();
const kust = kustomizeDeploy();
const id = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const find = (objs: K8sObject[], key: string) => objs.find((o) => id(o) === key);
const kustomize = (dir: string) => parseManifests(run(kubectlBin(), ['kustomize', dir]).stdout);

test('kustomize renders the chart objects plus its Namespace, nothing else', () => {
  const helmIds = helm.map(id).sort();
  const kustIds = kust
    .filter((o) => o.kind !== 'Namespace')
    .map(id)
    .sort();
  assert.deepEqual(kustIds, helmIds);
  const ns = kust.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
  assert.deepEqual(ns, [releaseNamespace]);
});

// Which part of each kind must be equal; the rest (labels, annotations) may differ.
const compared: Record<string, (o: K8sObject) => unknown> = {
  CustomResourceDefinition: (o) => o.spec,
  ClusterRole: (o) => o.rules,
  Role: (o) => o.rules,
  ClusterRoleBinding: (o) => ({ roleRef: o.roleRef, subjects: o.subjects }),
  RoleBinding: (o) => ({ roleRef: o.roleRef, subjects: o.subjects }),
  ServiceAccount: (o) => o.automountServiceAccountToken,
  ConfigMap: (o) => Object.keys((o.data ?? {}) as object).sort(),
  Service: (o) => o.spec,
  PodDisruptionBudget: (o) => o.spec,
  Deployment: (o) => {
    const spec = structuredClone(o.spec) as { template: { metadata: { annotations?: unknown } } };
    delete spec.template.metadata.annotations; // the chart's checksum/config
    return spec;
  },
};

for (const h of helm) {
  test(`kustomize ${id(h)} matches the chart`, () => {
    const pick = compared[h.kind];
    assert.ok(pick, `no comparison defined for kind ${h.kind}: add one to this table`);
    const k = find(kust, id(h));
    assert.ok(k, `kustomize lacks ${id(h)}`);
    assert.deepEqual(pick(k), pick(h));
  });
}

test('the kustomize base grants no Secret access, cluster-wide or in any namespace', () => {
  const secretRules = kust
    .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
    .flatMap((o) => (o.rules as Array<{ resources: string[] }>).filter((r) => r.resources.includes('secrets')).map(() => id(o)));
  assert.deepEqual(secretRules, []);
});

// deploy/connection-secrets: the per-namespace Role an operator applies where FailoverPolicies
// keep their connection Secrets; the same objects the chart renders for rbac.secretNamespaces.
test('deploy/connection-secrets renders the Role + RoleBinding of the chart with rbac.secretNamespaces={apps}', () => {
  const perNs = kustomize(join(deployDir, 'connection-secrets'));
  const chart = helmTemplate(['--set', 'rbac.secretNamespaces={apps}']).filter((o) => o.metadata.name.endsWith('-secrets'));
  assert.deepEqual(perNs.map(id).sort(), chart.map(id).sort());
  assert.deepEqual(perNs.map(id).sort(), ['Role/apps/multiregion-controller-secrets', 'RoleBinding/apps/multiregion-controller-secrets']);
  for (const h of chart) {
    const pick = compared[h.kind]!;
    assert.deepEqual(pick(find(perNs, id(h))!), pick(h), id(h));
  }
});

// deploy/workload-rollout: the per-namespace Role for the application cutover (rollout restarts);
// the same objects the chart renders for rbac.rolloutNamespaces.
test('deploy/workload-rollout renders the Role + RoleBinding of the chart with rbac.rolloutNamespaces={apps}', () => {
  const perNs = kustomize(join(deployDir, 'workload-rollout'));
  const chart = helmTemplate(['--set', 'rbac.rolloutNamespaces={apps}']).filter((o) => o.metadata.name.endsWith('-rollout'));
  assert.deepEqual(perNs.map(id).sort(), chart.map(id).sort());
  assert.deepEqual(perNs.map(id).sort(), ['Role/apps/multiregion-controller-rollout', 'RoleBinding/apps/multiregion-controller-rollout']);
  for (const h of chart) {
    const pick = compared[h.kind]!;
    assert.deepEqual(pick(find(perNs, id(h))!), pick(h), id(h));
  }
});

test('the kustomize base grants no access to workloads', () => {
  const rules = kust
    .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
    .flatMap((o) => (o.rules as Array<{ apiGroups: string[] }>).filter((r) => r.apiGroups.includes('apps')).map(() => id(o)));
  assert.deepEqual(rules, []);
});

test("kustomize image is the chart's default repository at the chart appVersion", () => {
  const kustomization = parse(readFileSync(join(deployDir, 'kustomization.yaml'), 'utf8')) as { images: Array<{ name: string; newTag: string }> };
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string };
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { image: { repository: string } };
  assert.deepEqual(kustomization.images, [{ name: 'multiregion-controller', newName: values.image.repository, newTag: chart.appVersion }]);
});

test('the kustomize base leaves the cluster id empty, so an overlay must set it', () => {
  const cm = find(kust, `ConfigMap/${releaseNamespace}/multiregion-controller-config`);
  assert.equal((cm?.data as Record<string, string> | undefined)?.['cluster-id'], '');
});
