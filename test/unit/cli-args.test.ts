import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { collectionPath } from '../../src/api/types.ts';
import { parseCli, parseTimeout, USAGE } from '../../src/cli/args.ts';
import { DrillFailedError, drillReport, formatDrill } from '../../src/cli/commands/drill.ts';
import {
  acceptDataLossNote,
  acceptDataLossRefusal,
  acceptDataLossValue,
  failoverApply,
  failoverRefusal,
  heldBecause,
  otherAppliersOfActiveRegion,
  policyRegions,
} from '../../src/cli/commands/failover.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { objectPath, resolveKind } from '../../src/cli/kinds.ts';
import { asList, renderData } from '../../src/cli/output.ts';

test('parseCli: kubectl-like flags around positionals', () => {
  const a = parseCli(['plan', 'rp', 'prod', '-n', 'platform', '--keep', '--timeout', '90s', '--kubeconfig', 'kc']);
  assert.deepEqual([a.command, a.positionals, a.namespace, a.keep, a.timeoutMs, a.kubeconfig], ['plan', ['rp', 'prod'], 'platform', true, 90_000, 'kc']);
  const b = parseCli(['status', '-A']);
  assert.equal(b.allNamespaces, true);
  assert.equal(b.namespace, undefined);
  const c = parseCli(['failover', 'orders', '--to', 'us-west-2', '-y']);
  assert.deepEqual([c.to, c.yes], ['us-west-2', true]);
});

test('parseCli: unknown flags are refused', () => assert.throws(() => parseCli(['status', '--bogus'])));

test('parseCli: --accept-data-loss alone, with --to, and off by default', () => {
  const alone = parseCli(['failover', 'orders', '-n', 'apps', '--accept-data-loss']);
  assert.deepEqual([alone.command, alone.positionals, alone.acceptDataLoss, alone.to, alone.yes], ['failover', ['orders'], true, undefined, false]);
  const both = parseCli(['failover', 'orders', '--to', 'us-west-2', '--accept-data-loss', '-y']);
  assert.deepEqual([both.to, both.acceptDataLoss, both.yes], ['us-west-2', true, true]);
  assert.equal(parseCli(['failover', 'orders', '--to', 'us-west-2']).acceptDataLoss, false);
  assert.throws(() => parseCli(['failover', 'orders', '--accept-data-loss=yes']), 'a boolean flag takes no value');
});

test('the usage text documents --accept-data-loss', () => assert.match(USAGE, /--accept-data-loss/));

const managed = (manager: string, operation: string, fieldsV1: object) => ({
  manager,
  operation,
  apiVersion: 'multiregion.dev/v1alpha1',
  fieldsType: 'FieldsV1',
  fieldsV1,
});
const regionField = { 'f:spec': { 'f:failover': { 'f:activeRegion': {} } } };
const acceptField = { 'f:metadata': { 'f:annotations': { 'f:multiregion.dev/accept-data-loss': {} } } };
const live = (managedFields: object[], annotations: Record<string, string> = {}) => ({
  metadata: { name: 'orders', namespace: 'apps', annotations, managedFields },
  spec: { failover: { mode: 'Manual', activeRegion: 'us-west-2' } },
});
const applyOf = (metadata: object, spec?: object) => ({
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'FailoverPolicy',
  metadata: { name: 'orders', namespace: 'apps', ...metadata },
  ...(spec && { spec }),
});

test('failoverApply: the switch, the break-glass annotation, or both in one server-side apply', () => {
  const git = live([managed('argocd-controller', 'Apply', regionField)]);
  assert.deepEqual(failoverApply(git, 'us-west-2', undefined), applyOf({}, { failover: { activeRegion: 'us-west-2' } }));
  assert.deepEqual(failoverApply(git, undefined, 'v1'), applyOf({ annotations: { 'multiregion.dev/accept-data-loss': 'v1' } }));
  assert.deepEqual(
    failoverApply(git, 'us-west-2', 'v1'),
    applyOf({ annotations: { 'multiregion.dev/accept-data-loss': 'v1' } }, { failover: { activeRegion: 'us-west-2' } }),
  );
});

test('failoverApply carries forward what the CLI owns: an apply drops the fields its manager leaves out', () => {
  const cliOwnsBoth = live([managed('multiregion-cli', 'Apply', { ...regionField, ...acceptField })], { 'multiregion.dev/accept-data-loss': 'old' });
  assert.deepEqual(
    failoverApply(cliOwnsBoth, undefined, 'v2'),
    applyOf({ annotations: { 'multiregion.dev/accept-data-loss': 'v2' } }, { failover: { activeRegion: 'us-west-2' } }),
    'an --accept-data-loss run keeps the switch',
  );
  assert.deepEqual(
    failoverApply(cliOwnsBoth, 'us-east-1', undefined),
    applyOf({ annotations: { 'multiregion.dev/accept-data-loss': 'old' } }, { failover: { activeRegion: 'us-east-1' } }),
    'a switch keeps an unused break-glass value',
  );
  const gitOwns = live([managed('argocd-controller', 'Apply', regionField), managed('kubectl-annotate', 'Update', acceptField)], {
    'multiregion.dev/accept-data-loss': 'someone',
  });
  assert.deepEqual(
    failoverApply(gitOwns, undefined, 'v3'),
    applyOf({ annotations: { 'multiregion.dev/accept-data-loss': 'v3' } }),
    "others' fields are not claimed",
  );
});

