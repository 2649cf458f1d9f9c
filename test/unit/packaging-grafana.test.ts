// deploy/grafana/multiregion-controller.json: valid JSON, a Prometheus dashboard whose every
// query reads only metrics the controller exports, with distinct panel ids.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportedSeries, foreignSeries, metricNames } from './packaging-promql.ts';
import { deployDir } from './packaging-tools.ts';

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}
const dashboard = JSON.parse(readFileSync(join(deployDir, 'grafana', 'multiregion-controller.json'), 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: unknown; definition?: string }> };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const exported = exportedSeries();

test('dashboard has a uid, a title and distinct panel ids', () => {
  assert.equal(dashboard.uid, 'multiregion-controller');
  assert.ok(dashboard.title);
  const ids = panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'duplicate panel ids');
});

test('the data source is a variable, so the dashboard imports into any Grafana', () => {
  assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
});

for (const p of panels.filter((x) => x.type !== 'row')) {
  test(`panel "${p.title}" queries only exported metrics`, () => {
    assert.ok(p.targets && p.targets.length > 0, 'panel has no query');
    for (const t of p.targets) {
      const names = metricNames(t.expr);
      assert.ok(names.length > 0, `no metric in ${t.expr}`);
      for (const n of names) assert.ok(exported.has(n) || foreignSeries.has(n), `${n} (in ${t.expr}) is not exported by src/runtime/metrics.ts`);
    }
  });
}

test('template variables query exported metrics', () => {
  for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
    const m = /label_values\((\w+)[{,]/.exec(v.definition ?? '');
    assert.ok(m && exported.has(m[1]!), `variable ${v.name}: ${v.definition}`);
  }
});

test('every exported multiregion_ metric appears on the dashboard', () => {
  const used = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
  const ours = [...exported].filter((n) => n.startsWith('multiregion_') && !/_(bucket|sum|count)$/.test(n));
  for (const n of ours) assert.ok(used.has(n), `${n} has no panel`);
});
