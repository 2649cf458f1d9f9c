// RegionPair end to end: the controller process against the real apiserver and moto; AWS
// state read back directly with the SDK, not through the controller's code.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteRouteCommand,
  DescribeFlowLogsCommand,
  DescribeRouteTablesCommand,
  DescribeTransitGatewayPeeringAttachmentsCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  EC2Client,
  GetTransitGatewayRouteTableAssociationsCommand,
  SearchTransitGatewayRoutesCommand,
} from '@aws-sdk/client-ec2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { tagsToMap } from '../../src/aws/tags.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { type SeededVpc, seedVpc } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { condition, Kube, type Obj, uniqueName } from './helpers.ts';

const NS = 'rp-tests';
let stack: Stack;
let kube: Kube;
let ctrl: ControllerProcess | undefined;
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ec2 = (region: string, roleArn?: string) =>
  new EC2Client({
    region,
    endpoint: stack.motoEndpoint,
    maxAttempts: 1,
    credentials: roleArn
      ? fromTemporaryCredentials({
          params: { RoleArn: roleArn, RoleSessionName: 't' },
          clientConfig: { region, endpoint: stack.motoEndpoint, credentials: creds },
        })
      : creds,
  });

function pairSpec(east: SeededVpc, west: SeededVpc, extra: Record<string, any> = {}): Record<string, any> {
  return {
    primary: {
      region: 'us-east-1',
      vpcAttachments: [{ vpcId: east.vpcId, subnetIds: east.subnetIds, routeTableIds: [east.routeTableId] }],
      cidrs: ['10.0.0.0/16'],
    },
    secondary: {
      region: 'us-west-2',
      vpcAttachments: [{ vpcId: west.vpcId, subnetIds: west.subnetIds, routeTableIds: [west.routeTableId] }],
      cidrs: ['10.1.0.0/16'],
    },
    flowLogs: { enabled: true, retentionDays: 14, deliveryRoleArn: 'arn:aws:iam::123456789012:role/flow-logs' },
    ...extra,
  };
}

const pairObj = (name: string, spec: Record<string, any>): Obj => ({
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'RegionPair',
  metadata: { name, namespace: NS },
  spec,
});

async function tgwRoutes(region: string, rtId: string, roleArn?: string): Promise<string[]> {
  const r = await ec2(region, roleArn).send(
    new SearchTransitGatewayRoutesCommand({ TransitGatewayRouteTableId: rtId, Filters: [{ Name: 'type', Values: ['static'] }] }),
  );
  return (r.Routes ?? [])
    .filter((x) => x.State !== 'deleted')
    .map((x) => x.DestinationCidrBlock!)
    .sort();
}
async function vpcRoutesTo(region: string, rtbId: string, tgwId: string): Promise<string[]> {
  const r = await ec2(region).send(new DescribeRouteTablesCommand({ RouteTableIds: [rtbId] }));
  return (r.RouteTables?.[0]?.Routes ?? [])
    .filter((x) => x.TransitGatewayId === tgwId)
    .map((x) => x.DestinationCidrBlock!)
    .sort();
}
// moto quirk: after an accept in the same account, DescribeTransitGatewayPeeringAttachments in
// the requester region also lists a second entry (another id, no RequesterTgwInfo). Only
// entries requested from our TGW count; the number of Create calls is checked where it matters.
async function livePeerings(region: string, requesterTgw: string, roleArn?: string) {
  const r = await ec2(region, roleArn).send(new DescribeTransitGatewayPeeringAttachmentsCommand({}));
  return (r.TransitGatewayPeeringAttachments ?? []).filter(
    (p) => !['deleted', 'deleting', 'rejected', 'failed'].includes(p.State ?? '') && p.RequesterTgwInfo?.TransitGatewayId === requesterTgw,
  );
}

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
});
after(async () => {
  if (ctrl && process.env.MRC_TEST_LOG_DIR)
    (await import('node:fs')).writeFileSync(`${process.env.MRC_TEST_LOG_DIR}/region-pair-${Date.now()}.log`, ctrl.logs());
  await ctrl?.stop();
  await stack.stop();
});
beforeEach(async () => {
  if (ctrl && process.env.MRC_TEST_LOG_DIR)
    (await import('node:fs')).writeFileSync(`${process.env.MRC_TEST_LOG_DIR}/region-pair-${Date.now()}.log`, ctrl.logs());
  await ctrl?.stop();
  ctrl = undefined;
  await stack.resetMoto();
});

