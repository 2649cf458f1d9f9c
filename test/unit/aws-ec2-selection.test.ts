// The pure parts of the EC2 modules: which resource is ours, which subnets change, pagination.
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
import { collectPages } from '../../src/aws/ec2/pages.ts';
import { peeringTags, pickOwnedPeering } from '../../src/aws/ec2/peering.ts';
import { pickOwnedRouteTable } from '../../src/aws/ec2/tgw-route-table.ts';
import { pickOwnedTransitGateway } from '../../src/aws/ec2/transit-gateway.ts';
import { pickVpcAttachment, subnetDiff } from '../../src/aws/ec2/vpc-attachment.ts';
import type { Owner } from '../../src/aws/types.ts';

const owner: Owner = { clusterId: 'c1', kind: 'RegionPair', namespace: 'platform', name: 'prod', uid: 'uid-1', userTags: { team: 'network' } };
const other: Owner = { ...owner, name: 'staging', uid: 'uid-2' };
const tags = (o: Owner, side: Side = 'primary'): Ec2Tag[] => sideTags(o, side, 'x');
const at = (s: string) => new Date(s);

test('subnetDiff: table of current → desired', () => {
  const rows: Array<{ reason: string; current: string[]; desired: string[]; add: string[]; remove: string[] }> = [
    { reason: 'same set in another order changes nothing', current: ['s-1', 's-2'], desired: ['s-2', 's-1'], add: [], remove: [] },
    { reason: 'a new subnet is added', current: ['s-1'], desired: ['s-1', 's-2'], add: ['s-2'], remove: [] },
    { reason: 'a dropped subnet is removed', current: ['s-1', 's-2'], desired: ['s-1'], add: [], remove: ['s-2'] },
    { reason: 'a swap adds and removes', current: ['s-1'], desired: ['s-3'], add: ['s-3'], remove: ['s-1'] },
  ];
  for (const r of rows) assert.deepEqual(subnetDiff(r.current, r.desired), { add: r.add, remove: r.remove }, r.reason);
});

test('pickOwnedTransitGateway: ours on this side, live, oldest first', () => {
  const rows: Array<{ reason: string; all: TransitGateway[]; want: string | undefined }> = [
    { reason: 'another owner’s TGW is not ours', all: [{ TransitGatewayId: 'tgw-o', State: 'available', Tags: tags(other) }], want: undefined },
    {
      reason: 'the other side’s TGW is not this side’s',
      all: [{ TransitGatewayId: 'tgw-s', State: 'available', Tags: tags(owner, 'secondary') }],
      want: undefined,
    },
    { reason: 'a deleted TGW counts as absent', all: [{ TransitGatewayId: 'tgw-d', State: 'deleted', Tags: tags(owner) }], want: undefined },
    {
      reason: 'two copies (crash between create and status): the oldest, every time',
      all: [
        { TransitGatewayId: 'tgw-new', State: 'available', Tags: tags(owner), CreationTime: at('2025-01-02') },
        { TransitGatewayId: 'tgw-old', State: 'available', Tags: tags(owner), CreationTime: at('2025-01-01') },
      ],
      want: 'tgw-old',
    },
  ];
  for (const r of rows) assert.equal(pickOwnedTransitGateway(r.all, owner, 'primary')?.TransitGatewayId, r.want, r.reason);
});

test('pickOwnedRouteTable: tags are checked client-side (tag filters may be ignored)', () => {
  const all: TransitGatewayRouteTable[] = [
    { TransitGatewayRouteTableId: 'rtb-default', TransitGatewayId: 'tgw-1', State: 'available', Tags: [] },
    { TransitGatewayRouteTableId: 'rtb-other', TransitGatewayId: 'tgw-1', State: 'available', Tags: tags(other) },
    { TransitGatewayRouteTableId: 'rtb-gone', TransitGatewayId: 'tgw-1', State: 'deleted', Tags: tags(owner) },
    { TransitGatewayRouteTableId: 'rtb-elsewhere', TransitGatewayId: 'tgw-2', State: 'available', Tags: tags(owner) },
    { TransitGatewayRouteTableId: 'rtb-ours', TransitGatewayId: 'tgw-1', State: 'available', Tags: tags(owner) },
  ];
  assert.equal(pickOwnedRouteTable(all, { owner, side: 'primary', transitGatewayId: 'tgw-1' })?.TransitGatewayRouteTableId, 'rtb-ours');
  assert.equal(pickOwnedRouteTable(all.slice(0, 4), { owner, side: 'primary', transitGatewayId: 'tgw-1' }), undefined);
});

