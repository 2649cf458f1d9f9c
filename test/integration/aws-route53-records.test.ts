// Failover records against moto, read back with the SDK: public and private zones, alias /
// IP / CNAME targets with health checks, in-place spec changes, conflicts with records that
// are not ours, a manual switch and back, and deletion that leaves nothing behind.
// SetIdentifiers are unique per record name in every case: moto's DELETE by SetIdentifier
// removes that identifier across all names.

import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { ChangeResourceRecordSetsCommand, ListHealthChecksCommand, type ResourceRecordSet, type Route53Client } from '@aws-sdk/client-route-53';
import { ZoneBatcher } from '../../src/aws/route53/batcher.ts';
import { FailoverRecords, OwnershipChanged } from '../../src/aws/route53/failover-records.ts';
import { type HealthCheckInput, healthCheckConfig } from '../../src/aws/route53/health-check-config.ts';
import { HealthChecks, type ObservedHealthCheck } from '../../src/aws/route53/health-checks.ts';
import { desiredRecords, type FailoverRecordsInput, type Side, type TargetInput } from '../../src/aws/route53/records.ts';
import { registryRecord, registryValue } from '../../src/aws/route53/registry.ts';
import { listOnly, type Mutate, type MutationChange } from '../../src/aws/types.ts';
import {
  allRecords,
  type CallLog,
  cloudwatchClient,
  privateZone,
  publicZone,
  recordsNamed,
  route53Client,
  testOwner,
  watchCalls,
} from './aws-route53-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
let r53: Route53Client;
let calls: CallLog;
let zone: string;
let records: FailoverRecords;
let checks: HealthChecks;

beforeEach(async () => {
  r53 = bed.perTest(route53Client(bed.endpoint));
  calls = watchCalls(r53);
  zone = await publicZone(r53, 'example.com');
  records = new FailoverRecords(r53, new ZoneBatcher(r53));
  checks = new HealthChecks(r53);
});

const IPS = { primary: { ips: ['192.0.2.10'] }, secondary: { ips: ['198.51.100.20'] } };

interface Policy {
  name: string;
  recordName: string;
  ttl?: number;
  targets: { primary: TargetInput; secondary: TargetInput };
  hc?: HealthCheckInput;
}

/** What the controller does for one policy: health checks first, then the records that reference them. */
async function reconcile(zoneId: string, p: Policy, active: Side = 'primary', opts: { dryRun?: boolean } = {}) {
  const owner = testOwner(p.name);
  const ids: Partial<Record<Side, ObservedHealthCheck>> = {};
  for (const side of ['primary', 'secondary'] as const) {
    if (!p.hc) continue;
    const spec = { owner, side, config: healthCheckConfig(p.hc, p.targets[side], `spec.dns.${side}.healthCheck`) };
    const seen = await checks.observe(spec);
    ids[side] = seen.observed ?? (await checks.create(spec));
  }
  const input: FailoverRecordsInput = {
    policyName: p.name,
    recordName: p.recordName,
    ttl: p.ttl ?? 60,
    primary: { target: p.targets.primary, ...(ids.primary ? { healthCheckId: ids.primary.id } : {}) },
    secondary: { target: p.targets.secondary, ...(ids.secondary ? { healthCheckId: ids.secondary.id } : {}) },
  };
  const result = await records.sync({ zoneId, owner, recordName: p.recordName }, desiredRecords(input, active), opts);
  return { result, checks: ids, owner };
}

/** The records input of a policy with IP targets and no health checks. */
const ipsInput = (p: Policy): FailoverRecordsInput => ({
  policyName: p.name,
  recordName: p.recordName,
  ttl: 60,
  primary: { target: IPS.primary },
  secondary: { target: IPS.secondary },
});

const at = async (zoneId: string, name: string) => recordsNamed(await allRecords(r53, zoneId), name);
const role = (rs: ResourceRecordSet[], failover: 'PRIMARY' | 'SECONDARY') => rs.find((r) => r.Failover === failover);
const valuesOf = (r: ResourceRecordSet | undefined) => r?.ResourceRecords?.map((v) => v.Value);

