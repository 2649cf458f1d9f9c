// A Switchover drill (spec.drill.type Switchover), pure: the real planned switchover to the
// standby and back, run by the SAME failover state machine as a manual switch. The drill never
// calls AWS itself and never waits: it only decides, once per pass and after the machine ran,
// which region the machine is to make active next, and records that as an override in
// status.drillInProgress.switchover.activeRegion. The next pass gives the machine a spec with
// failover.mode Manual and that activeRegion (withDrillOverride), so the machine triggers,
// fences, waits for lag 0, promotes, writes the Secret, moves DNS and re-seeds exactly as for a
// manual switch; spec.failover is never written. The drill ends with the region that was active
// when it started active again, and the override gone: from then on the spec rules, unchanged.
//
// Phases: SwitchingOver (override = the standby's region) → SwitchingBack (override = home) →
// done. Ending settles on a known writer after a failure or an abandonment: a leg not yet past
// PromoteRequested is aborted by pointing the override back at its `from` (the machine unfences
// the old writer); one past it goes forward (the machine never promotes twice, and never backs
// out of a promotion). The drill then ends naming the writer's region and identifier.
import type { DrillDirection, DrillProgress, FailoverPolicyStatus, StepMark, SwitchoverDrillState } from '../../api/types.ts';
import type { DrillWindow } from './drill-window.ts';
import type { FailoverProgress, MachineStatus, RegionHealth } from './failover-machine.ts';
import type { ReadyCondition } from './failover-ready.ts';
import { stepIndex } from './failover-ready.ts';
import type { ResolvedPolicy } from './resolve.ts';

type LastDrill = NonNullable<FailoverPolicyStatus['lastDrill']>;

/** A leg still before its promotion after this long since it was triggered: the catch-up failed (the old writer is fenced meanwhile). */
export const DRILL_CATCH_UP_TIMEOUT_MS = 10 * 60_000;
/** A leg not triggered this long after its phase began (the re-seed of the replica it needs is the long part): the drill fails. */
export const DRILL_LEG_START_TIMEOUT_MS = 6 * 3_600_000;
/** A running drill looks again this often at least (the machine's own requeues usually come first). */
export const DRILL_SWITCHOVER_POLL_MS = 15_000;

export interface SwitchoverTiming {
  catchUpTimeoutMs: number;
  legStartTimeoutMs: number;
}
export const DEFAULT_SWITCHOVER_TIMING: SwitchoverTiming = { catchUpTimeoutMs: DRILL_CATCH_UP_TIMEOUT_MS, legStartTimeoutMs: DRILL_LEG_START_TIMEOUT_MS };

export interface DrillEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface SwitchoverInput {
  now: Date;
  /** The machine's status after this pass. */
  machine: MachineStatus;
  /** Health by region, as the machine saw it. */
  health: Record<string, RegionHealth | undefined>;
  ready: ReadyCondition;
  /** The machine holds a wanted failover (RPO guard, fence): why. */
  blocked?: { reason: string; message: string };
  /** spec.failover as written (not overridden) and whether there is a database. */
  failover: { mode: string; activeRegion?: string };
  hasDatabase: boolean;
  timing?: SwitchoverTiming;
}

export interface SwitchoverStart {
  startedAt: string;
  reason: string;
  trigger?: string;
  window: DrillWindow;
}

export interface SwitchoverOutcome {
  inProgress?: DrillProgress;
  lastDrill?: LastDrill;
  events: DrillEvent[];
  requeueAfterMs?: number;
}

/** The region the failover machine is to make active while a Switchover drill runs, if one does. */
export function drillOverride(status: FailoverPolicyStatus | undefined): string | undefined {
  const d = status?.drillInProgress;
  return d?.type === 'Switchover' ? d.switchover?.activeRegion : undefined;
}

/** The policy as the machine sees it during a drill: Manual, with the drill's region as activeRegion. The spec object is not changed. */
export function withDrillOverride(r: ResolvedPolicy, activeRegion: string | undefined): ResolvedPolicy {
  if (!activeRegion || !r.spec.database) return r;
  return { ...r, spec: { ...r.spec, failover: { ...r.spec.failover, mode: 'Manual', activeRegion } } };
}

const WHAT = 'a planned switchover to the standby and back through the failover state machine (fence, catch-up, promote, Secret, DNS, re-seed)';

