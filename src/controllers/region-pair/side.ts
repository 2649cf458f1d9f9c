// One side of a pair: its account, Transit Gateway, dedicated route table, VPC attachments and
// their associations with that table.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RegionSideSpec, SideStatus } from '../../api/types.ts';
import { anyAssociationOf, associationOf } from '../../aws/ec2/attachment-associations.ts';
import type { Side } from '../../aws/ec2/ownership.ts';
import { ensureAssociated, tableAssociations, tgwRouteTable } from '../../aws/ec2/tgw-route-table.ts';
import { type ObservedTransitGateway, transitGateway } from '../../aws/ec2/transit-gateway.ts';
import { vpcAttachment } from '../../aws/ec2/vpc-attachment.ts';
import { checkVpcReferences } from '../../aws/ec2/vpc-references.ts';
import type { AwsClients, AwsTarget, Owner } from '../../aws/types.ts';
import { ensure } from '../shared/ensure.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { describeError, SyncError } from '../shared/sync-error.ts';
import { targetOf } from '../shared/target.ts';

export interface SideState {
  side: Side;
  spec: RegionSideSpec;
  ec2: EC2Client;
  target: AwsTarget;
  status: SideStatus;
  tgw?: ObservedTransitGateway;
  /** Attachments whose association with our table is not confirmed yet. */
  pending: string[];
  drift: string[];
  /** Set when an adopted TGW has default association/propagation on. */
  defaultsWarning?: string;
}

/** Identifies the account behind a side (assuming its role), or says which field is wrong. */
export async function resolveAccount(aws: AwsClients, side: Side, spec: RegionSideSpec): Promise<string> {
  try {
    return await aws.accountId(targetOf(spec));
  } catch (err) {
    const d = describeError(err);
    if (spec.roleArn) {
      throw new SyncError(
        `cannot assume ${spec.roleArn}${spec.externalId ? ' with the given externalId' : ''}: ${d.message} ` +
          "Check the role exists, trusts the controller's identity, and the externalId matches.",
        'AssumeRoleFailed',
        `spec.${side}.roleArn`,
        d.terminal,
        { cause: err },
      );
    }
    throw new SyncError(
      `the controller's own AWS credentials do not work in ${spec.region}: ${d.message}`,
      'CredentialsUnavailable',
      `spec.${side}.region`,
      false,
      { cause: err },
    );
  }
}

export async function syncSide(
  aws: AwsClients,
  owner: Owner,
  side: Side,
  spec: RegionSideSpec,
  accountId: string,
  ctx: SyncContext,
  previous?: SideStatus,
): Promise<SideState> {
  const target = targetOf(spec);
  const ec2 = aws.ec2(target);
  const st: SideState = { side, spec, ec2, target, status: { accountId }, pending: [], drift: [] };
  const region = spec.region;
  const adoptId = spec.transitGateway?.id;

  const tgw = await ensure(
    transitGateway(ec2),
    { owner, side, ...(adoptId && { adoptId }), ...(spec.transitGateway?.amazonSideAsn !== undefined && { amazonSideAsn: spec.transitGateway.amazonSideAsn }) },
    ctx.plan,
    { resource: 'TransitGateway', region },
    (o) => `transit gateway ${o.id}`,
  ).catch((err) => {
    if (adoptId)
      throw new SyncError(
        `transit gateway ${adoptId} was not found in ${region}: ${describeError(err).message}`,
        'TransitGatewayNotFound',
        `spec.${side}.transitGateway.id`,
        true,
        { cause: err },
      );
    throw err;
  });
  if (adoptId && tgw.created) {
    throw new SyncError(
      `transit gateway ${adoptId} does not exist in ${region} (account ${accountId})`,
      'TransitGatewayNotFound',
      `spec.${side}.transitGateway.id`,
      true,
    );
  }
  if (!tgw.observed) return st;
  st.tgw = tgw.observed;
  st.status.transitGatewayId = tgw.observed.id;
  st.status.transitGatewayAdopted = tgw.observed.adopted;
  if (tgw.observed.adopted && (tgw.observed.defaultAssociation || tgw.observed.defaultPropagation)) {
    // Reported through the TransitGatewayDefaults condition; the Event only when it turns bad.
    st.defaultsWarning =
      `adopted transit gateway ${tgw.observed.id} (${side}) has default route-table association/propagation enabled: ` +
      'every attachment lands in one table and traffic can loop. The controller does not change an adopted TGW; disable both defaults on it.';
  }

  const rt = await ensure(
    tgwRouteTable(ec2),
    { owner, side, transitGatewayId: tgw.observed.id },
    ctx.plan,
    { resource: 'TransitGatewayRouteTable', region },
    (o) => `transit gateway route table ${o.id}`,
  );
  if (rt.observed) st.status.routeTableId = rt.observed.id;

  const known = new Set(Object.keys(previous?.vpcAttachmentIds ?? {}));
  st.status.vpcAttachmentIds = {};
  // Kept for as long as the pair lives: the finalizer puts each of these back.
  if (previous?.previousAssociations && Object.keys(previous.previousAssociations).length)
    st.status.previousAssociations = { ...previous.previousAssociations };
  for (const [i, att] of (spec.vpcAttachments ?? []).entries()) {
    if (!known.has(att.vpcId)) {
      // First time this VPC is seen: check what the spec names before attaching anything.
      const problems = await checkVpcReferences(ec2, att.vpcId, att.subnetIds, att.routeTableIds ?? []);
      const first = problems[0];
      if (first) {
        throw new SyncError(
          problems.map((p) => p.message).join('; '),
          first.key === 'vpcId' ? 'VpcNotFound' : first.key === 'subnetIds' ? 'InvalidSubnet' : 'InvalidRouteTable',
          `spec.${side}.vpcAttachments[${i}].${first.key}`,
          true,
        );
      }
    }
    const a = await ensure(
      vpcAttachment(ec2),
      {
        owner,
        side,
        transitGatewayId: tgw.observed.id,
        vpcId: att.vpcId,
        subnetIds: att.subnetIds,
      },
      ctx.plan,
      { resource: 'TransitGatewayVpcAttachment', region, detail: att.vpcId },
      (o) => `VPC attachment ${o.id} for ${att.vpcId}`,
      // AWS allows one attachment per (TGW, VPC): a second create fails and finds the first (vpc-attachment.ts).
      { repeatable: true },
    ).catch((err) => {
      const d = describeError(err);
      if (/Vpc/i.test(d.reason)) throw new SyncError(d.message, d.reason, `spec.${side}.vpcAttachments[${i}].vpcId`, d.terminal, { cause: err });
      if (/Subnet/i.test(d.reason)) throw new SyncError(d.message, d.reason, `spec.${side}.vpcAttachments[${i}].subnetIds`, d.terminal, { cause: err });
      throw err;
    });
    if (a.diff?.length) st.drift.push(`${side} attachment ${att.vpcId}: ${a.diff.join('; ')}`);
    if (!a.observed) continue;
    if (!a.observed.owned && !a.created) {
      ctx.warn(
        'VpcAttachedElsewhere',
        `${att.vpcId} is already attached to ${tgw.observed.id} by someone else (${a.observed.id}); it is used but not managed.`,
      );
    }
    st.status.vpcAttachmentIds[att.vpcId] = a.observed.id;
    if (!rt.observed) continue;
    if (!a.observed.owned && !a.created && !(await recordBeforeAdopting(st, rt.observed.id, a.observed.id, att.vpcId, ctx))) continue;
    await associate(st, rt.observed.id, a.observed.id, ctx, a.created);
  }
  return st;
}

