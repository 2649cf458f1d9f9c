// deploy/prometheus/rules.yaml: promtool accepts it, its unit tests pass, every alert has a
// firing test, and every expression reads only metrics the controller exports.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { exportedSeries, foreignSeries, metricNames } from './packaging-promql.ts';
import { debianTool, deployDir, run } from './packaging-tools.ts';

const dir = join(deployDir, 'prometheus');
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (parse(readFileSync(join(dir, 'rules.yaml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);

test('promtool check rules', () => {
  const r = run(debianTool('promtool'), ['check', 'rules', 'rules.yaml'], { cwd: dir });
  assert.match(r.stdout, /SUCCESS/);
});

test('promtool test rules', () => {
  const r = run(debianTool('promtool'), ['test', 'rules', 'rules.test.yaml'], { cwd: dir });
  assert.match(r.stdout, /SUCCESS/);
});

test('every alert has a test case that expects it to fire', () => {
  const tests = parse(readFileSync(join(dir, 'rules.test.yaml'), 'utf8')) as {
    tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
  };
  const firing = new Set(
    tests.tests
      .flatMap((t) => t.alert_rule_test ?? [])
      .filter((a) => a.exp_alerts.length > 0)
      .map((a) => a.alertname),
  );
  for (const r of rules) if (r.alert) assert.ok(firing.has(r.alert), `${r.alert} has no firing case in rules.test.yaml`);
});

test('every alert has a severity and a summary', () => {
  for (const r of rules.filter((x) => x.alert)) {
    assert.match(r.labels?.severity ?? '', /^(critical|warning|info)$/, `${r.alert}: severity`);
    assert.ok(r.annotations?.summary, `${r.alert}: summary`);
  }
});

const exported = exportedSeries();
for (const r of rules) {
  test(`${r.alert ?? r.record} reads only exported metrics`, () => {
    const names = metricNames(r.expr);
    assert.ok(names.length > 0, 'no metric found in the expression');
    for (const n of names) assert.ok(exported.has(n) || foreignSeries.has(n), `${n} is not exported by src/runtime/metrics.ts`);
  });
}

const promql: Array<{ expr: string; names: string[] }> = [
  { expr: 'sum by (kind) (rate(multiregion_reconcile_total{result="error"}[5m]))', names: ['multiregion_reconcile_total'] },
  { expr: 'absent(up{job=~".*multiregion.*"} == 1)', names: ['up'] },
  { expr: 'a / on (x) group_left (y) b > 0.1 and c offset 5m', names: ['a', 'b', 'c'] },
  { expr: 'histogram_quantile(0.99, sum by (le) (rate(h_bucket[$__rate_interval])))', names: ['h_bucket'] },
  { expr: 'x{name=~"$namespace", a="sum(y)"} > 1e9', names: ['x'] },
];
for (const c of promql) {
  test(`metricNames(${c.expr})`, () => assert.deepEqual(metricNames(c.expr), c.names));
}

test('exportedSeries finds the agreed metrics in src/runtime/metrics.ts', () => {
  for (const n of ['multiregion_leader', 'multiregion_failover_ready', 'multiregion_reconcile_duration_seconds_bucket', 'multiregion_aws_api_calls_total']) {
    assert.ok(exported.has(n), n);
  }
});
