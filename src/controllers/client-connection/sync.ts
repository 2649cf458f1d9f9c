// ClientConnection: check the reference (before any AWS call), wait for the pair's side, then
// routes and CloudWatch — each skipped without a single AWS call when status already records
// the desired state and no drift check is due.
import { defaultClientConnectionSpec } from '../../api/defaults.ts';
import { ANNOTATIONS, type ClientConnection, type ClientConnectionStatus, type Condition } from '../../api/types.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import { ready } from '../../runtime/conditions.ts';
import { keyString } from '../../runtime/reconciler.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { DriftChecks, PartRetries } from '../shared/drift-checks.ts';
import type { SyncContext, SyncResult } from '../shared/lifecycle.ts';
import { ownerOf } from '../shared/owner.ts';
import { targetOf } from '../shared/target.ts';
import { QUERIES_CONDITION, syncObservability } from './observability.ts';
import { pairKeyOf, resolvePair } from './pair.ts';
import { removeStaleRoutes, syncClientRoutes } from './routes.ts';

/** How soon to look again while the pair's side is not there yet (its watch also wakes us). */
export const PAIR_WAIT_MS = 10_000;

export interface Trackers {
  drift: DriftChecks;
  queryRetries: PartRetries;
  /** The manager's drift interval (paces the shared TGW route table reads). */
  driftIntervalMs?: number;
}

export async function syncClientConnection(
  deps: ControllerDeps,
  t: Trackers,
  obj: ClientConnection,
  ctx: SyncContext,
): Promise<SyncResult<ClientConnectionStatus>> {
  const spec = defaultClientConnectionSpec(obj.spec);
  const ps = resolvePair(deps.manager, obj);
  const { conditions: prevConds, plannedChanges: _planned, ...prev } = obj.status ?? {};
  const pk = pairKeyOf(obj);
  if (!ps.ready) {
    return {
      status: prev,
      conditions: [
        ready.unavailable(`Waiting for RegionPair ${keyString(pk)} to create its ${spec.side} Transit Gateway and route table.`, 'RegionPairNotReady'),
      ],
      requeueAfterMs: PAIR_WAIT_MS,
    };
  }
  if (!ps.flowLogsEnabled) {
    ctx.warn(
      'FlowLogsDisabled',
      `RegionPair ${keyString(pk)} has no flow logs enabled: the dashboard queries ` +
        `over ${ps.logGroupName} will show no data until spec.flowLogs.enabled is true.`,
    );
  }

  const key = keyString({ namespace: obj.metadata.namespace, name: obj.metadata.name });
  const token = obj.metadata.annotations?.[ANNOTATIONS.reconcileNow];
  const now = ctx.now.getTime();
  const verify = t.drift.due(key, token, now);
  const target = targetOf(ps.side);
  const region = ps.side.region;
  const previousRoutes = prev.routes ?? [];

  // Routes first: they are what carries the client's traffic.
  const ec2 = deps.aws.ec2(target);
  // After a change of spec.side the old routes are in the other side's table (and region).
  const sideIn = (r: string) => (['primary', 'secondary'] as const).map((s) => ps.pair.spec[s]).find((s) => s.region === r);
  await removeStaleRoutes((r) => (r === region ? ec2 : sideIn(r) && deps.aws.ec2(targetOf(sideIn(r)!))), previousRoutes, ps.ready.routeTableId, ctx);
  const routes = await syncClientRoutes(
    {
      ec2,
      region,
      routeTableId: ps.ready.routeTableId,
      attachmentId: spec.attachment.id,
      cidrs: spec.routes ? spec.client.cidrs : [],
      previous: previousRoutes.filter((r) => r.routeTableId === ps.ready?.routeTableId),
      verify,
      ...(t.driftIntervalMs !== undefined && { driftIntervalMs: t.driftIntervalMs }),
    },
    ctx,
  );
  if (routes.conflicts.length)
    ctx.warn('RouteConflict', `client routes not programmed: ${routes.conflicts.join('; ')}. Remove those routes or change spec.client.cidrs.`);

  const obs = await syncObservability(
    deps.aws,
    {
      owner: ownerOf(obj, deps),
      pairOwner: ownerOf(ps.pair, deps),
      spec,
      target,
      accountId: ps.ready.status.accountId ?? (await deps.aws.accountId(target)),
      transitGatewayId: ps.ready.transitGatewayId,
      logGroupName: ps.logGroupName,
      previous: prev,
      ...(previousQueries(prevConds) && { previousQueries: previousQueries(prevConds) }),
      verify,
      retryQueries: t.queryRetries.due(key, now),
    },
    ctx,
  );
  for (const w of obs.warnings) ctx.warn('ObservabilityWarning', w);
  if (obs.queriesFailed) ctx.warn('QueryDefinitionsFailed', obs.queries.message);

  if (verify && !ctx.plan.dryRun) t.drift.checked(key, token, now);
  const retryIn = obs.queriesFailed ? t.queryRetries.failed(key, now) : undefined;
  if (!obs.queriesFailed && obs.queries.status === 'True') t.queryRetries.succeeded(key);
  const routesOk = routes.conflicts.length === 0;
  const conditions: ConditionInput[] = [
    routesOk
      ? {
          type: 'RoutesProgrammed',
          status: 'True',
          reason: spec.routes ? 'Programmed' : 'Disabled',
          message: spec.routes
            ? `${spec.client.cidrs.join(', ')} → ${spec.attachment.id} in ${ps.ready.routeTableId} (${region}).`
            : 'spec.routes is false: no static routes are managed.',
        }
      : {
          type: 'RoutesProgrammed',
          status: 'False',
          reason: 'RouteConflict',
          message: `Conflicting routes: ${routes.conflicts.join('; ')}. Remove them or change spec.client.cidrs.`,
        },
    obs.queries,
  ];
  const allReady = routesOk && !ctx.plan.dryRun;
  conditions.push(
    allReady
      ? ready.available(`Dashboard ${obs.status.dashboardName}, ${obs.status.alarmNames?.length ?? 0} alarms and the routes are in place.`)
      : ready.unavailable(
          ctx.plan.dryRun ? 'Dry run: nothing is created.' : 'Client routes conflict with existing routes; see RoutesProgrammed.',
          ctx.plan.dryRun ? 'DryRun' : 'RouteConflict',
        ),
  );

  const status: ClientConnectionStatus = { ...prev, ...obs.status, routes: routes.routes, region };
  return { status, conditions, ...(retryIn !== undefined && { requeueAfterMs: retryIn }) };
}

function previousQueries(conds: Condition[] | undefined): ConditionInput | undefined {
  const c = conds?.find((x) => x.type === QUERIES_CONDITION);
  return c && { type: c.type, status: c.status, reason: c.reason, message: c.message };
}
