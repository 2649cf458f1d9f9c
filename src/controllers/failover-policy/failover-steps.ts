// One step of a running failover (status.inProgress), pure. Each function either waits (and
// re-emits its own idempotent work), or records the next step and emits the work of that step.
// `promote` is emitted when PromoteRequested is recorded. On a re-run it is emitted again only
// when the instance proves no earlier call reached AWS: promote() marks the instance
// (promoteRequested) before it calls PromoteReadReplica, so a marked or promoting instance is
// only ever waited for. That way a crash between the status write and the call cannot leave
// the failover stuck, and AWS still sees exactly one PromoteReadReplica.
import { MAX_STEP_MARKS, type StepMark } from '../../api/types.ts';
import type { FailoverProgress, FailoverStep, TriggerReason, Work } from './failover-machine.ts';
import { healthOf, lagFresh, lagValid, requeue, sameRef, secretMatches, stepIndex, WAIT, writeSecret } from './failover-ready.ts';
import { lagBeforeOutage, walCaughtUp } from './failover-rpo.ts';
import { confirmedFence, fenceOf, fromRef, promoteMarked, promoteOf, targetOf, toRef } from './failover-targets.ts';
import { settleWriter } from './promoted-writer.ts';

/** Started with the old writer healthy: no reason to lose a single write, so wait for lag 0. */
export const PLANNED_REASONS: ReadonlySet<TriggerReason> = new Set<TriggerReason>(['PlannedSwitchover', 'Failback']);

/** Fenced and still waiting for the replica after this long: the outage is worth a warning. */
export const CATCH_UP_WARN_MS = 10 * 60_000;

/** Promotion normally takes minutes; past this the operator is told (the machine never re-promotes). */
export const PROMOTE_STALL_MS = 20 * 60_000;

export function advance(w: Work): void {
  const ip = w.s.inProgress;
  if (!ip) return;
  if (stepIndex(ip.step) < stepIndex('PromoteRequested')) {
    if (promoteMarked(w, ip)) return resumePromotion(w, ip);
    const why = withdrawn(w, ip);
    if (why && abortHeld(w, ip, why)) return;
    if (why) return abort(w, ip, why);
  }
  switch (ip.step) {
    case 'Triggered':
      return checkLag(w, ip);
    case 'LagChecked':
      return fenceOldWriter(w, ip);
    case 'Fenced':
    case 'FenceUnconfirmed':
      return requestPromotion(w, ip);
    case 'PromoteRequested':
      return awaitPromotion(w, ip);
    case 'Promoted':
      return pointSecret(w, ip);
    case 'SecretWritten':
      return pointDns(w, ip);
    case 'DnsSwitched':
    case 'WriterConfigRequested':
      return settleWriter(w, ip);
    case 'Completed':
      return complete(w, ip);
  }
}

export function record(w: Work, ip: FailoverProgress, step: FailoverStep): void {
  ip.step = step;
  ip.stepAt = w.obs.now;
  markStep(w, ip, step);
  w.actions.push({ type: 'recordStep', step });
  requeue(w, 0);
}

/** Keeps the step, its time and both regions' health for `multiregion timeline` (status holds only the last step otherwise). */
export function markStep(w: Work, ip: FailoverProgress, step: FailoverStep): void {
  const mark: StepMark = { step, at: w.obs.now, fromHealth: healthOf(w.obs, ip.from).state, toHealth: healthOf(w.obs, ip.to).state };
  ip.steps = [...(ip.steps ?? []), mark].slice(-MAX_STEP_MARKS);
}

/** The reason to start is gone (the user changed activeRegion back, or the region recovered). */
function withdrawn(w: Work, ip: FailoverProgress): string | undefined {
  const { spec, obs } = w;
  if (spec.failover.mode === 'Manual') {
    const desired = spec.failover.activeRegion ?? ip.from;
    return desired !== ip.to ? `spec.failover.activeRegion is ${desired} now` : undefined;
  }
  if (ip.reason === 'PrimaryUnhealthy' && healthOf(obs, ip.from).state === 'Healthy') return `${ip.from} is Healthy again`;
  if (ip.reason === 'Failback' && healthOf(obs, ip.to).state !== 'Healthy') return `${ip.to} is ${healthOf(obs, ip.to).state} again`;
  return undefined;
}

