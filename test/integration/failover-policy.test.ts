// FailoverPolicy, DNS half, end to end: the controller process against the real apiserver and
// moto; records and health checks read back with the SDK directly.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { seedHostedZone, seedVpc } from '../env/seed.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { condition, type Obj, uniqueName } from './helpers.ts';

const NS = 'fp-dns';
const OTHER_NS = 'fp-platform';
const bed = new PolicyBed(NS, { otherNamespaces: [OTHER_NS], eachTest: 'controller' });

const seed = {
  get endpoint() {
    return bed.stack.motoEndpoint;
  },
};
const recordName = (name: string) => `${name}.example.com`;

function dnsSpec(zoneId: string, name: string, kind: 'alias' | 'ips' | 'cname', extra: Record<string, any> = {}): Record<string, any> {
  const target = (side: 'p' | 's') =>
    kind === 'alias'
      ? { alias: { dnsName: `nlb-${side}.elb.amazonaws.com`, hostedZoneId: 'Z26RNL4JYFTOTI', evaluateTargetHealth: true } }
      : kind === 'ips'
        ? { ips: side === 'p' ? ['198.51.100.10'] : ['203.0.113.20'] }
        : { cname: `app-${side}.example.net` };
  return {
    dns: {
      hostedZoneId: zoneId,
      recordName: recordName(name),
      ttl: 30,
      primary: { region: EAST, target: target('p'), healthCheck: { type: 'HTTPS', path: '/health/deep', port: 443 } },
      secondary: { region: WEST, target: target('s'), healthCheck: { type: 'HTTPS', path: '/health/deep', port: 443 } },
      ...extra,
    },
  };
}

async function ready(name: string): Promise<Obj> {
  return bed.kube.waitCondition('FailoverPolicy', NS, name, 'Ready', 'True', undefined, 60_000);
}

async function ours(zoneId: string, name: string) {
  const recs = (await bed.aws.records(zoneId, recordName(name))).filter((r) => r.SetIdentifier);
  const byId = Object.fromEntries(recs.map((r) => [r.SetIdentifier!, r]));
  return { recs, primary: byId[`${name}-primary`], secondary: byId[`${name}-secondary`] };
}