/** Whether a due drill may start now; a refusal is recorded as lastDrill result NotStarted. */
export function startSwitchover(inp: SwitchoverInput, s: SwitchoverStart): SwitchoverOutcome {
  const { machine: m } = inp;
  const refuse = (why: string): SwitchoverOutcome => {
    const message = `Switchover drill not started: ${why}`;
    return {
      lastDrill: {
        type: 'Switchover',
        startedAt: s.startedAt,
        completedAt: s.startedAt,
        result: 'NotStarted',
        message,
        reason: s.reason,
        ...(s.trigger && { trigger: s.trigger }),
      },
      events: [{ type: 'Warning', reason: 'DrillNotStarted', message }],
    };
  };
  if (!s.window.inside) return refuse(s.window.message);
  if (!inp.hasDatabase) return refuse('spec.database is not set (a Switchover drill switches the database writer)');
  if (m.inProgress) return refuse(`a ${m.inProgress.reason} to ${m.inProgress.to} is running`);
  const home = m.activeRegion;
  const writer = m.database?.writer;
  const away = m.database?.replica?.region;
  if (!home || !writer || !away) return refuse('the writer and the replica are not known yet');
  if (writer.region !== home) return refuse(`the writer (${writer.region}) is not in the active region ${home}`);
  if (inp.failover.mode === 'Manual' && inp.failover.activeRegion && inp.failover.activeRegion !== home)
    return refuse(`spec.failover.activeRegion asks for ${inp.failover.activeRegion} while ${home} is active: a switch is pending`);
  if (inp.blocked) return refuse(`${inp.blocked.reason}: ${inp.blocked.message}`);
  if (inp.health[home]?.state === 'Unhealthy') return refuse(`the active region ${home} is Unhealthy: a real failover, not a drill, is what may be needed`);
  if (m.phase === 'Degraded') return refuse('the policy is Degraded; see the Warning events');
  if (inp.ready.status !== 'True') return refuse(`the standby is not ready to take over (${inp.ready.reason}): ${inp.ready.message}`);
  const at = s.startedAt;
  const sw: SwitchoverDrillState = { phase: 'SwitchingOver', home, away, activeRegion: away, phaseAt: at, directions: [] };
  const window = 'closesAt' in s.window ? ` (window closes ${s.window.closesAt.toISOString()})` : '';
  return {
    inProgress: {
      type: 'Switchover',
      startedAt: at,
      reason: s.reason,
      ...(s.trigger && { trigger: s.trigger }),
      stepAt: at,
      steps: [{ step: 'DrillStarted', at }],
      waitingFor: `the planned switchover ${home} → ${away}`,
      switchover: sw,
    },
    events: [
      {
        type: 'Normal',
        reason: 'DrillStarted',
        message: `Switchover drill${window}: ${WHAT}; first ${home} → ${away} (writer ${writer.identifier})`,
      },
    ],
    requeueAfterMs: 1_000,
  };
}

