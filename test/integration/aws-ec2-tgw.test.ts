// Transit gateway, its dedicated route table, VPC attachments and associations against moto,
// read back with the SDK directly.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  CreateTransitGatewayCommand,
  CreateTransitGatewayVpcAttachmentCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  type EC2Client,
  GetTransitGatewayRouteTableAssociationsCommand,
} from '@aws-sdk/client-ec2';
import { sideTags } from '../../src/aws/ec2/ownership.ts';
import { ensureAssociated, getAssociations, tgwRouteTable } from '../../src/aws/ec2/tgw-route-table.ts';
import { type TransitGatewaySpec, transitGateway } from '../../src/aws/ec2/transit-gateway.ts';
import { type VpcAttachmentSpec, vpcAttachment } from '../../src/aws/ec2/vpc-attachment.ts';
import { TAG_KEYS, tagsToMap } from '../../src/aws/tags.ts';
import { ec2Client, makeVpc, PRIMARY_REGION, testOwner } from './aws-ec2-fixtures.ts';
import { describeAllOwned, inventoryOf } from './aws-ec2-inventory.ts';
import { MotoBed } from './moto-bed.ts';

const owner = testOwner();
const bed = new MotoBed();
let ec2: EC2Client;

beforeEach(() => {
  ec2 = bed.perTest(ec2Client(bed.endpoint, PRIMARY_REGION));
});

const tgwSpec: TransitGatewaySpec = { owner, side: 'primary', amazonSideAsn: 64600 };

async function liveTgws(): Promise<string[]> {
  const out = await ec2.send(new DescribeTransitGatewaysCommand({}));
  return (out.TransitGateways ?? []).filter((t) => t.State !== 'deleted').map((t) => t.TransitGatewayId!);
}

test('created TGW has default association and propagation disabled, our ASN and tags; create twice makes one', async () => {
  const tgws = transitGateway(ec2);
  assert.equal((await tgws.observe(tgwSpec)).exists, false);

  const created = await tgws.create(tgwSpec);
  const again = await tgws.create(tgwSpec);
  assert.equal(again.id, created.id, 'the second create finds the first by its tags');
  assert.deepEqual(await liveTgws(), [created.id]);

  const [raw] = (await ec2.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [created.id] }))).TransitGateways ?? [];
  assert.equal(raw?.Options?.DefaultRouteTableAssociation, 'disable');
  assert.equal(raw?.Options?.DefaultRouteTablePropagation, 'disable');
  assert.equal(raw?.Options?.AmazonSideAsn, 64600);
  const tags = tagsToMap(raw?.Tags);
  assert.equal(tags[TAG_KEYS.uid], owner.uid);
  assert.equal(tags['multiregion.dev/side'], 'primary');
  assert.equal(tags.team, 'network');

  const seen = await tgws.observe(tgwSpec);
  assert.equal(seen.exists, true);
  assert.equal(seen.upToDate, true);
  assert.equal(seen.observed?.owned, true);
  assert.equal(seen.observed?.adopted, false);

  // The other side or another pair does not see it as theirs.
  assert.equal((await tgws.observe({ ...tgwSpec, side: 'secondary' })).exists, false);
  assert.equal((await tgws.observe({ ...tgwSpec, owner: testOwner({ name: 'other', uid: 'uid-other' }) })).exists, false);
});

test('adopted TGW: defaults reported (so the controller warns), never modified or deleted', async () => {
  const raw = await ec2.send(new CreateTransitGatewayCommand({ Description: 'the user’s' }));
  const id = raw.TransitGateway!.TransitGatewayId!;
  const tgws = transitGateway(ec2);
  const spec: TransitGatewaySpec = { owner, side: 'primary', adoptId: id };

  const seen = await tgws.observe(spec);
  assert.equal(seen.exists, true);
  assert.equal(seen.upToDate, true, 'an adopted TGW is never changed');
  assert.equal(seen.observed?.adopted, true);
  assert.equal(seen.observed?.defaultAssociation, true);
  assert.equal(seen.observed?.defaultPropagation, true);

  await tgws.update(spec, seen.observed!);
  await tgws.delete(seen.observed!);
  const [after] = (await ec2.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [id] }))).TransitGateways ?? [];
  assert.equal(after?.State, 'available');
  assert.equal(after?.Options?.DefaultRouteTableAssociation, 'enable');

  await assert.rejects(tgws.create(spec), /adopted/);
  assert.equal((await tgws.observe({ ...spec, adoptId: 'tgw-0000000000000000' })).exists, false);
});

