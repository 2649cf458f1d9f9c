// Health checks against moto: each type created and tagged, observed up to date, changed in
// place, replaced on a type change, found again by tag when status lost the id, deleted.

import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  GetHealthCheckCommand,
  ListHealthChecksCommand,
  ListTagsForResourceCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { callerReference, type HealthCheckInput, healthCheckConfig } from '../../src/aws/route53/health-check-config.ts';
import { type DesiredHealthCheck, HealthChecks, SIDE_TAG } from '../../src/aws/route53/health-checks.ts';
import { tagsToMap } from '../../src/aws/tags.ts';
import { cloudwatchClient, route53Client, testOwner, watchCalls } from './aws-route53-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
let r53: Route53Client;

beforeEach(() => {
  r53 = bed.perTest(route53Client(bed.endpoint));
});

const owner = testOwner('orders');
const desired = (hc: HealthCheckInput, over: Partial<DesiredHealthCheck> = {}): DesiredHealthCheck => ({
  owner,
  side: 'primary',
  config: healthCheckConfig(hc, { cname: 'east.example.net' }, 'spec.dns.primary.healthCheck'),
  ...over,
});
const getCheck = async (id: string) => (await r53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck!;
const tagsOf = async (id: string) =>
  tagsToMap((await r53.send(new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id }))).ResourceTagSet?.Tags);
const countChecks = async () => (await r53.send(new ListHealthChecksCommand({}))).HealthChecks?.length ?? 0;

test('each type is created with its config and ownership tags, and observes as up to date', async () => {
  const cw = cloudwatchClient(bed.endpoint, 'us-west-2');
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'orders-west-5xx',
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
  cw.destroy();
  const cases: { reason: string; hc: HealthCheckInput; check: (c: Awaited<ReturnType<typeof getCheck>>) => void }[] = [
    {
      reason: 'TCP to an IP',
      hc: { type: 'TCP', ipAddress: '192.0.2.10', port: 5432, intervalSeconds: 10, failureThreshold: 2 },
      check: (c) =>
        assert.deepEqual(
          [
            c.HealthCheckConfig?.Type,
            c.HealthCheckConfig?.IPAddress,
            c.HealthCheckConfig?.Port,
            c.HealthCheckConfig?.RequestInterval,
            c.HealthCheckConfig?.FailureThreshold,
          ],
          ['TCP', '192.0.2.10', 5432, 10, 2],
        ),
    },
    {
      reason: 'HTTP to the target name with a path',
      hc: { type: 'HTTP', path: '/healthz' },
      check: (c) =>
        assert.deepEqual(
          [c.HealthCheckConfig?.Type, c.HealthCheckConfig?.FullyQualifiedDomainName, c.HealthCheckConfig?.Port, c.HealthCheckConfig?.ResourcePath],
          ['HTTP', 'east.example.net', 80, '/healthz'],
        ),
    },
    {
      reason: 'HTTPS with SNI',
      hc: { type: 'HTTPS', fqdn: 'api.example.com', path: '/health/deep', intervalSeconds: 10, failureThreshold: 2 },
      check: (c) =>
        assert.deepEqual(
          [c.HealthCheckConfig?.Type, c.HealthCheckConfig?.EnableSNI, c.HealthCheckConfig?.Port, c.HealthCheckConfig?.ResourcePath],
          ['HTTPS', true, 443, '/health/deep'],
        ),
    },
    {
      reason: 'CloudWatch alarm (moto stores the type but drops AlarmIdentifier)',
      hc: { type: 'CloudWatchAlarm', alarmName: 'orders-west-5xx', alarmRegion: 'us-west-2' },
      check: (c) => assert.equal(c.HealthCheckConfig?.Type, 'CLOUDWATCH_METRIC'),
    },
  ];
  const hcs = new HealthChecks(r53);
  for (const [i, c] of cases.entries()) {
    const spec = desired(c.hc, { owner: testOwner(`svc${i}`) });
    const made = await hcs.create(spec);
    const read = await getCheck(made.id);
    c.check(read);
    assert.equal(read.CallerReference, callerReference(spec.owner, 'primary', 0), `${c.reason}: deterministic reference`);
    const tags = await tagsOf(made.id);
    assert.equal(tags['multiregion.dev/owner'], `apps/svc${i}`, `${c.reason}: owner tag`);
    assert.equal(tags['multiregion.dev/cluster'], 'test-cluster', `${c.reason}: cluster tag`);
    assert.equal(tags[SIDE_TAG], 'primary', `${c.reason}: side tag`);
    assert.equal(tags.team, 'orders', `${c.reason}: user tag`);
    const seen = await hcs.observe({ ...spec, knownId: made.id });
    assert.equal(seen.upToDate, true, `${c.reason}: ${JSON.stringify(seen.diff)}`);
  }
  assert.equal(await countChecks(), cases.length);
});

