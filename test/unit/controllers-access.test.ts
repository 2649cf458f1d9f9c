// Tenant boundaries (controllers/shared/access.ts): globs, record suffixes, label selectors, the
// union of policies, and the fields each kind names (its access-uses.ts).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { AccessPolicy, AccessPolicySpec, ClientConnection, FailoverPolicy, RegionPair } from '../../src/api/types.ts';
import { clientConnectionUses } from '../../src/controllers/client-connection/access-uses.ts';
import { failoverPolicyUses } from '../../src/controllers/failover-policy/access-uses.ts';
import { regionPairUses } from '../../src/controllers/region-pair/access-uses.ts';
import { allows, covers, decideAccess, denialMessage, globMatch, recordAllowed, selectorMatches } from '../../src/controllers/shared/access.ts';

const example = <T>(file: string): T => parse(readFileSync(fileURLToPath(new URL(`../../examples/${file}`, import.meta.url)), 'utf8')) as T;
const policy = (name: string, spec: AccessPolicySpec, deleting = false): AccessPolicy => ({
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'AccessPolicy',
  metadata: { name, ...(deleting && { deletionTimestamp: '2026-01-01T00:00:00Z' }) },
  spec,
});

test('globs: * any run, ? one character, everything else literal (regex characters included)', () => {
  assert.ok(globMatch('orders-*', 'orders-db'));
  assert.ok(globMatch('orders-*', 'orders-'));
  assert.ok(!globMatch('orders-*', 'payments-db'));
  assert.ok(!globMatch('orders-*', 'xorders-db'), 'anchored at the start');
  assert.ok(globMatch('db-?', 'db-1'));
  assert.ok(!globMatch('db-?', 'db-12'));
  assert.ok(globMatch('arn:aws:sns:us-east-1:111111111111:*-oncall', 'arn:aws:sns:us-east-1:111111111111:orders-oncall'));
  assert.ok(!globMatch('a.b', 'axb'), 'a dot is a dot');
  assert.ok(globMatch('tgw-0abc', 'tgw-0abc'));
  assert.ok(!globMatch('tgw-0abc', 'tgw-0abcd'));
});

test('record suffixes: equal or under the suffix, case-insensitive, trailing dot ignored; absent list = any record', () => {
  assert.ok(recordAllowed(['apps.example.com'], 'orders.apps.example.com'));
  assert.ok(recordAllowed(['apps.example.com'], 'apps.example.com.'));
  assert.ok(recordAllowed(['Apps.Example.com.'], 'ORDERS.apps.example.com'));
  assert.ok(!recordAllowed(['apps.example.com'], 'evilapps.example.com'), 'a label boundary is required');
  assert.ok(!recordAllowed(['apps.example.com'], 'orders.example.com'));
  assert.ok(!recordAllowed([], 'orders.example.com'), 'an empty list allows nothing');
  assert.ok(recordAllowed(undefined, 'anything.example.org'));
});

test('label selectors: matchLabels and each operator; {} matches all', () => {
  const labels = { team: 'apps', tier: 'prod' };
  assert.ok(selectorMatches({}, labels));
  assert.ok(selectorMatches({ matchLabels: { team: 'apps' } }, labels));
  assert.ok(!selectorMatches({ matchLabels: { team: 'apps', tier: 'dev' } }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['prod', 'staging'] }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['prod'] }] }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['dev'] }] }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'owner', operator: 'In', values: ['x'] }] }, labels));
});

test('coverage: by name, by selector, and never by selector when the namespace labels are unknown', () => {
  assert.ok(covers({ namespaces: ['apps'] }, { name: 'apps' }));
  assert.ok(!covers({ namespaces: ['apps'] }, { name: 'apps2', labels: {} }));
  assert.ok(covers({ namespaceSelector: { matchLabels: { team: 'a' } } }, { name: 'x', labels: { team: 'a' } }));
  assert.ok(!covers({ namespaceSelector: { matchLabels: { team: 'a' } } }, { name: 'x', labels: { team: 'b' } }));
  assert.ok(!covers({ namespaceSelector: {} }, { name: 'x' }), 'unknown labels: denied, not guessed');
  assert.ok(covers({ namespaceSelector: {} }, { name: 'x', labels: {} }));
});

