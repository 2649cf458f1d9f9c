// TGW peering between two regions, and between two accounts (the second reached with STS
// AssumeRole), against moto; state read back with the SDK on both sides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeleteTagsCommand, DescribeTransitGatewayPeeringAttachmentsCommand, DescribeTransitGatewaysCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { acceptPeering, findPeeringByOwner, observeAccepterSide, type PeeringSpec, peeringRequester, peeringTags } from '../../src/aws/ec2/peering.ts';
import { ensureAssociated, getAssociations, tgwRouteTable } from '../../src/aws/ec2/tgw-route-table.ts';
import { transitGateway } from '../../src/aws/ec2/transit-gateway.ts';
import { DEFAULT_ACCOUNT, ec2Client, PRIMARY_REGION, SECOND_ACCOUNT, SECOND_ROLE, SECONDARY_REGION, testOwner } from './aws-ec2-fixtures.ts';
import { describeAllOwned, inventoryOf } from './aws-ec2-inventory.ts';
import { MotoBed } from './moto-bed.ts';

const owner = testOwner();
const bed = new MotoBed();

async function peeringState(ec2: EC2Client, id: string): Promise<string | undefined> {
  const out = await ec2.send(new DescribeTransitGatewayPeeringAttachmentsCommand({ TransitGatewayAttachmentIds: [id] }));
  return out.TransitGatewayPeeringAttachments?.find((p) => p.TransitGatewayAttachmentId === id)?.State;
}

async function twoSides(secondary: EC2Client) {
  const primary = ec2Client(bed.endpoint, PRIMARY_REGION);
  const tgwA = await transitGateway(primary).create({ owner, side: 'primary' });
  const tgwB = await transitGateway(secondary).create({ owner, side: 'secondary' });
  const rtA = await tgwRouteTable(primary).create({ owner, side: 'primary', transitGatewayId: tgwA.id });
  const rtB = await tgwRouteTable(secondary).create({ owner, side: 'secondary', transitGatewayId: tgwB.id });
  return { primary, tgwA, tgwB, rtA, rtB };
}

for (const mode of ['cross-region', 'cross-account'] as const) {
  test(`${mode}: requested by the primary, visible and accepted on the secondary, associated on both sides`, async () => {
    const secondary = ec2Client(bed.endpoint, SECONDARY_REGION, mode === 'cross-account' ? SECOND_ROLE : undefined);
    const { primary, tgwA, tgwB, rtA, rtB } = await twoSides(secondary);
    const peerAccount = mode === 'cross-account' ? SECOND_ACCOUNT : DEFAULT_ACCOUNT;
    assert.equal(tgwB.accountId, peerAccount, 'the secondary TGW lives in the expected account');

    const spec: PeeringSpec = { owner, transitGatewayId: tgwA.id, peerTransitGatewayId: tgwB.id, peerAccountId: peerAccount, peerRegion: SECONDARY_REGION };
    const requester = peeringRequester(primary);
    const peering = await requester.create(spec);
    assert.equal(peering.state, 'pendingAcceptance');
    assert.equal(await peeringState(primary, peering.id), 'pendingAcceptance');

    // The accepter sees the same id, pending, in its own region/account.
    const seen = await observeAccepterSide(secondary, peering.id);
    assert.equal(seen.state, 'pendingAcceptance');
    assert.equal(seen.observed?.requester.transitGatewayId, tgwA.id);

    const accepted = await acceptPeering(secondary, peering.id);
    assert.ok(['pending', 'available'].includes(accepted.state), `state after accept: ${accepted.state}`);
    assert.equal(await peeringState(secondary, peering.id), 'available');
    assert.equal(await peeringState(primary, peering.id), 'available');
    assert.equal((await acceptPeering(secondary, peering.id)).state, 'available', 'accepting again is a no-op');

    const observed = await requester.observe({ ...spec, attachmentId: peering.id });
    assert.equal(observed.exists, true);
    assert.equal(observed.upToDate, true);

    // The peering attachment goes into each side's dedicated table.
    assert.equal(await ensureAssociated(primary, rtA.id, peering.id), 'associated');
    assert.equal(await ensureAssociated(secondary, rtB.id, peering.id), 'associated');
    assert.deepEqual(
      (await getAssociations(primary, rtA.id)).map((a) => a.attachmentId),
      [peering.id],
    );
    assert.deepEqual(
      (await getAssociations(secondary, rtB.id)).map((a) => a.attachmentId),
      [peering.id],
    );

    // The accepter's inventory finds it by id (its view carries no tags of ours on AWS).
    const inv = inventoryOf(await describeAllOwned(secondary, owner.clusterId, { peeringIds: [peering.id] }), owner, { peeringIds: [peering.id] });
    assert.deepEqual(
      inv.peerings.map((p) => p.TransitGatewayAttachmentId),
      [peering.id],
    );

    if (mode === 'cross-account') {
      // Same region, default account: not the accepter, does not see it.
      const other = ec2Client(bed.endpoint, SECONDARY_REGION);
      await other.send(new DescribeTransitGatewaysCommand({}));
      assert.equal((await observeAccepterSide(other, peering.id)).state, 'notVisible');
    }

    // Delete, twice; deleted peerings stay listed but count as absent.
    await requester.delete(peering);
    await requester.delete(peering);
    assert.equal(await peeringState(primary, peering.id), 'deleted');
    assert.equal(await findPeeringByOwner(primary, peeringTags(owner)), undefined);
    assert.equal((await requester.observe({ ...spec, attachmentId: peering.id })).exists, false);
    assert.equal((await observeAccepterSide(secondary, peering.id)).state, 'gone');
  });
}

