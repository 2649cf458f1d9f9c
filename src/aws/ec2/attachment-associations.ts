// Which route table each attachment on our TGWs is associated with, from one shared, paginated
// DescribeTransitGatewayAttachments per (account, region): every attachment carries its own
// `Association` (route table id and state), so the pairs of a region need no
// GetTransitGatewayRouteTableAssociations per table on each drift pass. The read is filtered by
// the TGWs the pairs asked about (remembered for a while, like vpc-route-reads.ts), not by our
// tags: the accepter side of a peering and a VPC attachment a person made carry none of ours.
// An attachment the read does not hold (made since) is looked up in its table, as before.
import type { EC2Client, TransitGatewayAttachment } from '@aws-sdk/client-ec2';
import { ec2Sdk } from '../sdk.ts';
import { collectPaginator } from './pages.ts';
import { sharedReads } from './shared-reads.ts';
import { type Association, currentAssociation, tableAssociations } from './tgw-route-table.ts';
import { FILTER_VALUES_MAX, WANTED_FOR_MS } from './vpc-route-reads.ts';

interface Snapshot {
  asked: ReadonlySet<string>;
  attachments: readonly TransitGatewayAttachment[];
}

const wantedByClient = new WeakMap<EC2Client, Map<string, number>>();

/** Every attachment on these TGWs (and on every TGW asked about recently): one read shared by every object. */
export async function attachmentsOn(ec2: EC2Client, transitGatewayIds: readonly string[], now: () => number = Date.now): Promise<TransitGatewayAttachment[]> {
  let wanted = wantedByClient.get(ec2);
  if (!wanted) {
    wanted = new Map();
    wantedByClient.set(ec2, wanted);
  }
  const at = now();
  for (const [id, last] of wanted) if (at - last > WANTED_FOR_MS) wanted.delete(id);
  for (const id of transitGatewayIds) wanted.set(id, at);
  const ids = wanted;
  const fetch = () => readAttachments(ec2, [...ids.keys()]);
  const reads = sharedReads(ec2);
  let snap = await reads.read('attachments', '', fetch);
  if (transitGatewayIds.some((id) => !snap.asked.has(id))) snap = await reads.read('attachments', '', fetch, { fresh: true });
  const mine = new Set(transitGatewayIds);
  return snap.attachments.filter((a) => a.TransitGatewayId && mine.has(a.TransitGatewayId));
}

async function readAttachments(ec2: EC2Client, ids: string[]): Promise<Snapshot> {
  const attachments: TransitGatewayAttachment[] = [];
  for (let i = 0; i < ids.length; i += FILTER_VALUES_MAX) {
    const chunk = ids.slice(i, i + FILTER_VALUES_MAX);
    attachments.push(
      ...(await collectPaginator(
        ec2Sdk.paginateDescribeTransitGatewayAttachments({ client: ec2, stopOnSameToken: true }, { Filters: [{ Name: 'transit-gateway-id', Values: chunk }] }),
        (p) => p.TransitGatewayAttachments,
      )),
    );
  }
  return { asked: new Set(ids), attachments };
}

/**
 * The attachment's association with this table, or undefined when it has none there. Pure: the
 * list is the shared read above. `known` is false when the list does not hold the attachment.
 */
export function associationIn(
  attachments: readonly TransitGatewayAttachment[],
  routeTableId: string,
  attachmentId: string,
): { known: boolean; association?: Association } {
  const a = attachments.find((x) => x.TransitGatewayAttachmentId === attachmentId);
  if (!a) return { known: false };
  const assoc = a.Association;
  if (!assoc?.TransitGatewayRouteTableId || assoc.TransitGatewayRouteTableId !== routeTableId) return { known: true };
  // 'disassociated' is no association at all; associating/disassociating are moves in progress.
  if (assoc.State === 'disassociated') return { known: true };
  return {
    known: true,
    association: {
      attachmentId,
      ...(a.ResourceType && { resourceType: a.ResourceType }),
      ...(a.ResourceId && { resourceId: a.ResourceId }),
      state: assoc.State ?? 'unknown',
    },
  };
}

/** The association of one attachment on this TGW with one table: from the region's shared list, else from the table. */
export async function associationOf(ec2: EC2Client, transitGatewayId: string, routeTableId: string, attachmentId: string): Promise<Association | undefined> {
  const seen = associationIn(await attachmentsOn(ec2, [transitGatewayId]), routeTableId, attachmentId);
  if (seen.known) return seen.association;
  return (await tableAssociations(ec2, routeTableId)).find((a) => a.attachmentId === attachmentId);
}

/**
 * Whichever table the attachment is associated with now (ours or anyone's), from the region's
 * shared list, else read for this attachment alone: what an adopted attachment's owner set up.
 */
export async function anyAssociationOf(
  ec2: EC2Client,
  transitGatewayId: string,
  attachmentId: string,
): Promise<{ routeTableId: string; state: string } | undefined> {
  const a = (await attachmentsOn(ec2, [transitGatewayId])).find((x) => x.TransitGatewayAttachmentId === attachmentId);
  if (!a) return currentAssociation(ec2, attachmentId);
  const assoc = a.Association;
  if (!assoc?.TransitGatewayRouteTableId || assoc.State === 'disassociated') return undefined;
  return { routeTableId: assoc.TransitGatewayRouteTableId, state: assoc.State ?? 'unknown' };
}
