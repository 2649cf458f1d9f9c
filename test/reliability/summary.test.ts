// Runs last (file names sort): prints what the suite did and fails unless every "bad" count is 0.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTally, tallyPath } from './harness.ts';

test('reliability summary: every bad count is 0', () => {
  const rows = readTally();
  const sum = (
    k:
      | 'crashPoints'
      | 'duplicates'
      | 'leaks'
      | 'lostUpdates'
      | 'badInputsTried'
      | 'badInputsRejected'
      | 'crashes'
      | 'secretsLeaked'
      | 'foreignTouched'
      | 'twoWriters'
      | 'stalledFailovers'
      | 'lostSteps',
  ) => rows.reduce((n, r) => n + (r[k] ?? 0), 0);
  const faults: Record<string, number> = {};
  for (const r of rows) for (const [k, v] of Object.entries(r.faults ?? {})) faults[k] = (faults[k] ?? 0) + v;
  const files = [...new Set(rows.map((r) => r.file))];
  const extra: Record<string, number> = {};
  const bad = {
    duplicates: sum('duplicates'),
    leaks: sum('leaks'),
    lostUpdates: sum('lostUpdates'),
    crashes: sum('crashes'),
    secretsLeaked: sum('secretsLeaked'),
    foreignTouched: sum('foreignTouched'),
    badInputsNotRejected: sum('badInputsTried') - sum('badInputsRejected'),
    twoWriters: sum('twoWriters'),
    stalledFailovers: sum('stalledFailovers'),
    lostSteps: sum('lostSteps'),
  };
  // A counter this file does not know yet (a new file's own) is a bad count too: summed, shown, must be 0.
  const GOOD = new Set(['crashPoints', 'badInputsTried', 'badInputsRejected']);
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== 'number' || GOOD.has(k) || k in bad) continue;
      extra[k] = (extra[k] ?? 0) + v;
    }
  }
  Object.assign(bad, extra);
  console.log(
    [
      '# ---- reliability summary ----',
      `# files reporting: ${files.join(', ') || 'none'}`,
      `# faults injected: ${
        Object.entries(faults)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ') || 'none'
      }`,
      `# crash points covered: ${sum('crashPoints')}`,
      `# bad inputs tried/rejected: ${sum('badInputsTried')}/${sum('badInputsRejected')}`,
      ...rows.filter((r) => r.note).map((r) => `# ${r.file}: ${r.note}`),
      `# bad counts: ${Object.entries(bad)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    ].join('\n'),
  );
  assert.ok(rows.length > 0, `no results in ${tallyPath}: run the other files of test/reliability first`);
  for (const [k, v] of Object.entries(bad)) assert.equal(v, 0, `${k} must be 0`);
});
