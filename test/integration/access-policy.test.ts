// Tenant boundaries end to end (issue 16): the controller runs as its own process with
// --require-access-policy, behind the fault proxy whose call log is the proof of "no AWS call".
// Two teams: apps (namespace ap-apps) and payments (ap-pay), each fenced by an AccessPolicy.
// - a tenant naming the other team's RDS instance, hosted zone, role or TGW, or living in a
//   namespace no policy covers: Synced=False AccessDenied naming the field, a Warning Event,
//   and zero AWS calls in the proxy's log;
// - a tenant inside its policy converges;
// - a policy narrowed while objects exist: nothing is deleted in AWS (not even when the objects
//   are deleted), status says why; widening it again lets the cleanup run.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { type CallInfo, FaultProxy } from '../env/fault-proxy.ts';
import { type SeededVpc, seedDatabase, seedHostedZone } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { census, pairObj, pairSpec, seedBoth, side } from '../reliability/harness.ts';
import { Aws, policyObj } from './failover-policy-fixtures.ts';
import { condition, Kube, type Obj, uniqueName } from './helpers.ts';

const APPS = 'ap-apps';
const PAY = 'ap-pay';
const NOBODY = 'ap-nobody';
const MOTO_ACCOUNT = '123456789012';
const FOREIGN_ROLE = 'arn:aws:iam::222222222222:role/multiregion';
const AP = { apiVersion: 'multiregion.dev/v1alpha1', kind: 'AccessPolicy' } as const;

let stack: Stack;
let kube: Kube;
let proxy: FaultProxy;
let aws: Aws;
let ctrl: ControllerProcess | undefined;
let east: SeededVpc;
let west: SeededVpc;
let appsZone: string;
let payZone: string;
let payTgw: string;

const accessPolicy = (name: string, spec: Record<string, unknown>): Obj => ({ ...AP, metadata: { name }, spec });
const appsPolicy = (vpcs: string[], hostedZones: unknown[]) =>
  accessPolicy('ap-team-apps', {
    namespaces: [APPS],
    // the flow-log delivery role of pairSpec() lives in moto's account
    accounts: [MOTO_ACCOUNT],
    hostedZones,
    dbInstances: [
      { region: 'us-east-1', identifiers: ['orders-*'] },
      { region: 'us-west-2', identifiers: ['orders-*'] },
    ],
    vpcs,
  });
const payPolicy = () =>
  accessPolicy('ap-team-pay', {
    namespaceSelector: { matchLabels: { team: 'payments' } },
    roleArns: [FOREIGN_ROLE],
    hostedZones: [{ id: payZone }],
    dbInstances: [{ region: 'us-east-1', identifiers: ['pay-*'] }],
    transitGateways: [payTgw],
  });

const dnsSpec = (zoneId: string, recordName: string) => ({
  hostedZoneId: zoneId,
  recordName,
  ttl: 30,
  primary: { region: 'us-east-1', target: { ips: ['198.51.100.10'] }, healthCheck: { type: 'HTTPS', path: '/health/deep', port: 443 } },
  secondary: { region: 'us-west-2', target: { ips: ['203.0.113.20'] }, healthCheck: { type: 'HTTPS', path: '/health/deep', port: 443 } },
});

// Reads: Describe*, List*, Get* and EC2's SearchTransitGatewayRoutes.
const mutating = (c: CallInfo) => !/^(Describe|List|Get|Search)/.test(c.operation);
const show = (calls: CallInfo[]) => calls.map((c) => `${c.service}:${c.operation}@${c.region}`).join(', ');

