// Safety: what is not ours is never touched. Lookalike resources (same Name/description, but
// no or another cluster tag) survive a full converge + delete unchanged; two controllers with
// different --cluster-id managing a same-named RegionPair (same namespace and name, on two
// apiservers) in one AWS account never touch each other's resources; and uninstalling the
// controller (objects deleted with their finalizers stripped) deletes nothing in AWS.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTransitGatewayCommand,
  CreateTransitGatewayRouteTableCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  SearchTransitGatewayRoutesCommand,
} from '@aws-sdk/client-ec2';
import { KubeConfig } from '@kubernetes/client-node';
import { tagsToMap } from '../../src/aws/tags.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { type Kube as PrivateKube, startKube } from '../env/kube.ts';
import { getStack, installCrds, type Stack } from '../env/stack.ts';
import { Kube } from '../integration/helpers.ts';
import { CANARY, census, duplicates, ec2, expectedPerRegion, keepLogs, keepSecret, leaks, pairObj, pairSpec, REGIONS, record, seedBoth } from './harness.ts';

const NS = 'rel-safe';
let stack: Stack;
let kube: Kube;
let other: PrivateKube | undefined;
const ctrls: ControllerProcess[] = [];
let foreignTouched = 0;
let leaked = 0;

const run = async (kubeconfigPath: string, clusterId: string) => {
  const c = await startController({
    kubeconfigPath,
    awsEndpoint: stack.motoEndpoint,
    clusterId,
    args: ['--leader-elect=false', `--watch-namespace=${NS}`],
    env: { AWS_SECRET_ACCESS_KEY: CANARY.secretKey, AWS_SESSION_TOKEN: CANARY.sessionToken },
  });
  ctrls.push(c);
  return c;
};
before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  await kube.purge('RegionPair', NS);
  await stack.resetMoto();
});
after(async () => {
  record({ file: 'safety', foreignTouched, leaks: leaked });
  for (const c of ctrls) {
    keepLogs('safety', c.logs());
    await c.stop();
  }
  if (other) keepSecret(other.token);
  await kube.purge('RegionPair', NS);
  await other?.stop();
  await stack.stop();
});

