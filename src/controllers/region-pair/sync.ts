// RegionPair: both sides (account, TGW, route table, VPC attachments), then the peering, then
// routes and flow logs; status carries every ID, per-route state and what drifted.
import { defaultRegionPairSpec } from '../../api/defaults.ts';
import type { RegionPair, RegionPairStatus } from '../../api/types.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import { ready } from '../../runtime/conditions.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext, SyncResult } from '../shared/lifecycle.ts';
import { ownerOf } from '../shared/owner.ts';
import { SyncError } from '../shared/sync-error.ts';
import { syncFlowLogs } from './flow-logs.ts';
import { syncPairOverview } from './overview.ts';
import { syncPeering } from './peering.ts';
import { syncRoutes } from './routes.ts';
import { resolveAccount, syncSide } from './side.ts';

/** How soon to look again while AWS is still moving (peering acceptance, associations). */
export const WAIT_REQUEUE_MS = 5_000;

/** `driftIntervalMs`: the manager's, which paces how often unchanged TGW route tables are read. */
export async function syncRegionPair(deps: ControllerDeps, obj: RegionPair, ctx: SyncContext, driftIntervalMs?: number): Promise<SyncResult<RegionPairStatus>> {
  const spec = defaultRegionPairSpec(obj.spec);
  const owner = ownerOf(obj, deps);
  const prev = obj.status ?? {};

  // Reaching both sides first: a wrong role fails here, before anything is created.
  const [pAcct, sAcct] = await Promise.all([resolveAccount(deps.aws, 'primary', spec.primary), resolveAccount(deps.aws, 'secondary', spec.secondary)]);
  const p = await syncSide(deps.aws, owner, 'primary', spec.primary, pAcct, ctx, prev.primary);
  const s = await syncSide(deps.aws, owner, 'secondary', spec.secondary, sAcct, ctx, prev.secondary);

  const peering = await syncPeering(owner, p, s, prev.peering?.attachmentId, ctx);
  const previousRoutes = prev.routes ?? [];
  const routes = peering.available
    ? [
        await syncRoutes(p, s, peering.attachmentId, previousRoutes, ctx, driftIntervalMs),
        await syncRoutes(s, p, peering.attachmentId, previousRoutes, ctx, driftIntervalMs),
      ]
    : [];
  if (spec.flowLogs?.enabled) {
    const fl = { ...spec.flowLogs, logGroupName: spec.flowLogs.logGroupName, retentionDays: spec.flowLogs.retentionDays };
    await syncFlowLogs(deps.aws, owner, p, fl, ctx);
    await syncFlowLogs(deps.aws, owner, s, fl, ctx);
  }

  const drift = [...p.drift, ...s.drift];
  if (drift.length && !ctx.plan.dryRun) ctx.warn('DriftRepaired', `changed outside the controller and put back: ${drift.join('; ')}`);
  const conflicts = routes.flatMap((r) => r.conflicts);
  // A route someone else holds is never overwritten: Synced=False (reason RouteConflict, naming
  // the table and CIDR) and its Warning Event come from the lifecycle, through partialError. A dry
  // run only reports it.
  const conflictMessage = `routes not programmed because another target holds the CIDR: ${conflicts.join('; ')}`;
  if (conflicts.length && ctx.plan.dryRun) ctx.warn('RouteConflict', conflictMessage);
  const conflictError = conflicts.length && !ctx.plan.dryRun ? new SyncError(conflictMessage, 'RouteConflict') : undefined;
  const pending = [...p.pending, ...s.pending];
  const routesProgrammed = peering.available && routes.every((r) => r.programmed) && pending.length === 0;

  const conditions: ConditionInput[] = [
    peering.available
      ? { type: 'PeeringAvailable', status: 'True', reason: 'Available', message: peering.message }
      : { type: 'PeeringAvailable', status: 'False', reason: peering.state ? `Peering${cap(peering.state)}` : 'PeeringMissing', message: peering.message },
    routesProgrammed
      ? {
          type: 'RoutesProgrammed',
          status: 'True',
          reason: 'Programmed',
          message: `Routes to ${spec.secondary.cidrs.join(', ')} and ${spec.primary.cidrs.join(', ')} are in place.`,
        }
      : {
          type: 'RoutesProgrammed',
          status: 'False',
          reason: conflicts.length ? 'RouteConflict' : 'Waiting',
          message: conflicts.length
            ? `Conflicting routes: ${conflicts.join('; ')}. Remove them or change spec cidrs.`
            : pending.length
              ? `Waiting for associations: ${pending.join(', ')}.`
              : 'Waiting for the peering.',
        },
  ];
  const allReady = peering.available && routesProgrammed && !ctx.plan.dryRun;
  const defaultsWarnings = [p.defaultsWarning, s.defaultsWarning].filter((w): w is string => !!w);
  if (defaultsWarnings.length) {
    const before = prev.conditions?.find((c) => c.type === 'TransitGatewayDefaults');
    if (before?.reason !== 'AdoptedDefaultsOn') ctx.warn('AdoptedTransitGatewayDefaultsOn', defaultsWarnings.join(' '));
    conditions.push({ type: 'TransitGatewayDefaults', status: 'False', reason: 'AdoptedDefaultsOn', message: defaultsWarnings.join(' ') });
  } else {
    conditions.push({
      type: 'TransitGatewayDefaults',
      status: 'True',
      reason: 'DefaultsDisabled',
      message: 'Default route-table association and propagation are off on both transit gateways.',
    });
  }
  conditions.push(
    allReady
      ? ready.available()
      : ready.creating(ctx.plan.dryRun ? 'Dry run: nothing is created.' : peering.available ? 'Programming routes.' : peering.message),
  );

  const status: RegionPairStatus = {
    primary: p.status,
    secondary: s.status,
    peering: { ...(peering.attachmentId && { attachmentId: peering.attachmentId }), ...(peering.state && { state: peering.state }) },
    routes: routes.flatMap((r) => r.routes),
    ...(drift.length ? { drift } : {}),
  };
  Object.assign(status, await syncPairOverview(deps, obj, status, ctx));
  return {
    status,
    conditions,
    ...(!allReady && !ctx.plan.dryRun && { requeueAfterMs: WAIT_REQUEUE_MS }),
    ...(conflictError && { partialError: conflictError }),
  };
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
