// A VPC attached to one side's TGW. AWS allows one attachment per (TGW, VPC), which is the
// natural key; our tags say whether we may change or delete it.
import type { EC2Client, Filter, TransitGatewayVpcAttachment } from '@aws-sdk/client-ec2';
import { errorCode, isAlreadyExists, isNotFound } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';
import { tagsToMap } from '../tags.ts';
import type { ExternalResource, Owner } from '../types.ts';
import { isPresent, oldestFirst, ownedOnSide, type Side, sideTagSpec, sideTags } from './ownership.ts';
import { collectPages, collectPaginator } from './pages.ts';
import { clusterFilter, sharedReads } from './shared-reads.ts';

export interface VpcAttachmentSpec {
  owner: Owner;
  side: Side;
  transitGatewayId: string;
  vpcId: string;
  subnetIds: string[];
  /**
   * Report an attachment AWS is still deleting as existing, so deletion can wait for it. Sync
   * leaves it off: a deleting attachment carries no traffic and cannot be associated, so to
   * sync it is absent (should AWS refuse a second attachment of the VPC meanwhile, create fails
   * and is retried with backoff).
   */
  includeDeleting?: boolean;
}

export interface ObservedVpcAttachment {
  id: string;
  transitGatewayId: string;
  vpcId: string;
  subnetIds: string[];
  state: string;
  /**
   * Ours to modify and delete: it carries our tags, which come with the create call (never in a
   * second one: a crash cannot leave ours untagged). False: someone else attached this VPC,
   * even to a TGW we created; we only report it.
   */
  owned: boolean;
  tags: Record<string, string>;
}

