// Routes to the other side's CIDRs: static TGW routes via the peering attachment, and routes
// in the listed VPC route tables via the local TGW. Only routes we own are ever removed.
import type { RouteStatus } from '../../api/types.ts';
import { staticRoutesOf } from '../../aws/ec2/tgw-route-reads.ts';
import { applyTgwRoutePlan, isEmptyPlan, normalizeCidr, planTgwRoutes } from '../../aws/ec2/tgw-routes.ts';
import { sharedVpcRoutes } from '../../aws/ec2/vpc-route-reads.ts';
import { applyVpcRoutePlan, isEmptyVpcPlan, planVpcRoutes } from '../../aws/ec2/vpc-routes.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import type { SideState } from './side.ts';

/**
 * status.routes state of a desired VPC route that was already there, to our TGW, before this
 * object made it: listed (traffic flows) but not ours, so never removed by this object.
 */
export const PREEXISTING = 'preexisting';

/** The status.routes entries this object made (and may remove): not the ones that were there first. */
export const programmedByUs = (routes: readonly RouteStatus[]): RouteStatus[] => routes.filter((r) => r.state !== PREEXISTING);

export interface RoutesOutcome {
  routes: RouteStatus[];
  conflicts: string[];
  programmed: boolean;
}

/**
 * `previous`: status.routes of the last pass, so routes we made stay ours even where AWS omits the
 * target. `driftIntervalMs`: the manager's, which paces the rotation of TGW route table reads
 * (tgw-route-reads.ts); VPC route tables come from the region's shared read (vpc-route-reads.ts).
 */
export async function syncRoutes(
  local: SideState,
  peer: SideState,
  peeringId: string | undefined,
  previous: RouteStatus[],
  ctx: SyncContext,
  driftIntervalMs?: number,
): Promise<RoutesOutcome> {
  const out: RoutesOutcome = { routes: [], conflicts: [], programmed: true };
  const region = local.spec.region;
  const peerCidrs = peer.spec.cidrs;
  const rtId = local.status.routeTableId;
  const tgwId = local.tgw?.id;
  if (!rtId || !tgwId || !peeringId) return { ...out, programmed: false };

  const prevTgwRoutes = previous.filter((r) => r.region === region && r.routeTableId === rtId);
  const prevTgw = prevTgwRoutes.map((r) => r.destinationCidr);
  // What status records is not what the spec wants (a new pair, new CIDRs, a new peering, a
  // conflict last time): read the table now rather than trust a cached read.
  const changed = !sameSet(prevTgw, peerCidrs) || prevTgwRoutes.some((r) => r.target !== peeringId || r.state !== 'active');
  const current = await staticRoutesOf(local.ec2, rtId, { fresh: changed, ...(driftIntervalMs !== undefined && { intervalMs: driftIntervalMs }) });
  const plan = planTgwRoutes({
    desired: peerCidrs.map((c) => ({ destinationCidr: c, attachmentId: peeringId })),
    current,
    managedAttachmentIds: [peeringId],
    previouslyProgrammed: prevTgw,
  });
  for (const c of plan.conflicts)
    out.conflicts.push(`${region} ${rtId} ${c.destinationCidr}: ${c.reason} (${c.currentAttachmentIds.join(',') || 'unknown target'})`);
  if (plan.add.length && prevTgw.length) {
    const gone = plan.add.filter((a) => prevTgw.includes(a.destinationCidr));
    if (gone.length) local.drift.push(`${region}: TGW routes ${gone.map((g) => g.destinationCidr).join(', ')} were removed outside the controller`);
  }
  if (!isEmptyPlan(plan)) {
    await ctx.plan.apply(
      {
        action: 'Update',
        resource: 'TransitGatewayRoutes',
        region,
        detail: `${rtId}: +[${[...plan.add, ...plan.replace].map((a) => a.destinationCidr).join(',')}] -[${plan.remove.join(',')}]`,
      },
      () => applyTgwRoutePlan(local.ec2, rtId, plan),
    );
  }
  const conflicted = new Set(plan.conflicts.map((c) => c.destinationCidr));
  for (const c of peerCidrs) {
    out.routes.push({
      region,
      routeTableId: rtId,
      destinationCidr: c,
      target: peeringId,
      state: conflicted.has(c) ? 'conflict' : ctx.plan.dryRun && plan.add.some((a) => a.destinationCidr === c) ? 'planned' : 'active',
    });
  }

  const tables = (local.spec.vpcAttachments ?? []).flatMap((a) => a.routeTableIds ?? []);
  if (tables.length) {
    const prevVpc = programmedByUs(previous)
      .filter((r) => r.region === region && r.routeTableId !== rtId && r.target === tgwId)
      .map((r) => (r.routeTableId ? { routeTableId: r.routeTableId, destinationCidr: r.destinationCidr } : r.destinationCidr));
    const current = await sharedVpcRoutes(local.ec2, tables);
    const vplan = planVpcRoutes({
      transitGatewayId: tgwId,
      transitGatewayOwned: local.tgw?.owned ?? false,
      previouslyProgrammed: prevVpc,
      desiredCidrs: peerCidrs,
      tables: current,
    });
    for (const c of vplan.conflicts) out.conflicts.push(`${region} ${c.routeTableId} ${c.destinationCidr}: routed to ${c.currentTarget}, not to ${tgwId}`);
    const missingBefore = vplan.create.filter((c) =>
      programmedByUs(previous).some((p) => p.routeTableId === c.routeTableId && normalizeCidr(p.destinationCidr) === c.destinationCidr),
    );
    if (missingBefore.length)
      local.drift.push(
        `${region}: VPC routes ${missingBefore.map((m) => `${m.routeTableId} ${m.destinationCidr}`).join(', ')} were removed outside the controller`,
      );
    if (!isEmptyVpcPlan(vplan)) {
      await ctx.plan.apply(
        { action: 'Update', resource: 'VpcRoutes', region, detail: `+${vplan.create.length} ~${vplan.replace.length} -${vplan.remove.length}` },
        () => applyVpcRoutePlan(local.ec2, tgwId, vplan),
      );
    }
    const key = (t: string, c: string) => `${t} ${normalizeCidr(c)}`;
    const vconf = new Set(vplan.conflicts.map((c) => key(c.routeTableId, c.destinationCidr)));
    // A route to an adopted TGW found in place is not ours unless an earlier pass made it: it
    // stays listed, as preexisting, and neither removing the CIDR nor deleting the pair removes
    // it. Every route to a TGW we created is ours (nobody could have made it before us).
    const ours = new Set(prevVpc.map((p) => (typeof p === 'string' ? normalizeCidr(p) : key(p.routeTableId, p.destinationCidr))));
    const found = new Set(
      vplan.unchanged
        .filter((u) => !(local.tgw?.owned ?? false) && !ours.has(key(u.routeTableId, u.destinationCidr)) && !ours.has(u.destinationCidr))
        .map((u) => key(u.routeTableId, u.destinationCidr)),
    );
    for (const t of tables)
      for (const c of peerCidrs) {
        const state = vconf.has(key(t, c)) ? 'conflict' : found.has(key(t, c)) ? PREEXISTING : 'active';
        out.routes.push({ region, routeTableId: t, destinationCidr: c, target: tgwId, state });
      }
  }
  if (out.conflicts.length) out.programmed = false;
  return out;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const x = new Set(a.map(normalizeCidr));
  const y = new Set(b.map(normalizeCidr));
  return x.size === y.size && [...x].every((c) => y.has(c));
};