/** One pass of a running Switchover drill, after the machine ran. */
export function continueSwitchover(inp: SwitchoverInput, running: DrillProgress): SwitchoverOutcome {
  const p = structuredClone(running);
  const sw = p.switchover;
  const nowIso = inp.now.toISOString();
  if (!sw) return end(inp, p, { phase: 'Ending', home: '', away: '', activeRegion: '', phaseAt: nowIso }, 'Failed', 'the drill state was lost');
  const ip = inp.machine.inProgress;
  const timing = inp.timing ?? DEFAULT_SWITCHOVER_TIMING;
  const done = legDone(inp.machine, sw);
  if (sw.phase === 'Ending') {
    if (ip) return settle(p, sw, ip, nowIso);
    if (done) sw.directions = [...(sw.directions ?? []), done];
    return end(inp, p, sw, sw.failure?.result ?? 'Failed', sw.failure?.message ?? 'the drill ended early');
  }
  if (!inp.hasDatabase) return ending(inp, p, sw, ip, nowIso, 'Abandoned', 'spec.database was removed');
  if (done) {
    sw.directions = [...(sw.directions ?? []), done];
    if (sw.phase === 'SwitchingBack') return end(inp, p, sw, 'Succeeded');
    sw.phase = 'SwitchingBack';
    sw.activeRegion = sw.home;
    sw.phaseAt = nowIso;
    p.stepAt = nowIso;
    p.steps = [...(p.steps ?? []), mark('SwitchedOver', nowIso)];
    p.waitingFor = `the re-seeded replica in ${sw.home}, then the planned switchover ${sw.away} → ${sw.home}`;
    return {
      inProgress: p,
      events: [{ type: 'Normal', reason: 'DrillSwitchedOver', message: `Switchover drill: ${describe(done)}; switching back to ${sw.home} next` }],
      requeueAfterMs: 1_000,
    };
  }
  // Where traffic and the writer are now, and where this leg takes them.
  const from = ip?.from ?? inp.machine.activeRegion ?? sw.home;
  const to = sw.activeRegion;
  const beforeFence = !ip || stepIndex(ip.step) < stepIndex('LagChecked');
  const beforePromote = !ip || stepIndex(ip.step) < stepIndex('PromoteRequested');
  // A real failover takes precedence: the active region going Unhealthy before this leg fenced it
  // is an outage (after the fence, a deep health check failing is the drill's own doing).
  if (beforeFence && inp.health[from]?.state === 'Unhealthy') {
    return ending(inp, p, sw, ip, nowIso, 'Abandoned', `${from} (active) turned Unhealthy: a real failover takes precedence over the drill`);
  }
  if (beforePromote && inp.health[to]?.state === 'Unhealthy') {
    return ending(inp, p, sw, ip, nowIso, 'Failed', `the standby side ${to} turned Unhealthy before its replica was promoted`);
  }
  if (ip && beforePromote && inp.now.getTime() - Date.parse(ip.startedAt) > timing.catchUpTimeoutMs) {
    const why = inp.blocked ? ` (${inp.blocked.message})` : '';
    return ending(
      inp,
      p,
      sw,
      ip,
      nowIso,
      'Failed',
      `the switchover ${ip.from} → ${ip.to} did not reach its promotion within ` +
        `${Math.round(timing.catchUpTimeoutMs / 1000)}s of its start (step ${ip.step})${why}`,
    );
  }
  if (!ip && inp.now.getTime() - Date.parse(sw.phaseAt) > timing.legStartTimeoutMs) {
    const why = inp.blocked ? `: ${inp.blocked.message}` : '';
    return ending(inp, p, sw, ip, nowIso, 'Failed', `the switchover to ${to} did not start within ${Math.round(timing.legStartTimeoutMs / 60_000)} min${why}`);
  }
  p.waitingFor = ip ? `the planned switchover ${ip.from} → ${ip.to} (step ${ip.step})` : `the planned switchover to ${to} to start (replica there ready)`;
  // Looked at again when the catch-up's time is up, not a poll later: the old writer is fenced meanwhile.
  const deadline = ip && beforePromote ? Date.parse(ip.startedAt) + timing.catchUpTimeoutMs - inp.now.getTime() + 100 : Infinity;
  return { inProgress: p, events: [], requeueAfterMs: Math.max(1_000, Math.min(DRILL_SWITCHOVER_POLL_MS, deadline)) };
}

/** The direction the machine completed for this phase, if it did: lastFailover started after the phase began, toward its region. */
function legDone(m: MachineStatus, sw: SwitchoverDrillState): DrillDirection | undefined {
  const last = m.lastFailover;
  if (!last?.completedAt || !last.startedAt || last.to !== sw.activeRegion || !last.from) return undefined;
  if (Date.parse(last.startedAt) < Date.parse(sw.phaseAt)) return undefined;
  return {
    from: last.from,
    to: last.to,
    ...(last.fromIdentifier && { fromIdentifier: last.fromIdentifier }),
    ...(last.toIdentifier && { toIdentifier: last.toIdentifier }),
    startedAt: last.startedAt,
    completedAt: last.completedAt,
    ...(last.rtoSeconds !== undefined && { rtoSeconds: last.rtoSeconds }),
    ...(last.rpoSeconds !== undefined && { rpoSeconds: last.rpoSeconds }),
    ...(last.steps && { steps: last.steps }),
  };
}