export function vpcAttachment(ec2: EC2Client): ExternalResource<VpcAttachmentSpec, ObservedVpcAttachment> {
  return {
    async observe(spec) {
      const a = await findAttachment(ec2, spec, spec.includeDeleting);
      if (!a) return { exists: false, upToDate: false };
      const observed = toObserved(a, spec);
      const diff: string[] = [];
      const { add, remove } = subnetDiff(observed.subnetIds, spec.subnetIds);
      if (add.length || remove.length) diff.push(`subnets: +[${add.join(',')}] -[${remove.join(',')}]`);
      return { exists: true, upToDate: diff.length === 0, observed, ...(diff.length && { diff }) };
    },

    async create(spec) {
      const existing = await findAttachment(ec2, spec, false, true);
      if (existing) return toObserved(existing, spec);
      let created: TransitGatewayVpcAttachment | undefined;
      try {
        const out = await ec2.send(
          new ec2Sdk.CreateTransitGatewayVpcAttachmentCommand({
            TransitGatewayId: spec.transitGatewayId,
            VpcId: spec.vpcId,
            SubnetIds: spec.subnetIds,
            TagSpecifications: sideTagSpec('transit-gateway-attachment', spec.owner, spec.side, spec.vpcId),
          }),
        );
        created = out.TransitGatewayVpcAttachment;
      } catch (err) {
        if (!isAlreadyExists(err) && !errorCode(err).startsWith('Duplicate')) throw err;
        const again = await findAttachment(ec2, spec, false, true);
        if (!again) throw err;
        return toObserved(again, spec);
      }
      if (!created?.TransitGatewayAttachmentId) throw new Error('CreateTransitGatewayVpcAttachment returned no attachment');
      // The tags came with the create (the IAM policy allows ec2:CreateTags only inside a create call).
      return toObserved({ ...created, Tags: sideTags(spec.owner, spec.side, spec.vpcId) }, spec);
    },

    async update(spec, seen) {
      if (!seen.owned) return;
      const { add, remove } = subnetDiff(seen.subnetIds, spec.subnetIds);
      if (!add.length && !remove.length) return;
      await ec2.send(
        new ec2Sdk.ModifyTransitGatewayVpcAttachmentCommand({
          TransitGatewayAttachmentId: seen.id,
          ...(add.length && { AddSubnetIds: add }),
          ...(remove.length && { RemoveSubnetIds: remove }),
        }),
      );
    },

    async delete(seen) {
      if (!seen.owned) return;
      // Look first: deleting an unknown id is NotFound on AWS but HTTP 500 on moto.
      const [now] = await describeVpcAttachments(ec2, [], [seen.id]);
      // Gone, or already being deleted: nothing to ask for.
      if (!now || !isPresent(now.State)) return;
      try {
        await ec2.send(new ec2Sdk.DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: seen.id }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

/** Subnets to add and remove to go from `current` to `desired` (order does not matter). */
export function subnetDiff(current: readonly string[], desired: readonly string[]): { add: string[]; remove: string[] } {
  const have = new Set(current);
  const want = new Set(desired);
  return { add: [...want].filter((s) => !have.has(s)).sort(), remove: [...have].filter((s) => !want.has(s)).sort() };
}

/**
 * The live attachment of this VPC to this TGW, ours first. Ours (tagged) comes from the
 * region's shared list; only when that has none is the (TGW, VPC) read directly, since an
 * attachment someone else made, or ours before its tags, carries no tag to be listed by.
 * `fresh`: no cached list (before a create).
 */
async function findAttachment(
  ec2: EC2Client,
  spec: VpcAttachmentSpec,
  includeDeleting = false,
  fresh = false,
): Promise<TransitGatewayVpcAttachment | undefined> {
  const shared = pickVpcAttachment(await clusterVpcAttachments(ec2, spec.owner.clusterId, fresh), spec, includeDeleting);
  if (shared && ownedOnSide(shared.Tags, spec.owner, spec.side)) return shared;
  const all = await describeVpcAttachments(ec2, [
    { Name: 'transit-gateway-id', Values: [spec.transitGatewayId] },
    { Name: 'vpc-id', Values: [spec.vpcId] },
  ]);
  return pickVpcAttachment(all, spec, includeDeleting);
}

export function pickVpcAttachment(
  all: TransitGatewayVpcAttachment[],
  spec: VpcAttachmentSpec,
  includeDeleting = false,
): TransitGatewayVpcAttachment | undefined {
  const live = oldestFirst(all.filter((a) => a.TransitGatewayId === spec.transitGatewayId && a.VpcId === spec.vpcId && isPresent(a.State, includeDeleting)));
  return live.find((a) => ownedOnSide(a.Tags, spec.owner, spec.side)) ?? live[0];
}

/** Every VPC attachment of this cluster in the client's region: one paginated read shared by every object. */
export function clusterVpcAttachments(ec2: EC2Client, clusterId: string, fresh = false): Promise<TransitGatewayVpcAttachment[]> {
  return sharedReads(ec2).read(
    'vpc-attachments',
    clusterId,
    () =>
      collectPaginator(
        ec2Sdk.paginateDescribeTransitGatewayVpcAttachments({ client: ec2, stopOnSameToken: true }, { Filters: clusterFilter(clusterId) }),
        (p) => p.TransitGatewayVpcAttachments,
      ),
    { fresh },
  );
}

export function describeVpcAttachments(ec2: EC2Client, filters: Filter[], ids?: string[]): Promise<TransitGatewayVpcAttachment[]> {
  return collectPages(async (NextToken) => {
    try {
      const out = await ec2.send(
        new ec2Sdk.DescribeTransitGatewayVpcAttachmentsCommand({
          ...(filters.length && { Filters: filters }),
          ...(ids && { TransitGatewayAttachmentIds: ids }),
          NextToken,
        }),
      );
      return { items: out.TransitGatewayVpcAttachments, nextToken: out.NextToken };
    } catch (err) {
      if (ids && isNotFound(err)) return { items: [] };
      throw err;
    }
  });
}

function toObserved(a: TransitGatewayVpcAttachment, spec: VpcAttachmentSpec): ObservedVpcAttachment {
  return {
    id: a.TransitGatewayAttachmentId ?? '',
    transitGatewayId: a.TransitGatewayId ?? spec.transitGatewayId,
    vpcId: a.VpcId ?? spec.vpcId,
    subnetIds: [...(a.SubnetIds ?? [])],
    state: a.State ?? 'unknown',
    owned: ownedOnSide(a.Tags, spec.owner, spec.side),
    tags: tagsToMap(a.Tags),
  };
}