/**
 * The standby carries promote()'s mark, but status is at an earlier step: the pass that sent the
 * promote leaves the step's write to the next pass when only the step would change (database.ts,
 * promoteWriteWaits), or a crash came between the call and the write. AWS holds the record: the
 * failover only goes forward from here, and the call is never sent again (awaitPromotion).
 */
function resumePromotion(w: Work, ip: FailoverProgress): void {
  if (stepIndex(ip.step) < stepIndex('Fenced')) {
    const confirmed = confirmedFence(w, ip);
    if (confirmed) {
      // What fenceOldWriter records from the same observation.
      ip.fencing ??= confirmed;
      markStep(w, ip, 'Fenced');
    } else {
      ip.fencing ??= `Unknown: ${ip.to}'s standby was found marked for promotion before a fence was recorded; the old writer is fenced after the promotion`;
    }
  }
  record(w, ip, 'PromoteRequested');
}

/**
 * A withdrawn failover past its fence is only aborted (and the old writer unfenced) once the
 * standby is seen unmarked: the step PromoteRequested may not be in status yet although the
 * promote went out (see resumePromotion), and unfencing then could leave two writers.
 */
function abortHeld(w: Work, ip: FailoverProgress, why: string): boolean {
  if (stepIndex(ip.step) < stepIndex('LagChecked')) return false;
  if (targetOf(w, ip)?.reachable) return false;
  block(
    w,
    'AbortHeld',
    `${ip.reason} to ${ip.to} is withdrawn (${why}), but RDS in ${ip.to} does not answer: whether ${toRef(w, ip).identifier} was asked to ` +
      `promote cannot be checked, and unfencing ${fromRef(w, ip).identifier} now could leave two writers; it is aborted once ${ip.to} answers`,
  );
  requeue(w, WAIT.aws);
  return true;
}

function abort(w: Work, ip: FailoverProgress, why: string): void {
  const from = fromRef(w, ip);
  delete w.s.inProgress;
  w.actions.push({ type: 'recordStep', step: 'Aborted' });
  // LagChecked emits the fence: it may have run even if Fenced was never recorded.
  if (stepIndex(ip.step) >= stepIndex('LagChecked')) w.actions.push({ type: 'unfence', ...from });
  w.events.push({ type: 'Normal', reason: 'FailoverAborted', message: `${ip.reason} to ${ip.to} aborted before promotion: ${why}` });
  w.transition = 'FailoverAborted';
  requeue(w, 0);
}

/**
 * Step 2, the RPO guard: never go further while the replica is more than max behind, or while
 * nobody can say how far behind it is. A planned switchover reads the lag now (the old writer is
 * healthy). An unplanned failover reads it from before the outage: once the source is down the
 * lag stops being published, reads -1, or only grows, and says nothing about lost writes.
 */
function checkLag(w: Work, ip: FailoverProgress): void {
  const max = w.spec.database.maxReplicaLagSeconds;
  const planned = PLANNED_REASONS.has(ip.reason);
  const lag = planned ? (lagFresh(w.obs) && lagValid(w.obs.lag) ? { seconds: w.obs.lag!.seconds, note: 'now' } : undefined) : lagBeforeOutage(w, ip);
  if (lag && lag.seconds <= max) {
    ip.rpoSeconds = lag.seconds;
    record(w, ip, 'LagChecked');
    w.actions.push(fenceOf(w, ip));
    return;
  }
  const what = lag
    ? `replica lag ${lag.seconds}s (${lag.note}) exceeds maxReplicaLagSeconds ${max}`
    : planned
      ? 'replica lag is unknown or invalid'
      : 'the replica lag from before the outage is unknown';
  const accepted = planned ? undefined : acceptance(w, ip);
  if (accepted) {
    if (lag) ip.rpoSeconds = lag.seconds;
    w.events.push({ type: 'Warning', reason: 'DataLossAccepted', message: `${ip.reason} to ${ip.to} goes on although ${what}: accepted by ${accepted}` });
    record(w, ip, 'LagChecked');
    w.actions.push(fenceOf(w, ip));
    return;
  }
  const how = planned
    ? 'it goes on once the replica catches up'
    : `if losing those writes is acceptable, run \`multiregion failover <name> --accept-data-loss\` (annotation ${ACCEPT_ANNOTATION})`;
  block(w, 'RpoUnknown', `${ip.reason} to ${ip.to} holds: ${what}; ${how}`, 'RpoGuardHolding');
  return requeue(w, WAIT.lag);
}