describe('safety', () => {
  test('a lookalike TGW and route table without our cluster tag are never modified or deleted', async () => {
    const [east, west] = await seedBoth(stack.motoEndpoint);
    const name = 'lookalike';
    const c = ec2(stack.motoEndpoint, 'us-east-1');
    const looks = (cluster?: string) => [
      { Key: 'Name', Value: `${name}-primary-tgw` },
      { Key: 'multiregion.dev/owner', Value: `${NS}/${name}` },
      { Key: 'multiregion.dev/kind', Value: 'RegionPair' },
      { Key: 'multiregion.dev/side', Value: 'primary' },
      ...(cluster ? [{ Key: 'multiregion.dev/cluster', Value: cluster }] : []),
    ];
    const fakes: string[] = [];
    for (const cluster of [undefined, 'someone-else']) {
      const t = await c.send(
        new CreateTransitGatewayCommand({
          Description: `multiregion ${NS}/${name} primary`,
          Options: { DefaultRouteTableAssociation: 'disable', DefaultRouteTablePropagation: 'disable' },
          TagSpecifications: [{ ResourceType: 'transit-gateway', Tags: looks(cluster) }],
        }),
      );
      fakes.push(t.TransitGateway!.TransitGatewayId!);
    }
    const fakeRt = (
      await c.send(
        new CreateTransitGatewayRouteTableCommand({
          TransitGatewayId: fakes[0]!,
          TagSpecifications: [{ ResourceType: 'transit-gateway-route-table', Tags: looks() }],
        }),
      )
    ).TransitGatewayRouteTable!.TransitGatewayRouteTableId!;
    const snapshot = async () => {
      const tgws = ((await c.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: fakes }))).TransitGateways ?? []).map((t) => ({
        id: t.TransitGatewayId,
        state: t.State,
        tags: tagsToMap(t.Tags),
        options: t.Options,
      }));
      const rt = ((await c.send(new DescribeTransitGatewayRouteTablesCommand({ TransitGatewayRouteTableIds: [fakeRt] }))).TransitGatewayRouteTables ?? []).map(
        (r) => ({ id: r.TransitGatewayRouteTableId, state: r.State, tags: tagsToMap(r.Tags) }),
      );
      const routes =
        (await c.send(new SearchTransitGatewayRoutesCommand({ TransitGatewayRouteTableId: fakeRt, Filters: [{ Name: 'type', Values: ['static'] }] }))).Routes ??
        [];
      return JSON.stringify({ tgws, rt, routes: routes.length });
    };
    const before = await snapshot();

    const ctrl = await run(stack.kubeconfigPath, 'test');
    await kube.apply(pairObj(NS, name, pairSpec(east, west)));
    const ready = await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
    assert.ok(!fakes.includes(ready.status.primary.transitGatewayId), 'a lookalike TGW was taken as ours');
    await kube.delete('RegionPair', NS, name);
    await kube.waitGone('RegionPair', NS, name, 90_000);
    const afterwards = await snapshot();
    if (afterwards !== before) foreignTouched++;
    assert.equal(afterwards, before, 'lookalikes unchanged');
    await ctrl.stop();
    c.destroy();
  });

  test('two clusters, same namespace/name, one account: neither touches the other; uninstall deletes nothing', async () => {
    await stack.resetMoto();
    other = await startKube();
    const kc = new KubeConfig();
    kc.loadFromFile(other.kubeconfigPath);
    await installCrds(kc);
    const kubeB = new Kube(kc);
    await kubeB.ensureNamespace(NS);
    // Separate VPCs: both pairs program VPC routes, and those must not collide.
    const [a1, a2] = await seedBoth(stack.motoEndpoint);
    const [b1, b2] = await seedBoth(stack.motoEndpoint, '10.3.0.0/16', '10.2.0.0/16');
    const name = 'shared-name';
    const [ctrlA, ctrlB] = await Promise.all([run(stack.kubeconfigPath, 'alpha'), run(other.kubeconfigPath, 'beta')]);
    await Promise.all([kube.apply(pairObj(NS, name, pairSpec(a1, a2))), kubeB.apply(pairObj(NS, name, pairSpec(b1, b2)))]);
    await Promise.all([
      kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 120_000),
      kubeB.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 120_000),
    ]);
    const owner = `${NS}/${name}`;
    const bBefore = await Promise.all(REGIONS.map((r) => census(stack.motoEndpoint, r, { owner, cluster: 'beta' })));
    for (const [i, r] of REGIONS.entries()) {
      const a = await census(stack.motoEndpoint, r, { owner, cluster: 'alpha' });
      assert.deepEqual(duplicates(a, expectedPerRegion(r)), [], `alpha in ${r}`);
      assert.deepEqual(duplicates(bBefore[i]!, expectedPerRegion(r)), [], `beta in ${r}`);
      assert.equal(a.tgws, 1, `alpha owns its own TGW in ${r}`);
      assert.equal(bBefore[i]!.tgws, 1, `beta owns its own TGW in ${r}`);
    }

    // Cluster alpha deletes its pair: beta's resources stay exactly as they were.
    await kube.delete('RegionPair', NS, name);
    await kube.waitGone('RegionPair', NS, name, 90_000);
    const bAfter = await Promise.all(REGIONS.map((r) => census(stack.motoEndpoint, r, { owner, cluster: 'beta' })));
    if (JSON.stringify(bAfter) !== JSON.stringify(bBefore)) foreignTouched++;
    assert.deepEqual(bAfter, bBefore, "alpha's delete left beta's resources alone");
    for (const r of REGIONS) {
      // The log group is shared by name with beta: it is beta's census that shows whether it survived.
      const leftA = leaks({ ...(await census(stack.motoEndpoint, r, { owner, cluster: 'alpha' })), logGroups: 0 });
      leaked += leftA.length;
      assert.deepEqual(leftA, [], `alpha cleaned up in ${r}`);
    }

    // Uninstall beta: the controller goes, then its objects lose their finalizers and go too.
    await ctrlB.stop();
    await kubeB.purge('RegionPair', NS);
    await sleep(2000);
    const bGone = await Promise.all(REGIONS.map((r) => census(stack.motoEndpoint, r, { owner, cluster: 'beta' })));
    assert.deepEqual(bGone, bBefore, 'uninstalling deleted nothing in AWS');
    assert.equal(ctrlA.proc.exitCode, null);
  });
});