test('otherAppliersOfActiveRegion: the GitOps appliers of the field, not the CLI, not Update managers', () => {
  assert.deepEqual(
    otherAppliersOfActiveRegion(
      live([
        managed('argocd-controller', 'Apply', regionField),
        managed('multiregion-cli', 'Apply', regionField),
        managed('argocd-server', 'Update', regionField),
        managed('tests', 'Apply', acceptField),
      ]),
    ),
    ['argocd-controller'],
  );
  assert.deepEqual(otherAppliersOfActiveRegion(live([])), []);
});

test('acceptDataLossValue: a new value each time (the ISO time), since the controller uses each value once', () => {
  assert.equal(acceptDataLossValue(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05.678Z');
  assert.notEqual(acceptDataLossValue(new Date(1)), acceptDataLossValue(new Date(2)));
});

test('acceptDataLossRefusal: allowed on an Automatic policy with a database; refused on a DNS-only policy', () => {
  const automatic = { spec: { failover: { mode: 'Automatic' }, database: { primary: { region: 'us-east-1' }, replica: { region: 'us-west-2' } } } };
  assert.equal(acceptDataLossRefusal(automatic), undefined);
  assert.match(acceptDataLossRefusal({ spec: { failover: { mode: 'Automatic' } } }) ?? '', /spec\.database is not set/);
});

test('acceptDataLossNote: names the annotation and value, and says it is used once for a failover blocked on the RPO or the fence', () => {
  const note = acceptDataLossNote('FailoverPolicy apps/orders', '2026-01-02T03:04:05.678Z');
  assert.match(note, /^FailoverPolicy apps\/orders: multiregion\.dev\/accept-data-loss set to 2026-01-02T03:04:05\.678Z\.\n/);
  assert.match(note, /uses this value once/);
  assert.match(note, /RPO is unknown/);
  assert.match(note, /fence is unconfirmed/);
  assert.match(note, /status\.acceptedDataLoss/);
});

for (const [s, ms] of [
  ['90s', 90_000],
  ['10m', 600_000],
  ['500ms', 500],
  ['30', 30_000],
] as const) {
  test(`parseTimeout ${s}`, () => assert.equal(parseTimeout(s), ms));
}
test('parseTimeout rejects junk', () => assert.throws(() => parseTimeout('soon'), /invalid duration/));

for (const [alias, kind] of [
  ['rp', 'RegionPair'],
  ['regionpair', 'RegionPair'],
  ['FailoverPolicy', 'FailoverPolicy'],
  ['clientconnections', 'ClientConnection'],
  ['CC', 'ClientConnection'],
] as const) {
  test(`resolveKind ${alias}`, () => assert.equal(resolveKind(alias).kind, kind));
}
test('resolveKind refuses other kinds', () => assert.throws(() => resolveKind('pod'), /unknown kind/));
test('paths: all namespaces vs one object', () => {
  assert.equal(collectionPath(resolveKind('rp')), '/apis/multiregion.dev/v1alpha1/regionpairs');
  assert.equal(objectPath(resolveKind('fp'), 'apps', 'orders'), '/apis/multiregion.dev/v1alpha1/namespaces/apps/failoverpolicies/orders');
});

const policy = (mode: string, specActive: string, statusActive: string) => ({
  spec: { failover: { mode, activeRegion: specActive }, database: { primary: { region: 'us-east-1' }, replica: { region: 'us-west-2' } } },
  status: { activeRegion: statusActive },
});
const refusals: Array<{ reason: string; p: Record<string, any>; to: string; want: RegExp | undefined }> = [
  { reason: 'manual policy, other region: allowed', p: policy('Manual', 'us-east-1', 'us-east-1'), to: 'us-west-2', want: undefined },
  { reason: 'automatic mode: refused', p: policy('Automatic', 'us-east-1', 'us-east-1'), to: 'us-west-2', want: /Automatic/ },
  { reason: 'a region the policy does not span: refused', p: policy('Manual', 'us-east-1', 'us-east-1'), to: 'eu-west-1', want: /not one of/ },
  { reason: 'already active: refused', p: policy('Manual', 'us-west-2', 'us-west-2'), to: 'us-west-2', want: /already/ },
  { reason: 'spec switched but status not yet: allowed (re-run follows it)', p: policy('Manual', 'us-west-2', 'us-east-1'), to: 'us-west-2', want: undefined },
];
for (const c of refusals) {
  test(`failoverRefusal: ${c.reason}`, () => {
    const got = failoverRefusal(c.p, c.to);
    if (c.want) assert.match(got ?? '', c.want);
    else assert.equal(got, undefined);
  });
}
test('policyRegions: unique, from database and status', () =>
  assert.deepEqual(policyRegions(policy('Manual', 'us-east-1', 'us-east-1')), ['us-east-1', 'us-west-2']));
test('policyRegions: a DNS-only policy spans its two DNS sides; with regions from a RegionPair none are known here', () => {
  const dnsOnly = {
    spec: { dns: { primary: { region: 'us-east-1' }, secondary: { region: 'us-west-2' } }, failover: { mode: 'Manual', activeRegion: 'us-east-1' } },
  };
  assert.deepEqual(policyRegions(dnsOnly), ['us-east-1', 'us-west-2']);
  assert.equal(failoverRefusal(dnsOnly, 'us-west-2'), undefined);
  const viaPair = {
    spec: { regionPairRef: { name: 'prod' }, dns: { primary: {}, secondary: {} }, failover: { mode: 'Manual', activeRegion: 'us-east-1' } },
    status: { activeRegion: 'us-east-1' },
  };
  assert.deepEqual(policyRegions(viaPair), []);
  assert.equal(failoverRefusal(viaPair, 'us-west-2'), undefined);
});
test('formatDrill: result, RTO, RPO and message', () => {
  assert.equal(
    formatDrill({ result: 'Succeeded', rtoSeconds: 42, rpoSeconds: 0, startedAt: 'a', completedAt: 'b', message: 'shadow record switched' }),
    'result: Succeeded, RTO 42s, RPO 0s (started a, completed b)\n  shadow record switched\n',
  );
});

test('parseCli: -o/--output (table by default) and --context', () => {
  assert.equal(parseCli(['status']).output, 'table');
  for (const f of ['json', 'yaml', 'wide', 'table'] as const) assert.equal(parseCli(['status', '-o', f]).output, f);
  assert.equal(parseCli(['status', '--output=json']).output, 'json');
  assert.equal(parseCli(['status', '--context', 'prod-east']).context, 'prod-east');
});

test('bad command lines are UsageErrors (exit code 2): an unknown flag, output or duration', () => {
  for (const argv of [
    ['status', '--bogus'],
    ['status', '-o', 'xml'],
    ['plan', 'rp', 'x', '--timeout', 'soon'],
  ]) {
    assert.throws(
      () => parseCli(argv),
      (e: unknown) => e instanceof UsageError && e.exitCode === 2,
      argv.join(' '),
    );
  }
});

test('the usage text documents -o, --context and the exit codes', () => {
  assert.match(USAGE, /-o, --output FORMAT/);
  assert.match(USAGE, /--context NAME/);
  assert.match(USAGE, /Exit codes: 0 done; 1 .*; 2 a bad command line/s);
});

test('renderData: json and yaml are the data itself; table and wide are left to the command', () => {
  const list = asList([{ kind: 'RegionPair', metadata: { name: 'a' } }]);
  assert.deepEqual(JSON.parse(renderData('json', list) ?? ''), {
    apiVersion: 'v1',
    kind: 'List',
    items: [{ kind: 'RegionPair', metadata: { name: 'a' } }],
    metadata: {},
  });
  assert.deepEqual(parseYaml(renderData('yaml', list) ?? ''), JSON.parse(renderData('json', list) ?? ''));
  assert.equal(renderData('table', list), undefined);
  assert.equal(renderData('wide', list), undefined);
});

test('drillReport: the text of a drill that succeeded; a failed drill is an error (exit 1)', () => {
  const base = { startedAt: '2026-12-03T10:00:00Z', completedAt: '2026-12-03T10:01:00Z', rtoSeconds: 42 };
  assert.match(drillReport({ ...base, result: 'Succeeded' }), /^result: Succeeded, RTO 42s/);
  assert.throws(
    () => drillReport({ ...base, result: 'Failed', message: 'shadow record not served' }),
    (e: unknown) => e instanceof DrillFailedError && /result: Failed.*shadow record not served/s.test(e.message),
  );
});

test('heldBecause: a failover the controller holds for a human stops the command; others are waited for', () => {
  const policy = (reason: string, status = 'False', observedGeneration = 3) => ({
    metadata: { name: 'orders', namespace: 'apps' },
    spec: { database: {} },
    status: { observedGeneration, conditions: [{ type: 'Ready', status, reason, message: 'RDS in us-east-1 does not answer' }] },
  });
  assert.match(heldBecause(policy('FenceUnconfirmed'), 3) ?? '', /holds the failover \(FenceUnconfirmed\).*--accept-data-loss/);
  assert.match(heldBecause(policy('RpoUnknown'), 3) ?? '', /RpoUnknown/);
  assert.equal(heldBecause(policy('FenceUnconfirmed', 'False', 2), 3), undefined, 'status of the generation before the switch');
  assert.equal(heldBecause(policy('FailingOver'), 3), undefined, 'in progress: wait');
  assert.equal(heldBecause(policy('Available', 'True'), 3), undefined);
});
