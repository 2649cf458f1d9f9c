// Issue 16, ownership items 2 and 3, as pure plans with the targets AWS names (moto names none,
// so these paths are only reachable here): an object removes only the routes it recorded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planTgwRoutes, type TgwRoute } from '../../src/aws/ec2/tgw-routes.ts';
import { planVpcRoutes, type VpcRouteTableRoutes } from '../../src/aws/ec2/vpc-routes.ts';

const CLIENT_ATT = 'tgw-attach-client';
const VPN_ATT = 'tgw-attach-vpn';
const staticRoute = (destinationCidr: string, attachmentId: string): TgwRoute => ({
  destinationCidr,
  attachmentIds: [attachmentId],
  state: 'active',
  type: 'static',
});

/** The plan a ClientConnection makes (client-connection/routes.ts): its attachment is shared. */
const clientPlan = (attachmentId: string, cidrs: string[], recorded: string[], current: TgwRoute[]) =>
  planTgwRoutes({
    desired: cidrs.map((destinationCidr) => ({ destinationCidr, attachmentId })),
    current,
    managedAttachmentIds: [attachmentId],
    previouslyProgrammed: recorded,
    allowRemoveAll: true,
    onlyRecorded: true,
  });

describe('TGW routes of a client on a shared attachment', () => {
  test('a hand-added route to the client attachment is neither removed nor replaced', () => {
    const plan = clientPlan(
      CLIENT_ATT,
      ['203.0.113.0/24'],
      ['203.0.113.0/24'],
      [staticRoute('203.0.113.0/24', CLIENT_ATT), staticRoute('198.51.100.0/24', CLIENT_ATT)],
    );
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(plan.replace, []);
  });

  test('a VPN attachment: another route to it stays', () => {
    const plan = clientPlan(VPN_ATT, ['192.0.2.0/24'], [], [staticRoute('100.64.0.0/24', VPN_ATT)]);
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(plan.add, [{ destinationCidr: '192.0.2.0/24', attachmentId: VPN_ATT }]);
  });

  test('two clients on one attachment keep each other’s routes', () => {
    const current = [staticRoute('100.64.1.0/24', CLIENT_ATT), staticRoute('100.64.2.0/24', CLIENT_ATT)];
    const a = clientPlan(CLIENT_ATT, ['100.64.1.0/24'], ['100.64.1.0/24'], current);
    const b = clientPlan(CLIENT_ATT, ['100.64.2.0/24'], ['100.64.2.0/24'], current);
    assert.deepEqual([a.remove, b.remove], [[], []]);
    assert.equal(a.unchanged.length + b.unchanged.length, 2);
  });

  test('the removal branch removes only the CIDRs the client recorded', () => {
    const current = [staticRoute('100.64.1.0/24', CLIENT_ATT), staticRoute('100.64.9.0/24', CLIENT_ATT), staticRoute('100.64.2.0/24', CLIENT_ATT)];
    // A CIDR dropped from the spec, then the client deleted (desired empty, as in removeStaleRoutes).
    assert.deepEqual(clientPlan(CLIENT_ATT, ['100.64.1.0/24'], ['100.64.1.0/24', '100.64.9.0/24'], current).remove, ['100.64.9.0/24']);
    assert.deepEqual(clientPlan(CLIENT_ATT, [], ['100.64.1.0/24'], current).remove, ['100.64.1.0/24']);
  });

  test('a recorded CIDR now routed to an attachment that is not ours is left alone', () => {
    const plan = clientPlan(CLIENT_ATT, [], ['100.64.1.0/24'], [staticRoute('100.64.1.0/24', 'tgw-attach-someone-else')]);
    assert.deepEqual(plan.remove, []);
  });
});

describe('VPC routes to an adopted TGW', () => {
  const TGW = 'tgw-adopted';
  const tables: VpcRouteTableRoutes[] = [
    { routeTableId: 'rtb-a', routes: [{ destinationCidr: '10.1.0.0/16', target: TGW, state: 'active', origin: 'CreateRoute' }] },
    { routeTableId: 'rtb-b', routes: [{ destinationCidr: '10.1.0.0/16', target: TGW, state: 'active', origin: 'CreateRoute' }] },
  ];

  test('a route we made in one table is removed there only: the same CIDR was there first in the other', () => {
    const plan = planVpcRoutes({
      transitGatewayId: TGW,
      transitGatewayOwned: false,
      previouslyProgrammed: [{ routeTableId: 'rtb-a', destinationCidr: '10.1.0.0/16' }],
      desiredCidrs: [],
      tables,
      allowRemoveAll: true,
    });
    assert.deepEqual(plan.remove, [{ routeTableId: 'rtb-a', destinationCidr: '10.1.0.0/16' }]);
  });

  test('a route that was there first, never recorded, stays on delete', () => {
    const plan = planVpcRoutes({ transitGatewayId: TGW, transitGatewayOwned: false, previouslyProgrammed: [], desiredCidrs: [], tables, allowRemoveAll: true });
    assert.deepEqual(plan.remove, []);
  });
});
