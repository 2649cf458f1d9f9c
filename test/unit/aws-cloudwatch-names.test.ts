import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, contentHash, sameJson } from '../../src/aws/cloudwatch/canonical.ts';
import { alarmArn, dashboardName, dashboardUrl, ownedName, ownerPrefix } from '../../src/aws/cloudwatch/names.ts';

const cc = (namespace: string, name: string, clusterId = 'prod') => ({ clusterId, kind: 'ClientConnection', namespace, name });
const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;

describe('dashboard names', () => {
  const cases = [
    { reason: 'plain', owner: cc('clients', 'acme'), want: 'mrc_prod_cc_clients_acme' },
    { reason: 'dots in the object name', owner: cc('clients', 'acme.eu'), want: 'mrc_prod_cc_clients_acme_eu' },
    { reason: 'odd cluster id is slugged', owner: cc('clients', 'acme', 'Prod East/1'), want: 'mrc_prod-east-1_cc_clients_acme' },
    { reason: 'pair overview', owner: { clusterId: 'prod', kind: 'RegionPair', namespace: 'platform', name: 'prod' }, want: 'mrc_prod_rp_platform_prod' },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      assert.equal(dashboardName(c.owner), c.want);
      assert.match(dashboardName(c.owner), DASHBOARD_NAME);
    });
  }

  it('does not collide where "-" separators would (a-b/c vs a/b-c)', () => {
    assert.notEqual(dashboardName(cc('a-b', 'c')), dashboardName(cc('a', 'b-c')));
  });

  it('keeps the longest possible names valid, ≤255 and distinct', () => {
    const ns = 'n'.repeat(63);
    const a = dashboardName(cc(ns, `${'x'.repeat(252)}a`));
    const b = dashboardName(cc(ns, `${'x'.repeat(252)}b`));
    assert.match(a, DASHBOARD_NAME);
    assert.equal(a.length, 255);
    assert.notEqual(a, b);
  });

  it('console URL per partition', () => {
    assert.equal(dashboardUrl('eu-west-1', 'mrc_x'), 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/mrc_x');
    assert.equal(dashboardUrl('cn-north-1', 'mrc_x'), 'https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards/dashboard/mrc_x');
  });
});

describe('query definition and alarm names', () => {
  it('share a per-owner prefix that cannot match a longer name', () => {
    assert.equal(ownerPrefix(cc('clients', 'acme')), 'mrc/prod/cc/clients/acme/');
    assert.equal(ownedName(cc('clients', 'acme'), 'topTalkers'), 'mrc/prod/cc/clients/acme/topTalkers');
    assert.ok(!ownedName(cc('clients', 'acme2'), 'topTalkers').startsWith(ownerPrefix(cc('clients', 'acme'))));
  });

  it('keep kinds apart: a FailoverPolicy and a ClientConnection of one name', () => {
    const fp = { ...cc('apps', 'orders'), kind: 'FailoverPolicy' };
    assert.notEqual(ownerPrefix(fp), ownerPrefix(cc('apps', 'orders')));
  });

  it('stay ≤255 with the longest suffix', () => {
    const n = ownedName(cc('n'.repeat(63), 'x'.repeat(253)), 's'.repeat(32));
    assert.ok(n.length <= 255, `${n.length}`);
  });

  it('refuse a suffix that could escape the prefix', () => {
    assert.throws(() => ownedName(cc('a', 'b'), '../x'));
  });

  it('alarm ARNs are computed as CloudWatch forms them', () => {
    assert.equal(alarmArn('us-east-1', '123456789012', 'mrc/a'), 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:mrc/a');
    assert.equal(alarmArn('us-gov-west-1', '1', 'a'), 'arn:aws-us-gov:cloudwatch:us-gov-west-1:1:alarm:a');
  });
});

describe('content hash', () => {
  const base = { widgets: [{ type: 'text', properties: { markdown: 'a' } }], n: 1 };
  it('is stable across key order, spacing, and object vs JSON text', () => {
    const reordered = { n: 1, widgets: [{ properties: { markdown: 'a' }, type: 'text' }] };
    assert.equal(contentHash(base), contentHash(reordered));
    assert.equal(contentHash(base), contentHash(JSON.stringify(base, null, 2)));
    assert.match(contentHash(base), /^sha256:[0-9a-f]{64}$/);
  });
  it('changes when any value changes, and with array order', () => {
    assert.notEqual(contentHash(base), contentHash({ ...base, n: 2 }));
    assert.notEqual(contentHash({ a: [1, 2] }), contentHash({ a: [2, 1] }));
  });
  it('is a known value (guards against an accidental change of the algorithm)', () => {
    assert.equal(canonicalJson({ b: 1, a: [true, null] }), '{"a":[true,null],"b":1}');
    assert.equal(contentHash({ b: 1, a: [true, null] }), 'sha256:51705a2c9eb3e7e410a58f696a770c3ac3885a0cf43eb7fc88f5e47c11d4d30d');
  });
  it('sameJson ignores formatting only', () => {
    assert.ok(sameJson('{"a":1,"b":2}', '{ "b": 2, "a": 1 }'));
    assert.ok(!sameJson('{"a":1}', '{"a":"1"}'));
  });
});