const ACCEPT_ANNOTATION = 'multiregion.dev/accept-data-loss';

/**
 * Who let this failover go on without a confirmed fence or a known RPO: once accepted, the
 * whole failover is. An annotation value is used once: it is recorded in status when taken.
 */
function acceptance(w: Work, ip: FailoverProgress, policyAllows = false): string | undefined {
  if (ip.dataLossAccepted) return ip.dataLossAccepted;
  let by: string | undefined;
  if (policyAllows) by = 'Policy';
  else if (w.obs.acceptDataLoss !== undefined && w.obs.acceptDataLoss !== w.s.acceptedDataLoss) {
    by = `Annotation ${w.obs.acceptDataLoss}`;
    w.s.acceptedDataLoss = w.obs.acceptDataLoss;
  }
  if (by) ip.dataLossAccepted = by;
  return by;
}

function block(w: Work, reason: string, message: string, eventReason = reason): void {
  w.blocked = { reason, message };
  w.events.push({ type: 'Warning', reason: eventReason, message });
}

/** Step 3: the old writer must be fenced, or its region proven down, before anything is promoted. */
function fenceOldWriter(w: Work, ip: FailoverProgress): void {
  const old = w.obs.writer;
  const from = fromRef(w, ip);
  const confirmed = confirmedFence(w, ip);
  if (confirmed) {
    ip.fencing = confirmed;
    return record(w, ip, 'Fenced');
  }
  if (old && sameRef(old, from) && !old.reachable) {
    const health = healthOf(w.obs, ip.from).state;
    const why = `RDS in ${ip.from} does not answer (${old.fenceReason ?? 'unreachable'})`;
    // A controller cut off from the region sees exactly what a dead region shows: going on
    // without the fence may leave two writers, so it takes the policy's or an operator's word.
    // The policy's opt-in needs the health checks to agree; an operator's word does not.
    const accepted = acceptance(w, ip, w.spec.failover.promoteWhenFenceUnconfirmed && health === 'Unhealthy');
    if (accepted && (health === 'Unhealthy' || accepted !== 'Policy')) {
      ip.fencing = `Unconfirmed: ${why}; ${ip.from} health checks ${health}; accepted by ${accepted}`;
      w.events.push({
        type: 'Warning',
        reason: 'FencingUnconfirmed',
        message:
          `cannot reach ${from.identifier} in ${ip.from}; promoting because ${ip.from} is ` +
          `Unhealthy and ${accepted} accepts it. It is fenced as soon as the region answers.`,
      });
      return record(w, ip, 'FenceUnconfirmed');
    }
    block(
      w,
      'FenceUnconfirmed',
      health === 'Unhealthy'
        ? `${why}, so ${from.identifier} cannot be confirmed fenced; ${ip.from} is Unhealthy, but a controller cut off from ${ip.from} sees ` +
            `the same as a dead region, and promoting now could leave two writers. If ${ip.from} is really down, run \`multiregion failover <name> ` +
            `--accept-data-loss\` (annotation ${ACCEPT_ANNOTATION}); spec.failover.promoteWhenFenceUnconfirmed: true allows it without asking`
        : `${why} but its health is ${health}: the old writer may still take writes, not promoting`,
      health === 'Unhealthy' ? 'FenceUnconfirmed' : 'FenceBlocked',
    );
  }
  w.actions.push(fenceOf(w, ip));
  requeue(w, WAIT.fence);
}

