// One side's dedicated TGW route table (found by our tags) and its associations. An
// attachment is associated with at most one route table: moving it is disassociate, wait,
// associate — so association reports 'pending' until AWS has finished the move.
import type { EC2Client, Filter, TransitGatewayRouteTable } from '@aws-sdk/client-ec2';
import { errorCode, isNotFound } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';
import { tagsToMap } from '../tags.ts';
import type { ExternalResource, Owner } from '../types.ts';
import { isPresent, oldestFirst, ownedOnSide, type Side, sideTagSpec } from './ownership.ts';
import { collectPages, collectPaginator } from './pages.ts';
import { clusterFilter, sharedReads } from './shared-reads.ts';

export interface RouteTableSpec {
  owner: Owner;
  side: Side;
  transitGatewayId: string;
  /** Report a table AWS is still deleting as existing (for deletion to wait on); sync leaves it off. */
  includeDeleting?: boolean;
}

export interface ObservedRouteTable {
  id: string;
  transitGatewayId: string;
  state: string;
  owned: boolean;
  tags: Record<string, string>;
}

export interface Association {
  attachmentId: string;
  resourceType?: string;
  resourceId?: string;
  state: string;
}

export type AssociationState = 'associated' | 'pending';

export function tgwRouteTable(ec2: EC2Client): ExternalResource<RouteTableSpec, ObservedRouteTable> {
  return {
    async observe(spec) {
      const rt = await findOwnedRouteTable(ec2, spec, spec.includeDeleting);
      return rt ? { exists: true, upToDate: true, observed: toObserved(rt, spec) } : { exists: false, upToDate: false };
    },

    async create(spec) {
      const existing = await findOwnedRouteTable(ec2, spec, false, true);
      if (existing) return toObserved(existing, spec);
      const out = await ec2.send(
        new ec2Sdk.CreateTransitGatewayRouteTableCommand({
          TransitGatewayId: spec.transitGatewayId,
          TagSpecifications: sideTagSpec('transit-gateway-route-table', spec.owner, spec.side, 'rtb'),
        }),
      );
      if (!out.TransitGatewayRouteTable?.TransitGatewayRouteTableId) throw new Error('CreateTransitGatewayRouteTable returned no table');
      return toObserved(out.TransitGatewayRouteTable, spec);
    },

    async update() {},

    /** Disassociates nothing it was not told about: see deleteRouteTable. */
    async delete(seen) {
      await deleteRouteTable(ec2, seen, new Set());
    },
  };
}

/**
 * Deletes our table. AWS refuses to delete a table with associations, so the associations of
 * `listed` attachments (the ones the spec names, and our peering) are removed first; any other
 * attachment associated with it is somebody else's decision and is never disassociated: the
 * table then stays, and its ids are returned for the caller to report.
 */
export async function deleteRouteTable(ec2: EC2Client, seen: ObservedRouteTable, listed: ReadonlySet<string>): Promise<{ unlisted: string[] }> {
  if (!seen.owned) return { unlisted: [] };
  const now = await describeRouteTable(ec2, seen.id);
  // Gone, or already being deleted: nothing to ask for.
  if (!now || !isPresent(now.State)) return { unlisted: [] };
  const assocs = await liveAssociations(ec2, seen.id);
  const unlisted = assocs.filter((a) => !listed.has(a.attachmentId)).map((a) => a.attachmentId);
  if (unlisted.length) return { unlisted };
  for (const a of assocs) if (a.state === 'associated') await disassociate(ec2, seen.id, a.attachmentId);
  try {
    await ec2.send(new ec2Sdk.DeleteTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: seen.id }));
  } catch (err) {
    if (isNotFound(err)) return { unlisted: [] };
    // Disassociation is asynchronous on AWS: the table goes on the next pass.
    if (assocs.length > 0 && errorCode(err) === 'IncorrectState') return { unlisted: [] };
    throw err;
  }
  return { unlisted: [] };
}

/**
 * Our table for this side on this TGW, from the region's shared list (`fresh`: read it again
 * first). The tag filter narrows the answer on AWS, but not every implementation applies it
 * (moto ignores it here), so the TGW and ownership are decided on the returned fields —
 * correct everywhere.
 */
