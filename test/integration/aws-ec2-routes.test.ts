// Static TGW routes and VPC routes to the peer CIDRs against moto: each plan is applied, the
// result read back with the SDK, and a CIDR change adds and removes exactly the difference.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateTransitGatewayRouteCommand,
  DescribeRouteTablesCommand,
  type EC2Client,
  SearchTransitGatewayRoutesCommand,
} from '@aws-sdk/client-ec2';
import { acceptPeering, peeringRequester } from '../../src/aws/ec2/peering.ts';
import { tgwRouteTable } from '../../src/aws/ec2/tgw-route-table.ts';
import { applyTgwRoutePlan, isEmptyPlan, listStaticRoutes, planTgwRoutes } from '../../src/aws/ec2/tgw-routes.ts';
import { transitGateway } from '../../src/aws/ec2/transit-gateway.ts';
import { vpcAttachment } from '../../src/aws/ec2/vpc-attachment.ts';
import { applyVpcRoutePlan, describeVpcRoutes, isEmptyVpcPlan, planVpcRoutes } from '../../src/aws/ec2/vpc-routes.ts';
import { DEFAULT_ACCOUNT, ec2Client, makeVpc, PRIMARY_REGION, SECONDARY_REGION, testOwner } from './aws-ec2-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const owner = testOwner();
const bed = new MotoBed();
let ec2: EC2Client;

beforeEach(() => {
  ec2 = bed.perTest(ec2Client(bed.endpoint, PRIMARY_REGION));
});

/** The primary side of a pair, peered with an accepted secondary TGW. */
async function primarySide() {
  const west = ec2Client(bed.endpoint, SECONDARY_REGION);
  const tgw = await transitGateway(ec2).create({ owner, side: 'primary' });
  const tgwB = await transitGateway(west).create({ owner, side: 'secondary' });
  const rt = await tgwRouteTable(ec2).create({ owner, side: 'primary', transitGatewayId: tgw.id });
  const vpc = await makeVpc(ec2, '10.0', 1);
  const att = await vpcAttachment(ec2).create({
    owner,
    side: 'primary',
    transitGatewayId: tgw.id,
    vpcId: vpc.vpcId,
    subnetIds: vpc.subnetIds,
  });
  const peering = await peeringRequester(ec2).create({
    owner,
    transitGatewayId: tgw.id,
    peerTransitGatewayId: tgwB.id,
    peerAccountId: DEFAULT_ACCOUNT,
    peerRegion: SECONDARY_REGION,
  });
  await acceptPeering(west, peering.id);
  return { tgw, rt, vpc, att, peering };
}

async function staticRoutes(routeTableId: string): Promise<string[]> {
  const out = await ec2.send(
    new SearchTransitGatewayRoutesCommand({ TransitGatewayRouteTableId: routeTableId, Filters: [{ Name: 'type', Values: ['static'] }] }),
  );
  return (out.Routes ?? [])
    .filter((r) => r.State !== 'deleted')
    .map((r) => r.DestinationCidrBlock!)
    .sort();
}

async function vpcRoutes(routeTableId: string): Promise<string[]> {
  const out = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }));
  return (out.RouteTables?.[0]?.Routes ?? []).map((r) => `${r.DestinationCidrBlock}→${r.TransitGatewayId ?? r.GatewayId}`).sort();
}

test('TGW static routes: added, then exactly the CIDR change applied; the user’s route untouched', async () => {
  const { rt, att, peering } = await primarySide();
  // A route the user added by hand, to the VPC attachment.
  await ec2.send(
    new CreateTransitGatewayRouteCommand({ TransitGatewayRouteTableId: rt.id, DestinationCidrBlock: '192.168.0.0/16', TransitGatewayAttachmentId: att.id }),
  );

  const desired = (cidrs: string[]) => cidrs.map((destinationCidr) => ({ destinationCidr, attachmentId: peering.id }));
  const plan1 = planTgwRoutes({
    desired: desired(['10.1.0.0/16', '10.2.0.0/16']),
    current: await listStaticRoutes(ec2, rt.id),
    managedAttachmentIds: [peering.id],
  });
  assert.deepEqual(
    plan1.add.map((a) => a.destinationCidr),
    ['10.1.0.0/16', '10.2.0.0/16'],
  );
  assert.deepEqual(plan1.remove, []);
  await applyTgwRoutePlan(ec2, rt.id, plan1);
  assert.deepEqual(await staticRoutes(rt.id), ['10.1.0.0/16', '10.2.0.0/16', '192.168.0.0/16']);

  // Each static route names its target, as on AWS (the test stack's moto; moto 5.2.1 gave none).
  const targets = Object.fromEntries((await listStaticRoutes(ec2, rt.id)).map((r) => [r.destinationCidr, r.attachmentIds]));
  assert.deepEqual(targets, { '10.1.0.0/16': [peering.id], '10.2.0.0/16': [peering.id], '192.168.0.0/16': [att.id] });

  // Nothing changed: nothing planned.
  const steady = planTgwRoutes({
    desired: desired(['10.1.0.0/16', '10.2.0.0/16']),
    current: await listStaticRoutes(ec2, rt.id),
    managedAttachmentIds: [peering.id],
    previouslyProgrammed: ['10.1.0.0/16', '10.2.0.0/16'],
  });
  assert.equal(isEmptyPlan(steady), true);

  // The peer side's CIDRs change: 10.1 goes, 10.3 comes.
  const plan2 = planTgwRoutes({
    desired: desired(['10.2.0.0/16', '10.3.0.0/16']),
    current: await listStaticRoutes(ec2, rt.id),
    managedAttachmentIds: [peering.id],
    previouslyProgrammed: ['10.1.0.0/16', '10.2.0.0/16'],
  });
  assert.deepEqual(
    plan2.add.map((a) => a.destinationCidr),
    ['10.3.0.0/16'],
  );
  assert.deepEqual(plan2.remove, ['10.1.0.0/16']);
  await applyTgwRoutePlan(ec2, rt.id, plan2);
  assert.deepEqual(await staticRoutes(rt.id), ['10.2.0.0/16', '10.3.0.0/16', '192.168.0.0/16']);

  // A retried reconcile plans again from what is there: nothing left to do.
  const again = planTgwRoutes({
    desired: desired(['10.2.0.0/16', '10.3.0.0/16']),
    current: await listStaticRoutes(ec2, rt.id),
    managedAttachmentIds: [peering.id],
    previouslyProgrammed: ['10.2.0.0/16', '10.3.0.0/16'],
  });
  assert.equal(isEmptyPlan(again), true);
});