test('alias, IP and CNAME targets in a public and a private zone, with health checks attached', async () => {
  const cw = cloudwatchClient(bed.endpoint);
  for (const side of ['east', 'west']) {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: `orders-${side}`,
        Namespace: 'AWS/NetworkELB',
        MetricName: 'UnHealthyHostCount',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  }
  cw.destroy();
  const priv = await privateZone(r53, bed.endpoint, 'internal.example');
  const cases: {
    reason: string;
    zoneId: string;
    policy: Policy;
    type: string;
    check: (rs: ResourceRecordSet[], hc: Partial<Record<Side, ObservedHealthCheck>>) => void;
  }[] = [
    {
      reason: 'alias to NLBs in a public zone, HTTPS checks',
      zoneId: zone,
      policy: {
        name: 'alias-app',
        recordName: 'alias.example.com',
        targets: {
          primary: { alias: { dnsName: 'nlb-1.elb.us-east-1.amazonaws.com', hostedZoneId: 'Z26RNL4JYFTOTI', evaluateTargetHealth: true } },
          secondary: { alias: { dnsName: 'nlb-2.elb.us-west-2.amazonaws.com', hostedZoneId: 'Z18D5FSROUN65G', evaluateTargetHealth: true } },
        },
        hc: { type: 'HTTPS', path: '/health/deep', intervalSeconds: 10, failureThreshold: 2 },
      },
      type: 'A',
      check: (rs, hc) => {
        assert.deepEqual(role(rs, 'PRIMARY')?.AliasTarget, {
          DNSName: 'nlb-1.elb.us-east-1.amazonaws.com.',
          HostedZoneId: 'Z26RNL4JYFTOTI',
          EvaluateTargetHealth: true,
        });
        assert.equal(role(rs, 'PRIMARY')?.HealthCheckId, hc.primary?.id);
        assert.equal(role(rs, 'SECONDARY')?.HealthCheckId, hc.secondary?.id);
      },
    },
    {
      reason: 'IPs in a public zone, TCP checks, TTL kept',
      zoneId: zone,
      policy: { name: 'ip-app', recordName: 'ip.example.com', ttl: 30, targets: IPS, hc: { type: 'TCP', port: 443 } },
      type: 'A',
      check: (rs) => {
        assert.deepEqual(valuesOf(role(rs, 'PRIMARY')), ['192.0.2.10']);
        assert.deepEqual(valuesOf(role(rs, 'SECONDARY')), ['198.51.100.20']);
        assert.equal(role(rs, 'PRIMARY')?.TTL, 30);
      },
    },
    {
      reason: 'CNAMEs in a private zone, alarm-based checks (private endpoints are unreachable for checkers)',
      zoneId: priv,
      policy: {
        name: 'cname-app',
        recordName: 'db.internal.example',
        targets: { primary: { cname: 'east.internal.example' }, secondary: { cname: 'west.internal.example' } },
        hc: { type: 'CloudWatchAlarm', alarmName: 'orders-east', alarmRegion: 'us-east-1' },
      },
      type: 'CNAME',
      check: (rs) => assert.deepEqual(valuesOf(role(rs, 'PRIMARY')), ['east.internal.example.']),
    },
  ];
  for (const c of cases) {
    const { result, checks: hc } = await reconcile(c.zoneId, c.policy);
    assert.equal(result.ownership, 'free', `${c.reason}: the name was unclaimed`);
    const rs = (await at(c.zoneId, c.policy.recordName)).filter((r) => r.SetIdentifier);
    assert.deepEqual(
      rs.map((r) => `${r.Type} ${r.SetIdentifier} ${r.Failover}`).sort(),
      [`${c.type} ${c.policy.name}-primary PRIMARY`, `${c.type} ${c.policy.name}-secondary SECONDARY`],
      c.reason,
    );
    c.check(rs, hc);
    const registry = await at(c.zoneId, `_mrc.${c.policy.recordName}`);
    assert.deepEqual(
      registry.flatMap((r) => valuesOf(r)),
      [registryValue({ clusterId: 'test-cluster', namespace: 'apps', name: c.policy.name })],
      `${c.reason}: registry record`,
    );
    const before = calls.count('ChangeResourceRecordSets');
    const again = await reconcile(c.zoneId, c.policy);
    assert.deepEqual(again.result.changes, [], `${c.reason}: nothing to do the second time`);
    assert.equal(again.result.ownership, 'ours');
    assert.equal(calls.count('ChangeResourceRecordSets'), before, `${c.reason}: no write when in sync`);
  }
});

