// A resource AWS is still deleting, against moto: the modules talk to moto through the fault
// proxy, which holds their Delete calls and shows the resource 'deleting' (SlowDeletes) — moto
// itself deletes at once. Deletion sees such a resource (with its state) and asks nothing more;
// sync never uses it; a peering without our tags is never deleted. AWS state is read back with
// the SDK directly from moto.
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTransitGatewayCommand,
  CreateTransitGatewayPeeringAttachmentCommand,
  DeleteTransitGatewayCommand,
  DeleteTransitGatewayPeeringAttachmentCommand,
  DeleteTransitGatewayRouteTableCommand,
  DeleteTransitGatewayVpcAttachmentCommand,
  DescribeTransitGatewayPeeringAttachmentsCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { acceptPeering, observeAccepterSide, type PeeringSpec, peeringRequester } from '../../src/aws/ec2/peering.ts';
import { type RouteTableSpec, tgwRouteTable } from '../../src/aws/ec2/tgw-route-table.ts';
import { type TransitGatewaySpec, transitGateway } from '../../src/aws/ec2/transit-gateway.ts';
import { type VpcAttachmentSpec, vpcAttachment } from '../../src/aws/ec2/vpc-attachment.ts';
import type { ExternalResource } from '../../src/aws/types.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { DEFAULT_ACCOUNT, ec2Client, makeVpc, PRIMARY_REGION, SECONDARY_REGION, testOwner } from './aws-ec2-fixtures.ts';
import { SlowDeletes } from './aws-ec2-slow-deletes.ts';
import { MotoBed } from './moto-bed.ts';

const owner = testOwner();
const bed = new MotoBed();
let proxy: FaultProxy;
let slow: SlowDeletes;
let started = false;

// Started in the first beforeEach: a top-level before() would start it at once, before moto is up.
beforeEach(async () => {
  if (!started) {
    started = true;
    proxy = new FaultProxy(bed.endpoint);
    await proxy.start();
    slow = new SlowDeletes(proxy);
  }
  slow.reset();
  proxy.calls.splice(0);
});
after(() => (started ? proxy.stop() : undefined));

/** A client whose calls go through the fault proxy (the modules under test use these). */
const viaProxy = (region = PRIMARY_REGION) => bed.perTest(ec2Client(proxy.endpoint, region));
/** A client straight to moto: what is really there. */
const direct = (region = PRIMARY_REGION) => bed.perTest(ec2Client(bed.endpoint, region));

/**
 * Whether observe reports the resource gone within a few seconds, polled as the finalizer's
 * requeues would: release() deletes in moto behind the client's back, and the modules may serve
 * a read shared for a short window before they read again.
 */
async function goneSoon(observe: () => Promise<{ exists: boolean }>, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (!(await observe()).exists) return true;
    if (Date.now() > until) return false;
    await sleep(500);
  }
}

type Kind = 'tgw' | 'routeTable' | 'vpcAttachment' | 'peering';

/** The state moto itself reports (undefined: not listed at all). */
async function motoState(ec2: EC2Client, kind: Kind, id: string): Promise<string | undefined> {
  switch (kind) {
    case 'tgw':
      return (await ec2.send(new DescribeTransitGatewaysCommand({}))).TransitGateways?.find((t) => t.TransitGatewayId === id)?.State;
    case 'routeTable':
      return (await ec2.send(new DescribeTransitGatewayRouteTablesCommand({}))).TransitGatewayRouteTables?.find((t) => t.TransitGatewayRouteTableId === id)
        ?.State;
    case 'vpcAttachment':
      return (await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({}))).TransitGatewayVpcAttachments?.find(
        (a) => a.TransitGatewayAttachmentId === id,
      )?.State;
    case 'peering':
      return (await ec2.send(new DescribeTransitGatewayPeeringAttachmentsCommand({}))).TransitGatewayPeeringAttachments?.find(
        (p) => p.TransitGatewayAttachmentId === id,
      )?.State;
  }
}

/** AWS's Delete call for one resource, sent by the test (not by a module). */
function deleteCall(ec2: EC2Client, kind: Kind, id: string): Promise<unknown> {
  switch (kind) {
    case 'tgw':
      return ec2.send(new DeleteTransitGatewayCommand({ TransitGatewayId: id }));
    case 'routeTable':
      return ec2.send(new DeleteTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: id }));
    case 'vpcAttachment':
      return ec2.send(new DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: id }));
    case 'peering':
      return ec2.send(new DeleteTransitGatewayPeeringAttachmentCommand({ TransitGatewayAttachmentId: id }));
  }
}