async function expectDenied(kind: string, ns: string, name: string, field: RegExp): Promise<Obj> {
  const o = await kube.waitCondition(kind, ns, name, 'Synced', 'False', 'AccessDenied', 90_000);
  assert.match(condition(o, 'Synced')!.message, field, `${kind} ${ns}/${name}`);
  assert.equal(condition(o, 'Ready')?.reason, 'AccessDenied');
  const evs = await kube.events(ns, name);
  assert.ok(
    evs.some((e) => e.type === 'Warning' && e.reason === 'AccessDenied' && field.test(e.message)),
    `no AccessDenied Warning Event for ${name}: ${JSON.stringify(evs)}`,
  );
  return o;
}

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(APPS);
  await kube.ensureNamespace(NOBODY);
  // payments is covered by label only: the selector half of the policy model.
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: PAY, labels: { team: 'payments' } } });
  await stack.resetMoto();
  aws = new Aws(stack.motoEndpoint);
  const seed = { endpoint: stack.motoEndpoint };
  [east, west] = await seedBoth(stack.motoEndpoint);
  appsZone = await seedHostedZone(seed, 'apps.example.com');
  payZone = await seedHostedZone(seed, 'pay.example.com');
  await seedDatabase(seed, 'us-east-1', 'pay-db');
  const { CreateTransitGatewayCommand } = await import('@aws-sdk/client-ec2');
  payTgw = (await aws.ec2('us-east-1').send(new CreateTransitGatewayCommand({ Description: "payments' own TGW" }))).TransitGateway!.TransitGatewayId!;

  await kube.apply(appsPolicy([east.vpcId, west.vpcId], [{ id: appsZone, recordSuffixes: ['apps.example.com'] }]));
  await kube.apply(payPolicy());

  proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: proxy.endpoint,
    args: ['--leader-elect=false', '--require-access-policy=true'],
  });
});

after(async () => {
  for (const ns of [APPS, PAY, NOBODY]) {
    await kube.purge('FailoverPolicy', ns);
    await kube.purge('RegionPair', ns);
  }
  for (const n of ['ap-team-apps', 'ap-team-pay']) await kube.delete('AccessPolicy', '', n).catch(() => undefined);
  await ctrl?.stop();
  await proxy?.stop();
  aws?.destroy();
  await stack?.stop();
});