/** Step 4a: last lag check (lag 0 after the fence for a planned switchover), then the one promote. */
function requestPromotion(w: Work, ip: FailoverProgress): void {
  const target = targetOf(w, ip);
  const to = toRef(w, ip);
  if (!target?.reachable) {
    w.events.push({ type: 'Warning', reason: 'TargetUnreachable', message: `RDS in ${ip.to} does not answer` });
    return requeue(w, WAIT.aws);
  }
  if (target.exists && target.role === 'writer') {
    // Promoted outside the controller: record the step, but send nothing.
    w.events.push({ type: 'Warning', reason: 'AlreadyPromoted', message: `${to.identifier} is already a writer; not promoting it again` });
    return record(w, ip, 'PromoteRequested');
  }
  if (!target.exists || target.role !== 'replica') {
    w.degraded = true;
    w.events.push({
      type: 'Warning',
      reason: 'ReplicaNotReady',
      message: `${to.identifier} in ${ip.to} is ${target.exists ? target.status : 'missing'}: cannot promote it`,
    });
    return requeue(w, WAIT.lag);
  }
  const planned = PLANNED_REASONS.has(ip.reason) && ip.step === 'Fenced';
  const lag = w.obs.lag;
  const fencedAt = Date.parse(ip.stepAt ?? ip.startedAt);
  // Unplanned: the RPO was judged at LagChecked from the lag before the outage; the lag read now
  // only grows (or stopped) with the source down, so it is no reason to wait.
  const caughtUp = planned && ((lag && lagFresh(w.obs) && lag.seconds === 0 && Date.parse(lag.at) >= fencedAt) || walCaughtUp(w, fencedAt));
  const ok = planned ? caughtUp : true;
  if (!ok) {
    const want = 'lag 0 (or, for Postgres, no WAL left to send) measured after the fence';
    w.events.push({
      type: 'Normal',
      reason: 'WaitingForReplica',
      message: `waiting for ${want} on ${to.identifier} (now ${lag ? `${lag.seconds}s at ${lag.at}` : 'unknown'})`,
    });
    if (w.nowMs - fencedAt > CATCH_UP_WARN_MS) {
      // The old writer is fenced while we wait: the application is down. Say so, and how to back out.
      w.degraded = true;
      w.events.push({
        type: 'Warning',
        reason: 'CatchUpSlow',
        message:
          `the old writer has been fenced for ${Math.round((w.nowMs - fencedAt) / 60_000)} min waiting for ${want}; ` +
          `nothing is promoted yet, so setting spec.failover.activeRegion back to ${ip.from} aborts and unfences it`,
      });
    }
    return requeue(w, WAIT.lag);
  }
  if (planned) ip.rpoSeconds = 0;
  record(w, ip, 'PromoteRequested');
  // Its Event is the Planner's, once AWS took the call (PromotedDBInstance), with why it was safe.
  w.actions.push({ ...promoteOf(w, ip), why: `RPO ${ip.rpoSeconds ?? 'unknown'}s; fencing ${ip.fencing ?? 'unknown'}` });
}