test('each resource type: allowed only when listed; role ARNs also by account; zone ids with or without /hostedzone/', () => {
  const p: AccessPolicySpec = {
    namespaces: ['apps'],
    accounts: ['222222222222'],
    roleArns: ['arn:aws:iam::111111111111:role/apps-*'],
    hostedZones: [{ id: 'Z1', recordSuffixes: ['apps.example.com'] }, { id: 'Z2' }],
    dbInstances: [{ region: 'us-east-1', identifiers: ['orders-*'] }],
    transitGateways: ['tgw-0aaa'],
    vpcs: ['vpc-0aaa'],
    transitGatewayAttachments: ['tgw-attach-0aaa'],
    snsTopicArns: ['arn:aws:sns:us-east-1:111111111111:apps'],
  };
  const f = 'spec.x';
  assert.ok(allows(p, { field: f, type: 'roleArn', arn: 'arn:aws:iam::111111111111:role/apps-failover' }));
  assert.ok(!allows(p, { field: f, type: 'roleArn', arn: 'arn:aws:iam::111111111111:role/payments' }));
  assert.ok(allows(p, { field: f, type: 'roleArn', arn: 'arn:aws:iam::222222222222:role/anything' }), 'a listed account allows its roles');
  assert.ok(allows(p, { field: f, type: 'hostedZone', zoneId: '/hostedzone/Z1', recordName: 'orders.apps.example.com' }));
  assert.ok(!allows(p, { field: f, type: 'hostedZone', zoneId: 'Z1', recordName: 'orders.payments.example.com' }));
  assert.ok(allows(p, { field: f, type: 'hostedZone', zoneId: 'Z2', recordName: 'x.example.org' }));
  assert.ok(!allows(p, { field: f, type: 'hostedZone', zoneId: 'Z3', recordName: 'orders.apps.example.com' }));
  assert.ok(allows(p, { field: f, type: 'dbInstance', region: 'us-east-1', identifier: 'orders-db' }));
  assert.ok(allows(p, { field: f, type: 'dbInstance', region: 'us-east-1', identifier: 'Orders-DB' }), 'RDS identifiers are case-insensitive');
  assert.ok(!allows(p, { field: f, type: 'dbInstance', region: 'us-west-2', identifier: 'orders-db' }), 'per region');
  assert.ok(!allows(p, { field: f, type: 'dbInstance', region: 'us-east-1', identifier: 'payments-db' }));
  assert.ok(allows(p, { field: f, type: 'transitGateway', id: 'tgw-0aaa' }));
  assert.ok(!allows(p, { field: f, type: 'transitGateway', id: 'tgw-0bbb' }));
  assert.ok(allows(p, { field: f, type: 'vpc', id: 'vpc-0aaa' }));
  assert.ok(!allows(p, { field: f, type: 'vpc', id: 'vpc-0bbb' }));
  assert.ok(allows(p, { field: f, type: 'transitGatewayAttachment', id: 'tgw-attach-0aaa' }));
  assert.ok(!allows(p, { field: f, type: 'transitGatewayAttachment', id: 'tgw-attach-0bbb' }));
  assert.ok(allows(p, { field: f, type: 'snsTopic', arn: 'arn:aws:sns:us-east-1:111111111111:apps' }));
  assert.ok(!allows(p, { field: f, type: 'snsTopic', arn: 'arn:aws:sns:us-east-1:111111111111:payments' }));
  assert.ok(!allows({ namespaces: ['apps'] }, { field: f, type: 'vpc', id: 'vpc-0aaa' }), 'an empty policy lists nothing');
});

