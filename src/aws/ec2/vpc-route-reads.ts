// The user's VPC route tables that the pairs of one (account, region) route through our TGWs,
// read for all of them at once: each pair names its tables, the names are remembered for a
// while, and one paginated DescribeRouteTables filtered by all remembered ids serves every pair
// within the shared-read window. So a drift pass costs one read per region (per 200 tables),
// not one per pair. Our own CreateRoute / ReplaceRoute / DeleteRoute through the client drop
// the cached read (shared-reads.ts), so the pass after a write reads again.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ec2Sdk } from '../sdk.ts';
import { collectPaginator } from './pages.ts';
import { sharedReads } from './shared-reads.ts';
import { toVpcRouteTableRoutes, type VpcRouteTableRoutes } from './vpc-routes.ts';

/** AWS takes at most 200 values in one filter. */
export const FILTER_VALUES_MAX = 200;
/** A table no pair asked for in this long is no longer read (a pair that changed its spec, or is gone). */
export const WANTED_FOR_MS = 60 * 60_000;

interface Snapshot {
  /** The ids the read asked for: an id asked and not returned is a table that does not exist. */
  asked: ReadonlySet<string>;
  tables: ReadonlyMap<string, VpcRouteTableRoutes>;
}

const wantedByClient = new WeakMap<EC2Client, Map<string, number>>();

/** An error shaped as AWS's own for an unknown route table id (what DescribeRouteTables by id answers). */
export class RouteTableNotFound extends Error {
  override readonly name = 'InvalidRouteTableID.NotFound';
  constructor(readonly ids: string[]) {
    super(`The route tables ${ids.join(', ')} do not exist`);
  }
}

/**
 * The routes of these tables, from the region's shared read of every table some pair asked for
 * recently. Throws RouteTableNotFound (a NotFound error) when one of them does not exist.
 */
export async function sharedVpcRoutes(ec2: EC2Client, routeTableIds: readonly string[], now: () => number = Date.now): Promise<VpcRouteTableRoutes[]> {
  if (routeTableIds.length === 0) return [];
  const wanted = wantedOf(ec2, routeTableIds, now());
  const reads = sharedReads(ec2);
  const fetch = () => readTables(ec2, [...wanted.keys()]);
  let snap = await reads.read('vpc-route-tables', '', fetch);
  // A table first asked for after the cached read was made: read again with it, for everyone.
  if (routeTableIds.some((id) => !snap.asked.has(id))) snap = await reads.read('vpc-route-tables', '', fetch, { fresh: true });
  const missing = routeTableIds.filter((id) => !snap.tables.has(id));
  if (missing.length) throw new RouteTableNotFound(missing);
  return routeTableIds.map((id) => snap.tables.get(id) as VpcRouteTableRoutes);
}

function wantedOf(ec2: EC2Client, ids: readonly string[], at: number): Map<string, number> {
  let wanted = wantedByClient.get(ec2);
  if (!wanted) {
    wanted = new Map();
    wantedByClient.set(ec2, wanted);
  }
  for (const [id, last] of wanted) if (at - last > WANTED_FOR_MS) wanted.delete(id);
  for (const id of ids) wanted.set(id, at);
  return wanted;
}

/** By filter, not RouteTableIds: one unknown id would fail the whole call for every pair. */
async function readTables(ec2: EC2Client, ids: string[]): Promise<Snapshot> {
  const tables = new Map<string, VpcRouteTableRoutes>();
  for (let i = 0; i < ids.length; i += FILTER_VALUES_MAX) {
    const chunk = ids.slice(i, i + FILTER_VALUES_MAX);
    const found = await collectPaginator(
      ec2Sdk.paginateDescribeRouteTables({ client: ec2, stopOnSameToken: true }, { Filters: [{ Name: 'route-table-id', Values: chunk }] }),
      (p) => p.RouteTables,
    );
    for (const t of found) if (t.RouteTableId) tables.set(t.RouteTableId, toVpcRouteTableRoutes(t));
  }
  return { asked: new Set(ids), tables };
}
