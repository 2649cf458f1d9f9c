// One side's transit gateway: adopted by id, or created by us and found again by its tags.
// CreateTransitGateway takes no ClientToken, so create is made idempotent by looking for our
// tagged TGW first (the create-pending protocol's "find before create again").
import type { EC2Client, Filter, TransitGateway } from '@aws-sdk/client-ec2';
import { isNotFound } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';
import { tagsToMap } from '../tags.ts';
import type { ExternalResource, Observation, Owner } from '../types.ts';
import { isPresent, oldestFirst, ownedOnSide, type Side, sideTagSpec } from './ownership.ts';
import { collectPages, collectPaginator } from './pages.ts';
import { clusterFilter, sharedReads } from './shared-reads.ts';

export interface TransitGatewaySpec {
  owner: Owner;
  side: Side;
  /** spec.<side>.transitGateway.id: adopt this TGW; never modified, never deleted. */
  adoptId?: string;
  amazonSideAsn?: number;
  /**
   * Report a TGW that AWS is still deleting (state 'deleting') as existing, so deletion can wait
   * for it. Sync leaves this off: a deleting TGW takes no attachment, route table or route and
   * never comes back, so to sync it is absent and a new one is created.
   */
  includeDeleting?: boolean;
}

export interface ObservedTransitGateway {
  id: string;
  arn?: string;
  accountId?: string;
  state: string;
  adopted: boolean;
  /** Carries our tags: only then may we modify or delete it. */
  owned: boolean;
  amazonSideAsn?: number;
  /** With these on, every attachment lands in one table and traffic can loop: warn when adopted. */
  defaultAssociation: boolean;
  defaultPropagation: boolean;
  defaultRouteTableId?: string;
  tags: Record<string, string>;
}