test('a spec change updates the records in place', async () => {
  const p: Policy = { name: 'orders', recordName: 'orders.example.com', targets: IPS };
  await reconcile(zone, p);
  const changed: Policy = { ...p, ttl: 120, targets: { ...IPS, primary: { ips: ['192.0.2.11', '192.0.2.12'] } } };
  const { result } = await reconcile(zone, changed);
  assert.deepEqual(
    result.changes.map((c) => `${c.Action} ${c.ResourceRecordSet?.SetIdentifier}`),
    ['UPSERT orders-primary', 'UPSERT orders-secondary'],
  );
  const rs = (await at(zone, p.recordName)).filter((r) => r.SetIdentifier);
  assert.equal(rs.length, 2, 'no duplicates');
  assert.deepEqual(valuesOf(role(rs, 'PRIMARY'))?.sort(), ['192.0.2.11', '192.0.2.12']);
  assert.equal(role(rs, 'SECONDARY')?.TTL, 120);
});

test('a target type change (A → CNAME) deletes the old records and creates the new in one batch', async () => {
  const p: Policy = { name: 'shop', recordName: 'shop.example.com', targets: IPS };
  await reconcile(zone, p);
  const before = calls.count('ChangeResourceRecordSets');
  await reconcile(zone, { ...p, targets: { primary: { cname: 'east.example.net' }, secondary: { cname: 'west.example.net' } } });
  assert.equal(calls.count('ChangeResourceRecordSets'), before + 1);
  const rs = (await at(zone, p.recordName)).filter((r) => r.SetIdentifier);
  assert.deepEqual(
    rs.map((r) => r.Type),
    ['CNAME', 'CNAME'],
  );
});

test('a plain record at the same name is left alone and reported as a conflict', async () => {
  const foreign = { Name: 'taken.example.com', Type: 'A' as const, TTL: 300, ResourceRecords: [{ Value: '203.0.113.9' }] };
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: foreign }] } }));
  const before = calls.count('ChangeResourceRecordSets');
  const { result } = await reconcile(zone, { name: 'taken', recordName: 'taken.example.com', targets: IPS });
  assert.equal(result.conflicts.length, 1);
  assert.match(result.conflicts[0]?.reason ?? '', /plain A record taken\.example\.com/);
  assert.deepEqual(result.changes, []);
  assert.equal(calls.count('ChangeResourceRecordSets'), before, 'nothing written');
  const rs = await at(zone, 'taken.example.com');
  assert.deepEqual(
    rs.map((r) => [r.SetIdentifier, valuesOf(r)]),
    [[undefined, ['203.0.113.9']]],
  );
  assert.deepEqual(await at(zone, '_mrc.taken.example.com'), [], 'no claim on a name we cannot use');
});

test('a name claimed by another policy is not touched', async () => {
  await reconcile(zone, { name: 'first', recordName: 'shared.example.com', targets: IPS });
  const { result } = await reconcile(zone, {
    name: 'second',
    recordName: 'shared.example.com',
    targets: { primary: { ips: ['203.0.113.1'] }, secondary: { ips: ['203.0.113.2'] } },
  });
  assert.equal(result.ownership, 'foreign');
  assert.equal(result.claimedBy, 'apps/first in cluster test-cluster');
  assert.deepEqual(result.changes, []);
  const rs = (await at(zone, 'shared.example.com')).filter((r) => r.SetIdentifier);
  assert.deepEqual(rs.map((r) => r.SetIdentifier).sort(), ['first-primary', 'first-secondary']);
  assert.deepEqual(valuesOf(role(rs, 'PRIMARY')), ['192.0.2.10']);
});

