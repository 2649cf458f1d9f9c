import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlannedChange } from '../../src/api/types.ts';
import { plannedChangesOf } from '../../src/cli/commands/plan.ts';
import { formatPlan, formatPlannedChange } from '../../src/cli/plan-format.ts';

const lines: Array<{ reason: string; change: PlannedChange; want: string }> = [
  { reason: 'create with region', change: { action: 'Create', resource: 'TransitGateway', region: 'us-east-1' }, want: '+ Create TransitGateway (us-east-1)' },
  { reason: 'delete with detail', change: { action: 'Delete', resource: 'Route', detail: '10.1.0.0/16' }, want: '- Delete Route: 10.1.0.0/16' },
  {
    reason: 'promotion stands out',
    change: { action: 'Promote', resource: 'DBInstance orders-db-replica', region: 'us-west-2' },
    want: '! Promote DBInstance orders-db-replica (us-west-2)',
  },
];
for (const c of lines) test(`formatPlannedChange: ${c.reason}`, () => assert.equal(formatPlannedChange(c.change), c.want));

test('formatPlan: empty plan says nothing to do', () => {
  assert.equal(formatPlan('RegionPair a/b', []), 'RegionPair a/b: no changes; AWS matches the spec.\n');
});

test('formatPlan: counts per action and one indented line per change', () => {
  const out = formatPlan('RegionPair a/b', [
    { action: 'Create', resource: 'TransitGateway', region: 'us-east-1' },
    { action: 'Create', resource: 'TransitGateway', region: 'us-west-2' },
    { action: 'Update', resource: 'Route' },
  ]);
  assert.equal(
    out,
    'RegionPair a/b: 3 planned changes (2 create, 1 update)\n' +
      '  + Create TransitGateway (us-east-1)\n  + Create TransitGateway (us-west-2)\n  ~ Update Route\n',
  );
});

const synced = (reason: string) => ({ type: 'Synced', status: 'True', reason });
const objects: Array<{ reason: string; obj: Record<string, any>; want: PlannedChange[] | undefined }> = [
  {
    reason: 'dry-run status of the current generation gives the plan',
    obj: {
      metadata: { generation: 2 },
      status: { observedGeneration: 2, conditions: [synced('DryRun')], plannedChanges: [{ action: 'Create', resource: 'X' }] },
    },
    want: [{ action: 'Create', resource: 'X' }],
  },
  {
    reason: 'an empty plan is still a plan',
    obj: { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [synced('DryRun')], plannedChanges: [] } },
    want: [],
  },
  {
    reason: 'a status from an older generation is not awaited plan',
    obj: { metadata: { generation: 3 }, status: { observedGeneration: 2, conditions: [synced('DryRun')], plannedChanges: [] } },
    want: undefined,
  },
  {
    reason: 'a normal (non dry-run) reconcile is not a plan',
    obj: { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [synced('ReconcileSuccess')] } },
    want: undefined,
  },
];
for (const c of objects) test(`plannedChangesOf: ${c.reason}`, () => assert.deepEqual(plannedChangesOf(c.obj), c.want));
