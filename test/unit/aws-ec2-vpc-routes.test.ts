import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEmptyVpcPlan, planVpcRoutes, type VpcRoute, type VpcRoutePlan, type VpcRoutePlanInput } from '../../src/aws/ec2/vpc-routes.ts';

const TGW = 'tgw-ours';
const OLD_TGW = 'tgw-old';
const RTB = 'rtb-a';

const local = (cidr: string): VpcRoute => ({ destinationCidr: cidr, target: 'local', state: 'active', origin: 'CreateRouteTable' });
const to = (cidr: string, target: string, state = 'active'): VpcRoute => ({ destinationCidr: cidr, target, state, origin: 'CreateRoute' });
const at = (destinationCidr: string, routeTableId = RTB) => ({ routeTableId, destinationCidr });

interface Case {
  reason: string;
  input: Partial<VpcRoutePlanInput>;
  expect: Partial<VpcRoutePlan>;
}

const cases: Case[] = [
  {
    reason: 'a table with only its local route gets one route per peer CIDR',
    input: { desiredCidrs: ['10.1.0.0/16', '10.2.0.0/16'], tables: [{ routeTableId: RTB, routes: [local('10.0.0.0/16')] }] },
    expect: { create: [at('10.1.0.0/16'), at('10.2.0.0/16')] },
  },
  {
    reason: 'a route to our TGW for a desired CIDR is unchanged',
    input: { desiredCidrs: ['10.1.0.0/16'], tables: [{ routeTableId: RTB, routes: [to('10.1.0.0/16', TGW)] }] },
    expect: { unchanged: [at('10.1.0.0/16')] },
  },
  {
    reason: 'a route for a desired CIDR to another target is a conflict, never replaced',
    input: { desiredCidrs: ['10.1.0.0/16'], tables: [{ routeTableId: RTB, routes: [to('10.1.0.0/16', 'pcx-123')] }] },
    expect: { conflicts: [{ ...at('10.1.0.0/16'), currentTarget: 'pcx-123' }] },
  },
  {
    reason: 'a desired CIDR equal to the VPC’s own local route is a conflict',
    input: { desiredCidrs: ['10.0.0.0/16'], tables: [{ routeTableId: RTB, routes: [local('10.0.0.0/16')] }] },
    expect: { conflicts: [{ ...at('10.0.0.0/16'), currentTarget: 'local' }] },
  },
  {
    reason: 'a CIDR dropped from the spec is removed when its route goes to our (created) TGW',
    input: { desiredCidrs: ['10.1.0.0/16'], tables: [{ routeTableId: RTB, routes: [to('10.1.0.0/16', TGW), to('10.2.0.0/16', TGW)] }] },
    expect: { unchanged: [at('10.1.0.0/16')], remove: [at('10.2.0.0/16')] },
  },
  {
    reason: 'routes to other targets are never removed',
    input: { desiredCidrs: ['10.1.0.0/16'], tables: [{ routeTableId: RTB, routes: [to('10.1.0.0/16', TGW), to('0.0.0.0/0', 'igw-1'), local('10.0.0.0/16')] }] },
    expect: { unchanged: [at('10.1.0.0/16')] },
  },
  {
    reason: 'adopted TGW: a route to it we did not program (user’s on-prem route) is kept',
    input: {
      transitGatewayOwned: false,
      previouslyProgrammed: ['10.2.0.0/16'],
      desiredCidrs: ['10.1.0.0/16'],
      tables: [{ routeTableId: RTB, routes: [to('10.1.0.0/16', TGW), to('10.2.0.0/16', TGW), to('192.168.0.0/16', TGW)] }],
    },
    expect: { unchanged: [at('10.1.0.0/16')], remove: [at('10.2.0.0/16')] },
  },
  {
    reason: 'a route to a former TGW of ours is replaced for desired CIDRs and removed for the rest',
    input: {
      formerTransitGatewayIds: [OLD_TGW],
      desiredCidrs: ['10.1.0.0/16'],
      tables: [{ routeTableId: RTB, routes: [to('10.1.0.0/16', OLD_TGW, 'blackhole'), to('10.2.0.0/16', OLD_TGW, 'blackhole')] }],
    },
    expect: { replace: [at('10.1.0.0/16')], remove: [at('10.2.0.0/16')] },
  },
  {
    reason: 'each table is planned on its own',
    input: {
      desiredCidrs: ['10.1.0.0/16'],
      tables: [
        { routeTableId: 'rtb-a', routes: [to('10.1.0.0/16', TGW)] },
        { routeTableId: 'rtb-b', routes: [] },
      ],
    },
    expect: { unchanged: [at('10.1.0.0/16', 'rtb-a')], create: [at('10.1.0.0/16', 'rtb-b')] },
  },
  {
    reason: 'an empty desired set removes nothing unless allowRemoveAll',
    input: { desiredCidrs: [], tables: [{ routeTableId: RTB, routes: [to('10.1.0.0/16', TGW)] }] },
    expect: {},
  },
  {
    reason: 'allowRemoveAll (pair deleted) removes every route to our TGW',
    input: { desiredCidrs: [], allowRemoveAll: true, tables: [{ routeTableId: RTB, routes: [to('10.1.0.0/16', TGW), to('0.0.0.0/0', 'igw-1')] }] },
    expect: { remove: [at('10.1.0.0/16')] },
  },
  {
    reason: 'duplicate desired CIDRs produce one route',
    input: { desiredCidrs: ['10.1.0.0/16', '10.1.0.0/16 '], tables: [{ routeTableId: RTB, routes: [] }] },
    expect: { create: [at('10.1.0.0/16')] },
  },
];

for (const c of cases) {
  test(`planVpcRoutes: ${c.reason}`, () => {
    const got = planVpcRoutes({ transitGatewayId: TGW, transitGatewayOwned: true, desiredCidrs: [], tables: [], ...c.input });
    assert.deepEqual(got, { create: [], replace: [], remove: [], conflicts: [], unchanged: [], ...c.expect });
  });
}

test('planVpcRoutes: an applied plan plans to nothing', () => {
  const input: VpcRoutePlanInput = {
    transitGatewayId: TGW,
    transitGatewayOwned: true,
    desiredCidrs: ['10.1.0.0/16', '10.3.0.0/16'],
    tables: [{ routeTableId: RTB, routes: [local('10.0.0.0/16'), to('10.1.0.0/16', TGW), to('10.2.0.0/16', TGW)] }],
  };
  const plan = planVpcRoutes(input);
  assert.equal(isEmptyVpcPlan(plan), false);
  const removed = new Set(plan.remove.map((r) => r.destinationCidr));
  const routes = input.tables[0]!.routes.filter((r) => !removed.has(r.destinationCidr)).concat(plan.create.map((c) => to(c.destinationCidr, TGW)));
  assert.equal(isEmptyVpcPlan(planVpcRoutes({ ...input, tables: [{ routeTableId: RTB, routes }] })), true);
});