test('our TGW found with defaults on is turned back to defaults off', async () => {
  const raw = await ec2.send(
    new CreateTransitGatewayCommand({ TagSpecifications: [{ ResourceType: 'transit-gateway', Tags: sideTags(owner, 'primary', 'tgw') }] }),
  );
  const tgws = transitGateway(ec2);
  const seen = await tgws.observe({ owner, side: 'primary' });
  assert.equal(seen.observed?.id, raw.TransitGateway!.TransitGatewayId);
  assert.equal(seen.upToDate, false);
  assert.ok(seen.diff?.some((d) => d.startsWith('DefaultRouteTableAssociation')));

  await tgws.update({ owner, side: 'primary' }, seen.observed!);
  const now = await tgws.observe({ owner, side: 'primary' });
  assert.equal(now.upToDate, true);
  assert.equal(now.observed?.defaultAssociation, false);
});

test('route table per side found by tags; VPC attachment tagged, associated, re-subnetted, deleted', async () => {
  const tgw = await transitGateway(ec2).create(tgwSpec);
  const vpc = await makeVpc(ec2, '10.0', 3);

  // Route table: create twice → one; moto ignores tag filters, the default table must not be picked.
  const rts = tgwRouteTable(ec2);
  const rtSpec = { owner, side: 'primary' as const, transitGatewayId: tgw.id };
  assert.equal((await rts.observe(rtSpec)).exists, false, 'the TGW’s default table is not ours');
  const rt = await rts.create(rtSpec);
  assert.equal((await rts.create(rtSpec)).id, rt.id);
  const tables =
    (await ec2.send(new DescribeTransitGatewayRouteTablesCommand({ Filters: [{ Name: 'transit-gateway-id', Values: [tgw.id] }] }))).TransitGatewayRouteTables ??
    [];
  assert.equal(tables.filter((t) => t.State !== 'deleted' && !t.DefaultAssociationRouteTable).length, 1);

  // VPC attachment: tags land although moto drops TagSpecifications on create.
  const atts = vpcAttachment(ec2);
  const attSpec: VpcAttachmentSpec = {
    owner,
    side: 'primary',
    transitGatewayId: tgw.id,
    vpcId: vpc.vpcId,
    subnetIds: vpc.subnetIds.slice(0, 2),
  };
  const att = await atts.create(attSpec);
  assert.equal((await atts.create(attSpec)).id, att.id, 'create is idempotent');
  const [rawAtt] =
    (await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [att.id] }))).TransitGatewayVpcAttachments ?? [];
  assert.ok(
    rawAtt?.Tags?.some((t) => t.Key === TAG_KEYS.uid && t.Value === owner.uid),
    'attachment carries our tags',
  );
  assert.equal((await atts.observe(attSpec)).upToDate, true);

  // Association: moto auto-associated it with the default table; ours must get it, idempotently.
  assert.equal(await ensureAssociated(ec2, rt.id, att.id), 'associated');
  assert.equal(await ensureAssociated(ec2, rt.id, att.id), 'associated');
  const assocs = (await ec2.send(new GetTransitGatewayRouteTableAssociationsCommand({ TransitGatewayRouteTableId: rt.id }))).Associations ?? [];
  assert.deepEqual(
    assocs.map((a) => [a.TransitGatewayAttachmentId, a.State]),
    [[att.id, 'associated']],
  );
  assert.deepEqual(
    (await getAssociations(ec2, rt.id)).map((a) => a.attachmentId),
    [att.id],
  );

  // Subnets changed in the spec: observe says so, update applies exactly the difference.
  const moved = { ...attSpec, subnetIds: [vpc.subnetIds[1]!, vpc.subnetIds[2]!] };
  const stale = await atts.observe(moved);
  assert.equal(stale.upToDate, false);
  await atts.update(moved, stale.observed!);
  const [resubnetted] =
    (await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [att.id] }))).TransitGatewayVpcAttachments ?? [];
  assert.deepEqual([...(resubnetted?.SubnetIds ?? [])].sort(), [...moved.subnetIds].sort());
  assert.equal((await atts.observe(moved)).upToDate, true);

  // Inventory: one describe per kind finds all of it.
  const inv = inventoryOf(await describeAllOwned(ec2, owner.clusterId), owner);
  assert.deepEqual(
    inv.transitGateways.map((t) => t.TransitGatewayId),
    [tgw.id],
  );
  assert.deepEqual(
    inv.routeTables.map((t) => t.TransitGatewayRouteTableId),
    [rt.id],
  );
  assert.deepEqual(
    inv.vpcAttachments.map((a) => a.TransitGatewayAttachmentId),
    [att.id],
  );

  // Deletes: attachment, table, TGW; each twice (NotFound is success).
  for (let i = 0; i < 2; i++) await atts.delete(stale.observed!);
  assert.equal((await atts.observe(moved)).exists, false);
  for (let i = 0; i < 2; i++) await rts.delete(rt);
  assert.equal((await rts.observe(rtSpec)).exists, false);
  for (let i = 0; i < 2; i++) await transitGateway(ec2).delete(tgw);
  assert.deepEqual(await liveTgws(), []);
});

