import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli, parseTimeout } from '../../src/cli/args.ts';
import { resolveKind, collectionPath, objectPath } from '../../src/cli/kinds.ts';
import { failoverRefusal, policyRegions } from '../../src/cli/commands/failover.ts';
import { formatDrill } from '../../src/cli/commands/drill.ts';

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

for (const [s, ms] of [['90s', 90_000], ['10m', 600_000], ['500ms', 500], ['30', 30_000]] as const) {
  test(`parseTimeout ${s}`, () => assert.equal(parseTimeout(s), ms));
}
test('parseTimeout rejects junk', () => assert.throws(() => parseTimeout('soon'), /invalid duration/));

for (const [alias, kind] of [['rp', 'RegionPair'], ['FailoverPolicy', 'FailoverPolicy'], ['clientconnections', 'ClientConnection']] as const) {
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
test('policyRegions: unique, from database and status', () => assert.deepEqual(policyRegions(policy('Manual', 'us-east-1', 'us-east-1')), ['us-east-1', 'us-west-2']));
test('policyRegions: a DNS-only policy spans its two DNS sides; with regions from a RegionPair none are known here', () => {
  const dnsOnly = { spec: { dns: { primary: { region: 'us-east-1' }, secondary: { region: 'us-west-2' } }, failover: { mode: 'Manual', activeRegion: 'us-east-1' } } };
  assert.deepEqual(policyRegions(dnsOnly), ['us-east-1', 'us-west-2']);
  assert.equal(failoverRefusal(dnsOnly, 'us-west-2'), undefined);
  const viaPair = { spec: { regionPairRef: { name: 'prod' }, dns: { primary: {}, secondary: {} }, failover: { mode: 'Manual', activeRegion: 'us-east-1' } }, status: { activeRegion: 'us-east-1' } };
  assert.deepEqual(policyRegions(viaPair), []);
  assert.equal(failoverRefusal(viaPair, 'us-west-2'), undefined);
});
test('formatDrill: result, RTO, RPO and message', () => {
  assert.equal(formatDrill({ result: 'Succeeded', rtoSeconds: 42, rpoSeconds: 0, startedAt: 'a', completedAt: 'b', message: 'shadow record switched' }),
    'result: Succeeded, RTO 42s, RPO 0s (started a, completed b)\n  shadow record switched\n');
});