test('two policies claiming one name at once: one wins, the other sees a foreign claim', async () => {
  const [a, b] = await Promise.all([
    reconcile(zone, { name: 'racer-a', recordName: 'race.example.com', targets: IPS }),
    reconcile(zone, { name: 'racer-b', recordName: 'race.example.com', targets: IPS }),
  ]);
  assert.deepEqual([a.result.ownership, b.result.ownership].sort(), ['foreign', 'free']);
  const rs = (await at(zone, 'race.example.com')).filter((r) => r.SetIdentifier);
  assert.equal(rs.length, 2);
  const winner = a.result.ownership === 'free' ? 'racer-a' : 'racer-b';
  assert.ok(rs.every((r) => r.SetIdentifier?.startsWith(`${winner}-`)));
});

test('ownership is read again just before the write: a claim made meanwhile stops it', async () => {
  const other = route53Client(bed.endpoint);
  // Calls 1 and 2 read the name and its registry record; call 3 is the re-read before writing.
  calls.beforeCall('ListResourceRecordSets', 3, async () => {
    const claim = registryRecord('late.example.com', { clusterId: 'other-cluster', namespace: 'apps', name: 'late' });
    await other.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: claim }] } }));
  });
  await assert.rejects(reconcile(zone, { name: 'late', recordName: 'late.example.com', targets: IPS }), OwnershipChanged);
  other.destroy();
  assert.equal(calls.count('ChangeResourceRecordSets'), 0);
  assert.deepEqual(
    (await at(zone, 'late.example.com')).filter((r) => r.SetIdentifier),
    [],
  );
});

test('manual switch: the PRIMARY record takes the secondary target and check in one batch, and back', async () => {
  const p: Policy = { name: 'pay', recordName: 'pay.example.com', targets: IPS, hc: { type: 'HTTP', path: '/healthz' } };
  const first = await reconcile(zone, p, 'primary');
  const hc = first.checks;
  const before = calls.count('ChangeResourceRecordSets');
  const switched = await reconcile(zone, p, 'secondary');
  assert.equal(calls.count('ChangeResourceRecordSets'), before + 1, 'both records in one atomic batch');
  assert.deepEqual(
    switched.result.changes.map((c) => c.Action),
    ['UPSERT', 'UPSERT'],
  );
  let rs = await at(zone, p.recordName);
  assert.deepEqual(valuesOf(role(rs, 'PRIMARY')), ['198.51.100.20']);
  assert.equal(role(rs, 'PRIMARY')?.HealthCheckId, hc.secondary?.id);
  assert.deepEqual(valuesOf(role(rs, 'SECONDARY')), ['192.0.2.10']);
  assert.equal(role(rs, 'SECONDARY')?.HealthCheckId, hc.primary?.id);
  await reconcile(zone, p, 'primary');
  rs = await at(zone, p.recordName);
  assert.deepEqual(valuesOf(role(rs, 'PRIMARY')), ['192.0.2.10']);
  assert.equal(role(rs, 'PRIMARY')?.HealthCheckId, hc.primary?.id);
  assert.equal(rs.filter((r) => r.SetIdentifier).length, 2);
});

test('dry run plans without writing; an empty desired set is refused', async () => {
  const p: Policy = { name: 'dry', recordName: 'dry.example.com', targets: IPS };
  const { result } = await reconcile(zone, p, 'primary', { dryRun: true });
  assert.deepEqual(
    result.changes.map((c) => `${c.Action} ${c.ResourceRecordSet?.Type}`),
    ['UPSERT TXT', 'UPSERT A', 'UPSERT A'],
  );
  assert.equal(calls.count('ChangeResourceRecordSets'), 0);
  assert.deepEqual(await at(zone, p.recordName), []);
  await assert.rejects(records.sync({ zoneId: zone, owner: testOwner('dry'), recordName: p.recordName }, []), /empty desired record set/);
});