export async function findOwnedRouteTable(
  ec2: EC2Client,
  spec: RouteTableSpec,
  includeDeleting = false,
  fresh = false,
): Promise<TransitGatewayRouteTable | undefined> {
  const all = await clusterRouteTables(ec2, spec.owner.clusterId, fresh);
  return pickOwnedRouteTable(all, spec, includeDeleting);
}

/** Every TGW route table of this cluster in the client's region: one paginated read shared by every object. */
export function clusterRouteTables(ec2: EC2Client, clusterId: string, fresh = false): Promise<TransitGatewayRouteTable[]> {
  return sharedReads(ec2).read(
    'route-tables',
    clusterId,
    () =>
      collectPaginator(
        ec2Sdk.paginateDescribeTransitGatewayRouteTables({ client: ec2, stopOnSameToken: true }, { Filters: clusterFilter(clusterId) }),
        (p) => p.TransitGatewayRouteTables,
      ),
    { fresh },
  );
}

export function pickOwnedRouteTable(all: TransitGatewayRouteTable[], spec: RouteTableSpec, includeDeleting = false): TransitGatewayRouteTable | undefined {
  const mine = all.filter(
    (t) => t.TransitGatewayId === spec.transitGatewayId && isPresent(t.State, includeDeleting) && ownedOnSide(t.Tags, spec.owner, spec.side),
  );
  return oldestFirst(mine)[0];
}

export function describeRouteTables(ec2: EC2Client, filters: Filter[]): Promise<TransitGatewayRouteTable[]> {
  return collectPages(async (NextToken) => {
    const out = await ec2.send(new ec2Sdk.DescribeTransitGatewayRouteTablesCommand({ Filters: filters, NextToken }));
    return { items: out.TransitGatewayRouteTables, nextToken: out.NextToken };
  });
}

async function describeRouteTable(ec2: EC2Client, id: string): Promise<TransitGatewayRouteTable | undefined> {
  try {
    const out = await ec2.send(new ec2Sdk.DescribeTransitGatewayRouteTablesCommand({ TransitGatewayRouteTableIds: [id] }));
    return out.TransitGatewayRouteTables?.find((t) => t.TransitGatewayRouteTableId === id);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What is associated with our table: the authoritative view (an attachment's own Association may lag). */
export async function getAssociations(ec2: EC2Client, routeTableId: string, attachmentId?: string): Promise<Association[]> {
  const filters = attachmentId ? [{ Name: 'transit-gateway-attachment-id', Values: [attachmentId] }] : undefined;
  const all = await collectPages(async (NextToken) => {
    const out = await ec2.send(
      new ec2Sdk.GetTransitGatewayRouteTableAssociationsCommand({ TransitGatewayRouteTableId: routeTableId, Filters: filters, NextToken }),
    );
    return { items: out.Associations, nextToken: out.NextToken };
  });
  return all
    .filter((a) => a.TransitGatewayAttachmentId && (!attachmentId || a.TransitGatewayAttachmentId === attachmentId))
    .map((a) => ({
      attachmentId: a.TransitGatewayAttachmentId ?? '',
      ...(a.ResourceType && { resourceType: a.ResourceType }),
      ...(a.ResourceId && { resourceId: a.ResourceId }),
      state: a.State ?? 'unknown',
    }));
}

/**
 * Every association of our table, read once per table for every caller within the shared-read
 * window (a pair asks for its VPC attachments' and its peering's in one pass); any association,
 * disassociation or attachment delete through the client makes the next look read again.
 */
export function tableAssociations(ec2: EC2Client, routeTableId: string): Promise<Association[]> {
  return sharedReads(ec2).read('associations', routeTableId, () => getAssociations(ec2, routeTableId));
}

/**
 * Associates one of OUR attachments with our table, idempotently. If AWS says the attachment
 * is already associated elsewhere (a TGW with default association on puts new attachments in
 * its default table), that association is removed and 'pending' returned: AWS finishes the
 * disassociation asynchronously and the next pass associates.
 *
 * Associate is tried before looking elsewhere because moto reports every VPC attachment as
 * associated with the default table forever and answers a disassociation from it with HTTP
 * 500, while it accepts the association directly; AWS answers Resource.AlreadyAssociated.
 */
export async function ensureAssociated(ec2: EC2Client, routeTableId: string, attachmentId: string): Promise<AssociationState> {
  const [mine] = await getAssociations(ec2, routeTableId, attachmentId);
  if (mine) return mine.state === 'associated' ? 'associated' : 'pending';
  try {
    const out = await ec2.send(
      new ec2Sdk.AssociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: routeTableId, TransitGatewayAttachmentId: attachmentId }),
    );
    return out.Association?.State === 'associated' ? 'associated' : 'pending';
  } catch (err) {
    const code = errorCode(err);
    if (code === 'Resource.AlreadyAssociated') {
      const current = await currentAssociation(ec2, attachmentId);
      if (current?.routeTableId === routeTableId && current.state === 'associated') return 'associated';
      if (current && current.routeTableId !== routeTableId && current.state === 'associated') {
        await disassociate(ec2, current.routeTableId, attachmentId);
      }
      return 'pending';
    }
    // The attachment is not ready yet (a peering before acceptance) or is mid-move.
    if (code === 'IncorrectState') return 'pending';
    throw err;
  }
}

export async function disassociate(ec2: EC2Client, routeTableId: string, attachmentId: string): Promise<void> {
  try {
    await ec2.send(
      new ec2Sdk.DisassociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: routeTableId, TransitGatewayAttachmentId: attachmentId }),
    );
  } catch (err) {
    if (isNotFound(err) || errorCode(err) === 'Resource.NotAssociated') return;
    throw err;
  }
}

