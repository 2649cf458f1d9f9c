// RegionPair deletion while AWS is slow to delete: the controller process against the real
// apiserver and moto, through the fault proxy, which keeps what it deletes in 'deleting' until
// the test lets it go (SlowDeletes, aws-ec2-slow-deletes.ts). moto deletes at once (a TGW is
// simply removed), so without that a finalizer that never waits would pass. The finalizer must keep the object (and say what it waits for)
// while anything is still being deleted, ask once per resource, and finish once all is gone.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeTransitGatewayPeeringAttachmentsCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { seedVpc } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { pairObj, side } from '../reliability/harness.ts';
import { markDeleting, SlowDeletes } from './aws-ec2-slow-deletes.ts';
import { condition, Kube, uniqueName } from './helpers.ts';

const NS = 'rp-deleting';
const FINALIZER = 'multiregion.dev/finalizer';
let stack: Stack;
let kube: Kube;
let proxy: FaultProxy;
let slow: SlowDeletes;
let ctrl: ControllerProcess | undefined;
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ec2 = (region: string) => new EC2Client({ region, endpoint: stack.motoEndpoint, maxAttempts: 1, credentials: creds });

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  slow = new SlowDeletes(proxy);
});
after(async () => {
  await ctrl?.stop();
  await proxy.stop();
  await stack.stop();
});
beforeEach(async () => {
  await ctrl?.stop();
  ctrl = undefined;
  slow.reset();
  await kube.purge('RegionPair', NS);
  await stack.resetMoto();
});

test('markDeleting: only the named item’s own state changes', () => {
  const xml =
    '<R><transitGatewayVpcAttachments>' +
    '<item><transitGatewayAttachmentId>a-1</transitGatewayAttachmentId><transitGatewayId>tgw-1</transitGatewayId>' +
    '<options><x/></options><state>available</state><tagSet><item><key>k</key><value>v</value></item></tagSet></item>' +
    '<item><transitGatewayAttachmentId>a-2</transitGatewayAttachmentId><transitGatewayId>tgw-1</transitGatewayId><state>available</state></item>' +
    '</transitGatewayVpcAttachments></R>';
  const out = markDeleting(xml, new Set(['a-2', 'tgw-1']));
  assert.equal(
    out,
    xml.replace(
      '<transitGatewayAttachmentId>a-2</transitGatewayAttachmentId><transitGatewayId>tgw-1</transitGatewayId><state>available</state>',
      '<transitGatewayAttachmentId>a-2</transitGatewayAttachmentId><transitGatewayId>tgw-1</transitGatewayId><state>deleting</state>',
    ),
  );
  assert.equal(
    markDeleting(
      '<R><transitGatewaySet><item><transitGatewayId>tgw-1</transitGatewayId>' +
        '<options><a>b</a></options><state>available</state></item></transitGatewaySet></R>',
      new Set(['tgw-1']),
    ),
    '<R><transitGatewaySet><item><transitGatewayId>tgw-1</transitGatewayId><options><a>b</a></options><state>deleting</state></item></transitGatewaySet></R>',
  );
});

test('deletion waits while AWS is still deleting each resource, keeps its finalizer, and finishes once all is gone', async () => {
  const [east, west] = await Promise.all([
    seedVpc({ endpoint: stack.motoEndpoint }, 'us-east-1', '10.0.0.0/16'),
    seedVpc({ endpoint: stack.motoEndpoint }, 'us-west-2', '10.1.0.0/16'),
  ]);
  ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: proxy.endpoint });
  const name = uniqueName('slow');
  await kube.apply(pairObj(NS, name, { primary: side('us-east-1', east), secondary: side('us-west-2', west) }));
  const ready = await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
  const st = ready.status;
  const routeTables = [st.primary.routeTableId, st.secondary.routeTableId];
  const attachments = [...Object.values(st.primary.vpcAttachmentIds), ...Object.values(st.secondary.vpcAttachmentIds)] as string[];
  const tgws = [st.primary.transitGatewayId, st.secondary.transitGatewayId];

  slow.hold();
  await kube.delete('RegionPair', NS, name);
  // In the finalizer's order; each stage is held in 'deleting' until released.
  const stages: Array<{ what: string; ids: string[] }> = [
    { what: 'peering', ids: [st.peering.attachmentId] },
    { what: 'route table', ids: routeTables },
    { what: 'attachment', ids: attachments },
    { what: 'transit gateway', ids: tgws },
  ];
  for (const stage of stages) {
    const waiting = new RegExp(`^Waiting for ${stage.what} (${stage.ids.join('|')}) to be deleted\\.$`);
    const seen = await kube.waitFor('RegionPair', NS, name, `waiting for the ${stage.what}`, (o) => waiting.test(condition(o, 'Ready')?.message ?? ''), 60_000);
    assert.equal(condition(seen, 'Ready')?.reason, 'Deleting');
    assert.deepEqual(
      slow
        .deleting()
        .map((d) => d.id)
        .sort(),
      [...stage.ids].sort(),
      `only the ${stage.what} is being deleted`,
    );
    // A few more passes (the finalizer requeues every 2 s): still waiting, still holding on.
    await sleep(5_000);
    const later = await kube.get('RegionPair', NS, name);
    assert.ok(later?.metadata.finalizers?.includes(FINALIZER), `the finalizer stays while the ${stage.what} is deleting`);
    assert.match(condition(later!, 'Ready')?.message ?? '', waiting);
    for (const id of stage.ids) assert.equal(slow.deleteCalls.get(id), 1, `${id}: asked to delete once, not again while deleting`);
    await slow.release();
  }

  await kube.waitGone('RegionPair', NS, name, 60_000);
  for (const region of ['us-east-1', 'us-west-2']) {
    const live = (s?: string) => s !== 'deleted';
    assert.deepEqual(
      (await ec2(region).send(new DescribeTransitGatewaysCommand({}))).TransitGateways?.filter((t) => live(t.State)) ?? [],
      [],
      `no TGW left in ${region}`,
    );
    assert.deepEqual(
      (await ec2(region).send(new DescribeTransitGatewayVpcAttachmentsCommand({}))).TransitGatewayVpcAttachments?.filter((t) => live(t.State)) ?? [],
      [],
      `no attachment left in ${region}`,
    );
    assert.deepEqual(
      (await ec2(region).send(new DescribeTransitGatewayRouteTablesCommand({}))).TransitGatewayRouteTables?.filter(
        (t) => live(t.State) && !t.DefaultAssociationRouteTable,
      ) ?? [],
      [],
      `no route table left in ${region}`,
    );
  }
  const peerings = (await ec2('us-east-1').send(new DescribeTransitGatewayPeeringAttachmentsCommand({}))).TransitGatewayPeeringAttachments ?? [];
  assert.equal(peerings.find((p) => p.TransitGatewayAttachmentId === st.peering.attachmentId)?.State, 'deleted');
});
