// Ownership of TGW attachments (issue 16, item 1). On a transit gateway another team owns, the
// pair lists one attachment it did not create (adopted: it moves to the pair's table, its owner's
// table is recorded first and put back on delete) and leaves alone one it does not list (it
// stays in the other team's table through converge and delete). Every foreign resource is made
// here through the SDK and read back after each step.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AssociateTransitGatewayRouteTableCommand,
  CreateTransitGatewayCommand,
  CreateTransitGatewayRouteTableCommand,
  CreateTransitGatewayVpcAttachmentCommand,
  DescribeTransitGatewayAttachmentsCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DisassociateTransitGatewayRouteTableCommand,
  type EC2Client,
  GetTransitGatewayRouteTableAssociationsCommand,
} from '@aws-sdk/client-ec2';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { waitFor } from '../env/ports.ts';
import { seedVpc } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { condition, Kube, type Obj, uniqueName } from '../integration/helpers.ts';
import { ec2, keepLogs, pairObj, record, seedBoth, side } from './harness.ts';

const NS = 'rel-own-att';
let stack: Stack;
let kube: Kube;
let ctrl: ControllerProcess | undefined;
let foreignTouched = 0;

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  await stack.resetMoto();
});
after(async () => {
  record({ file: 'ownership-attachments', foreignTouched });
  await kube.purge('RegionPair', NS);
  await ctrl?.stop();
  await stack.stop();
});

const tag = (team: string) => [{ ResourceType: 'transit-gateway-route-table' as const, Tags: [{ Key: 'team', Value: team }] }];

/** Everything the other team owns, as AWS describes it: compared whole (JSON) after each step. */
async function foreignState(c: EC2Client, ids: { tgw: string; tables: string[]; unlisted: string }): Promise<string> {
  const tgw = (await c.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [ids.tgw] }))).TransitGateways;
  const tables = (await c.send(new DescribeTransitGatewayRouteTablesCommand({ TransitGatewayRouteTableIds: ids.tables }))).TransitGatewayRouteTables;
  const unlisted = (await c.send(new DescribeTransitGatewayAttachmentsCommand({ TransitGatewayAttachmentIds: [ids.unlisted] }))).TransitGatewayAttachments;
  const unlistedVpc = (await c.send(new DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [ids.unlisted] })))
    .TransitGatewayVpcAttachments;
  const assocs: unknown[] = [];
  for (const t of ids.tables) {
    const a = (await c.send(new GetTransitGatewayRouteTableAssociationsCommand({ TransitGatewayRouteTableId: t }))).Associations ?? [];
    // Only the unlisted attachment's row: the adopted one is meant to move (checked on its own).
    assocs.push(a.filter((x) => x.TransitGatewayAttachmentId === ids.unlisted));
  }
  return JSON.stringify({ tgw, tables, unlisted, unlistedVpc, assocs });
}

async function associationOf(c: EC2Client, attachmentId: string): Promise<string | undefined> {
  const a = (await c.send(new DescribeTransitGatewayAttachmentsCommand({ TransitGatewayAttachmentIds: [attachmentId] }))).TransitGatewayAttachments?.[0];
  return a?.Association?.State === 'associated' ? a.Association.TransitGatewayRouteTableId : undefined;
}