test('pickVpcAttachment: the live one for (TGW, VPC), ours preferred', () => {
  const spec = { owner, side: 'primary' as const, transitGatewayId: 'tgw-1', transitGatewayOwned: true, vpcId: 'vpc-1', subnetIds: [] };
  const rows: Array<{ reason: string; all: TransitGatewayVpcAttachment[]; want: string | undefined }> = [
    {
      reason: 'another VPC’s attachment does not match',
      all: [{ TransitGatewayAttachmentId: 'a-x', TransitGatewayId: 'tgw-1', VpcId: 'vpc-2', State: 'available' }],
      want: undefined,
    },
    {
      reason: 'a deleted attachment does not match',
      all: [{ TransitGatewayAttachmentId: 'a-d', TransitGatewayId: 'tgw-1', VpcId: 'vpc-1', State: 'deleted', Tags: tags(owner) }],
      want: undefined,
    },
    {
      reason: 'ours wins over an untagged one',
      all: [
        { TransitGatewayAttachmentId: 'a-u', TransitGatewayId: 'tgw-1', VpcId: 'vpc-1', State: 'available', CreationTime: at('2025-01-01') },
        { TransitGatewayAttachmentId: 'a-o', TransitGatewayId: 'tgw-1', VpcId: 'vpc-1', State: 'available', Tags: tags(owner), CreationTime: at('2025-01-02') },
      ],
      want: 'a-o',
    },
    {
      reason: 'an untagged one is still returned (the caller decides whose it is)',
      all: [{ TransitGatewayAttachmentId: 'a-u', TransitGatewayId: 'tgw-1', VpcId: 'vpc-1', State: 'available' }],
      want: 'a-u',
    },
  ];
  for (const r of rows) assert.equal(pickVpcAttachment(r.all, spec)?.TransitGatewayAttachmentId, r.want, r.reason);
});

test('pickOwnedPeering: our tags, our requester TGW, not deleted or rejected', () => {
  const mine = peeringTags(owner);
  const p = (id: string, state: TransitGatewayPeeringAttachment['State'], t: Ec2Tag[], tgw = 'tgw-1'): TransitGatewayPeeringAttachment => ({
    TransitGatewayAttachmentId: id,
    State: state,
    Tags: t,
    RequesterTgwInfo: { TransitGatewayId: tgw },
  });
  const rows: Array<{ reason: string; all: TransitGatewayPeeringAttachment[]; want: string | undefined }> = [
    { reason: 'deleted peerings stay listed but count as absent', all: [p('p-d', 'deleted', mine)], want: undefined },
    { reason: 'a rejected peering counts as absent', all: [p('p-r', 'rejected', mine)], want: undefined },
    { reason: 'another owner’s peering is not ours', all: [p('p-o', 'available', peeringTags(other))], want: undefined },
    { reason: 'a peering from another TGW is not ours (filters may be ignored)', all: [p('p-t', 'available', mine, 'tgw-9')], want: undefined },
    {
      reason: 'user tags may have changed since the create: only our keys must match',
      all: [p('p-1', 'pendingAcceptance', peeringTags({ ...owner, userTags: { team: 'old' } }))],
      want: 'p-1',
    },
  ];
  for (const r of rows) assert.equal(pickOwnedPeering(r.all, mine, { transitGatewayId: 'tgw-1' })?.id, r.want, r.reason);
});

test('collectPages: follows tokens and stops on a repeated one', async () => {
  const rows: Array<{ reason: string; pages: Record<string, { items: number[]; next?: string }>; want: number[] }> = [
    { reason: 'one page', pages: { start: { items: [1, 2] } }, want: [1, 2] },
    { reason: 'three pages', pages: { start: { items: [1], next: 'a' }, a: { items: [2], next: 'b' }, b: { items: [3] } }, want: [1, 2, 3] },
    { reason: 'a server repeating its token does not loop', pages: { start: { items: [1], next: 'a' }, a: { items: [2], next: 'a' } }, want: [1, 2] },
  ];
  for (const r of rows) {
    const got = await collectPages(async (token) => {
      const page = r.pages[token ?? 'start']!;
      return { items: page.items, nextToken: page.next };
    });
    assert.deepEqual(got, r.want, r.reason);
  }
});