/**
 * Associations whose attachment still exists. AWS drops the association of a deleted
 * attachment; moto keeps listing it and answers its disassociation with HTTP 500.
 */
async function liveAssociations(ec2: EC2Client, routeTableId: string): Promise<Association[]> {
  const assocs = await getAssociations(ec2, routeTableId);
  if (assocs.length === 0) return [];
  const ids = assocs.map((a) => a.attachmentId);
  // A filter, not TransitGatewayAttachmentIds: unknown ids would fail the whole call on AWS.
  const live = await collectPages(async (NextToken) => {
    const out = await ec2.send(
      new ec2Sdk.DescribeTransitGatewayAttachmentsCommand({ Filters: [{ Name: 'transit-gateway-attachment-id', Values: ids }], NextToken }),
    );
    return { items: out.TransitGatewayAttachments, nextToken: out.NextToken };
  });
  // An attachment AWS is deleting takes its association with it: only the others are disassociated.
  const alive = new Set(live.filter((a) => isPresent(a.State)).map((a) => a.TransitGatewayAttachmentId));
  return assocs.filter((a) => alive.has(a.attachmentId));
}

/** The table an attachment is associated with now (read fresh), or undefined for none or no attachment. */
export async function currentAssociation(ec2: EC2Client, attachmentId: string): Promise<{ routeTableId: string; state: string } | undefined> {
  const out = await ec2.send(new ec2Sdk.DescribeTransitGatewayAttachmentsCommand({ TransitGatewayAttachmentIds: [attachmentId] })).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  const a = out?.TransitGatewayAttachments?.find((x) => x.TransitGatewayAttachmentId === attachmentId)?.Association;
  if (!a?.TransitGatewayRouteTableId || a.State === 'disassociated') return undefined;
  return { routeTableId: a.TransitGatewayRouteTableId, state: a.State ?? 'unknown' };
}

/** Associates an attachment with a table that is not ours: only to put back an association recorded before adoption. */
export async function restoreAssociation(ec2: EC2Client, routeTableId: string, attachmentId: string): Promise<void> {
  await ec2.send(new ec2Sdk.AssociateTransitGatewayRouteTableCommand({ TransitGatewayRouteTableId: routeTableId, TransitGatewayAttachmentId: attachmentId }));
}

function toObserved(t: TransitGatewayRouteTable, spec: RouteTableSpec): ObservedRouteTable {
  return {
    id: t.TransitGatewayRouteTableId ?? '',
    transitGatewayId: t.TransitGatewayId ?? spec.transitGatewayId,
    state: t.State ?? 'unknown',
    owned: ownedOnSide(t.Tags, spec.owner, spec.side),
    tags: tagsToMap(t.Tags),
  };
}
