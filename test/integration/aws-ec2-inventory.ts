// What the aws-ec2-* tests read back to check the modules' tags: everything of one cluster in a
// region, one tag-filtered, paginated Describe per kind (through the modules' own describe
// functions, so their pagination and filters are exercised too), then one owner's share of it.
// Test-only: the controller observes each object through the modules' observe().
import type {
  EC2Client,
  Filter,
  FlowLog,
  TransitGateway,
  TransitGatewayPeeringAttachment,
  TransitGatewayRouteTable,
  TransitGatewayVpcAttachment,
} from '@aws-sdk/client-ec2';
import { describeFlowLogs } from '../../src/aws/ec2/flow-logs.ts';
import { describePeerings } from '../../src/aws/ec2/peering.ts';
import { describeRouteTables } from '../../src/aws/ec2/tgw-route-table.ts';
import { describeTransitGateways } from '../../src/aws/ec2/transit-gateway.ts';
import { describeVpcAttachments } from '../../src/aws/ec2/vpc-attachment.ts';
import { isOwnedBy, TAG_KEYS, type TagsLike, tagsToMap } from '../../src/aws/tags.ts';
import type { Owner } from '../../src/aws/types.ts';

export interface Ec2Inventory {
  transitGateways: TransitGateway[];
  routeTables: TransitGatewayRouteTable[];
  vpcAttachments: TransitGatewayVpcAttachment[];
  peerings: TransitGatewayPeeringAttachment[];
  flowLogs: FlowLog[];
}

export interface InventoryExtras {
  /** Adopted TGWs carry no tags of ours: read by id (one more call when non-empty). */
  transitGatewayIds?: string[];
  /** Peerings seen from the accepter side carry no tags there: read by id. */
  peeringIds?: string[];
}

/**
 * Everything of this cluster in the client's region: 5 calls (+1 per non-empty extra).
 * Some Describe calls ignore tag filters (moto: route tables, VPC attachments), so the
 * cluster tag is checked again on what comes back.
 */
export async function describeAllOwned(ec2: EC2Client, clusterId: string, extras: InventoryExtras = {}): Promise<Ec2Inventory> {
  const byCluster: Filter[] = [{ Name: `tag:${TAG_KEYS.cluster}`, Values: [clusterId] }];
  const ours = <T extends { Tags?: TagsLike | undefined }>(items: T[]) => items.filter((i) => tagsToMap(i.Tags)[TAG_KEYS.cluster] === clusterId);
  const [transitGateways, adopted, routeTables, vpcAttachments, peerings, peeringsById, flowLogs] = await Promise.all([
    describeTransitGateways(ec2, byCluster).then(ours),
    extras.transitGatewayIds?.length ? describeTransitGateways(ec2, [{ Name: 'transit-gateway-id', Values: extras.transitGatewayIds }]) : [],
    describeRouteTables(ec2, byCluster).then(ours),
    describeVpcAttachments(ec2, byCluster).then(ours),
    describePeerings(ec2, byCluster).then(ours),
    extras.peeringIds?.length ? describePeerings(ec2, [], extras.peeringIds) : [],
    describeFlowLogs(ec2, byCluster).then(ours),
  ]);
  return {
    transitGateways: unique([...transitGateways, ...adopted], (t) => t.TransitGatewayId),
    routeTables,
    vpcAttachments,
    peerings: unique([...peerings, ...peeringsById], (p) => p.TransitGatewayAttachmentId),
    flowLogs,
  };
}

/** One owner's share of an inventory (adopted TGWs and accepter-side peerings are kept: they are matched by id). */
export function inventoryOf(inv: Ec2Inventory, owner: Owner, ids: InventoryExtras = {}): Ec2Inventory {
  const mine = <T extends { Tags?: TagsLike | undefined }>(items: T[]) => items.filter((i) => isOwnedBy(i.Tags, owner));
  const tgwIds = new Set(ids.transitGatewayIds ?? []);
  const peeringIds = new Set(ids.peeringIds ?? []);
  return {
    transitGateways: inv.transitGateways.filter((t) => isOwnedBy(t.Tags, owner) || tgwIds.has(t.TransitGatewayId ?? '')),
    routeTables: mine(inv.routeTables),
    vpcAttachments: mine(inv.vpcAttachments),
    peerings: inv.peerings.filter((p) => isOwnedBy(p.Tags, owner) || peeringIds.has(p.TransitGatewayAttachmentId ?? '')),
    flowLogs: mine(inv.flowLogs),
  };
}

function unique<T>(items: T[], key: (t: T) => string | undefined): T[] {
  const seen = new Map<string, T>();
  for (const i of items) {
    const k = key(i);
    if (k && !seen.has(k)) seen.set(k, i);
  }
  return [...seen.values()];
}