test('TGW static routes of given CIDRs only: exact matches, whoever they route to, nothing else; none asked, no call', async () => {
  const { rt, att, peering } = await primarySide();
  const route = (cidr: string, to: string) =>
    ec2.send(new CreateTransitGatewayRouteCommand({ TransitGatewayRouteTableId: rt.id, DestinationCidrBlock: cidr, TransitGatewayAttachmentId: to }));
  for (let i = 0; i < 60; i++) await route(`203.0.${i}.0/24`, peering.id);
  await route('192.168.0.0/16', att.id);
  const cidrs = ['203.0.7.0/24', '192.168.0.0/16', '198.51.100.0/24', ...Array.from({ length: 55 }, (_, i) => `203.0.${i + 5}.0/24`)];
  const found = await listStaticRoutes(ec2, rt.id, cidrs);
  // Two filters' worth of values (50 each): every exact match once, the one absent not at all.
  assert.deepEqual(found.map((r) => r.destinationCidr).sort(), [...new Set(cidrs.filter((c) => c !== '198.51.100.0/24'))].sort());
  assert.deepEqual(found.find((r) => r.destinationCidr === '192.168.0.0/16')?.attachmentIds, [att.id], 'a route to another attachment is seen (a conflict)');
  assert.equal((await listStaticRoutes(ec2, rt.id, ['10.99.0.0/16'])).length, 0);
  assert.deepEqual(await listStaticRoutes(ec2, rt.id, []), []);
  assert.equal((await listStaticRoutes(ec2, rt.id)).length, 61, 'without CIDRs: the whole table');
});

test('VPC routes: peer CIDRs via our TGW; a CIDR taken by another target is a conflict, left alone', async () => {
  const { tgw, vpc } = await primarySide();
  const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc.vpcId }));
  await ec2.send(new CreateRouteCommand({ RouteTableId: vpc.routeTableId, DestinationCidrBlock: '10.9.0.0/16', GatewayId: igw }));
  const base = { transitGatewayId: tgw.id, transitGatewayOwned: true };

  const plan1 = planVpcRoutes({
    ...base,
    desiredCidrs: ['10.1.0.0/16', '10.2.0.0/16', '10.9.0.0/16'],
    tables: await describeVpcRoutes(ec2, [vpc.routeTableId]),
  });
  assert.deepEqual(
    plan1.create.map((c) => c.destinationCidr),
    ['10.1.0.0/16', '10.2.0.0/16'],
  );
  assert.deepEqual(plan1.conflicts, [{ routeTableId: vpc.routeTableId, destinationCidr: '10.9.0.0/16', currentTarget: igw }]);
  await applyVpcRoutePlan(ec2, tgw.id, plan1);
  assert.deepEqual(await vpcRoutes(vpc.routeTableId), [`10.0.0.0/16→local`, `10.1.0.0/16→${tgw.id}`, `10.2.0.0/16→${tgw.id}`, `10.9.0.0/16→${igw}`].sort());

  const plan2 = planVpcRoutes({ ...base, desiredCidrs: ['10.2.0.0/16', '10.3.0.0/16'], tables: await describeVpcRoutes(ec2, [vpc.routeTableId]) });
  assert.deepEqual(
    plan2.create.map((c) => c.destinationCidr),
    ['10.3.0.0/16'],
  );
  assert.deepEqual(
    plan2.remove.map((c) => c.destinationCidr),
    ['10.1.0.0/16'],
  );
  assert.deepEqual(plan2.conflicts, []);
  await applyVpcRoutePlan(ec2, tgw.id, plan2);
  assert.deepEqual(await vpcRoutes(vpc.routeTableId), [`10.0.0.0/16→local`, `10.2.0.0/16→${tgw.id}`, `10.3.0.0/16→${tgw.id}`, `10.9.0.0/16→${igw}`].sort());

  const steady = planVpcRoutes({ ...base, desiredCidrs: ['10.2.0.0/16', '10.3.0.0/16'], tables: await describeVpcRoutes(ec2, [vpc.routeTableId]) });
  assert.equal(isEmptyVpcPlan(steady), true);

  // The pair goes away: every route to our TGW is removed, the user's IGW route stays.
  const teardown = planVpcRoutes({ ...base, desiredCidrs: [], allowRemoveAll: true, tables: await describeVpcRoutes(ec2, [vpc.routeTableId]) });
  await applyVpcRoutePlan(ec2, tgw.id, teardown);
  assert.deepEqual(await vpcRoutes(vpc.routeTableId), [`10.0.0.0/16→local`, `10.9.0.0/16→${igw}`].sort());
});