test('an attachment someone else made is reported, never changed, even untagged on our own TGW', async () => {
  const userTgw = (await ec2.send(new CreateTransitGatewayCommand({}))).TransitGateway!.TransitGatewayId!;
  const vpc = await makeVpc(ec2, '10.1', 2);
  await ec2.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: userTgw, VpcId: vpc.vpcId, SubnetIds: [vpc.subnetIds[0]!] }));
  const atts = vpcAttachment(ec2);
  const spec: VpcAttachmentSpec = { owner, side: 'primary', transitGatewayId: userTgw, vpcId: vpc.vpcId, subnetIds: vpc.subnetIds };
  const foreign = await atts.observe(spec);
  assert.equal(foreign.exists, true);
  assert.equal(foreign.observed?.owned, false);
  await atts.update(spec, foreign.observed!);
  await atts.delete(foreign.observed!);
  const [still] =
    (await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [foreign.observed!.id] }))).TransitGatewayVpcAttachments ??
    [];
  assert.deepEqual(still?.SubnetIds, [vpc.subnetIds[0]], 'subnets untouched');
  assert.equal(still?.State, 'available', 'not deleted');

  // Our tags come with the create call, so nothing of ours is ever untagged: an untagged
  // attachment, even on a TGW we created, is someone else's (it was claimed and tagged as ours).
  const tgw = await transitGateway(ec2).create(tgwSpec);
  const vpc2 = await makeVpc(ec2, '10.2', 1);
  const theirs = (await ec2.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: tgw.id, VpcId: vpc2.vpcId, SubnetIds: vpc2.subnetIds })))
    .TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
  const ours: VpcAttachmentSpec = { owner, side: 'primary', transitGatewayId: tgw.id, vpcId: vpc2.vpcId, subnetIds: vpc2.subnetIds };
  const untagged = await atts.observe(ours);
  assert.equal(untagged.observed?.id, theirs);
  assert.equal(untagged.observed?.owned, false, 'not claimed');
  await atts.update(ours, untagged.observed!);
  await atts.delete(untagged.observed!);
  const [after] =
    (await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [theirs] }))).TransitGatewayVpcAttachments ?? [];
  assert.deepEqual(after?.Tags ?? [], [], 'never tagged as ours');
  assert.equal(after?.State, 'available', 'not deleted');
});

test('a VPC attachment is tagged by its create call alone (no CreateTags after it)', async () => {
  const tgw = await transitGateway(ec2).create(tgwSpec);
  const vpc = await makeVpc(ec2, '10.3', 1);
  const spec: VpcAttachmentSpec = { owner, side: 'primary', transitGatewayId: tgw.id, vpcId: vpc.vpcId, subnetIds: vpc.subnetIds };
  const made = await vpcAttachment(ec2).create(spec);
  const [read] =
    (await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [made.id] }))).TransitGatewayVpcAttachments ?? [];
  assert.equal(tagsToMap(read?.Tags)['multiregion.dev/cluster'], owner.clusterId, 'the tags of the create call, as AWS stores them');
  assert.equal((await vpcAttachment(ec2).observe(spec)).observed?.owned, true);
});
