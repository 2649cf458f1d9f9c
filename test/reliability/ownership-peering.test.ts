// Issue 16 item 4, the peering half (ownership-deletes.test.ts has the health checks): an id in a
// RegionPair's status is not proof of ownership. A TGW peering made here through the SDK on two
// TGWs of another team (no tags of ours) is written into status.peering by hand, as anyone who
// can write status could, while the controller is down; the controller then converges and
// deletes the pair. The foreign peering and its TGWs must read back byte-for-byte the same after
// each step (a difference counts in foreignTouched); the pair heals status to its own peering
// (ForeignPeering Event), and deleting it deletes its own peering and is not held by the foreign id.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateTransitGatewayCommand,
  CreateTransitGatewayPeeringAttachmentCommand,
  DescribeTransitGatewayPeeringAttachmentsCommand,
  DescribeTransitGatewaysCommand,
} from '@aws-sdk/client-ec2';
import { kubeRequest, MERGE_PATCH } from '../../src/runtime/kube-request.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { Kube, uniqueName } from '../integration/helpers.ts';
import { ec2, keepLogs, pairObj, record, seedBoth, side } from './harness.ts';

const NS = 'rel-own-peering';
const ACCOUNT = '123456789012';
let stack: Stack;
let kube: Kube;
let ctrl: ControllerProcess | undefined;
let foreignTouched = 0;
let steps = 0;

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  await stack.resetMoto();
});
after(async () => {
  record({ file: 'ownership-peering', foreignTouched, note: `peering: ${steps} steps read back byte-for-byte, foreignTouched=${foreignTouched}` });
  await kube.purge('RegionPair', NS);
  if (ctrl) keepLogs('ownership-peering', ctrl.logs());
  await ctrl?.stop();
  await stack.stop();
});

/** The peering as each region shows it, and both TGWs: one string; 'gone' parts once deleted. */
async function snapshot(peeringId: string, tgws: { east: string; west: string }): Promise<string> {
  const out: unknown[] = [];
  for (const [region, tgw] of [
    ['us-east-1', tgws.east],
    ['us-west-2', tgws.west],
  ] as const) {
    const c = ec2(stack.motoEndpoint, region);
    const p = await c.send(new DescribeTransitGatewayPeeringAttachmentsCommand({ TransitGatewayAttachmentIds: [peeringId] })).catch(() => undefined);
    const t = await c.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [tgw] }));
    out.push(p?.TransitGatewayPeeringAttachments ?? 'gone', t.TransitGateways ?? 'gone');
  }
  return JSON.stringify(out);
}

async function expectUntouched(peeringId: string, tgws: { east: string; west: string }, want: string, step: string): Promise<void> {
  steps++;
  const got = await snapshot(peeringId, tgws);
  if (got !== want) foreignTouched++;
  assert.equal(got, want, `the foreign peering ${peeringId} or its TGWs changed after: ${step}`);
}

async function peeringState(region: string, id: string): Promise<string | undefined> {
  const out = await ec2(stack.motoEndpoint, region)
    .send(new DescribeTransitGatewayPeeringAttachmentsCommand({ TransitGatewayAttachmentIds: [id] }))
    .catch(() => undefined);
  return out?.TransitGatewayPeeringAttachments?.[0]?.State;
}

describe('ownership of a peering named in status', () => {
  test('a foreign peering written into status is never deleted, by converge or by the pair deletion; our own is', async () => {
    const [east, west] = await seedBoth(stack.motoEndpoint);
    // Another team's TGWs and their peering, tagged as theirs.
    const theirs = [{ ResourceType: 'transit-gateway' as const, Tags: [{ Key: 'team', Value: 'other' }] }];
    const tgws = {
      east: (await ec2(stack.motoEndpoint, 'us-east-1').send(new CreateTransitGatewayCommand({ TagSpecifications: theirs }))).TransitGateway!.TransitGatewayId!,
      west: (await ec2(stack.motoEndpoint, 'us-west-2').send(new CreateTransitGatewayCommand({ TagSpecifications: theirs }))).TransitGateway!.TransitGatewayId!,
    };
    const foreign = (
      await ec2(stack.motoEndpoint, 'us-east-1').send(
        new CreateTransitGatewayPeeringAttachmentCommand({
          TransitGatewayId: tgws.east,
          PeerTransitGatewayId: tgws.west,
          PeerAccountId: ACCOUNT,
          PeerRegion: 'us-west-2',
          TagSpecifications: [{ ResourceType: 'transit-gateway-attachment', Tags: [{ Key: 'team', Value: 'other' }] }],
        }),
      )
    ).TransitGatewayPeeringAttachment!.TransitGatewayAttachmentId!;
    const before = await snapshot(foreign, tgws);

    // 1. The pair converges with a peering of its own.
    ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint });
    const name = uniqueName('own-peer');
    await kube.apply(pairObj(NS, name, { primary: side('us-east-1', east), secondary: side('us-west-2', west) }));
    const ready = await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
    const ours = ready.status.peering.attachmentId as string;
    assert.ok(ours && ours !== foreign);
    await expectUntouched(foreign, tgws, before, 'the pair converged');

    // 2. Status names the foreign peering (written while the controller is down); a converge pass.
    await ctrl.stop();
    const writeStatus = () =>
      kubeRequest(stack.kc, {
        method: 'PATCH',
        path: `/apis/multiregion.dev/v1alpha1/namespaces/${NS}/regionpairs/${name}/status`,
        contentType: MERGE_PATCH,
        body: { status: { peering: { attachmentId: foreign, state: 'available' } } },
      });
    await writeStatus();
    ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint });
    await kube.mergePatch({ kind: 'RegionPair', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': 'foreign-id' } } });
    // The pass leaves the foreign peering alone, finds ours by its tags and heals status to it.
    await kube.waitFor('RegionPair', NS, name, 'status back on our own peering', (x) => x.status?.peering?.attachmentId === ours, 60_000);
    const events = await kube.events(NS, name);
    assert.ok(
      events.some((e) => e.reason === 'ForeignPeering' && e.message.includes(foreign)),
      events.map((e) => e.reason).join(','),
    );
    await expectUntouched(foreign, tgws, before, 'a converge pass with the foreign id in status');

    // 3. Deleted with the foreign id in status: ours goes (found by its tags), the foreign stays.
    await ctrl.stop();
    await writeStatus();
    await kube.delete('RegionPair', NS, name);
    ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint });
    await kube.waitGone('RegionPair', NS, name, 120_000);
    await expectUntouched(foreign, tgws, before, 'the pair was deleted with the foreign id in status');
    assert.ok([undefined, 'deleted', 'deleting'].includes(await peeringState('us-east-1', ours)), 'our own peering is deleted');
  });
});