describe('AccessPolicy', () => {
  test("a tenant naming another team's instance, zone, role or TGW is refused with no AWS call; so is an uncovered namespace", async () => {
    const from = proxy.calls.length;
    const cases = [
      {
        kind: 'FailoverPolicy',
        ns: APPS,
        name: uniqueName('other-db'),
        field: /^spec\.database\.primary\.instanceIdentifier: pay-db in us-east-1 is not allowed for namespace ap-apps by any AccessPolicy/,
        obj: (name: string) =>
          policyObj(APPS, name, {
            dns: dnsSpec(appsZone, `${name}.apps.example.com`),
            database: {
              engine: 'postgres',
              primary: { region: 'us-east-1', instanceIdentifier: 'pay-db' },
              replica: { region: 'us-west-2', instanceIdentifier: 'orders-db-replica' },
              connectionSecret: { name },
            },
          }),
      },
      {
        kind: 'FailoverPolicy',
        ns: APPS,
        name: uniqueName('other-zone'),
        field: /spec\.dns\.hostedZoneId: record .*pay\.example\.com in hosted zone \w+ is not allowed for namespace ap-apps/,
        obj: (name: string) => policyObj(APPS, name, { dns: dnsSpec(payZone, `${name}.pay.example.com`) }),
      },
      {
        kind: 'RegionPair',
        ns: APPS,
        name: uniqueName('other-role'),
        field: /spec\.secondary\.roleArn: role arn:aws:iam::222222222222:role\/multiregion is not allowed for namespace ap-apps/,
        obj: (name: string) => pairObj(APPS, name, { ...pairSpec(east, west), secondary: side('us-west-2', west, { roleArn: FOREIGN_ROLE }) }),
      },
      {
        kind: 'RegionPair',
        ns: APPS,
        name: uniqueName('other-tgw'),
        field: new RegExp(`spec\\.primary\\.transitGateway\\.id: transit gateway ${payTgw} is not allowed for namespace ap-apps`),
        obj: (name: string) => pairObj(APPS, name, { ...pairSpec(east, west), primary: side('us-east-1', east, { transitGateway: { id: payTgw } }) }),
      },
      {
        kind: 'RegionPair',
        ns: NOBODY,
        name: uniqueName('uncovered'),
        field: /^no AccessPolicy covers namespace ap-nobody/,
        obj: (name: string) => pairObj(NOBODY, name, pairSpec(east, west)),
      },
    ];
    for (const c of cases) await kube.apply(c.obj(c.name));
    for (const c of cases) {
      const o = await expectDenied(c.kind, c.ns, c.name, c.field);
      assert.ok(!o.metadata.finalizers?.length, `${c.name}: a refused object gets no finalizer (nothing to clean up)`);
    }
    // Every object above was reconciled (its status says so) and not one call reached AWS.
    assert.deepEqual(show(proxy.calls.slice(from)), '', 'AWS calls were made for refused objects');

    // The same zone named from the payments namespace (covered by its label) is allowed: the
    // refusal above was the policy, not the spec. It gets past the gate and reaches AWS.
    const own = uniqueName('own-zone');
    await kube.apply(policyObj(PAY, own, { dns: dnsSpec(payZone, `${own}.pay.example.com`) }));
    await kube.waitCondition('FailoverPolicy', PAY, own, 'Ready', 'True', undefined, 90_000);
    assert.ok(
      proxy.calls.slice(from).some((c) => c.service === 'route53'),
      'the allowed policy reached Route 53',
    );
    // Gone again, so its health reads do not run beside the next test's call counts.
    await kube.delete('FailoverPolicy', PAY, own);
    await kube.waitGone('FailoverPolicy', PAY, own, 90_000);
  });

  test('a tenant inside its policy converges, and a narrowed policy deletes nothing, even when the objects are deleted', async () => {
    const pair = uniqueName('inside');
    const fp = uniqueName('inside-fp');
    const record = `${fp}.apps.example.com`;
    await kube.apply(pairObj(APPS, pair, pairSpec(east, west)));
    await kube.apply(policyObj(APPS, fp, { dns: dnsSpec(appsZone, record) }));
    await kube.waitCondition('RegionPair', APPS, pair, 'Ready', 'True', undefined, 120_000);
    const converged = await kube.waitCondition('FailoverPolicy', APPS, fp, 'Ready', 'True', undefined, 90_000);
    const owner = `${APPS}/${pair}`;
    const before = { east: await census(stack.motoEndpoint, 'us-east-1', { owner }), west: await census(stack.motoEndpoint, 'us-west-2', { owner }) };
    assert.equal(before.east.tgws, 1, 'the pair built its TGW');
    const recordsBefore = (await aws.records(appsZone, record)).filter((r) => r.SetIdentifier).length;
    const checksBefore = await aws.healthCheckIds();
    assert.equal(recordsBefore, 2);
    assert.ok(converged.status.healthCheckIds.primary);

    // The admin narrows the apps policy: the east VPC and the zone are no longer theirs.
    const narrowedAt = proxy.calls.length;
    await kube.apply(appsPolicy([west.vpcId], []));
    await expectDenied('RegionPair', APPS, pair, new RegExp(`spec\\.primary\\.vpcAttachments\\[0\\]\\.vpcId: VPC ${east.vpcId} is not allowed`));
    await expectDenied('FailoverPolicy', APPS, fp, /spec\.dns\.hostedZoneId: record .* is not allowed for namespace ap-apps/);

    // Deleting them now must not delete what they may no longer touch: the finalizer holds, status says why.
    await kube.delete('RegionPair', APPS, pair);
    await kube.delete('FailoverPolicy', APPS, fp);
    const blockedAt = proxy.calls.length;
    for (const [kind, name] of [
      ['RegionPair', pair],
      ['FailoverPolicy', fp],
    ] as const) {
      const o = await kube.waitFor(kind, APPS, name, 'deletion blocked', (x) => /^Deletion blocked/.test(condition(x, 'Ready')?.message ?? ''), 60_000);
      assert.ok(o.metadata.deletionTimestamp && o.metadata.finalizers?.length, `${name} is held by its finalizer`);
    }
    assert.deepEqual(show(proxy.calls.slice(narrowedAt).filter(mutating)), '', 'no AWS change after the policy was narrowed');
    assert.deepEqual(show(proxy.calls.slice(blockedAt)), '', 'no AWS call at all for the blocked deletions');
    const after = { east: await census(stack.motoEndpoint, 'us-east-1', { owner }), west: await census(stack.motoEndpoint, 'us-west-2', { owner }) };
    assert.deepEqual(after, before, 'the pair lost nothing in AWS');
    assert.equal((await aws.records(appsZone, record)).filter((r) => r.SetIdentifier).length, 2, 'the failover records are still there');
    assert.deepEqual((await aws.healthCheckIds()).sort(), checksBefore.sort(), 'the health checks are still there');

    // What the admin does (docs/tenancy.md): widen the policy again, and the cleanup runs.
    await kube.apply(appsPolicy([east.vpcId, west.vpcId], [{ id: appsZone, recordSuffixes: ['apps.example.com'] }]));
    await kube.waitGone('FailoverPolicy', APPS, fp, 90_000);
    await kube.waitGone('RegionPair', APPS, pair, 180_000);
    assert.equal((await aws.records(appsZone, record)).filter((r) => r.SetIdentifier).length, 0, 'the cleanup ran once allowed');
    assert.equal((await census(stack.motoEndpoint, 'us-east-1', { owner })).tgws, 0);
  });
});