const DELETE_OPERATION: Record<Kind, string> = {
  tgw: 'DeleteTransitGateway',
  routeTable: 'DeleteTransitGatewayRouteTable',
  vpcAttachment: 'DeleteTransitGatewayVpcAttachment',
  peering: 'DeleteTransitGatewayPeeringAttachment',
};

/** Our TGW on each side, our route table and a VPC attachment on the primary one, a peering between them, and a user's TGW to adopt. */
async function world(px: EC2Client) {
  const tgwSpec: TransitGatewaySpec = { owner, side: 'primary' };
  const tgw = await transitGateway(px).create(tgwSpec);
  const peer = await transitGateway(viaProxy(SECONDARY_REGION)).create({ owner, side: 'secondary' });
  const rtSpec: RouteTableSpec = { owner, side: 'primary', transitGatewayId: tgw.id };
  const rt = await tgwRouteTable(px).create(rtSpec);
  const vpc = await makeVpc(direct(), '10.0', 1);
  const attSpec: VpcAttachmentSpec = {
    owner,
    side: 'primary',
    transitGatewayId: tgw.id,
    vpcId: vpc.vpcId,
    subnetIds: vpc.subnetIds,
  };
  const att = await vpcAttachment(px).create(attSpec);
  const peeringSpec: PeeringSpec = {
    owner,
    transitGatewayId: tgw.id,
    peerTransitGatewayId: peer.id,
    peerAccountId: DEFAULT_ACCOUNT,
    peerRegion: SECONDARY_REGION,
  };
  const peering = await peeringRequester(px).create(peeringSpec);
  const adopted = (await direct().send(new CreateTransitGatewayCommand({ Description: 'the user’s' }))).TransitGateway!.TransitGatewayId!;
  return { tgwSpec, tgw, peer, rtSpec, rt, attSpec, att, peeringSpec, peering, adopted };
}

test('observe: a resource AWS is deleting exists, with its state, only when includeDeleting is set', async () => {
  const px = viaProxy();
  const w = await world(px);
  const rows: Array<{
    reason: string;
    kind: Kind;
    id: string;
    observe: (includeDeleting: boolean) => Promise<{ exists: boolean; observed?: { state: string } }>;
  }> = [
    {
      reason: 'transit gateway, found by our tags',
      kind: 'tgw',
      id: w.tgw.id,
      observe: (d) => transitGateway(px).observe({ ...w.tgwSpec, includeDeleting: d }),
    },
    {
      reason: 'transit gateway, adopted by id',
      kind: 'tgw',
      id: w.adopted,
      observe: (d) => transitGateway(px).observe({ owner, side: 'primary', adoptId: w.adopted, includeDeleting: d }),
    },
    { reason: 'route table', kind: 'routeTable', id: w.rt.id, observe: (d) => tgwRouteTable(px).observe({ ...w.rtSpec, includeDeleting: d }) },
    { reason: 'VPC attachment', kind: 'vpcAttachment', id: w.att.id, observe: (d) => vpcAttachment(px).observe({ ...w.attSpec, includeDeleting: d }) },
    {
      reason: 'peering, by the id in status',
      kind: 'peering',
      id: w.peering.id,
      observe: (d) => peeringRequester(px).observe({ ...w.peeringSpec, attachmentId: w.peering.id, includeDeleting: d }),
    },
    {
      reason: 'peering, by our tags',
      kind: 'peering',
      id: w.peering.id,
      observe: (d) => peeringRequester(px).observe({ ...w.peeringSpec, includeDeleting: d }),
    },
  ];
  for (const r of rows) {
    for (const d of [false, true]) assert.equal((await r.observe(d)).exists, true, `${r.reason}: a live one is there for sync and for deletion`);
  }

  // AWS accepts each delete and works on it: in the finalizer's order, through the proxy.
  slow.hold();
  const doomed: Array<[Kind, string]> = [
    ['peering', w.peering.id],
    ['routeTable', w.rt.id],
    ['vpcAttachment', w.att.id],
    ['tgw', w.tgw.id],
    ['tgw', w.adopted],
  ];
  for (const [kind, id] of doomed) await deleteCall(px, kind, id);
  assert.deepEqual(
    slow.deleting().map((x) => x.id),
    doomed.map(([, id]) => id),
  );

  for (const r of rows) {
    assert.notEqual(await motoState(direct(), r.kind, r.id), 'deleting', `${r.reason}: moto itself never says deleting (the proxy does)`);
    const forDeletion = await r.observe(true);
    assert.equal(forDeletion.exists, true, `${r.reason}: deletion sees it`);
    assert.equal(forDeletion.observed?.state, 'deleting', `${r.reason}: with its state`);
    assert.equal((await r.observe(false)).exists, false, `${r.reason}: sync does not use it`);
  }

  // AWS is done: gone for both (seen as the next passes see it, see goneSoon).
  await slow.release();
  for (const r of rows) {
    for (const d of [false, true]) assert.equal(await goneSoon(() => r.observe(d)), true, `${r.reason}: deleted, gone for ${d ? 'deletion' : 'sync'}`);
  }
});

