// FailoverPolicy: health checks → records (sending traffic to the active side) → the database
// state machine (when spec.database is set) → alarms; status carries the check ids, the health
// of both sides, where traffic and the writer are, and the failover record.
import type { FailoverPolicy, FailoverPolicyStatus, Health } from '../../api/types.ts';
import { changePollMs } from '../../aws/route53/change-status.ts';
import type { Side } from '../../aws/route53/records.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import { COLLECTIONS, type ControllerDeps } from '../shared/deps.ts';
import type { SyncContext, SyncResult } from '../shared/lifecycle.ts';
import { ownerOf } from '../shared/owner.ts';
import { describeError } from '../shared/sync-error.ts';
import { MACHINE_KEYS, machineStatusOf, runDatabase } from './database.ts';
import { type DnsKit, type DnsState, PolicyDns } from './dns.ts';
import { maybeDrill } from './drill.ts';
import { drillOverride, type SwitchoverTiming, withDrillOverride } from './drill-switchover.ts';
import type { Blocked, FailoverStep, MachineStatus, RegionHealth } from './failover-machine.ts';
import { heldForMs, type ReadyCondition, stepIndex } from './failover-ready.ts';
import type { FailbackTiming } from './failover-trigger.ts';
import type { FenceGroups } from './fence-prep.ts';
import { gaOnlyPick, gaReadiness, readGaSideHealth } from './ga-health.ts';
import { syncPolicyAccelerator } from './global-accelerator.ts';
import { gaTarget } from './global-accelerator-dials.ts';
import type { HealthBoard, HealthEntry } from './health-board.ts';
import { syncAlarms } from './policy-alarms.ts';
import { dnsOnlyActiveRegion, dnsOnlyActiveSide, dnsReadiness, halfCondition, readyCondition, shallowNote } from './policy-readiness.ts';
import { requireSideRegions, resolvePolicy, SIDES, sideOfRegion } from './resolve.ts';
import { syncRollout } from './rollout.ts';
import { secretPolicyOf } from './secret.ts';
import { onlyObservedDiffer } from './status-waits.ts';

/** A record claimed by someone else is looked at again this often (it may be removed). */
export const CONFLICT_REQUEUE_MS = 60_000;
export const LAG_REQUEUE_MS = 60_000;

export interface PolicyKit {
  dns: DnsKit;
  board: HealthBoard;
  /** Caps the wait for the next scheduled drill (default 5 minutes). */
  driftIntervalMs?: number;
  /** The operator's failback timing (--failback-stable-period, --failback-cooldown). */
  failback?: FailbackTiming;
  /** Switchover drill timeouts (--drill-catch-up-timeout). */
  switchoverDrill?: SwitchoverTiming;
  /** Writers whose fence group is made ahead of an outage (fence-prep.ts). */
  fenceGroups?: FenceGroups;
}

