// The client's static routes: its CIDRs → its attachment, in the pair's route table on its side.
// Only CIDRs this client programmed (status.routes) are ever removed: its attachment may carry
// other clients' routes and hand-added ones. Anything else holding a CIDR we want is a conflict,
// reported, never overwritten.
// When status already records exactly the desired routes and no drift check is due, nothing is
// read: hundreds of unchanged clients cost no EC2 call per resync.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RouteStatus } from '../../api/types.ts';
import { staticRoutesOf } from '../../aws/ec2/tgw-route-reads.ts';
import { applyTgwRoutePlan, isEmptyPlan, listStaticRoutes, normalizeCidr, planTgwRoutes, type TgwRoute } from '../../aws/ec2/tgw-routes.ts';
import { isNotFound } from '../../aws/errors.ts';
import type { SyncContext } from '../shared/lifecycle.ts';

export interface ClientRouteInput {
  ec2: EC2Client;
  region: string;
  routeTableId: string;
  attachmentId: string;
  /** Empty when spec.routes is false: ours are removed. */
  cidrs: string[];
  previous: RouteStatus[];
  verify: boolean;
  /** The manager's drift interval: paces the rotation of unchanged tables' reads (tgw-route-reads.ts). */
  driftIntervalMs?: number;
}

export interface ClientRouteResult {
  routes: RouteStatus[];
  conflicts: string[];
  /** True when nothing was read (status already matched the spec). */
  skipped: boolean;
}

export const desiredRouteStatus = (i: Pick<ClientRouteInput, 'region' | 'routeTableId' | 'attachmentId' | 'cidrs'>): RouteStatus[] =>
  [...new Set(i.cidrs.map(normalizeCidr))].sort().map((destinationCidr) => ({
    region: i.region,
    routeTableId: i.routeTableId,
    destinationCidr,
    target: i.attachmentId,
    state: 'active',
  }));

const sameRoutes = (a: RouteStatus[], b: RouteStatus[]): boolean =>
  a.length === b.length &&
  a.every((r, i) => {
    const o = b[i];
    return (
      !!o &&
      r.region === o.region &&
      r.routeTableId === o.routeTableId &&
      r.destinationCidr === o.destinationCidr &&
      r.target === o.target &&
      r.state === o.state
    );
  });

export async function syncClientRoutes(i: ClientRouteInput, ctx: SyncContext): Promise<ClientRouteResult> {
  const want = desiredRouteStatus(i);
  const previous = [...i.previous].sort((a, b) => (a.destinationCidr < b.destinationCidr ? -1 : 1));
  const unchanged = sameRoutes(want, previous);
  if (!i.verify && unchanged) return { routes: previous, conflicts: [], skipped: true };
  const ours = previous.filter((r) => r.routeTableId === i.routeTableId);
  // A drift check of unchanged routes reads the table on the region's rotation, shared with the
  // pair and the other clients in it. Changed routes (a new client) are read now, and only the
  // CIDRs this plan can touch (wanted or recorded as ours): the table holds every other client's
  // routes too, a whole table per new client.
  const current = unchanged
    ? await staticRoutesOf(i.ec2, i.routeTableId, i.driftIntervalMs !== undefined ? { intervalMs: i.driftIntervalMs } : {})
    : await listStaticRoutes(
        i.ec2,
        i.routeTableId,
        [...want, ...ours].map((r) => r.destinationCidr),
      );

  const plan = planTgwRoutes({
    desired: want.map((r) => ({ destinationCidr: r.destinationCidr, attachmentId: i.attachmentId })),
    current,
    // The attachment may have changed in the spec: routes to the old one are ours to replace.
    managedAttachmentIds: [...new Set([i.attachmentId, ...ours.map((r) => r.target)])],
    previouslyProgrammed: ours.map((r) => r.destinationCidr),
    allowRemoveAll: true,
    // The attachment carries other clients' and hand-added routes: only CIDRs we recorded go.
    onlyRecorded: true,
  });
  if (!isEmptyPlan(plan)) {
    const detail = [
      plan.add.length ? `add ${plan.add.map((r) => r.destinationCidr).join(', ')}` : '',
      plan.replace.length ? `replace ${plan.replace.map((r) => r.destinationCidr).join(', ')}` : '',
      plan.remove.length ? `remove ${plan.remove.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    const action = plan.add.length || plan.replace.length ? 'Update' : 'Delete';
    await ctx.plan.apply({ action, resource: 'TransitGatewayRoutes', region: i.region, detail: `${detail} in ${i.routeTableId} → ${i.attachmentId}` }, () =>
      applyTgwRoutePlan(i.ec2, i.routeTableId, plan),
    );
    if (!ctx.plan.dryRun) ctx.normal('RoutesUpdated', `Routes in ${i.routeTableId} (${i.region}): ${detail} → ${i.attachmentId}.`);
  }
  const conflicted = new Set(plan.conflicts.map((c) => c.destinationCidr));
  const routes = want.filter((r) => !conflicted.has(r.destinationCidr));
  const conflicts = plan.conflicts.map((c) => `${c.destinationCidr} is routed to ${c.currentAttachmentIds.join(', ') || 'a blackhole'} in ${i.routeTableId}`);
  return { routes: ctx.plan.dryRun ? previous : routes, conflicts, skipped: false };
}

/** Routes this client left in another table (its side or the pair changed): removed, ours only. */
export async function removeStaleRoutes(
  ec2Of: (region: string) => EC2Client | undefined,
  previous: RouteStatus[],
  keepTableId: string | undefined,
  ctx: SyncContext,
): Promise<void> {
  const stale = previous.filter((r) => r.routeTableId && r.routeTableId !== keepTableId);
  const byTable = new Map<string, RouteStatus[]>();
  for (const r of stale) byTable.set(r.routeTableId as string, [...(byTable.get(r.routeTableId as string) ?? []), r]);
  for (const [table, rs] of byTable) {
    const region = rs[0]?.region ?? '';
    const ec2 = ec2Of(region);
    if (!ec2) continue;
    const current = await listOrNone(ec2, table);
    if (!current) continue;
    const plan = planTgwRoutes({
      desired: [],
      current,
      managedAttachmentIds: [...new Set(rs.map((r) => r.target))],
      previouslyProgrammed: rs.map((r) => r.destinationCidr),
      allowRemoveAll: true,
      onlyRecorded: true,
    });
    if (isEmptyPlan(plan)) continue;
    await ctx.plan.apply(
      { action: 'Delete', resource: 'TransitGatewayRoutes', region, detail: `${plan.remove.join(', ')} in ${table}` },
      () => applyTgwRoutePlan(ec2, table, plan),
      () => `routes ${plan.remove.join(', ')} in ${table}`,
    );
  }
}

/** A route table that is gone holds no routes of ours. */
async function listOrNone(ec2: EC2Client, table: string): Promise<TgwRoute[] | undefined> {
  try {
    return await listStaticRoutes(ec2, table);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