export function transitGateway(ec2: EC2Client): ExternalResource<TransitGatewaySpec, ObservedTransitGateway> {
  return {
    async observe(spec) {
      const tgw = spec.adoptId ? await describeById(ec2, spec.adoptId) : await findOwned(ec2, spec.owner, spec.side, spec.includeDeleting);
      if (!tgw || !isPresent(tgw.State, spec.includeDeleting)) return { exists: false, upToDate: false };
      const observed = toObserved(tgw, spec);
      return { exists: true, ...compare(spec, observed), observed };
    },

    async create(spec) {
      if (spec.adoptId) throw new Error(`transit gateway ${spec.adoptId} is adopted: it is never created`);
      // A fresh read: a cached "absent" must never lead to a second TGW.
      const existing = await findOwned(ec2, spec.owner, spec.side, false, true);
      if (existing) return toObserved(existing, spec);
      const out = await ec2.send(
        new ec2Sdk.CreateTransitGatewayCommand({
          Description: `multiregion ${spec.owner.namespace}/${spec.owner.name} ${spec.side}`,
          Options: {
            // Defaults on would put every attachment in one table, and traffic can loop.
            DefaultRouteTableAssociation: 'disable',
            DefaultRouteTablePropagation: 'disable',
            ...(spec.amazonSideAsn !== undefined && { AmazonSideAsn: spec.amazonSideAsn }),
          },
          TagSpecifications: sideTagSpec('transit-gateway', spec.owner, spec.side, 'tgw'),
        }),
      );
      if (!out.TransitGateway?.TransitGatewayId) throw new Error('CreateTransitGateway returned no transit gateway');
      return toObserved(out.TransitGateway, spec);
    },

    /** Only our own TGW is changed, and only back to defaults-off (the ASN is fixed once attached). */
    async update(_spec, seen) {
      if (!seen.owned || seen.adopted) return;
      if (!seen.defaultAssociation && !seen.defaultPropagation) return;
      await ec2.send(
        new ec2Sdk.ModifyTransitGatewayCommand({
          TransitGatewayId: seen.id,
          Options: { DefaultRouteTableAssociation: 'disable', DefaultRouteTablePropagation: 'disable' },
        }),
      );
    },

    async delete(seen) {
      if (!seen.owned || seen.adopted) return;
      // Look first: an unknown id is a NotFound on AWS, but an HTTP 500 on some emulators.
      const now = await describeById(ec2, seen.id);
      // Gone, or already being deleted: nothing to ask for.
      if (!now || !isPresent(now.State)) return;
      try {
        await ec2.send(new ec2Sdk.DeleteTransitGatewayCommand({ TransitGatewayId: seen.id }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

function compare(spec: TransitGatewaySpec, o: ObservedTransitGateway): Pick<Observation<ObservedTransitGateway>, 'upToDate' | 'diff'> {
  if (o.adopted) return { upToDate: true };
  const diff: string[] = [];
  if (o.defaultAssociation) diff.push('DefaultRouteTableAssociation: enable → disable');
  if (o.defaultPropagation) diff.push('DefaultRouteTablePropagation: enable → disable');
  if (spec.amazonSideAsn !== undefined && o.amazonSideAsn !== spec.amazonSideAsn) {
    // Not changed by update: AWS only allows it with no attachments; the controller reports it.
    diff.push(`AmazonSideAsn: ${o.amazonSideAsn} ≠ ${spec.amazonSideAsn} (fixed after creation)`);
  }
  return diff.length ? { upToDate: false, diff } : { upToDate: true };
}

export async function describeById(ec2: EC2Client, id: string): Promise<TransitGateway | undefined> {
  try {
    const out = await ec2.send(new ec2Sdk.DescribeTransitGatewaysCommand({ TransitGatewayIds: [id] }));
    return out.TransitGateways?.find((t) => t.TransitGatewayId === id);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Our TGW for this side, ignoring deleted ones (and deleting ones unless asked); the oldest
 * when a crash left two. Read from the region's shared list (`fresh`: read it again first).
 */
export async function findOwned(ec2: EC2Client, owner: Owner, side: Side, includeDeleting = false, fresh = false): Promise<TransitGateway | undefined> {
  const all = await clusterTransitGateways(ec2, owner.clusterId, fresh);
  return pickOwnedTransitGateway(all, owner, side, includeDeleting);
}

/** Every TGW of this cluster in the client's region: one paginated read shared by every object. */
export function clusterTransitGateways(ec2: EC2Client, clusterId: string, fresh = false): Promise<TransitGateway[]> {
  return sharedReads(ec2).read(
    'transit-gateways',
    clusterId,
    () =>
      collectPaginator(
        ec2Sdk.paginateDescribeTransitGateways({ client: ec2, stopOnSameToken: true }, { Filters: clusterFilter(clusterId) }),
        (p) => p.TransitGateways,
      ),
    { fresh },
  );
}

export function pickOwnedTransitGateway(all: TransitGateway[], owner: Owner, side: Side, includeDeleting = false): TransitGateway | undefined {
  return oldestFirst(all.filter((t) => isPresent(t.State, includeDeleting) && ownedOnSide(t.Tags, owner, side)))[0];
}

export function describeTransitGateways(ec2: EC2Client, filters: Filter[]): Promise<TransitGateway[]> {
  return collectPages(async (NextToken) => {
    const out = await ec2.send(new ec2Sdk.DescribeTransitGatewaysCommand({ Filters: filters, NextToken }));
    return { items: out.TransitGateways, nextToken: out.NextToken };
  });
}

export function toObserved(t: TransitGateway, spec: Pick<TransitGatewaySpec, 'owner' | 'side' | 'adoptId'>): ObservedTransitGateway {
  const o = t.Options ?? {};
  return {
    id: t.TransitGatewayId ?? '',
    ...(t.TransitGatewayArn && { arn: t.TransitGatewayArn }),
    ...(t.OwnerId && { accountId: t.OwnerId }),
    state: t.State ?? 'unknown',
    adopted: spec.adoptId !== undefined,
    owned: ownedOnSide(t.Tags, spec.owner, spec.side),
    ...(o.AmazonSideAsn !== undefined && { amazonSideAsn: o.AmazonSideAsn }),
    defaultAssociation: o.DefaultRouteTableAssociation === 'enable',
    defaultPropagation: o.DefaultRouteTablePropagation === 'enable',
    ...(o.AssociationDefaultRouteTableId && { defaultRouteTableId: o.AssociationDefaultRouteTableId }),
    tags: tagsToMap(t.Tags),
  };
}