export async function syncFailoverPolicy(
  deps: ControllerDeps,
  kit: PolicyKit,
  obj: FailoverPolicy,
  ctx: SyncContext,
): Promise<SyncResult<FailoverPolicyStatus>> {
  const r = resolvePolicy(deps, obj);
  requireSideRegions(r);
  const owner = ownerOf(obj, deps);
  const { namespace, name } = obj.metadata;
  const prev: FailoverPolicyStatus = obj.status ?? {};
  const dns = new PolicyDns(deps, kit.dns, r, obj, owner, ctx);

  // The DNS half and the database half fail independently: a Route 53 outage (its control plane
  // lives in us-east-1) must not stop a promotion, and an RDS error must not stop the records.
  let dnsError: unknown;
  const deferred = deferDns(
    {
      // Without spec.dns there is nothing to defer (no Route 53 call), and records "read" earlier must not stand in.
      hasDatabase: !!r.spec.database && !!r.spec.dns,
      mode: r.spec.failover.mode,
      activeSide: sideOfRegion(r, prev.activeRegion) ?? 'primary',
      unhealthyForSeconds: r.spec.failover.unhealthyForSeconds,
    },
    prev,
    kit.board,
    kit.dns.lastState(obj),
    ctx.now,
  );
  if (deferred) dns.adopt(deferred);
  else {
    try {
      await dns.syncChecks();
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      dnsError = err;
    }
  }
  // Checks not re-read this pass are still the ones recorded: health keeps being observed.
  const ids = dnsError ? { ...prev.healthCheckIds, ...dns.state.healthCheckIds } : dns.state.healthCheckIds;
  kit.board.watch(
    `${namespace}/${name}`,
    r.route53,
    Object.values(ids).filter((id): id is string => !!id),
  );
  // Without spec.dns, health is what Global Accelerator says of each side's endpoints (ga-health.ts).
  const gaHealth = r.spec.dns ? undefined : await readGaSideHealth(deps, r, prev, ctx);
  const health = gaHealth?.health ?? sideHealth(kit.board, ids, prev.health, ctx.now.toISOString());
  for (const side of SIDES) deps.metrics.setHealth(namespace, name, side, health[side].state);

  const gaOnly = r.spec.dns || r.spec.database ? undefined : gaOnlyPick(r, health, ctx.now.getTime());
  let active: Side = r.spec.database ? (sideOfRegion(r, prev.activeRegion) ?? 'primary') : (gaOnly?.side ?? dnsOnlyActiveSide(r, health));
  if (deferred) active = deferred.activeSide ?? active;
  else if (!dnsError) {
    try {
      // With a database only the machine's DNS step moves the records: the sync's read says where they are.
      active = await dns.syncRecords(active, { keepZoneSide: !!r.spec.database });
      await dns.retireChecks();
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      dnsError = err;
    }
  }
  if (dnsError) dns.state.error = describeError(dnsError).message;
  if (dns.state.shallow.length > 0 && prev.observedGeneration !== obj.metadata.generation) {
    ctx.warn('ShallowHealthCheck', shallowNote(dns.state.shallow));
  }

  const healthByRegion: Record<string, RegionHealth> = {};
  for (const side of SIDES) {
    const region = r.regions[side];
    if (region) healthByRegion[region] = health[side];
  }
  const dnsFields: FailoverPolicyStatus = {
    ...(Object.keys(ids).length > 0 && { healthCheckIds: ids }),
    health: {
      primary: health.primary.state,
      secondary: health.secondary.state,
      primarySince: health.primary.since,
      secondarySince: health.secondary.since,
      since: [health.primary.since, health.secondary.since].sort().at(-1)!,
    },
  };

  let machine: MachineStatus = machineStatusOf(prev);
  let failoverReady: ReadyCondition;
  let requeueAfterMs: number | undefined;
  let lagSeconds: number | undefined;
  let databaseError: unknown;
  let blocked: Blocked | undefined;
  let rolloutCondition: ConditionInput | undefined;
  let yielded = false;
  // The machine's requeue and when it started counting (DatabaseResult.decidedAt).
  let machineDue: { ms: number; from: number } | undefined;
  if (r.spec.database) {
    const res = await runDatabase({
      deps,
      // A Switchover drill running: the machine makes its region active (drill-switchover.ts).
      r: withDrillOverride(r, drillOverride(prev)),
      obj,
      owner,
      ctx,
      dns,
      health: healthByRegion,
      ...(kit.failback && { failback: kit.failback }),
      ...(kit.fenceGroups && { fenceGroups: kit.fenceGroups }),
      persist: async (m) => {
        const full = compose(obj.status ?? {}, m, dnsFields);
        // The change this pass knows of, not the one the pass started with.
        if (dns.state.pendingChange) full.dnsChange = dns.state.pendingChange;
        else delete full.dnsChange;
        await deps.status.write(COLLECTIONS.FailoverPolicy, obj, full as Record<string, unknown>, { signal: ctx.signal });
        obj.status = { ...full, ...(obj.metadata.generation !== undefined && { observedGeneration: obj.metadata.generation }) };
      },
    });
    machine = res.status;
    failoverReady = res.failoverReady;
    databaseError = res.error;
    blocked = res.blocked;
    yielded = res.yielded === true;
    if (res.requeueAfterMs !== undefined && res.decidedAt !== undefined) machineDue = { ms: res.requeueAfterMs, from: res.decidedAt };
    // Lag is published once a minute: a standby that is not ready yet is looked at again then.
    requeueAfterMs = res.failoverReady.status === 'True' ? res.requeueAfterMs : Math.min(res.requeueAfterMs ?? LAG_REQUEUE_MS, LAG_REQUEUE_MS);
    lagSeconds = res.lagSeconds;
    deps.metrics.replicaLagSeconds.set({ namespace, name }, res.lagSeconds ?? -1);
    // The application cutover: workloads rolled after the Secret changed (never fails the pass).
    const rolled = await syncRollout(deps, secretPolicyOf(obj), r.spec.database.connectionSecret, prev.database?.rollout, ctx);
    if (machine.database) machine = { ...machine, database: { ...machine.database, ...(rolled.rollout && { rollout: rolled.rollout }) } };
    if (machine.database && !rolled.rollout) delete machine.database.rollout;
    rolloutCondition = rolled.condition;
    if (rolled.requeueAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? rolled.requeueAfterMs, rolled.requeueAfterMs);
  } else if (gaOnly) {
    machine = { ...machine, activeRegion: r.regions[active] ?? '' };
    if (!machine.activeRegion) delete machine.activeRegion;
    failoverReady = gaReadiness(active, health);
    if (gaOnly.waitMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? gaOnly.waitMs, gaOnly.waitMs);
  } else {
    machine = { ...machine, activeRegion: dnsOnlyActiveRegion(r, active, health) ?? '' };
    if (!machine.activeRegion) delete machine.activeRegion;
    failoverReady = dnsReadiness(dns, active, health);
  }
  deps.metrics.failoverReady.set({ namespace, name }, failoverReady.status === 'True' ? 1 : 0);

  const healthPending = SIDES.some((side) => !!ids[side] && kit.board.get(ids[side]) === undefined);
  const blockedBy = machine.inProgress
    ? `a ${machine.inProgress.reason} is running`
    : dns.state.conflict
      ? `the production records conflict: ${dns.state.conflict}`
      : undefined;
  const drill = await maybeDrill({
    deps,
    dnsKit: kit.dns,
    r,
    obj,
    owner,
    ctx,
    activeSide: dns.state.activeSide ?? active,
    ready: failoverReady,
    ...(lagSeconds !== undefined && { lagSeconds }),
    ...(blockedBy && { blockedBy }),
    ...(healthPending && { waitFor: 'the first health observation since the controller started' }),
    maxRequeueMs: kit.driftIntervalMs ?? 5 * 60_000,
    machine,
    healthByRegion,
    ...(blocked && { blocked }),
    ...(kit.switchoverDrill && { switchoverTiming: kit.switchoverDrill }),
  });
  if (drill.requeueAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? drill.requeueAfterMs, drill.requeueAfterMs);
  // Records written but not applied: looked at again soon, by requeue, never by waiting here.
  const pending = dns.state.pendingChange;
  if (pending && !ctx.plan.dryRun) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, changePollMs(pending.submittedAt, ctx.now));

  // What this pass read of Route 53 (and wrote) is what a pass that defers the DNS half takes.
  if (!deferred && !dnsError) kit.dns.remember(obj, dns.state);
  const alarmsHash = await syncAlarms(deps, r, owner, prev, machine, ids[active], r.regions[active], ctx);
  // Global Accelerator after the records: the same switch moves its dials; its errors stop neither half.
  const ga = await syncPolicyAccelerator(kit, {
    deps,
    r,
    obj,
    owner,
    ctx,
    ...gaTarget(r, machine, dnsError ? undefined : dns.state.activeSide),
    ...(kit.driftIntervalMs !== undefined && { driftIntervalMs: kit.driftIntervalMs }),
  });
  if (ga.requeueAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? ga.requeueAfterMs, ga.requeueAfterMs);
  // GA health is read by the pass itself: it comes back at the health board's cadence (never waits).
  if (gaHealth) requeueAfterMs = Math.min(requeueAfterMs ?? kit.board.observeIntervalMs, kit.board.observeIntervalMs);
  if (gaHealth?.error !== undefined && ga.error === undefined) {
    ga.error = gaHealth.error;
    ga.condition = {
      type: 'GlobalAcceleratorSynced',
      status: 'False',
      reason: 'HealthReadError',
      message: `reading the endpoint groups' health failed (both sides count as Unknown): ${describeError(gaHealth.error).message}`,
    };
  }
  const status = compose(obj.status ?? {}, machine, {
    ...dnsFields,
    ...(alarmsHash !== undefined ? { alarmsHash } : {}),
    ...(drill.lastDrill && { lastDrill: drill.lastDrill }),
    ...(pending && { dnsChange: pending }),
    ...(drill.inProgress && { drillInProgress: drill.inProgress }),
    ...(ga.status && { globalAccelerator: ga.status }),
    ...(ga.drift && { drift: ga.drift }),
  });
  if (!ga.status) delete status.globalAccelerator;
  if (ga.drift?.length === 0) delete status.drift;
  if (alarmsHash === undefined) delete status.alarmsHash;
  if (!pending) delete status.dnsChange;
  if (!drill.inProgress) delete status.drillInProgress;
  delete status.conditions;
  delete status.plannedChanges;
  delete status.observedGeneration;

  const note = dns.state.shallow.length > 0 ? ` Note: ${shallowNote(dns.state.shallow)}` : '';
  const conflict = dns.state.conflict;
  const conditions: ConditionInput[] = [
    { ...failoverReady, message: failoverReady.message + note },
    pending && dns.state.error === undefined
      ? {
          type: 'DnsSynced',
          status: 'Unknown',
          reason: 'ChangePending',
          message: `Route 53 change ${pending.id} (accepted ${pending.submittedAt}) is not INSYNC yet; it is looked at again shortly.`,
        }
      : deferred
        ? // Route 53 was not read in this pass: what the last pass that read it said still stands.
          (prev.conditions?.find((c) => c.type === 'DnsSynced') ?? halfCondition('DnsSynced', 'Route 53 health checks and records', undefined))
        : !r.spec.dns
          ? {
              type: 'DnsSynced',
              status: 'True',
              reason: 'NotConfigured',
              message: 'spec.dns is not set: no Route 53 records or health checks; Global Accelerator carries the traffic.',
            }
          : halfCondition('DnsSynced', 'Route 53 health checks and records', dns.state.error),
    ...(r.spec.database
      ? [halfCondition('DatabaseSynced', 'the database failover machine', databaseError === undefined ? undefined : describeError(databaseError).message)]
      : []),
    ...(rolloutCondition ? [rolloutCondition] : []),
    conflict
      ? { type: 'DnsConflict', status: 'True', reason: 'RecordConflict', message: `Records at ${r.spec.dns?.recordName} were left alone: ${conflict}` }
      : r.spec.dns
        ? { type: 'DnsConflict', status: 'False', reason: 'NoConflict', message: 'No foreign record holds the name.' }
        : { type: 'DnsConflict', status: 'False', reason: 'NotConfigured', message: 'spec.dns is not set: no records.' },
    ...(ga.condition ? [ga.condition] : []),
    readyCondition(ctx, dns, machine, conflict, blocked, r.spec.dns ? undefined : { status: ga.status?.status }),
  ];
  const last = conditions.at(-1)!;
  if (last.status === 'True') last.message += note;
  if (conflict) requeueAfterMs = Math.min(requeueAfterMs ?? CONFLICT_REQUEUE_MS, CONFLICT_REQUEUE_MS);
  const partialError = databaseError ?? dnsError ?? ga.error;
  // Ended on its promote: the rest of the status goes with the next pass (status-waits.ts).
  const statusWriteWaits = yielded && onlyObservedDiffer(obj.status, status);
  // The machine's timer sets the pace: it counts from its own decision, not from the pass's end.
  const requeueFrom = machineDue && requeueAfterMs === machineDue.ms ? machineDue.from : undefined;
  return {
    status,
    conditions,
    ...(requeueAfterMs !== undefined && { requeueAfterMs }),
    ...(requeueFrom !== undefined && { requeueFrom }),
    ...(partialError !== undefined && { partialError }),
    ...(statusWriteWaits && { statusWriteWaits }),
  };
}