describe('FailoverPolicy DNS', () => {
  for (const kind of ['alias', 'ips', 'cname'] as const) {
    test(`${kind} targets in a public zone: two failover records with their health checks, no writes at steady state`, async () => {
      const zone = await seedHostedZone(seed, 'example.com');
      const name = uniqueName(`pub-${kind}`);
      await bed.kube.apply(policyObj(NS, name, dnsSpec(zone, name, kind)));
      const o = await ready(name);
      const ids = o.status.healthCheckIds;
      assert.ok(ids.primary && ids.secondary && ids.primary !== ids.secondary);
      const { recs, primary, secondary } = await ours(zone, name);
      assert.equal(recs.length, 2);
      assert.equal(primary?.Failover, 'PRIMARY');
      assert.equal(secondary?.Failover, 'SECONDARY');
      assert.equal(primary?.HealthCheckId, ids.primary);
      assert.equal(secondary?.HealthCheckId, ids.secondary);
      if (kind === 'alias') assert.equal(primary?.AliasTarget?.DNSName, 'nlb-p.elb.amazonaws.com.');
      if (kind === 'ips')
        assert.deepEqual(
          primary?.ResourceRecords?.map((v) => v.Value),
          ['198.51.100.10'],
        );
      if (kind === 'cname') assert.equal(primary?.Type, 'CNAME');
      const hc = await bed.aws.healthCheck(ids.primary);
      assert.equal(hc.HealthCheckConfig?.Type, 'HTTPS');
      assert.equal(hc.HealthCheckConfig?.ResourcePath, '/health/deep');
      assert.equal(o.status.activeRegion, EAST);
      assert.equal(condition(o, 'DnsConflict')?.status, 'False');

      // Steady state: a forced reconcile writes nothing to Route 53.
      const before = bed.ctrl!.logEntries().filter((e) => e.operation === 'ChangeResourceRecordSets').length;
      await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': '1' } } });
      await sleep(2_000);
      const after = bed.ctrl!.logEntries().filter((e) => e.operation === 'ChangeResourceRecordSets').length;
      assert.equal(after, before, 'no Route 53 change at steady state');
    });
  }

  test('private zone with CloudWatchAlarm checks; a spec change updates a check in place or replaces it', async () => {
    const vpc = await seedVpc(seed, EAST, '10.40.0.0/16');
    const zone = await seedHostedZone(seed, 'internal.example.com', { vpcId: vpc.vpcId, region: EAST });
    const name = uniqueName('priv');
    const spec = {
      dns: {
        hostedZoneId: zone,
        recordName: `${name}.internal.example.com`,
        primary: { region: EAST, target: { ips: ['10.40.0.10'] }, healthCheck: { type: 'CloudWatchAlarm', alarmName: 'orders-east-up' } },
        secondary: { region: WEST, target: { ips: ['10.41.0.10'] }, healthCheck: { type: 'CloudWatchAlarm', alarmName: 'orders-west-up', alarmRegion: WEST } },
      },
    };
    await bed.kube.apply(policyObj(NS, name, spec));
    const o = await ready(name);
    const first = o.status.healthCheckIds;
    assert.equal((await bed.aws.healthCheck(first.primary)).HealthCheckConfig?.Type, 'CLOUDWATCH_METRIC');
    const recs = (await bed.aws.records(zone, `${name}.internal.example.com`)).filter((r) => r.SetIdentifier);
    assert.equal(recs.length, 2);

    // An HTTPS side: a path change is made in place (same id).
    const pub = await seedHostedZone(seed, 'example.com');
    const n2 = uniqueName('upd');
    await bed.kube.apply(policyObj(NS, n2, dnsSpec(pub, n2, 'ips')));
    const o2 = await ready(n2);
    const id = o2.status.healthCheckIds.primary;
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: n2 }, { spec: { dns: { primary: { healthCheck: { path: '/health/deeper' } } } } });
    await bed.kube.waitFor('FailoverPolicy', NS, n2, 'path updated', (x) => (x.status?.observedGeneration ?? 0) >= 2);
    await waitUntil(async () => (await bed.aws.healthCheck(id)).HealthCheckConfig?.ResourcePath === '/health/deeper');
    // An interval change cannot be made in place: a new check, the records follow, the old one goes.
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: n2 }, { spec: { dns: { primary: { healthCheck: { intervalSeconds: 10 } } } } });
    const o3 = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      n2,
      'check replaced',
      (x) => x.status?.healthCheckIds?.primary && x.status.healthCheckIds.primary !== id,
    );
    const newId = o3.status.healthCheckIds.primary;
    await waitUntil(async () => (await ours(pub, n2)).primary?.HealthCheckId === newId);
    await waitUntil(async () => !(await bed.aws.healthCheckIds()).includes(id));
  });

  test('a foreign record at the name is left alone and reported', async () => {
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('foreign');
    await bed.aws.r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone,
        ChangeBatch: {
          Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: recordName(name), Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] } }],
        },
      }),
    );
    await bed.kube.apply(policyObj(NS, name, dnsSpec(zone, name, 'ips')));
    const o = await bed.kube.waitCondition('FailoverPolicy', NS, name, 'DnsConflict', 'True', 'RecordConflict');
    assert.equal(condition(o, 'Ready')?.reason, 'RecordConflict');
    const recs = await bed.aws.records(zone, recordName(name));
    assert.equal(recs.length, 1, 'only the foreign record');
    assert.deepEqual(recs[0]?.ResourceRecords, [{ Value: '192.0.2.1' }]);
  });

  test('manual switch moves the PRIMARY record to the other side and back', async () => {
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('manual');
    await bed.kube.apply(policyObj(NS, name, { ...dnsSpec(zone, name, 'ips'), failover: { mode: 'Manual', activeRegion: EAST } }));
    const o = await ready(name);
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: WEST } } });
    await bed.kube.waitFor('FailoverPolicy', NS, name, 'active west', (x) => x.status?.activeRegion === WEST);
    let { primary, secondary } = await ours(zone, name);
    assert.deepEqual(
      primary?.ResourceRecords?.map((v) => v.Value),
      ['203.0.113.20'],
    );
    assert.equal(primary?.HealthCheckId, o.status.healthCheckIds.secondary);
    assert.deepEqual(
      secondary?.ResourceRecords?.map((v) => v.Value),
      ['198.51.100.10'],
    );
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: EAST } } });
    await bed.kube.waitFor('FailoverPolicy', NS, name, 'active east', (x) => x.status?.activeRegion === EAST);
    ({ primary } = await ours(zone, name));
    assert.deepEqual(
      primary?.ResourceRecords?.map((v) => v.Value),
      ['198.51.100.10'],
    );
  });

  test('health from the CloudWatch metric; a check on / raises ShallowHealthCheck', async () => {
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('health');
    const spec = dnsSpec(zone, name, 'ips');
    spec.dns.secondary.healthCheck = { type: 'HTTP', port: 80 };
    await bed.kube.apply(policyObj(NS, name, spec));
    const o = await ready(name);
    assert.match(condition(o, 'Ready')?.message ?? '', /secondary health check requests \//);
    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    await bed.aws.putHealth(o.status.healthCheckIds.secondary, 1);
    const h = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      name,
      'primary Unhealthy',
      (x) => x.status?.health?.primary === 'Unhealthy' && x.status.health.secondary === 'Healthy',
      90_000,
    );
    assert.ok(h.status.health.primarySince);
    const events = await bed.kube.events(NS, name);
    assert.ok(
      events.some((e) => e.reason === 'ShallowHealthCheck' && e.type === 'Warning'),
      JSON.stringify(events.map((e) => e.reason)),
    );
  });

  test('a RegionPair in another namespace must allow ours; until then no AWS call', async () => {
    const zone = await seedHostedZone(seed, 'example.com');
    const pairName = uniqueName('pair');
    await bed.kube.apply({
      apiVersion: 'multiregion.dev/v1alpha1',
      kind: 'RegionPair',
      metadata: { name: pairName, namespace: OTHER_NS },
      spec: { primary: { region: EAST, cidrs: ['10.0.0.0/16'] }, secondary: { region: WEST, cidrs: ['10.1.0.0/16'] }, deletionPolicy: 'Orphan' },
    });
    const name = uniqueName('ref');
    const spec = dnsSpec(zone, name, 'ips');
    delete spec.dns.primary.region;
    delete spec.dns.secondary.region;
    await bed.kube.apply(policyObj(NS, name, { ...spec, regionPairRef: { name: pairName, namespace: OTHER_NS } }));
    await bed.kube.waitCondition('FailoverPolicy', NS, name, 'Synced', 'False', 'RefNotPermitted');
    assert.deepEqual(await bed.aws.healthCheckIds(), []);
    assert.equal((await ours(zone, name)).recs.length, 0);
    await bed.kube.mergePatch({ kind: 'RegionPair', namespace: OTHER_NS, name: pairName }, { spec: { allowedNamespaces: [NS] } });
    const o = await ready(name);
    assert.equal(o.status.activeRegion, EAST, 'regions come from the pair');
    await bed.kube.delete('RegionPair', OTHER_NS, pairName);
  });

  test('deletion removes our records and checks, nothing else', async () => {
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('del');
    await bed.aws.r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone,
        ChangeBatch: {
          Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: `other.example.com`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.9' }] } }],
        },
      }),
    );
    await bed.kube.apply(policyObj(NS, name, dnsSpec(zone, name, 'alias')));
    await ready(name);
    await bed.kube.delete('FailoverPolicy', NS, name);
    await bed.kube.waitGone('FailoverPolicy', NS, name);
    assert.equal((await ours(zone, name)).recs.length, 0);
    assert.equal((await bed.aws.records(zone, `_mrc.${recordName(name)}`)).length, 0, 'registry record gone');
    assert.deepEqual(await bed.aws.healthCheckIds(), []);
    assert.equal((await bed.aws.records(zone, 'other.example.com')).length, 1);
  });
});

async function waitUntil(pred: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(250);
  }
  throw new Error('condition not met in time');
}