/** Into Ending: the override follows the leg to a known writer (see settle). */
function ending(
  inp: SwitchoverInput,
  p: DrillProgress,
  sw: SwitchoverDrillState,
  ip: FailoverProgress | undefined,
  nowIso: string,
  result: 'Failed' | 'Abandoned',
  message: string,
): SwitchoverOutcome {
  sw.phase = 'Ending';
  sw.phaseAt = nowIso;
  sw.failure = { result, message };
  p.stepAt = nowIso;
  p.steps = [...(p.steps ?? []), mark(result === 'Failed' ? 'DrillFailing' : 'DrillAbandoning', nowIso)];
  // No leg running: the writer is where the machine left it, and the drill ends now.
  const out = ip ? settle(p, sw, ip, nowIso) : end(inp, p, sw, result, message);
  out.events.unshift({
    type: 'Warning',
    reason: result === 'Failed' ? 'DrillFailing' : 'DrillAbandoned',
    message: `Switchover drill: ${message}; settling on a known writer`,
  });
  return out;
}

/** Ending with a leg running: before its promotion it is aborted (back to `from`), after it, it goes forward. */
function settle(p: DrillProgress, sw: SwitchoverDrillState, ip: FailoverProgress, _nowIso: string): SwitchoverOutcome {
  const back = stepIndex(ip.step) < stepIndex('PromoteRequested');
  sw.activeRegion = back ? ip.from : ip.to;
  p.waitingFor = back
    ? `the switchover ${ip.from} → ${ip.to} to be aborted (not promoted yet: ${ip.fromIdentifier ?? 'the writer'} in ${ip.from} is unfenced)`
    : `the switchover ${ip.from} → ${ip.to} to complete (its promotion was requested: it only goes forward)`;
  return { inProgress: p, events: [], requeueAfterMs: 1_000 };
}

function end(inp: SwitchoverInput, p: DrillProgress, sw: SwitchoverDrillState, result: 'Succeeded' | 'Failed' | 'Abandoned', why?: string): SwitchoverOutcome {
  const nowIso = inp.now.toISOString();
  const dirs = sw.directions ?? [];
  const writer = inp.machine.database?.writer;
  const at = writer ? `${writer.identifier} in ${writer.region}` : 'unknown';
  const rpos = dirs.map((d) => d.rpoSeconds).filter((x): x is number => typeof x === 'number');
  const summary = dirs.map(describe).join('; ');
  let message: string;
  if (result === 'Succeeded') message = `Switchover drill: ${summary}; the writer is ${at} again.`;
  else {
    message = `Switchover drill ${result === 'Failed' ? 'failed' : 'abandoned'}: ${why}${summary ? `; completed: ${summary}` : ''}. The writer is ${at}${
      writer ? ` and traffic follows it (status.activeRegion ${inp.machine.activeRegion ?? '?'})` : ''
    }.`;
    if (writer && inp.failover.mode === 'Manual' && inp.failover.activeRegion && inp.failover.activeRegion !== writer.region)
      message +=
        ` spec.failover.activeRegion is ${inp.failover.activeRegion}: the controller ` +
        `switches back there as for any manual switch; set it to ${writer.region} to stay.`;
  }
  const lastDrill: LastDrill = {
    type: 'Switchover',
    startedAt: p.startedAt,
    completedAt: nowIso,
    result: result === 'Succeeded' ? 'Succeeded' : result,
    ...(dirs[0]?.rtoSeconds !== undefined && { rtoSeconds: dirs[0].rtoSeconds }),
    ...(rpos.length > 0 && { rpoSeconds: Math.max(...rpos) }),
    message,
    reason: p.reason,
    ...(p.trigger && { trigger: p.trigger }),
    steps: [...(p.steps ?? []), mark(result === 'Succeeded' ? 'SwitchedBack' : `Drill${result}`, nowIso)].slice(-16),
    directions: dirs,
    ...(writer && { writer: { region: writer.region, identifier: writer.identifier } }),
  };
  const event: DrillEvent =
    result === 'Succeeded' ? { type: 'Normal', reason: 'DrillSucceeded', message } : { type: 'Warning', reason: 'DrillFailed', message };
  return { lastDrill, events: [event] };
}

function describe(d: DrillDirection): string {
  return `${d.from} → ${d.to} in ${d.rtoSeconds ?? '?'}s (RPO ${d.rpoSeconds ?? '?'}s, ${d.toIdentifier ?? '?'} promoted)`;
}

const mark = (step: string, at: string): StepMark => ({ step, at });