test('decision: the union of covering policies; policies of other namespaces and deleted ones do not count', () => {
  const uses = [
    { field: 'spec.database.primary.instanceIdentifier', type: 'dbInstance', region: 'us-east-1', identifier: 'orders-db' } as const,
    { field: 'spec.alarms.snsTopicArn', type: 'snsTopic', arn: 'arn:aws:sns:us-east-1:111111111111:apps' } as const,
  ];
  const dbs = policy('apps-db', { namespaces: ['apps'], dbInstances: [{ region: 'us-east-1', identifiers: ['orders-*'] }] });
  const topics = policy('apps-topics', { namespaceSelector: { matchLabels: { team: 'apps' } }, snsTopicArns: ['arn:aws:sns:*'] });
  const others = policy('payments', { namespaces: ['payments'], snsTopicArns: ['*'] });
  const apps = { name: 'apps', labels: { team: 'apps' } };

  const both = decideAccess([dbs, topics, others], apps, uses);
  assert.deepEqual(both, { allowed: true, coveredBy: ['apps-db', 'apps-topics'], denials: [] });

  const onlyDb = decideAccess([dbs, others], apps, uses);
  assert.equal(onlyDb.allowed, false);
  assert.deepEqual(onlyDb.denials, [
    'spec.alarms.snsTopicArn: SNS topic arn:aws:sns:us-east-1:111111111111:apps is not allowed for namespace apps by any AccessPolicy',
  ]);

  const deleted = decideAccess([dbs, policy('apps-topics', topics.spec, true)], apps, uses);
  assert.equal(deleted.allowed, false, 'a policy being deleted grants nothing');

  const none = decideAccess([others], apps, uses);
  assert.equal(none.allowed, false);
  assert.deepEqual(none.coveredBy, []);
  assert.match(none.denials[0]!, /^no AccessPolicy covers namespace apps/);
  assert.equal(decideAccess([], apps, []).allowed, false, 'an uncovered namespace may not act even when it names nothing');
  assert.equal(decideAccess([dbs], apps, []).allowed, true, 'a covered namespace naming nothing may act');
});

test('the denial message names the field, the resource, the namespace and what to do', () => {
  const d = decideAccess([policy('apps', { namespaces: ['apps'] })], { name: 'apps' }, [
    { field: 'spec.database.primary.instanceIdentifier', type: 'dbInstance', region: 'us-east-1', identifier: 'orders-db' },
  ]);
  const m = denialMessage(d);
  assert.match(m, /^spec\.database\.primary\.instanceIdentifier: orders-db in us-east-1 is not allowed for namespace apps by any AccessPolicy/);
  assert.match(m, /covering: apps/);
  assert.match(m, /No AWS call/);
});

test('RegionPair names its roles, adopted TGWs, attached VPCs and the flow-log delivery role', () => {
  const pair = example<RegionPair>('region-pair.yaml');
  const uses = regionPairUses(pair).map((u) => `${u.field}=${u.type}`);
  assert.deepEqual(uses.sort(), [
    'spec.flowLogs.deliveryRoleArn=roleArn',
    'spec.primary.roleArn=roleArn',
    'spec.primary.vpcAttachments[0].vpcId=vpc',
    'spec.secondary.roleArn=roleArn',
    'spec.secondary.transitGateway.id=transitGateway',
    'spec.secondary.vpcAttachments[0].vpcId=vpc',
  ]);
});

test('FailoverPolicy names its zone and record, both database instances, their roles and the alarm topic', () => {
  const fp = example<FailoverPolicy>('failover-policy.yaml');
  fp.spec.database!.replica.roleArn = 'arn:aws:iam::111111111111:role/west';
  const uses = failoverPolicyUses(fp);
  assert.deepEqual(uses.map((u) => u.field).sort(), [
    'spec.alarms.snsTopicArn',
    'spec.database.primary.instanceIdentifier',
    'spec.database.replica.instanceIdentifier',
    'spec.database.replica.roleArn',
    'spec.dns.hostedZoneId',
  ]);
  assert.deepEqual(
    uses.find((u) => u.field === 'spec.database.replica.instanceIdentifier'),
    { field: 'spec.database.replica.instanceIdentifier', type: 'dbInstance', region: 'us-west-2', identifier: 'orders-db-replica' },
  );
});

test('ClientConnection names its attachment and alarm topic', () => {
  const cc = example<ClientConnection>('client-connection.yaml');
  assert.deepEqual(
    clientConnectionUses(cc).map((u) => u.field),
    ['spec.attachment.id', 'spec.alarms.snsTopicArn'],
  );
});

test('examples/access-policy.yaml lets every other example act in its namespace', () => {
  const ap = example<AccessPolicy>('access-policy.yaml');
  const cases: Array<[string, ReturnType<typeof regionPairUses>]> = [
    ['platform', regionPairUses(example<RegionPair>('region-pair.yaml'))],
    ['apps', failoverPolicyUses(example<FailoverPolicy>('failover-policy.yaml'))],
    ['clients', clientConnectionUses(example<ClientConnection>('client-connection.yaml'))],
  ];
  for (const [ns, uses] of cases) assert.deepEqual(decideAccess([ap], { name: ns, labels: {} }, uses).denials, [], ns);
});
