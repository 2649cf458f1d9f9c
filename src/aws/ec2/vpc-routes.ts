// Routes in the user's VPC route tables that send the peer side's CIDRs to our TGW. These
// tables belong to the user: we only ever create, replace or delete routes whose target is
// our TGW (or a TGW of ours that was replaced), and a route for a wanted CIDR that goes
// elsewhere is reported as a conflict, never overwritten.
import type { EC2Client, Route, RouteTable } from '@aws-sdk/client-ec2';
import { isAlreadyExists, isNotFound } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';
import { normalizeCidr } from './tgw-routes.ts';

export interface VpcRoute {
  destinationCidr: string;
  /** The route's target id (tgw-…, igw-…, local, pcx-…), 'unknown' when none is named. */
  target: string;
  state: string;
  /** CreateRouteTable (the local route) | CreateRoute | EnableVgwRoutePropagation */
  origin?: string;
}

export interface VpcRouteTableRoutes {
  routeTableId: string;
  routes: VpcRoute[];
}

export interface VpcRoutePlanInput {
  transitGatewayId: string;
  /** We created the TGW: every route to it is ours. For an adopted TGW see previouslyProgrammed. */
  transitGatewayOwned: boolean;
  /** Earlier TGWs of ours for this side (replaced): their routes are ours to move or remove. */
  formerTransitGatewayIds?: string[];
  /**
   * Routes we programmed before (status.routes, without the ones that were there first); with an
   * adopted TGW only these are removed. A bare CIDR counts in every table; a table and CIDR only
   * in that table (a route we made in one table may have been there already in another).
   */
  previouslyProgrammed?: Array<string | VpcRouteChange>;
  desiredCidrs: string[];
  tables: VpcRouteTableRoutes[];
  /** An empty desired set removes nothing unless this is set (guards against a half-read spec). */
  allowRemoveAll?: boolean;
}

export interface VpcRouteChange {
  routeTableId: string;
  destinationCidr: string;
}

export interface VpcRouteConflict extends VpcRouteChange {
  currentTarget: string;
}

export interface VpcRoutePlan {
  create: VpcRouteChange[];
  /** Ours but to a former TGW: ReplaceRoute to the current one. */
  replace: VpcRouteChange[];
  remove: VpcRouteChange[];
  conflicts: VpcRouteConflict[];
  unchanged: VpcRouteChange[];
}

export const isEmptyVpcPlan = (p: VpcRoutePlan): boolean => !p.create.length && !p.replace.length && !p.remove.length;

export function planVpcRoutes(input: VpcRoutePlanInput): VpcRoutePlan {
  const former = new Set(input.formerTransitGatewayIds ?? []);
  const before = new Set(
    (input.previouslyProgrammed ?? []).map((p) => (typeof p === 'string' ? normalizeCidr(p) : routeKey(p.routeTableId, p.destinationCidr))),
  );
  const programmedIn = (table: string, cidr: string): boolean => before.has(cidr) || before.has(routeKey(table, cidr));
  const desired = [...new Set(input.desiredCidrs.map(normalizeCidr))];
  const wanted = new Set(desired);
  const plan: VpcRoutePlan = { create: [], replace: [], remove: [], conflicts: [], unchanged: [] };

  for (const table of input.tables) {
    const routes = new Map<string, VpcRoute>();
    for (const r of table.routes) routes.set(normalizeCidr(r.destinationCidr), r);
    const at = (destinationCidr: string): VpcRouteChange => ({ routeTableId: table.routeTableId, destinationCidr });

    for (const cidr of desired) {
      const cur = routes.get(cidr);
      if (!cur) plan.create.push(at(cidr));
      else if (cur.target === input.transitGatewayId) plan.unchanged.push(at(cidr));
      else if (former.has(cur.target) && cur.origin !== 'CreateRouteTable') plan.replace.push(at(cidr));
      else plan.conflicts.push({ ...at(cidr), currentTarget: cur.target });
    }

    if (wanted.size === 0 && !input.allowRemoveAll) continue;
    for (const [cidr, r] of routes) {
      if (wanted.has(cidr) || r.origin === 'CreateRouteTable') continue;
      const toOurs = r.target === input.transitGatewayId && (input.transitGatewayOwned || programmedIn(table.routeTableId, cidr));
      if (toOurs || former.has(r.target)) plan.remove.push(at(cidr));
    }
  }
  return plan;
}

const routeKey = (table: string, cidr: string): string => `${table} ${normalizeCidr(cidr)}`;

/** The routes of the given tables, IPv4 and IPv6 (prefix-list routes are never ours). */
export async function describeVpcRoutes(ec2: EC2Client, routeTableIds: string[]): Promise<VpcRouteTableRoutes[]> {
  if (routeTableIds.length === 0) return [];
  const out = await ec2.send(new ec2Sdk.DescribeRouteTablesCommand({ RouteTableIds: routeTableIds }));
  return (out.RouteTables ?? []).map(toVpcRouteTableRoutes);
}

export function toVpcRouteTableRoutes(t: RouteTable): VpcRouteTableRoutes {
  return {
    routeTableId: t.RouteTableId ?? '',
    routes: (t.Routes ?? []).flatMap((r) => {
      const cidr = r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock;
      return cidr ? [{ destinationCidr: cidr, target: targetOf(r), state: r.State ?? 'unknown', ...(r.Origin && { origin: r.Origin }) }] : [];
    }),
  };
}

export async function applyVpcRoutePlan(ec2: EC2Client, transitGatewayId: string, plan: VpcRoutePlan): Promise<void> {
  for (const c of plan.remove) {
    try {
      await ec2.send(new ec2Sdk.DeleteRouteCommand({ RouteTableId: c.routeTableId, ...destination(c.destinationCidr) }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  for (const c of plan.replace) {
    await ec2.send(new ec2Sdk.ReplaceRouteCommand({ RouteTableId: c.routeTableId, TransitGatewayId: transitGatewayId, ...destination(c.destinationCidr) }));
  }
  for (const c of plan.create) {
    try {
      await ec2.send(new ec2Sdk.CreateRouteCommand({ RouteTableId: c.routeTableId, TransitGatewayId: transitGatewayId, ...destination(c.destinationCidr) }));
    } catch (err) {
      // Someone added it since we looked: the next plan sees whose it is.
      if (!isAlreadyExists(err)) throw err;
    }
  }
}

function destination(cidr: string): { DestinationCidrBlock: string } | { DestinationIpv6CidrBlock: string } {
  return cidr.includes(':') ? { DestinationIpv6CidrBlock: cidr } : { DestinationCidrBlock: cidr };
}

function targetOf(r: Route): string {
  return (
    r.TransitGatewayId ??
    r.GatewayId ??
    r.NatGatewayId ??
    r.VpcPeeringConnectionId ??
    r.NetworkInterfaceId ??
    r.InstanceId ??
    r.EgressOnlyInternetGatewayId ??
    r.LocalGatewayId ??
    r.CarrierGatewayId ??
    r.CoreNetworkArn ??
    'unknown'
  );
}