test('sync: create never reuses a TGW or route table AWS is deleting; it makes a new one, once', async () => {
  const px = viaProxy();
  const tgwSpec: TransitGatewaySpec = { owner, side: 'primary' };
  const tgw = await transitGateway(px).create(tgwSpec);
  const rtSpec: RouteTableSpec = { owner, side: 'primary', transitGatewayId: tgw.id };
  const rt = await tgwRouteTable(px).create(rtSpec);
  slow.hold();

  await deleteCall(px, 'routeTable', rt.id);
  const rt2 = await tgwRouteTable(px).create(rtSpec);
  assert.notEqual(rt2.id, rt.id, 'a new route table, not the deleting one');
  assert.equal((await tgwRouteTable(px).create(rtSpec)).id, rt2.id, 'and only one: creating again finds the new one');
  assert.equal(proxy.count('ec2', 'CreateTransitGatewayRouteTable'), 2, 'the first table, then one new one');
  assert.notEqual(
    await motoState(direct(), 'routeTable', rt.id),
    'deleted',
    'the old table is still there in moto: only its deleting state kept create off it',
  );

  await deleteCall(px, 'tgw', tgw.id);
  const tgw2 = await transitGateway(px).create(tgwSpec);
  assert.notEqual(tgw2.id, tgw.id, 'a new TGW, not the deleting one');
  assert.equal((await transitGateway(px).create(tgwSpec)).id, tgw2.id, 'and only one: creating again finds the new one');
  assert.equal(proxy.count('ec2', 'CreateTransitGateway'), 2, 'the first TGW, then one new one');
  assert.notEqual(await motoState(direct(), 'tgw', tgw.id), 'deleted', 'the old TGW is still there in moto');
  assert.equal((await transitGateway(px).observe(tgwSpec)).observed?.id, tgw2.id, 'sync observes the new one');
});

interface DeleteRun {
  before: string;
  during: string | undefined;
  after: boolean;
}

/**
 * What deletion does while slow deletes are held: observe, delete, observe again (now deleting),
 * delete again with both views, then AWS finishes (release) and it is observed once more.
 */
async function deleteWhileDeleting<S, O extends { state: string }>(m: ExternalResource<S, O>, spec: S): Promise<DeleteRun> {
  const seen = (await m.observe(spec)).observed;
  assert.ok(seen, 'there to delete');
  await m.delete(seen);
  const during = (await m.observe(spec)).observed;
  if (during) await m.delete(during);
  await m.delete(seen);
  await slow.release();
  return { before: seen.state, during: during?.state, after: !(await goneSoon(() => m.observe(spec))) };
}

test('delete: asked once; nothing more is sent while AWS is deleting; gone for deletion once AWS is done', async () => {
  const px = viaProxy();
  const w = await world(px);
  slow.hold();
  // In the finalizer's order: peering, route table, attachment, TGW.
  const rows: Array<{ reason: string; kind: Kind; id: string; run: () => Promise<DeleteRun> }> = [
    {
      reason: 'peering',
      kind: 'peering',
      id: w.peering.id,
      run: () => deleteWhileDeleting(peeringRequester(px), { ...w.peeringSpec, attachmentId: w.peering.id, includeDeleting: true }),
    },
    { reason: 'route table', kind: 'routeTable', id: w.rt.id, run: () => deleteWhileDeleting(tgwRouteTable(px), { ...w.rtSpec, includeDeleting: true }) },
    {
      reason: 'VPC attachment',
      kind: 'vpcAttachment',
      id: w.att.id,
      run: () => deleteWhileDeleting(vpcAttachment(px), { ...w.attSpec, includeDeleting: true }),
    },
    { reason: 'transit gateway', kind: 'tgw', id: w.tgw.id, run: () => deleteWhileDeleting(transitGateway(px), { ...w.tgwSpec, includeDeleting: true }) },
  ];
  for (const r of rows) {
    const out = await r.run();
    assert.notEqual(out.before, 'deleting', `${r.reason}: live before the delete`);
    assert.equal(out.during, 'deleting', `${r.reason}: deleting after the first delete`);
    assert.equal(proxy.count('ec2', DELETE_OPERATION[r.kind]), 1, `${r.reason}: one delete call, none while AWS was deleting`);
    assert.equal(slow.deleteCalls.get(r.id), 1, `${r.reason}: that one call was for it`);
    assert.equal(out.after, false, `${r.reason}: gone for deletion once AWS is done`);
    assert.ok([undefined, 'deleted'].includes(await motoState(direct(), r.kind, r.id)), `${r.reason}: really deleted in moto`);
  }
});