describe('RegionPair', () => {
  test('converges from nothing: TGWs with defaults off, route tables, attachments, peering, routes, flow logs; then deletes it all', async () => {
    const [east, west] = await Promise.all([
      seedVpc({ endpoint: stack.motoEndpoint }, 'us-east-1', '10.0.0.0/16'),
      seedVpc({ endpoint: stack.motoEndpoint }, 'us-west-2', '10.1.0.0/16'),
    ]);
    ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint });
    const name = uniqueName('fresh');
    await kube.apply(pairObj(name, pairSpec(east, west)));
    const ready = await kube.waitCondition(name === '' ? '' : 'RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
    const st = ready.status;
    assert.equal(condition(ready, 'PeeringAvailable')?.status, 'True');
    assert.equal(condition(ready, 'RoutesProgrammed')?.status, 'True');
    assert.equal(condition(ready, 'Synced')?.status, 'True');
    assert.ok(ready.metadata.finalizers?.includes('multiregion.dev/finalizer'));

    for (const [side, region] of [
      ['primary', 'us-east-1'],
      ['secondary', 'us-west-2'],
    ] as const) {
      const tgws = (await ec2(region).send(new DescribeTransitGatewaysCommand({}))).TransitGateways!.filter((t) => t.State !== 'deleted');
      assert.equal(tgws.length, 1, `exactly one TGW in ${region}`);
      assert.equal(tgws[0]!.TransitGatewayId, st[side].transitGatewayId);
      assert.equal(tgws[0]!.Options?.DefaultRouteTableAssociation, 'disable');
      assert.equal(tgws[0]!.Options?.DefaultRouteTablePropagation, 'disable');
      const tags = tagsToMap(tgws[0]!.Tags);
      assert.equal(tags['multiregion.dev/cluster'], 'test');
      assert.equal(tags['multiregion.dev/owner'], `${NS}/${name}`);
      const assoc = await ec2(region).send(new GetTransitGatewayRouteTableAssociationsCommand({ TransitGatewayRouteTableId: st[side].routeTableId }));
      const associated = (assoc.Associations ?? []).map((a) => a.TransitGatewayAttachmentId).sort();
      const vpcAtt = Object.values(st[side].vpcAttachmentIds as Record<string, string>);
      assert.deepEqual(associated, [...vpcAtt, st.peering.attachmentId].sort(), `${side} table holds its VPC attachment and the peering`);
      const fl = await ec2(region).send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [st[side].transitGatewayId] }] }));
      assert.equal(fl.FlowLogs?.length, 1, JSON.stringify(fl.FlowLogs?.map((f) => [f.FlowLogId, f.ResourceId, f.Tags])));
      assert.equal(fl.FlowLogs![0]!.LogGroupName, '/aws/tgw/flow-logs');
      const lg = await new CloudWatchLogsClient({ region, endpoint: stack.motoEndpoint, credentials: creds }).send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/tgw/flow-logs' }),
      );
      assert.equal(lg.logGroups?.[0]?.retentionInDays, 14);
    }
    assert.deepEqual(await tgwRoutes('us-east-1', st.primary.routeTableId), ['10.1.0.0/16']);
    assert.deepEqual(await tgwRoutes('us-west-2', st.secondary.routeTableId), ['10.0.0.0/16']);
    assert.deepEqual(await vpcRoutesTo('us-east-1', east.routeTableId, st.primary.transitGatewayId), ['10.1.0.0/16']);
    assert.deepEqual(await vpcRoutesTo('us-west-2', west.routeTableId, st.secondary.transitGatewayId), ['10.0.0.0/16']);
    const peers = await livePeerings('us-east-1', st.primary.transitGatewayId);
    assert.equal(
      peers.length,
      1,
      JSON.stringify(peers.map((p) => [p.TransitGatewayAttachmentId, p.State, p.RequesterTgwInfo?.Region, p.AccepterTgwInfo?.Region, p.Tags?.length])),
    );
    const evs = await kube.events(NS, name);
    assert.ok(
      evs.some((e) => e.reason === 'CreatedTransitGateway'),
      `events: ${evs.map((e) => e.reason).join(',')}`,
    );

    // CIDR add and remove: exactly those routes change.
    await kube.mergePatch({ kind: 'RegionPair', namespace: NS, name }, { spec: { secondary: { cidrs: ['10.1.0.0/16', '10.2.0.0/16'] } } });
    await kube.waitFor(
      'RegionPair',
      NS,
      name,
      'routes for 10.2.0.0/16',
      (o) => o.status?.observedGeneration === 2 && condition(o, 'Ready')?.status === 'True',
      60_000,
    );
    assert.deepEqual(await tgwRoutes('us-east-1', st.primary.routeTableId), ['10.1.0.0/16', '10.2.0.0/16']);
    assert.deepEqual(await vpcRoutesTo('us-east-1', east.routeTableId, st.primary.transitGatewayId), ['10.1.0.0/16', '10.2.0.0/16']);
    await kube.mergePatch({ kind: 'RegionPair', namespace: NS, name }, { spec: { secondary: { cidrs: ['10.2.0.0/16'] } } });
    await kube.waitFor(
      'RegionPair',
      NS,
      name,
      'generation 3 ready',
      (o) => o.status?.observedGeneration === 3 && condition(o, 'Ready')?.status === 'True',
      60_000,
    );
    assert.deepEqual(await tgwRoutes('us-east-1', st.primary.routeTableId), ['10.2.0.0/16']);
    assert.deepEqual(await vpcRoutesTo('us-east-1', east.routeTableId, st.primary.transitGatewayId), ['10.2.0.0/16']);

    // Drift: a VPC route removed outside the controller comes back on reconcile-now.
    await ec2('us-east-1').send(new DeleteRouteCommand({ RouteTableId: east.routeTableId, DestinationCidrBlock: '10.2.0.0/16' }));
    await kube.mergePatch({ kind: 'RegionPair', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': String(Date.now()) } } });
    await kube.waitFor('RegionPair', NS, name, 'drift reported', (o) => (o.status?.drift ?? []).some((d: string) => d.includes('10.2.0.0/16')), 60_000);
    assert.deepEqual(await vpcRoutesTo('us-east-1', east.routeTableId, st.primary.transitGatewayId), ['10.2.0.0/16']);

    // Delete: everything it created goes, in order; the object goes last.
    await kube.delete('RegionPair', NS, name);
    await kube.waitGone('RegionPair', NS, name, 90_000);
    for (const region of ['us-east-1', 'us-west-2']) {
      const tgws = (await ec2(region).send(new DescribeTransitGatewaysCommand({}))).TransitGateways!.filter(
        (t) => t.State !== 'deleted' && t.State !== 'deleting',
      );
      assert.equal(tgws.length, 0, `no TGW left in ${region}`);
      const atts = (await ec2(region).send(new DescribeTransitGatewayVpcAttachmentsCommand({}))).TransitGatewayVpcAttachments!.filter(
        (t) => t.State !== 'deleted' && t.State !== 'deleting',
      );
      assert.equal(atts.length, 0, `no VPC attachment left in ${region}`);
      const rts = (await ec2(region).send(new DescribeTransitGatewayRouteTablesCommand({}))).TransitGatewayRouteTables!.filter(
        (t) => t.State !== 'deleted' && t.State !== 'deleting' && !t.DefaultAssociationRouteTable,
      );
      assert.equal(rts.length, 0, `no route table left in ${region}`);
    }
    assert.equal((await livePeerings('us-east-1', st.primary.transitGatewayId)).length, 0);
    assert.deepEqual(await vpcRoutesTo('us-east-1', east.routeTableId, st.primary.transitGatewayId), []);
  });
});