/** Step 4b: wait until the instance is a standalone writer. Never a second PromoteReadReplica. */
function awaitPromotion(w: Work, ip: FailoverProgress): void {
  const target = targetOf(w, ip);
  const to = toRef(w, ip);
  if (target?.reachable && target.exists && target.role === 'writer') {
    w.s.database = { writer: to };
    w.events.push({ type: 'Normal', reason: 'ReplicaPromoted', message: `${to.identifier} in ${ip.to} is the writer now` });
    record(w, ip, 'Promoted');
    if (target.endpoint) w.actions.push(writeSecret(w.spec, ip.to, target.endpoint));
    return;
  }
  if (target && target.role === 'replica' && target.promoteRequested === false) {
    // No request mark on the instance: the recorded promote never got as far as AWS (a crash
    // between the status write and the call, or AWS refused it). Sending it now is the first call.
    w.actions.push(promoteOf(w, ip));
    w.events.push({ type: 'Normal', reason: 'PromotingReplica', message: `promoting ${to.identifier} in ${ip.to}: the earlier request never reached AWS` });
    return requeue(w, WAIT.aws);
  }
  const waited = w.nowMs - Date.parse(ip.stepAt ?? ip.startedAt);
  if (waited > PROMOTE_STALL_MS) {
    w.degraded = true;
    w.events.push({
      type: 'Warning',
      reason: 'PromotionStalled',
      message:
        `${to.identifier} is not a writer ${Math.round(waited / 60_000)} min after PromoteReadReplica was requested; the controller never sends it ` +
        `twice: check the instance (if the call never reached AWS, remove its tag multiregion.dev/promote-requested-at and the controller sends it)`,
    });
  }
  requeue(w, WAIT.aws);
}

/** Step 5a: the connection Secret names the new writer. */
function pointSecret(w: Work, ip: FailoverProgress): void {
  const writer = w.obs.writer;
  if (!writer || !sameRef(writer, toRef(w, ip)) || !writer.endpoint) return requeue(w, WAIT.aws);
  if (secretMatches(w.obs, ip.to, writer.endpoint.host)) {
    record(w, ip, 'SecretWritten');
    w.actions.push({ type: 'switchDns', activeRegion: ip.to });
    return;
  }
  w.actions.push(writeSecret(w.spec, ip.to, writer.endpoint));
  requeue(w, WAIT.aws);
}

/** Step 5b: DNS sends traffic to the new region. */
function pointDns(w: Work, ip: FailoverProgress): void {
  if (w.obs.dns.activeRegion === ip.to) return record(w, ip, 'DnsSwitched');
  if (w.obs.dns.error !== undefined) {
    // Route 53's control plane (us-east-1) is down: its data plane still answers by health, and
    // the failover records already send traffic away from an unhealthy side. The records are
    // rewritten when the API answers again (steady state moves them to the writer's region).
    w.events.push({
      type: 'Warning',
      reason: 'DnsDeferred',
      message: `Route 53 does not take changes (${w.obs.dns.error}); the records move to ${ip.to} when it does`,
    });
    return record(w, ip, 'DnsSwitched');
  }
  w.actions.push({ type: 'switchDns', activeRegion: ip.to });
  requeue(w, WAIT.aws);
}

/** Step 6: lastFailover and history; the ex-writer stays fenced, the replica is re-created next. */
export function complete(w: Work, ip: FailoverProgress): void {
  const started = Date.parse(ip.startedAt);
  const to = toRef(w, ip);
  markStep(w, ip, 'Completed');
  w.s.lastFailover = {
    startedAt: ip.startedAt,
    completedAt: w.obs.now,
    rtoSeconds: Number.isFinite(started) ? Math.max(0, Math.round((w.nowMs - started) / 1000)) : undefined,
    ...(ip.rpoSeconds !== undefined && { rpoSeconds: ip.rpoSeconds }),
    reason: ip.reason,
    from: ip.from,
    to: ip.to,
    step: 'Completed',
    ...(ip.fencing && { fencing: ip.fencing }),
    ...(ip.dataLossAccepted && { dataLossAccepted: ip.dataLossAccepted }),
    ...(ip.fromIdentifier && { fromIdentifier: ip.fromIdentifier }),
    toIdentifier: to.identifier,
    ...(ip.steps && { steps: ip.steps }),
  };
  w.s.activeRegion = ip.to;
  delete w.s.inProgress;
  w.actions.push({ type: 'recordStep', step: 'Completed' });
  w.events.push({
    type: 'Normal',
    reason: 'FailoverCompleted',
    message: `${ip.reason}: ${ip.to} serves traffic and holds the writer ${to.identifier} (RTO ${w.s.lastFailover.rtoSeconds}s, RPO ${ip.rpoSeconds ?? '?'}s)`,
  });
  w.transition = 'FailoverCompleted';
  requeue(w, 0);
}