test('path, port, threshold and fqdn change in place (same id)', async () => {
  const hcs = new HealthChecks(r53);
  const made = await hcs.create(desired({ type: 'HTTPS', fqdn: 'api.example.com', path: '/h', failureThreshold: 2 }));
  const next = desired({ type: 'HTTPS', fqdn: 'api2.example.com', path: '/health/deep', port: 8443, failureThreshold: 5 }, { knownId: made.id });
  const seen = await hcs.observe(next);
  assert.equal(seen.upToDate, false);
  assert.deepEqual(seen.diff?.map((d) => d.split(':')[0]).sort(), ['FailureThreshold', 'FullyQualifiedDomainName', 'Port', 'ResourcePath']);
  await hcs.update(next, seen.observed!);
  const read = await getCheck(made.id);
  assert.deepEqual(
    [
      read.HealthCheckConfig?.FullyQualifiedDomainName,
      read.HealthCheckConfig?.ResourcePath,
      read.HealthCheckConfig?.Port,
      read.HealthCheckConfig?.FailureThreshold,
    ],
    ['api2.example.com', '/health/deep', 8443, 5],
  );
  assert.equal(read.HealthCheckVersion, 1, 'moto keeps HealthCheckVersion at 1 (AWS increments it)');
  assert.equal((await hcs.observe(next)).upToDate, true);
  assert.equal(await countChecks(), 1);
});

test('a type change replaces the check: next generation, records re-pointed, then the old one deleted', async () => {
  const hcs = new HealthChecks(r53);
  const old = await hcs.create(desired({ type: 'HTTP', path: '/healthz' }));
  const next = desired({ type: 'TCP', port: 443 }, { knownId: old.id });
  const seen = await hcs.observe(next);
  assert.ok(seen.diff?.some((d) => d.startsWith('Type:')));
  await assert.rejects(hcs.update(next, seen.observed!), /use replace/);
  const made = await hcs.replace(next, seen.observed!);
  assert.notEqual(made.id, old.id);
  assert.equal(made.generation, 1);
  assert.equal((await getCheck(made.id)).CallerReference, callerReference(owner, 'primary', 1));
  // (the controller UPSERTs the records with made.id here)
  await hcs.delete(seen.observed!);
  await assert.rejects(getCheck(old.id), (e: Error) => e.name === 'NoSuchHealthCheck');
  assert.equal((await getCheck(made.id)).HealthCheckConfig?.Type, 'TCP');
});

test('status lost the id: the check is found by tag and no duplicate is created', async () => {
  const hcs = new HealthChecks(r53);
  // Someone else's check and our other side's check must not be picked up.
  await new HealthChecks(r53).create({ ...desired({ type: 'HTTP' }), owner: testOwner('billing') });
  await hcs.create(desired({ type: 'HTTP' }, { side: 'secondary' }));
  const made = await hcs.create(desired({ type: 'HTTP', path: '/x' }));
  const calls = watchCalls(r53);
  const seen = await hcs.observe(desired({ type: 'HTTP', path: '/x' }));
  assert.equal(seen.exists, true);
  assert.equal(seen.observed?.id, made.id);
  assert.equal(seen.upToDate, true);
  assert.deepEqual(seen.observed?.strays, []);
  assert.equal(calls.count('ListTagsForResources'), 1, 'three checks: one batch of ten');
  assert.equal(calls.count('CreateHealthCheck'), 0);
  assert.equal(await countChecks(), 3);
});

