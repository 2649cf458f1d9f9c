// The chart and the kustomize base cannot read files outside their folders, so they carry
// copies; `bash test/env/sync-copies.sh` refreshes them and this test catches a stale one.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { chartDir, deployDir, repoRoot } from './packaging-tools.ts';

const fix = 'run `bash test/env/sync-copies.sh`';
const yamlIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort();
const sourceCrds = yamlIn(join(repoRoot, 'crds'));

test('crds/ holds the generated CRDs', () => {
  assert.ok(sourceCrds.length > 0, 'crds/ has no *.yaml: run `npm run gen:crds`');
});

const copies = [
  { reason: 'Helm installs CRDs from the chart crds/ folder', dir: join(chartDir, 'crds') },
  { reason: 'the kustomize base lists its own CRD copies', dir: join(deployDir, 'crds') },
];
for (const c of copies) {
  test(`CRD copies are byte-identical: ${c.reason}`, () => {
    assert.deepEqual(yamlIn(c.dir), sourceCrds, `${c.dir} has other files than crds/: ${fix}`);
    for (const f of sourceCrds) {
      const same = readFileSync(join(repoRoot, 'crds', f)).equals(readFileSync(join(c.dir, f)));
      assert.ok(same, `${join(c.dir, f)} differs from crds/${f}: ${fix}`);
    }
  });
}

test('deploy/crds/kustomization.yaml lists exactly the CRD copies', () => {
  const k = parse(readFileSync(join(deployDir, 'crds', 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  assert.deepEqual([...k.resources].sort(), sourceCrds, fix);
});

test('the chart PrometheusRule source is byte-identical to deploy/prometheus/rules.yaml', () => {
  const a = readFileSync(join(deployDir, 'prometheus', 'rules.yaml'));
  const b = readFileSync(join(chartDir, 'files', 'prometheus-rules.yaml'));
  assert.ok(a.equals(b), `helm/multiregion-controller/files/prometheus-rules.yaml is stale: ${fix}`);
});

test('the chart dashboard source is byte-identical to deploy/grafana/multiregion-controller.json', () => {
  const a = readFileSync(join(deployDir, 'grafana', 'multiregion-controller.json'));
  const b = readFileSync(join(chartDir, 'files', 'grafana-dashboard.json'));
  assert.ok(a.equals(b), `helm/multiregion-controller/files/grafana-dashboard.json is stale: ${fix}`);
});