/**
 * The failover first: while the writer's region is Unhealthy (Automatic: a failover is waiting
 * out unhealthyForSeconds or about to start) or a failover has not seen its replica promoted yet,
 * a pass does not re-read Route 53 (two health checks, the zone twice: five calls at the
 * account's 10/s) but takes what the last full pass of the same generation read. With many
 * policies failing over at once, those reads would hold every worker behind the Route 53 bucket
 * while other promotions wait: the pass that follows a promote (PromoteRequested, waiting for the
 * replica to take writes) is one of them. Nothing of the failover up to Promoted needs DNS; the
 * records move after it (switchDns reads and writes Route 53 itself), and passes from Promoted on
 * read Route 53 again. Without such a state (a restart, a spec change, a pending change or a DNS
 * error last time), the pass reads as always.
 */
export function deferDns(
  policy: { hasDatabase: boolean; mode: string; activeSide: Side; unhealthyForSeconds: number },
  prev: FailoverPolicyStatus,
  board: Pick<HealthBoard, 'get'>,
  lastRead: DnsState | undefined,
  now: Date,
): DnsState | undefined {
  if (!policy.hasDatabase || !lastRead) return undefined;
  const nowMs = now.getTime();
  const ip = prev.inProgress;
  if (ip) {
    const notPromotedYet = stepIndex(ip.step as FailoverStep) < stepIndex('Promoted');
    return notPromotedYet && nowMs - Date.parse(ip.startedAt ?? '') <= DEFER_DNS_MAX_MS ? lastRead : undefined;
  }
  if (policy.mode !== 'Automatic') return undefined;
  const active = sideHealth(board, prev.healthCheckIds ?? {}, prev.health, now.toISOString())[policy.activeSide];
  if (active.state !== 'Unhealthy') return undefined;
  return heldForMs(active, nowMs) <= policy.unhealthyForSeconds * 1000 + DEFER_DNS_MAX_MS ? lastRead : undefined;
}

