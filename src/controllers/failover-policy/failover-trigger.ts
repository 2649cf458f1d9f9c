// What starts a failover when none is running. Manual: spec.failover.activeRegion names the
// other region. Automatic: the active region stayed Unhealthy for unhealthyForSeconds without a
// break (flap damping: any other state restarts the clock), or failback is due after home held
// Healthy long enough. Starting means recording Triggered; the RPO guard and the fence come next.
import type { MachineSpec, Observations, TriggerReason, Work } from './failover-machine.ts';
import { FAILBACK_STABLE_MS, healthOf, heldForMs, homeRegion, otherRegion, requeue, sameRef, WAIT } from './failover-ready.ts';
import { PLANNED_REASONS } from './failover-steps.ts';

export type Trigger = { to: string; reason: TriggerReason } | { blocked: string; message: string; degraded: boolean } | { waitMs: number };

/** Manual: the spec's activeRegion differs. Automatic: the active region stayed Unhealthy long enough, or failback is due. */
export function findTrigger(spec: MachineSpec, s: Work['s'], obs: Observations, nowMs: number): Trigger | undefined {
  const active = s.activeRegion;
  const other = otherRegion(spec, active);
  const home = homeRegion(spec);
  const activeHealth = healthOf(obs, active);
  if (spec.failover.mode === 'Manual') {
    const desired = spec.failover.activeRegion ?? active;
    if (desired === active) return undefined;
    if (desired !== other) return { blocked: 'InvalidActiveRegion', message: `activeRegion ${desired} is neither ${active} nor ${other}`, degraded: false };
    // Planned unless the active side is known to be down: a manual switch away from a writer
    // that answers (health checks are optional in Manual mode) must not lose a write.
    const planned = activeHealth.state !== 'Unhealthy' && obs.writer?.reachable === true && obs.writer.exists;
    return { to: desired, reason: !planned ? 'ManualSwitch' : desired === home ? 'Failback' : 'PlannedSwitchover' };
  }
  const unhealthyFor = spec.failover.unhealthyForSeconds * 1000;
  if (activeHealth.state === 'Unhealthy') {
    const left = unhealthyFor - heldForMs(activeHealth, nowMs);
    if (left > 0) return { waitMs: left };
    const standby = healthOf(obs, other);
    if (standby.state !== 'Healthy') {
      return { blocked: 'FailoverBlocked', message: `${active} is Unhealthy but ${other} is ${standby.state}: not failing over into it`, degraded: true };
    }
    return { to: other, reason: 'PrimaryUnhealthy' };
  }
  if (active !== home && spec.failover.failback === 'Automatic') {
    const homeHealth = healthOf(obs, home);
    if (homeHealth.state !== 'Healthy' || activeHealth.state !== 'Healthy') return undefined;
    const left = Math.max(unhealthyFor, FAILBACK_STABLE_MS) - heldForMs(homeHealth, nowMs);
    if (left > 0) return { waitMs: left };
    return { to: home, reason: 'Failback' };
  }
  return undefined;
}

export function startIfTriggered(w: Work): void {
  const { s, obs, spec } = w;
  const t = findTrigger(spec, s, obs, w.nowMs);
  if (!t) return;
  if ('waitMs' in t) return requeue(w, t.waitMs);
  if ('blocked' in t) {
    if (t.degraded) w.degraded = true;
    w.events.push({ type: 'Warning', reason: t.blocked, message: t.message });
    return requeue(w, WAIT.lag);
  }
  const standby = obs.standby;
  const replica = s.database.replica;
  if (!replica || !standby || !sameRef(standby, replica) || standby.role !== 'replica') {
    const state = !standby?.reachable ? 'unreachable' : !standby.exists ? 'missing' : standby.role === 'writer' ? 'a writer' : `${standby.status ?? 'not available'}`;
    if (t.reason === 'PrimaryUnhealthy') w.degraded = true;
    w.events.push({ type: 'Warning', reason: 'FailoverBlocked', message: `${t.reason} to ${t.to} waits: the replica there is ${state}` });
    return requeue(w, WAIT.lag);
  }
  s.inProgress = {
    startedAt: obs.now,
    from: s.activeRegion,
    to: t.to,
    reason: t.reason,
    step: 'Triggered',
    stepAt: obs.now,
    fromIdentifier: s.database.writer.identifier,
    toIdentifier: replica.identifier,
  };
  w.actions.push({ type: 'recordStep', step: 'Triggered' });
  w.transition = t.reason;
  const kind = PLANNED_REASONS.has(t.reason) ? 'planned switchover (waits for lag 0)' : 'failover';
  w.events.push({ type: 'Normal', reason: 'FailoverTriggered', message: `${t.reason}: ${kind} from ${s.activeRegion} to ${t.to}` });
  requeue(w, 0);
}
