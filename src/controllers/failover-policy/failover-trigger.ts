// What starts a failover when none is running. Manual: spec.failover.activeRegion names the
// other region. Automatic: the active region stayed Unhealthy for unhealthyForSeconds without a
// break (flap damping: any other state restarts the clock), or failback is due after home held
// Healthy long enough. Starting means recording Triggered; the RPO guard and the fence come next.
import type { MachineSpec, Observations, TriggerReason, Work } from './failover-machine.ts';
import { FAILBACK_STABLE_MS, healthOf, heldForMs, homeRegion, otherRegion, requeue, sameRef, WAIT } from './failover-ready.ts';
import { markStep, PLANNED_REASONS } from './failover-steps.ts';

export type Trigger = { to: string; reason: TriggerReason; accepted?: string } | { blocked: string; message: string; degraded: boolean } | { waitMs: number };

/** Manual: the spec's activeRegion differs. Automatic: the active region stayed Unhealthy long enough, or failback is due. */
export function findTrigger(
  spec: MachineSpec,
  s: Work['s'],
  obs: Observations,
  nowMs: number,
  failbackStableMs: number = FAILBACK_STABLE_MS,
): Trigger | undefined {
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
  if (activeHealth.state === 'Unknown' && obs.writer && !obs.writer.reachable) {
    // No health signal (Route 53 publishes it in us-east-1's CloudWatch, which may be the region
    // that is down) and the writer's RDS API does not answer: a dead region and a controller cut
    // off from it look the same. Only an operator can tell; the break-glass starts the failover.
    const value = obs.acceptDataLoss;
    if (value !== undefined && value !== s.acceptedDataLoss) return { to: other, reason: 'ManualSwitch', accepted: `Annotation ${value}` };
    return {
      blocked: 'HealthSignalLost',
      message:
        `the writer in ${active} does not answer and its health is Unknown (no usable HealthCheckStatus from CloudWatch in us-east-1: ` +
        `none, stale, or flapping): the controller cannot tell a regional outage from its own network; if ${active} is down, run ` +
        `\`multiregion failover <name> --accept-data-loss\` (annotation multiregion.dev/accept-data-loss) to fail over to ${other}`,
      degraded: true,
    };
  }
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
    const left = Math.max(unhealthyFor, failbackStableMs) - heldForMs(homeHealth, nowMs);
    if (left > 0) return { waitMs: left };
    return { to: home, reason: 'Failback' };
  }
  return undefined;
}

export function startIfTriggered(w: Work): void {
  const { s, obs, spec } = w;
  const t = findTrigger(spec, s, obs, w.nowMs, w.failback?.stableMs);
  if (!t) return;
  if ('waitMs' in t) return requeue(w, t.waitMs);
  if ('blocked' in t) {
    if (t.degraded) w.degraded = true;
    w.blocked = { reason: t.blocked, message: t.message };
    w.events.push({ type: 'Warning', reason: t.blocked, message: t.message });
    return requeue(w, WAIT.lag);
  }
  if (t.reason === 'Failback' && spec.failover.mode === 'Automatic' && failbackHeld(w)) return;
  const standby = obs.standby;
  const replica = s.database.replica;
  if (!replica || !standby || !sameRef(standby, replica) || standby.role !== 'replica') {
    const state = !standby?.reachable
      ? 'unreachable'
      : !standby.exists
        ? 'missing'
        : standby.role === 'writer'
          ? 'a writer'
          : `${standby.status ?? 'not available'}`;
    if (t.reason === 'PrimaryUnhealthy') w.degraded = true;
    w.events.push({ type: 'Warning', reason: 'FailoverBlocked', message: `${t.reason} to ${t.to} waits: the replica there is ${state}` });
    return requeue(w, WAIT.lag);
  }
  if (t.reason === 'Failback' && spec.failover.mode === 'Automatic') s.failbackAttempts = [...recentFailbacks(w), obs.now];
  s.inProgress = {
    startedAt: obs.now,
    from: s.activeRegion,
    to: t.to,
    reason: t.reason,
    step: 'Triggered',
    stepAt: obs.now,
    fromIdentifier: s.database.writer.identifier,
    toIdentifier: replica.identifier,
    ...(t.accepted && { dataLossAccepted: t.accepted }),
  };
  markStep(w, s.inProgress, 'Triggered');
  if (t.accepted && obs.acceptDataLoss !== undefined) s.acceptedDataLoss = obs.acceptDataLoss;
  w.actions.push({ type: 'recordStep', step: 'Triggered' });
  w.transition = t.reason;
  const kind = PLANNED_REASONS.has(t.reason) ? 'planned switchover (waits for lag 0)' : 'failover';
  w.events.push({ type: 'Normal', reason: 'FailoverTriggered', message: `${t.reason}: ${kind} from ${s.activeRegion} to ${t.to}` });
  requeue(w, 0);
}