describe('ownership: attachments', () => {
  test('an adopted attachment goes back to its owner table on delete; an unlisted one is never touched', async () => {
    const east = ec2(stack.motoEndpoint, 'us-east-1');
    const [eastVpc, westVpc] = await seedBoth(stack.motoEndpoint);
    const otherVpc = await seedVpc({ endpoint: stack.motoEndpoint }, 'us-east-1', '10.7.0.0/16');

    // The other team's TGW, its two tables, and two attachments on it, each in one of those tables.
    const tgw = (
      await east.send(new CreateTransitGatewayCommand({ Options: { DefaultRouteTableAssociation: 'disable', DefaultRouteTablePropagation: 'disable' } }))
    ).TransitGateway!.TransitGatewayId!;
    const teamTable = (await east.send(new CreateTransitGatewayRouteTableCommand({ TransitGatewayId: tgw, TagSpecifications: tag('a') })))
      .TransitGatewayRouteTable!.TransitGatewayRouteTableId!;
    const otherTable = (await east.send(new CreateTransitGatewayRouteTableCommand({ TransitGatewayId: tgw, TagSpecifications: tag('b') })))
      .TransitGatewayRouteTable!.TransitGatewayRouteTableId!;
    const adopted = (
      await east.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: tgw, VpcId: eastVpc.vpcId, SubnetIds: eastVpc.subnetIds }))
    ).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
    const unlisted = (
      await east.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: tgw, VpcId: otherVpc.vpcId, SubnetIds: otherVpc.subnetIds }))
    ).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
    await east.send(new AssociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: teamTable, TransitGatewayAttachmentId: adopted }));
    await east.send(new AssociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: otherTable, TransitGatewayAttachmentId: unlisted }));
    assert.equal(await associationOf(east, adopted), teamTable, 'setup: the adopted attachment starts in its team table');
    assert.equal(await associationOf(east, unlisted), otherTable, 'setup: the unlisted attachment starts in the other table');

    const ids = { tgw, tables: [teamTable, otherTable], unlisted };
    const before = await foreignState(east, ids);
    const unchanged = async (step: string) => {
      const now = await foreignState(east, ids);
      if (now !== before) foreignTouched++;
      assert.equal(now, before, `foreign resources changed at: ${step}`);
    };

    ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint, args: ['--leader-elect=false'] });
    const name = uniqueName('own-att');
    await kube.apply(
      pairObj(NS, name, {
        primary: side('us-east-1', eastVpc, { transitGateway: { id: tgw } }),
        secondary: side('us-west-2', westVpc),
      }),
    );
    await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 120_000);
    await unchanged('converge');

    // Adopted openly: the owner's table is in status and in an Event, and the attachment is in ours.
    const pair = (await kube.get('RegionPair', NS, name)) as Obj & {
      status: { primary: { routeTableId: string; previousAssociations?: Record<string, string> } };
    };
    assert.deepEqual(pair.status.primary.previousAssociations, { [adopted]: teamTable });
    assert.equal(await associationOf(east, adopted), pair.status.primary.routeTableId);
    const events = await kube.events(NS, name);
    assert.ok(
      events.some((e) => e.reason === 'AttachmentAdopted' && e.message.includes(adopted) && e.message.includes(teamTable)),
      `no AttachmentAdopted event: ${events.map((e) => e.reason).join(', ')}`,
    );

    await kube.delete('RegionPair', NS, name);
    await kube.waitGone('RegionPair', NS, name, 120_000);
    await unchanged('delete');
    const restored = await associationOf(east, adopted);
    if (restored !== teamTable) foreignTouched++;
    assert.equal(restored, teamTable, 'the adopted attachment is back in the table it was in before the pair');
  });

  test('an unlisted attachment its owner put in the pair table is not disassociated: the delete waits and says why', async () => {
    const east = ec2(stack.motoEndpoint, 'us-east-1');
    const [eastVpc, westVpc] = await seedBoth(stack.motoEndpoint, '10.21.0.0/16', '10.20.0.0/16');
    const otherVpc = await seedVpc({ endpoint: stack.motoEndpoint }, 'us-east-1', '10.27.0.0/16');
    const tgw = (
      await east.send(new CreateTransitGatewayCommand({ Options: { DefaultRouteTableAssociation: 'disable', DefaultRouteTablePropagation: 'disable' } }))
    ).TransitGateway!.TransitGatewayId!;
    const otherTable = (await east.send(new CreateTransitGatewayRouteTableCommand({ TransitGatewayId: tgw, TagSpecifications: tag('b') })))
      .TransitGatewayRouteTable!.TransitGatewayRouteTableId!;
    const unlisted = (
      await east.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: tgw, VpcId: otherVpc.vpcId, SubnetIds: otherVpc.subnetIds }))
    ).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
    await east.send(new AssociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: otherTable, TransitGatewayAttachmentId: unlisted }));

    ctrl ??= await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint, args: ['--leader-elect=false'] });
    const name = uniqueName('own-att');
    await kube.apply(pairObj(NS, name, { primary: side('us-east-1', eastVpc, { transitGateway: { id: tgw } }), secondary: side('us-west-2', westVpc) }));
    await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 120_000);
    const pairTable = ((await kube.get('RegionPair', NS, name)) as Obj & { status: { primary: { routeTableId: string } } }).status.primary.routeTableId;
    assert.equal(await associationOf(east, unlisted), otherTable, 'converge left the unlisted attachment where it was');

    // The other team moves its attachment into the pair's table (its decision, not ours).
    await east.send(new DisassociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: otherTable, TransitGatewayAttachmentId: unlisted }));
    await east.send(new AssociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: pairTable, TransitGatewayAttachmentId: unlisted }));

    await kube.delete('RegionPair', NS, name);
    // Either the finalizer names the attachment it will not touch, or (the defect) the pair is gone.
    await waitFor(
      'the finalizer to say the table is kept',
      async () => {
        const o = await kube.get('RegionPair', NS, name);
        return !o || (condition(o, 'Ready')?.message?.includes(unlisted) ?? false);
      },
      120_000,
      500,
    );
    const stayed = await associationOf(east, unlisted);
    if (stayed !== pairTable) foreignTouched++;
    assert.equal(stayed, pairTable, 'the delete did not disassociate an attachment the spec does not list');

    // Once its owner takes it back, the delete finishes.
    await east.send(new DisassociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: pairTable, TransitGatewayAttachmentId: unlisted }));
    await east.send(new AssociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: otherTable, TransitGatewayAttachmentId: unlisted }));
    await kube.waitGone('RegionPair', NS, name, 120_000);
    assert.equal(await associationOf(east, unlisted), otherTable);
    keepLogs('ownership-attachments', ctrl.logs());
  });
});