test("the one write goes through the caller's mutate (the Planner); a listing mutate sends nothing", async () => {
  const p: Policy = { name: 'via', recordName: 'via.example.com', targets: IPS };
  const target = { zoneId: zone, owner: testOwner(p.name), recordName: p.recordName };
  const input = ipsInput(p);
  const listed: MutationChange[] = [];
  const dry = await records.sync(target, desiredRecords(input, 'primary'), { mutate: listOnly(listed) });
  assert.equal(calls.count('ChangeResourceRecordSets'), 0);
  assert.deepEqual(listed, [{ action: 'Update', resource: 'Route53FailoverRecords', detail: '3 changes at via.example.com' }]);
  assert.equal(dry.change, undefined);

  const seen: Array<{ change: MutationChange; sent: number }> = [];
  const mutate: Mutate = async (change, fn) => {
    const before = calls.count('ChangeResourceRecordSets');
    const r = await fn();
    seen.push({ change, sent: calls.count('ChangeResourceRecordSets') - before });
    return r;
  };
  const res = await records.sync(target, desiredRecords(input, 'primary'), {
    mutate,
    change: (n) => ({ action: 'Update', resource: 'Route53FailoverRecords', detail: `${n} for the test` }),
  });
  assert.deepEqual(seen, [{ change: { action: 'Update', resource: 'Route53FailoverRecords', detail: '3 for the test' }, sent: 1 }]);
  assert.ok(res.change, 'the submitted change comes back through mutate');
  seen.length = 0;
  await records.remove(target, { mutate });
  assert.deepEqual(
    seen.map((x) => [x.change.action, x.sent]),
    [['Delete', 1]],
  );
  assert.deepEqual(await at(zone, p.recordName), []);
});

test('deletion leaves no record and no check, and nothing of anyone else is touched', async () => {
  const foreign = { Name: 'keep.example.com', Type: 'A' as const, TTL: 300, ResourceRecords: [{ Value: '203.0.113.9' }] };
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: foreign }] } }));
  await reconcile(zone, { name: 'other', recordName: 'other.example.com', targets: IPS });
  const p: Policy = { name: 'gone', recordName: 'gone.example.com', targets: IPS, hc: { type: 'HTTP', path: '/healthz' } };
  const { checks: hc, owner } = await reconcile(zone, p);
  const target = { zoneId: zone, owner, recordName: p.recordName };
  const removed = await records.remove(target);
  assert.deepEqual(
    removed.changes.map((c) => `${c.Action} ${c.ResourceRecordSet?.Type}`),
    ['DELETE A', 'DELETE A', 'DELETE TXT'],
  );
  for (const side of ['primary', 'secondary'] as const) await checks.delete(hc[side]!);
  assert.deepEqual(await at(zone, p.recordName), []);
  assert.deepEqual(await at(zone, `_mrc.${p.recordName}`), []);
  assert.equal((await r53.send(new ListHealthChecksCommand({}))).HealthChecks?.length, 0);
  assert.equal((await at(zone, 'keep.example.com')).length, 1, 'the foreign record stays');
  assert.equal((await at(zone, 'other.example.com')).length, 2, "another policy's records stay");
  const again = await records.remove(target);
  assert.equal(again.ownership, 'free');
  assert.deepEqual(again.changes, [], 'removing twice is a no-op');
});

test('a desired set computed from the records read: the side they serve now is kept, with one read of the name', async () => {
  const p: Policy = { name: 'keep-side', recordName: 'keep-side.example.com', targets: IPS };
  const target = { zoneId: zone, owner: testOwner(p.name), recordName: p.recordName };
  const input = ipsInput(p);
  await records.sync(target, desiredRecords(input, 'secondary'));
  const before = calls.count('ListResourceRecordSets');
  let seen: ResourceRecordSet[] = [];
  // What the FailoverPolicy pass does with a database: the zone says which side PRIMARY serves.
  const res = await records.sync(target, (current) => {
    seen = current;
    const serving = valuesOf(role(current, 'PRIMARY'))?.[0] === IPS.secondary.ips[0] ? 'secondary' : 'primary';
    return desiredRecords(input, serving);
  });
  // The name and its registry record, once each: the side is not read by a call of its own.
  assert.equal(calls.count('ListResourceRecordSets') - before, 2);
  assert.equal(seen.length, 2, 'the function is given the records at the name');
  assert.equal(res.changes.length, 0, 'PRIMARY stays on the secondary side: nothing to write');
  assert.deepEqual(valuesOf(role(await at(zone, p.recordName), 'PRIMARY')), [IPS.secondary.ips[0]]);
  await assert.rejects(
    records.sync(target, () => []),
    /empty desired record set/,
  );
});