test('peering: one without our ownership tags is never deleted, also when found by the id in status', async () => {
  // No proxy needed: moto keeps the tags it was given, and a delete would show as 'deleted'.
  const ec2 = direct();
  const tgw = await transitGateway(ec2).create({ owner, side: 'primary' });
  const peer = await transitGateway(direct(SECONDARY_REGION)).create({ owner, side: 'secondary' });
  const spec: PeeringSpec = { owner, transitGatewayId: tgw.id, peerTransitGatewayId: peer.id, peerAccountId: DEFAULT_ACCOUNT, peerRegion: SECONDARY_REGION };
  const foreignId = (
    await ec2.send(
      new CreateTransitGatewayPeeringAttachmentCommand({
        TransitGatewayId: tgw.id,
        PeerTransitGatewayId: peer.id,
        PeerAccountId: DEFAULT_ACCOUNT,
        PeerRegion: SECONDARY_REGION,
        TagSpecifications: [{ ResourceType: 'transit-gateway-attachment', Tags: [{ Key: 'team', Value: 'other' }] }],
      }),
    )
  ).TransitGatewayPeeringAttachment!.TransitGatewayAttachmentId!;
  const stateBefore = await motoState(ec2, 'peering', foreignId);
  const requester = peeringRequester(ec2);

  assert.equal((await requester.observe({ ...spec, includeDeleting: true })).exists, false, 'not found by our tags');
  const seen = await requester.observe({ ...spec, attachmentId: foreignId, includeDeleting: true });
  assert.equal(seen.observed?.id, foreignId, 'found by the id in status');
  assert.equal(seen.observed?.owned, false, 'but not ours');
  await requester.delete(seen.observed!);
  assert.equal(await motoState(ec2, 'peering', foreignId), stateBefore, 'a peering without our tags is never deleted');
  assert.notEqual(stateBefore, 'deleted');

  // Ours, on the same TGWs: owned, and deleted.
  const ours = await requester.create(spec);
  const mine = await requester.observe({ ...spec, attachmentId: ours.id });
  assert.equal(mine.observed?.owned, true);
  await requester.delete(mine.observed!);
  assert.equal(await motoState(ec2, 'peering', ours.id), 'deleted');
  assert.equal(await motoState(ec2, 'peering', foreignId), stateBefore, 'still untouched');
});

test('accepter view (sync): a peering AWS is deleting reads as gone, as before', async () => {
  const px = viaProxy();
  const accepter = viaProxy(SECONDARY_REGION);
  const tgw = await transitGateway(px).create({ owner, side: 'primary' });
  const peer = await transitGateway(accepter).create({ owner, side: 'secondary' });
  const peering = await peeringRequester(px).create({
    owner,
    transitGatewayId: tgw.id,
    peerTransitGatewayId: peer.id,
    peerAccountId: DEFAULT_ACCOUNT,
    peerRegion: SECONDARY_REGION,
  });
  await acceptPeering(accepter, peering.id);
  assert.equal((await observeAccepterSide(accepter, peering.id)).state, 'available');

  slow.hold();
  await deleteCall(px, 'peering', peering.id);
  const raw = (await accepter.send(new DescribeTransitGatewayPeeringAttachmentsCommand({ TransitGatewayAttachmentIds: [peering.id] })))
    .TransitGatewayPeeringAttachments;
  assert.equal(raw?.[0]?.State, 'deleting', "the accepter's region shows it deleting");
  assert.equal(await motoState(direct(SECONDARY_REGION), 'peering', peering.id), 'available', 'moto still has it');
  assert.equal((await observeAccepterSide(accepter, peering.id)).state, 'gone');
});