test('accepter tolerates a peering not visible yet in its region/account', async () => {
  const primary = ec2Client(bed.endpoint, PRIMARY_REGION);
  const tgwA = await transitGateway(primary).create({ owner, side: 'primary' });
  // eu-west-1 has had no EC2 call yet: moto never shows the peering there (AWS: eventually).
  const peering = await peeringRequester(primary).create({
    owner,
    transitGatewayId: tgwA.id,
    peerTransitGatewayId: 'tgw-0123456789abcdef0',
    peerAccountId: DEFAULT_ACCOUNT,
    peerRegion: 'eu-west-1',
  });
  const eu = ec2Client(bed.endpoint, 'eu-west-1');
  assert.equal((await observeAccepterSide(eu, peering.id)).state, 'notVisible');
  assert.equal((await acceptPeering(eu, peering.id)).state, 'notVisible');
  assert.equal(await peeringState(primary, peering.id), 'pendingAcceptance', 'nothing changed on the requester side');
});

test('create-pending: a peering created before a crash is found by owner, not created twice', async () => {
  const secondary = ec2Client(bed.endpoint, SECONDARY_REGION, SECOND_ROLE);
  const { primary, tgwA, tgwB } = await twoSides(secondary);
  const spec: PeeringSpec = { owner, transitGatewayId: tgwA.id, peerTransitGatewayId: tgwB.id, peerAccountId: SECOND_ACCOUNT, peerRegion: SECONDARY_REGION };
  const requester = peeringRequester(primary);

  await requester.create(spec); // the "crash": the id never reaches status
  const all = async () =>
    ((await primary.send(new DescribeTransitGatewayPeeringAttachmentsCommand({}))).TransitGatewayPeeringAttachments ?? []).filter((p) => p.State !== 'deleted');
  const [only] = await all();
  const found = await findPeeringByOwner(primary, peeringTags(owner), { transitGatewayId: tgwA.id });
  assert.equal(found?.id, only?.TransitGatewayAttachmentId);

  const again = await requester.create(spec);
  assert.equal(again.id, found?.id, 'create after the crash returns the existing peering');
  assert.equal((await all()).length, 1);

  // Another pair's tags find nothing; a peering to another TGW is refused, not duplicated.
  assert.equal(await findPeeringByOwner(primary, peeringTags(testOwner({ name: 'other', uid: 'uid-other' }))), undefined);
  await assert.rejects(requester.create({ ...spec, peerTransitGatewayId: 'tgw-0000000000000000a' }), /delete it first/);
  assert.equal((await all()).length, 1);

  // After a delete, a new request is a new peering, and find returns the live one.
  await requester.delete(again);
  const renewed = await requester.create(spec);
  assert.notEqual(renewed.id, again.id);
  assert.equal((await findPeeringByOwner(primary, peeringTags(owner)))?.id, renewed.id);
});

test('delete reads the tags again: a peering that no longer carries ours (re-tagged since it was observed, or an id from status) is left alone', async () => {
  const secondary = ec2Client(bed.endpoint, SECONDARY_REGION);
  const { primary, tgwA, tgwB } = await twoSides(secondary);
  const spec: PeeringSpec = { owner, transitGatewayId: tgwA.id, peerTransitGatewayId: tgwB.id, peerAccountId: DEFAULT_ACCOUNT, peerRegion: SECONDARY_REGION };
  const requester = peeringRequester(primary);
  const made = await requester.create(spec);
  const seen = (await requester.observe({ ...spec, attachmentId: made.id })).observed!;
  assert.equal(seen.owned, true);
  // Someone takes it over between our read and our delete: our tags are gone from it.
  await primary.send(new DeleteTagsCommand({ Resources: [made.id], Tags: Object.keys(seen.tags).map((Key) => ({ Key })) }));
  await requester.delete(seen);
  assert.equal(await peeringState(primary, made.id), 'pendingAcceptance', 'not deleted');
});
