import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  acceleratorCell,
  conditionCell,
  dialsCell,
  healthCell,
  STATUS_HEADERS,
  type StatusObject,
  statusRow,
  statusRows,
  WIDE_HEADERS,
  wideCells,
} from '../../src/cli/status-rows.ts';
import { renderTable } from '../../src/cli/table.ts';

const cond = (type: string, status: 'True' | 'False' | 'Unknown', reason: string) => ({
  type,
  status,
  reason,
  message: '',
  lastTransitionTime: '2026-01-01T00:00:00Z',
});

const policy: StatusObject = {
  kind: 'FailoverPolicy',
  metadata: { name: 'orders', namespace: 'apps', generation: 3 },
  status: {
    observedGeneration: 3,
    activeRegion: 'us-west-2',
    phase: 'FailedOver',
    health: { primary: 'Unhealthy', secondary: 'Healthy' },
    database: { replica: { lagSeconds: 4 } },
    conditions: [cond('Ready', 'True', 'Available'), cond('Synced', 'True', 'ReconcileSuccess'), cond('FailoverReady', 'False', 'ReplicaMissing')],
  },
};
const pair: StatusObject = {
  kind: 'RegionPair',
  metadata: { name: 'prod', namespace: 'platform', generation: 2, annotations: { 'multiregion.dev/dry-run': 'true' } },
  status: {
    observedGeneration: 1,
    peering: { state: 'pendingAcceptance' },
    conditions: [cond('Ready', 'False', 'Creating'), cond('Synced', 'True', 'DryRun')],
  },
};
const fresh: StatusObject = { kind: 'FailoverPolicy', metadata: { name: 'new', namespace: 'apps' } };

const rows: Array<{ reason: string; obj: StatusObject; want: string[] }> = [
  {
    reason: 'a failed-over policy shows active region, phase, both healths, lag, and why it is not FailoverReady',
    obj: policy,
    want: ['apps/orders', 'FailoverPolicy', 'True', 'True', 'us-west-2', 'FailedOver', 'P:Unhealthy S:Healthy', '4s', 'False (ReplicaMissing)', '-'],
  },
  {
    reason: 'a pair in dry-run with a stale generation: flagged, Ready marked *, phase is the peering state',
    obj: pair,
    want: ['platform/prod [dry-run]', 'RegionPair', 'False (Creating)*', 'True (DryRun)', '-', 'pendingAcceptance', '-', '-', '-', '-'],
  },
  { reason: 'an object the controller never saw shows dashes', obj: fresh, want: ['apps/new', 'FailoverPolicy', '-', '-', '-', '-', '-', '-', '-', '-'] },
];
for (const c of rows) test(`statusRow: ${c.reason}`, () => assert.deepEqual(statusRow(c.obj), c.want));

test('statusRow: every row has one cell per header', () => {
  for (const o of [policy, pair, fresh]) assert.equal(statusRow(o).length, STATUS_HEADERS.length);
});

test('statusRows: sorted by namespace/name', () => {
  assert.deepEqual(
    statusRows([pair, policy, fresh]).map((r) => r[0]),
    ['apps/new', 'apps/orders', 'platform/prod [dry-run]'],
  );
});

const cells: Array<{ reason: string; obj: StatusObject; type: string; want: string }> = [
  { reason: 'Synced with ReconcileSuccess is a bare True', obj: policy, type: 'Synced', want: 'True' },
  { reason: 'True with an unusual reason shows it', obj: pair, type: 'Synced', want: 'True (DryRun)' },
  { reason: 'missing condition', obj: pair, type: 'FailoverReady', want: '-' },
];
for (const c of cells) test(`conditionCell: ${c.reason}`, () => assert.equal(conditionCell(c.obj, c.type), c.want));

test('healthCell: unknown side is spelled out', () => assert.equal(healthCell({ primary: 'Healthy' }), 'P:Healthy S:Unknown'));

test('a rendered status table lines up', () => {
  const out = renderTable(STATUS_HEADERS, statusRows([policy, pair])).split('\n');
  assert.equal(out[0]!.indexOf('KIND'), out[1]!.indexOf('FailoverPolicy'));
  assert.equal(out[0]!.indexOf('ACTIVE'), out[1]!.indexOf('us-west-2'));
});

const withGa = (ga: NonNullable<StatusObject['status']>['globalAccelerator'], steps?: number[]): StatusObject => ({
  ...policy,
  ...(steps ? { spec: { globalAccelerator: { shift: { steps } } } } : {}),
  status: { ...policy.status, globalAccelerator: ga },
});

const dials: Array<{ reason: string; obj: StatusObject; want: string }> = [
  { reason: 'no accelerator: a dash', obj: policy, want: '-' },
  { reason: 'steady dials', obj: withGa({ dials: { primary: 0, secondary: 100 } }), want: 'P:0 S:100' },
  {
    reason: 'a shift running shows its step of the spec steps and where it goes',
    obj: withGa({ dials: { primary: 50, secondary: 50 }, shift: { to: 'us-west-2', step: 1 } }, [10, 50, 100]),
    want: 'P:50 S:50 (shift 2/3 to us-west-2)',
  },
  {
    reason: 'a shift without spec steps (spec changed) still shows its step',
    obj: withGa({ dials: { primary: 90, secondary: 10 }, shift: { to: 'us-west-2', step: 0 } }),
    want: 'P:90 S:10 (shift 1 to us-west-2)',
  },
  {
    reason: 'a rolled-back shift says so',
    obj: withGa({ dials: { primary: 100, secondary: 0 }, shift: { to: 'us-west-2', step: 1, rolledBack: true } }, [10, 50, 100]),
    want: 'P:100 S:0 (shift to us-west-2 rolled back)',
  },
  { reason: 'one dial not read yet', obj: withGa({ dials: { primary: 100 } }), want: 'P:100 S:?' },
];
for (const c of dials) test(`dialsCell: ${c.reason}`, () => assert.equal(dialsCell(c.obj), c.want));

test('statusRow and -o wide: dials in the table, accelerator status and static IPs in wide', () => {
  const o = withGa({ status: 'IN_PROGRESS', ipAddresses: ['192.0.2.250', '198.51.100.52'], dials: { primary: 100, secondary: 0 } });
  assert.equal(statusRow(o)[STATUS_HEADERS.indexOf('Dials')], 'P:100 S:0');
  const wide = statusRows([o], true)[0]!;
  assert.equal(wide.length, WIDE_HEADERS.length);
  assert.equal(wide[WIDE_HEADERS.indexOf('Accelerator')], 'IN_PROGRESS 192.0.2.250,198.51.100.52');
  assert.equal(acceleratorCell(policy), '-');
  assert.equal(wideCells(pair).length, WIDE_HEADERS.length - STATUS_HEADERS.length);
});
