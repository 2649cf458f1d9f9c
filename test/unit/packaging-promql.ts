// Which metric names a PromQL expression reads, and which ones the controller exports,
// so alerts and dashboards cannot drift from src/runtime/metrics.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './packaging-tools.ts';

const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Metric names referenced by a PromQL expression (Grafana $variables allowed). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings (label values, regexes)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' '); // Grafana variables
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = stripped.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(')) continue; // a function or aggregation
    if (keywords.has(m[0].toLowerCase())) continue;
    if (/^\d/.test(stripped.slice(Math.max(0, m.index - 1), m.index))) continue; // 5m, 1e9
    names.add(m[0]);
  }
  return [...names].sort();
}

/** Series names the controller exports: names declared in src/runtime/metrics.ts, histograms expanded. */
export function exportedSeries(): Set<string> {
  // The registry's metrics, and the fleet lease's (registered by the lease itself, same registry).
  const src = ['metrics.ts', 'fleet-lease.ts'].map((f) => readFileSync(join(repoRoot, 'src', 'runtime', f), 'utf8')).join('\n');
  const out = new Set<string>();
  for (const m of src.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'([a-z_:][a-z0-9_:]*)'/g)) {
    const [, type, name] = m as unknown as [string, string, string];
    out.add(name);
    if (type === 'Histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
  }
  return out;
}

/** Series that are not ours but fine to read: Prometheus' own scrape health. */
export const foreignSeries = new Set(['up']);
