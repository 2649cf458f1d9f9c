// What running the chart under Prometheus Operator, Grafana, Argo CD and EKS needs (issue 19):
// the ServiceMonitor keeps the objects' `namespace` label, every alert links an absolute runbook
// URL whose section exists, the NetworkPolicy lets Pod Identity credentials through, CRDs survive
// an uninstall or a prune, two replicas never run without the Lease, and the dashboard ships as a
// sidecar ConfigMap with data source, cluster and namespace variables.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { CRD_ANNOTATIONS } from '../../src/api/generate-crds.ts';
import { chartDir, deployDir, helmBin, helmTemplate, type K8sObject, kustomizeDeploy, releaseName, repoRoot, run } from './packaging-tools.ts';

interface Rule {
  alert?: string;
  annotations?: Record<string, string>;
}
const kindOf = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const alertsOf = (groups: Array<{ rules: Rule[] }>) => groups.flatMap((g) => g.rules).filter((r) => r.alert);
/** The anchors GitHub gives docs/runbooks.md's headings. */
const runbookAnchors = new Set(
  readFileSync(join(repoRoot, 'docs', 'runbooks.md'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('## '))
    .map((l) => l.slice(3).trim().toLowerCase()),
);

test('the ServiceMonitor keeps the scraped `namespace` label (honorLabels)', () => {
  const [sm] = kindOf(helmTemplate(['--set', 'serviceMonitor.enabled=true']), 'ServiceMonitor');
  assert.ok(sm, 'rendered');
  const endpoints = (sm.spec as { endpoints: Array<{ honorLabels?: boolean }> }).endpoints;
  assert.ok(endpoints.length > 0);
  for (const e of endpoints) assert.equal(e.honorLabels, true);
});

test('deploy/prometheus/rules.yaml: every alert has an absolute runbook_url to its own section of docs/runbooks.md', () => {
  const rules = parse(readFileSync(join(deployDir, 'prometheus', 'rules.yaml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> };
  for (const r of alertsOf(rules.groups)) {
    const url = r.annotations?.runbook_url ?? '';
    assert.match(url, /^https:\/\/.+\/docs\/runbooks\.md#/, `${r.alert}: ${url}`);
    const anchor = url.split('#')[1] ?? '';
    assert.equal(anchor, r.alert!.toLowerCase(), `${r.alert}: anchor`);
    assert.ok(runbookAnchors.has(anchor), `${r.alert}: docs/runbooks.md has no "## ${r.alert}"`);
  }
});

test('the PrometheusRule builds every runbook_url from prometheusRule.runbookBaseUrl', () => {
  const base = 'https://wiki.example.com/sre/multiregion';
  const [pr] = kindOf(helmTemplate(['--set', 'prometheusRule.enabled=true', '--set', `prometheusRule.runbookBaseUrl=${base}`]), 'PrometheusRule');
  assert.ok(pr, 'rendered');
  const alerts = alertsOf((pr.spec as { groups: Array<{ rules: Rule[] }> }).groups);
  assert.ok(alerts.length >= 8);
  for (const r of alerts) assert.equal(r.annotations?.runbook_url, `${base}#${r.alert!.toLowerCase()}`, r.alert);
});

test('the runbook base must be an absolute URL (values schema)', () => {
  const r = run(helmBin(), ['template', releaseName, chartDir, '--set', 'clusterId=c1', '--set', 'prometheusRule.runbookBaseUrl=docs/runbooks.md'], {
    allowFailure: true,
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /runbookBaseUrl/);
});

interface Egress {
  ports: Array<{ port: number }>;
  to?: Array<{ ipBlock?: { cidr: string } }>;
}
const egressTo = (objs: K8sObject[], cidr: string) =>
  ((kindOf(objs, 'NetworkPolicy')[0]?.spec ?? { egress: [] }) as { egress: Egress[] }).egress.filter((e) => (e.to ?? []).some((t) => t.ipBlock?.cidr === cidr));

test('the NetworkPolicy lets the EKS Pod Identity agent through (port 80), and IMDS only when asked for', () => {
  const on = helmTemplate(['--set', 'networkPolicy.enabled=true']);
  assert.deepEqual(
    egressTo(on, '169.254.170.23/32').flatMap((e) => e.ports.map((p) => p.port)),
    [80],
  );
  assert.equal(egressTo(on, '169.254.169.254/32').length, 0, 'no IMDS by default');
  const imds = helmTemplate(['--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.allowImds=true']);
  assert.deepEqual(
    egressTo(imds, '169.254.169.254/32').flatMap((e) => e.ports.map((p) => p.port)),
    [80],
  );
});

test('the CRDs are kept by helm uninstall and never pruned by Argo CD (chart and kustomize)', () => {
  const fromChart = kindOf(helmTemplate(), 'CustomResourceDefinition');
  const fromKustomize = kindOf(kustomizeDeploy(), 'CustomResourceDefinition');
  assert.ok(fromChart.length >= 4 && fromKustomize.length === fromChart.length);
  for (const crd of [...fromChart, ...fromKustomize]) {
    const ann = (crd.metadata as { annotations?: Record<string, string> }).annotations ?? {};
    assert.equal(ann['helm.sh/resource-policy'], 'keep', crd.metadata.name);
    assert.equal(ann['argocd.argoproj.io/sync-options'], 'Prune=false', crd.metadata.name);
  }
  assert.deepEqual(CRD_ANNOTATIONS, { 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Prune=false' });
});

test('more than one replica without leader election is refused, with the reason', () => {
  const args = ['template', releaseName, chartDir, '--set', 'clusterId=c1', '--set', 'controller.leaderElection.enabled=false'];
  const r = run(helmBin(), [...args, '--set', 'replicaCount=2'], { allowFailure: true });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /replicaCount > 1 needs controller\.leaderElection\.enabled=true/);
  assert.equal(run(helmBin(), [...args, '--set', 'replicaCount=1']).status, 0, 'one replica without the Lease is fine');
});

test('the Grafana dashboard ConfigMap: the sidecar label, the dashboard itself, and data source, cluster and namespace variables', () => {
  assert.equal(kindOf(helmTemplate(), 'ConfigMap').filter((c) => c.metadata.name.endsWith('-dashboard')).length, 0, 'off by default');
  const [cm] = kindOf(helmTemplate(['--set', 'grafanaDashboard.enabled=true']), 'ConfigMap').filter((c) => c.metadata.name.endsWith('-dashboard'));
  assert.ok(cm, 'rendered when enabled');
  assert.equal((cm.metadata as { labels?: Record<string, string> }).labels?.grafana_dashboard, '1');
  const json = (cm as unknown as { data: Record<string, string> }).data['multiregion-controller.json'] ?? '';
  const shipped = JSON.parse(json) as { templating: { list: Array<{ name: string }> }; panels: Array<{ targets?: Array<{ expr: string }> }> };
  assert.deepEqual(shipped, JSON.parse(readFileSync(join(deployDir, 'grafana', 'multiregion-controller.json'), 'utf8')));
  assert.deepEqual(
    shipped.templating.list.map((v) => v.name),
    ['datasource', 'cluster', 'namespace'],
  );
  for (const t of shipped.panels.flatMap((p) => p.targets ?? [])) assert.match(t.expr, /cluster=~"\$cluster"/, t.expr);
});
