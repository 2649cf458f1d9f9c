// A resource AWS is still deleting, on plain data: the pick… functions leave it out for sync and
// keep it (with its state) for deletion. What needs an EC2 client — observe, create, delete, the
// accepter's view, peering ownership — is proven against moto in
// test/integration/aws-ec2-deleting.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  Tag as Ec2Tag,
  TransitGateway,
  TransitGatewayPeeringAttachment,
  TransitGatewayRouteTable,
  TransitGatewayVpcAttachment,
} from '@aws-sdk/client-ec2';
import { type Side, sideTags } from '../../src/aws/ec2/ownership.ts';
import { peeringTags, pickOwnedPeering } from '../../src/aws/ec2/peering.ts';
import { pickOwnedRouteTable } from '../../src/aws/ec2/tgw-route-table.ts';
import { pickOwnedTransitGateway } from '../../src/aws/ec2/transit-gateway.ts';
import { pickVpcAttachment } from '../../src/aws/ec2/vpc-attachment.ts';
import type { Owner } from '../../src/aws/types.ts';

const owner: Owner = { clusterId: 'c1', kind: 'RegionPair', namespace: 'platform', name: 'prod', uid: 'uid-1' };
const tags = (side: Side = 'primary'): Ec2Tag[] => sideTags(owner, side, 'x');

const tgw = (state: string): TransitGateway => ({ TransitGatewayId: 'tgw-1', State: state as TransitGateway['State'], Tags: tags() });
const table = (state: string): TransitGatewayRouteTable => ({
  TransitGatewayRouteTableId: 'rtb-1',
  TransitGatewayId: 'tgw-1',
  State: state as TransitGatewayRouteTable['State'],
  Tags: tags(),
});
const attachment = (state: string): TransitGatewayVpcAttachment => ({
  TransitGatewayAttachmentId: 'att-1',
  TransitGatewayId: 'tgw-1',
  VpcId: 'vpc-1',
  SubnetIds: ['s-1'],
  State: state as TransitGatewayVpcAttachment['State'],
  Tags: tags(),
});
const peering = (state: string, t: Ec2Tag[] = peeringTags(owner)): TransitGatewayPeeringAttachment => ({
  TransitGatewayAttachmentId: 'p-1',
  State: state as TransitGatewayPeeringAttachment['State'],
  Tags: t,
  RequesterTgwInfo: { TransitGatewayId: 'tgw-1' },
  AccepterTgwInfo: { TransitGatewayId: 'tgw-2', OwnerId: '1', Region: 'us-west-2' },
});

const tableSpec = { owner, side: 'primary' as const, transitGatewayId: 'tgw-1' };
const attachmentSpec = { ...tableSpec, transitGatewayOwned: true, vpcId: 'vpc-1', subnetIds: ['s-1'] };

test('pickers: a deleting resource is absent to sync, present (with its state) when deletion asks', () => {
  const rows: Array<{ reason: string; pick: (includeDeleting: boolean) => string | undefined; state: string; sync: boolean; deletion: boolean }> = [
    {
      reason: 'a TGW being deleted',
      state: 'deleting',
      sync: false,
      deletion: true,
      pick: (d) => pickOwnedTransitGateway([tgw('deleting')], owner, 'primary', d)?.State,
    },
    {
      reason: 'a deleted TGW is gone for both',
      state: 'deleted',
      sync: false,
      deletion: false,
      pick: (d) => pickOwnedTransitGateway([tgw('deleted')], owner, 'primary', d)?.State,
    },
    {
      reason: 'an available TGW is there for both',
      state: 'available',
      sync: true,
      deletion: true,
      pick: (d) => pickOwnedTransitGateway([tgw('available')], owner, 'primary', d)?.State,
    },
    {
      reason: 'a route table being deleted',
      state: 'deleting',
      sync: false,
      deletion: true,
      pick: (d) => pickOwnedRouteTable([table('deleting')], tableSpec, d)?.State,
    },
    {
      reason: 'a VPC attachment being deleted',
      state: 'deleting',
      sync: false,
      deletion: true,
      pick: (d) => pickVpcAttachment([attachment('deleting')], attachmentSpec, d)?.State,
    },
    {
      reason: 'a failed VPC attachment is gone for both',
      state: 'failed',
      sync: false,
      deletion: false,
      pick: (d) => pickVpcAttachment([attachment('failed')], attachmentSpec, d)?.State,
    },
    {
      reason: 'a peering being deleted',
      state: 'deleting',
      sync: false,
      deletion: true,
      pick: (d) => pickOwnedPeering([peering('deleting')], peeringTags(owner), { transitGatewayId: 'tgw-1', includeDeleting: d })?.state,
    },
    {
      reason: "a peering without our tags is nobody's to sync or delete",
      state: 'available',
      sync: false,
      deletion: false,
      pick: (d) => pickOwnedPeering([peering('available', [{ Key: 'team', Value: 'other' }])], peeringTags(owner), { includeDeleting: d })?.state,
    },
    {
      reason: 'a rejected peering is gone for both',
      state: 'rejected',
      sync: false,
      deletion: false,
      pick: (d) => pickOwnedPeering([peering('rejected')], peeringTags(owner), { includeDeleting: d })?.state,
    },
  ];
  for (const r of rows) {
    assert.equal(r.pick(false), r.sync ? r.state : undefined, `${r.reason} (sync)`);
    assert.equal(r.pick(true), r.deletion ? r.state : undefined, `${r.reason} (deletion)`);
  }
});