/**
 * A failover that has not got its replica promoted this long after it started (or was due) is held
 * (the RPO guard, an unconfirmed fence, an outage): its passes read Route 53 again, so DnsSynced
 * tells the truth about it while it waits.
 */
export const DEFER_DNS_MAX_MS = 60_000;

/** The object's status with the machine's fields replaced (removed ones removed) and `extra` on top. */
export function compose(base: FailoverPolicyStatus, m: MachineStatus, extra: FailoverPolicyStatus): FailoverPolicyStatus {
  const out: Record<string, unknown> = { ...structuredClone(base) };
  for (const k of MACHINE_KEYS) {
    if (m[k] === undefined) delete out[k];
    else out[k] = m[k];
  }
  return { ...(out as FailoverPolicyStatus), ...extra };
}

/** Health of both sides from the board; `since` survives restarts through status. */
export function sideHealth(
  board: Pick<HealthBoard, 'get'>,
  ids: Partial<Record<Side, string>>,
  prev: FailoverPolicyStatus['health'],
  now: string,
): Record<Side, { state: Health; since: string }> {
  const one = (side: Side): { state: Health; since: string } => {
    const e: HealthEntry | undefined = board.get(ids[side]);
    const state: Health = e?.health ?? 'Unknown';
    const prevState = prev?.[side];
    const prevSince = side === 'primary' ? prev?.primarySince : prev?.secondarySince;
    if (prevState === state && prevSince) return { state, since: prevSince };
    return { state, since: e?.since ?? now };
  };
  return { primary: one('primary'), secondary: one('secondary') };
}