test('finding a lost check reads the tags of checks with our reference only, not of every check in the account', async () => {
  const hcs = new HealthChecks(r53);
  // Other owners' checks, and checks made outside the controller: an account shared by many teams.
  for (let i = 0; i < 12; i++) await new HealthChecks(r53).create({ ...desired({ type: 'HTTP' }), owner: testOwner(`team-${i}`) });
  for (let i = 0; i < 12; i++)
    await r53.send(new CreateHealthCheckCommand({ CallerReference: `console-${i}`, HealthCheckConfig: { Type: 'TCP', IPAddress: '192.0.2.1', Port: 80 } }));
  const made = await hcs.create(desired({ type: 'HTTP' }));
  const calls = watchCalls(r53);
  const seen = await hcs.observe(desired({ type: 'HTTP' }));
  assert.equal(seen.observed?.id, made.id);
  assert.equal(seen.observed?.tagged, true);
  // 25 checks: reading all their tags took three calls of ten (each a request of Route 53's 5/s for the account).
  assert.equal(calls.count('ListTagsForResources'), 1, "only our own check's tags are read");
  assert.equal(calls.count('ListHealthChecks'), 1);

  // A policy's pass looks for both sides' lost checks in one listing of the account's checks.
  const other = await hcs.create(desired({ type: 'HTTP' }, { side: 'secondary' }));
  const listing = hcs.listingOnce();
  const both = [await hcs.observe(desired({ type: 'HTTP' }), listing), await hcs.observe(desired({ type: 'HTTP' }, { side: 'secondary' }), listing)];
  assert.deepEqual(
    both.map((o) => o.observed?.id),
    [made.id, other.id],
  );
  assert.equal(calls.count('ListHealthChecks'), 2, 'one listing for both sides');
});

test('a check created just before a crash (untagged) is found by its reference and tagged on update', async () => {
  const hcs = new HealthChecks(r53);
  const spec = desired({ type: 'HTTP', path: '/x' });
  const raw = await r53.send(new CreateHealthCheckCommand({ CallerReference: callerReference(owner, 'primary', 0), HealthCheckConfig: spec.config }));
  const seen = await hcs.observe(spec);
  assert.equal(seen.observed?.id, raw.HealthCheck!.Id);
  assert.equal(seen.observed?.tagged, false);
  assert.deepEqual(seen.diff, ['Tags: ownership tags missing']);
  await hcs.update(spec, seen.observed!);
  assert.equal((await tagsOf(raw.HealthCheck!.Id!))['multiregion.dev/owner'], 'apps/orders');
  assert.equal((await hcs.observe(spec)).upToDate, true);
});

test('duplicates (moto ignores CallerReference) are reported as strays and deleted with the check', async () => {
  const hcs = new HealthChecks(r53);
  const spec = desired({ type: 'HTTP' });
  const a = await hcs.create(spec);
  const b = await hcs.create(spec);
  assert.notEqual(a.id, b.id, 'moto made a second check for the same CallerReference');
  const seen = await hcs.observe(spec);
  assert.equal(seen.observed?.strays.length, 1);
  assert.equal((await hcs.observe(spec)).observed?.id, seen.observed?.id, 'every reconcile picks the same one');
  await hcs.delete(seen.observed!);
  assert.equal(await countChecks(), 0);
});

test('a check tagged for another owner is never observed as ours; delete of a gone check succeeds', async () => {
  const hcs = new HealthChecks(r53);
  const raw = await r53.send(
    new CreateHealthCheckCommand({ CallerReference: 'console-1', HealthCheckConfig: { Type: 'HTTP', FullyQualifiedDomainName: 'east.example.net', Port: 80 } }),
  );
  await r53.send(
    new ChangeTagsForResourceCommand({
      ResourceType: 'healthcheck',
      ResourceId: raw.HealthCheck!.Id!,
      AddTags: [{ Key: 'multiregion.dev/owner', Value: 'apps/other' }],
    }),
  );
  const seen = await hcs.observe(desired({ type: 'HTTP' }));
  assert.equal(seen.exists, false);
  await hcs.deleteId('00000000-0000-0000-0000-000000000000', owner);
  assert.equal(await countChecks(), 1);
});