const DAY_MS = 24 * 3_600_000;
/**
 * After an automatic failback that did not complete (home turned unhealthy again, so it was
 * aborted after fencing — and rebooting — the serving writer), wait this long before the next.
 * The default of --failback-cooldown.
 */
export const FAILBACK_COOLDOWN_MS = 60 * 60_000;

/** Failback timing, from the operator's flags (--failback-stable-period, --failback-cooldown). */
export interface FailbackTiming {
  /** Home must have held Healthy this long (and at least unhealthyForSeconds) before a failback starts. */
  stableMs: number;
  /** The wait after a failback that did not complete, before the next one. */
  cooldownMs: number;
}
export const DEFAULT_FAILBACK_TIMING: FailbackTiming = { stableMs: FAILBACK_STABLE_MS, cooldownMs: FAILBACK_COOLDOWN_MS };

function recentFailbacks(w: Work): string[] {
  return (w.s.failbackAttempts ?? []).filter((at) => w.nowMs - Date.parse(at) < DAY_MS);
}

/**
 * Every failback attempt fences the writer that serves traffic: an application outage. A home
 * region that keeps turning unhealthy must not cost one every few minutes, so attempts cool down
 * after one that did not complete and are capped per day; then FailbackBlocked until an operator
 * acts (Manual mode and activeRegion) or the day has passed.
 */
function failbackHeld(w: Work): boolean {
  const { s, spec } = w;
  const recent = recentFailbacks(w);
  if (recent.length !== (s.failbackAttempts ?? []).length) {
    if (recent.length > 0) s.failbackAttempts = recent;
    else delete s.failbackAttempts;
  }
  const max = spec.failover.failbackMaxAttemptsPerDay;
  if (recent.length >= max) {
    const next = new Date(Math.min(...recent.map((at) => Date.parse(at))) + DAY_MS);
    w.degraded = true;
    w.blocked = {
      reason: 'FailbackBlocked',
      message:
        `${recent.length} automatic failbacks started in the last 24 h (spec.failover.failbackMaxAttemptsPerDay ` +
        `${max}), none needed again before ${next.toISOString()}: ${homeRegion(spec)} keeps failing. ` +
        `Fail back by hand (spec.failover.mode: Manual with activeRegion) once it is stable, or wait`,
    };
    w.events.push({ type: 'Warning', reason: 'FailbackBlocked', message: w.blocked.message });
    requeue(w, Math.max(1_000, next.getTime() - w.nowMs));
    return true;
  }
  const last = recent.at(-1);
  const completed = last !== undefined && s.lastFailover?.reason === 'Failback' && s.lastFailover.startedAt === last;
  const wait = last === undefined || completed ? 0 : Date.parse(last) + (w.failback?.cooldownMs ?? FAILBACK_COOLDOWN_MS) - w.nowMs;
  if (wait > 0) {
    w.events.push({
      type: 'Normal',
      reason: 'FailbackCoolingDown',
      message: `the automatic failback started at ${last} did not complete; the next one waits until ${new Date(w.nowMs + wait).toISOString()}`,
    });
    requeue(w, wait);
    return true;
  }
  return false;
}

/**
 * A break-glass value set while nothing was blocked is spent at once (and said so): left
 * lying on the object, it would let some later failover lose data without anyone deciding it.
 */
export function spendIdleAcceptance(w: Work): void {
  const value = w.obs.acceptDataLoss;
  if (value === undefined || value === w.s.acceptedDataLoss || w.s.inProgress || w.blocked) return;
  w.s.acceptedDataLoss = value;
  w.events.push({
    type: 'Normal',
    reason: 'AcceptDataLossUnused',
    message: `multiregion.dev/accept-data-loss ${value} was set while no failover was blocked: nothing to accept, the value is spent`,
  });
}
