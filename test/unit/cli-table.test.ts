import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTable } from '../../src/cli/table.ts';

const cases: Array<{ reason: string; headers: string[]; rows: string[][]; want: string }> = [
  { reason: 'headers only: upper-cased, no trailing space', headers: ['Name', 'Kind'], rows: [], want: 'NAME   KIND\n' },
  {
    reason: 'columns pad to the widest cell, last column unpadded',
    headers: ['Name', 'Ready', 'Lag'],
    rows: [
      ['apps/orders', 'True', '3s'],
      ['a/b', 'False (Creating)', '-'],
    ],
    want: 'NAME          READY              LAG\napps/orders   True               3s\na/b           False (Creating)   -\n',
  },
  { reason: 'a missing cell renders empty', headers: ['A', 'B'], rows: [['x']], want: 'A   B\nx\n' },
];

for (const c of cases) {
  test(`renderTable: ${c.reason}`, () => assert.equal(renderTable(c.headers, c.rows), c.want));
}
