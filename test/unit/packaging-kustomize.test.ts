// The kustomize base (deploy/) and the Helm chart's defaults must install the same controller:
// same objects, same RBAC rules, same pod. Labels and the chart's checksum annotation may differ.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { chartDir, deployDir, helmTemplate, type K8sObject, kustomizeDeploy, releaseNamespace } from './packaging-tools.ts';

const helm = helmTemplate();
const kust = kustomizeDeploy();
const id = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const find = (objs: K8sObject[], key: string) => objs.find((o) => id(o) === key);

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

test('kustomize image tag is the chart appVersion', () => {
  const kustomization = parse(readFileSync(join(deployDir, 'kustomization.yaml'), 'utf8')) as { images: Array<{ name: string; newTag: string }> };
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string };
  assert.deepEqual(kustomization.images, [{ name: 'multiregion-controller', newTag: chart.appVersion }]);
});

test('the kustomize base leaves the cluster id empty, so an overlay must set it', () => {
  const cm = find(kust, `ConfigMap/${releaseNamespace}/multiregion-controller-config`);
  assert.equal((cm?.data as Record<string, string> | undefined)?.['cluster-id'], '');
});