/**
 * An attachment the spec lists but we did not create belongs with whatever table its owner
 * chose. Before moving it to ours, that table is recorded in status (and said in an Event), so
 * that deleting the pair can put it back; the move waits for the next pass, after the status
 * holding the record has been written. True when the attachment may be associated now.
 */
async function recordBeforeAdopting(st: SideState, routeTableId: string, attachmentId: string, vpcId: string, ctx: SyncContext): Promise<boolean> {
  if (st.status.previousAssociations?.[attachmentId] || !st.tgw) return true;
  const current = await anyAssociationOf(st.ec2, st.tgw.id, attachmentId);
  if (!current || current.routeTableId === routeTableId) return true;
  if (ctx.plan.dryRun) return false;
  st.status.previousAssociations = { ...st.status.previousAssociations, [attachmentId]: current.routeTableId };
  ctx.normal(
    'AttachmentAdopted',
    `${attachmentId} (${vpcId}, ${st.side}) was not created by this pair and is associated with ${current.routeTableId}: ` +
      `recorded in status.${st.side}.previousAssociations; it moves to ${routeTableId} ` +
      `next, and goes back to ${current.routeTableId} when the pair is deleted.`,
  );
  st.pending.push(attachmentId);
  return false;
}

/**
 * Associates an attachment with our table; a missing association on a known attachment is drift.
 * The association is read from the attachment's own, in the region's shared list of attachments on our TGWs.
 */
export async function associate(st: SideState, routeTableId: string, attachmentId: string, ctx: SyncContext, isNew = false): Promise<void> {
  const current = st.tgw
    ? await associationOf(st.ec2, st.tgw.id, routeTableId, attachmentId)
    : (await tableAssociations(st.ec2, routeTableId)).find((a) => a.attachmentId === attachmentId);
  if (current?.state === 'associated') return;
  if (current) {
    st.pending.push(attachmentId);
    return;
  }
  // An adopted attachment still in the table recorded for it is being moved, not drifting.
  const adopting = st.status.previousAssociations?.[attachmentId] !== undefined && !isNew;
  if (!isNew && !adopting) st.drift.push(`${st.side}: ${attachmentId} was not associated with ${routeTableId}`);
  const state = await ctx.plan.apply(
    { action: 'Associate', resource: 'TransitGatewayRouteTableAssociation', region: st.spec.region, detail: `${attachmentId} → ${routeTableId}` },
    () => ensureAssociated(st.ec2, routeTableId, attachmentId),
  );
  if (state !== 'associated') st.pending.push(attachmentId);
}
