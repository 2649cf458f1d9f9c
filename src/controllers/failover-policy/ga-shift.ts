// Global Accelerator shift planner (issue 18): which traffic dials the two endpoint groups get
// now, pure (no I/O, no clock of its own). The GA integration reads the dials from AWS, calls
// planDials once per pass, writes the dials it returns, stores `shift` in status and requeues.
//
// Contract:
//   planDials(input) → { dials: {primary, secondary}, shift?: ShiftState, requeueAfterMs?, note? }
//   input = {
//     active:   'primary' | 'secondary'   where traffic must end up (the policy's active side)
//     planned:  boolean                   true: Manual switch / failback / Switchover drill (may shift
//                                         gradually); false: emergency failover → 100/0 at once
//     steps?:   number[]                  receiving side's share in percent, e.g. [10, 50, 100]
//     stepSeconds?: number                how long each step is held (default 60)
//     current:  {primary, secondary}      dials as read from AWS
//     receivingHealth: 'Healthy' | 'Unhealthy' | 'Unknown'   the group traffic moves to
//     shift?:   ShiftState                from status (absent: no shift running)
//     now:      Date
//   }
//   ShiftState = { from, to (sides), stepIndex, stepAt (ISO), startedAt?, rolledBack?, reason? }
//   toStatusShift / fromStatusShift convert it to and from status.globalAccelerator.shift, which
//   names regions and calls the index `step` and the reason `message`.
//
// Rules:
// - Emergency (planned=false), no steps, or steps ending in one jump: dials are 100/0 at once.
// - A planned switch starts a shift only when the traffic sits wholly on the other side
//   (its dial 100, ours 0); anything else is drift or a first setup and is put right at once,
//   except dials that are exactly a step of a shift toward `active` (a restart that lost the
//   status write): that shift is resumed at that step and the step is held a full period again.
// - The next step is taken only after stepSeconds and only while the receiving side is Healthy;
//   Unknown holds the step (and requeues). Unhealthy at any step (or before the first) sends
//   everything back to `from` (100 there, 0 on `to`), marks the shift rolledBack with a reason,
//   and nothing is retried while `active` stays the same: the caller drops `shift` when the
//   operator asks again (a new switch), or `active` goes back to `from`, which ends it.
// - If `active` turns back to `from` mid-shift, the dials go back at once: `from` still carried
//   most of the traffic a moment ago.
//
// Traffic-dial semantics (AWS Global Accelerator developer guide, "traffic dials"): a group's
// dial is the share of the traffic *already directed to that group* (by client proximity) that
// the group keeps; the rest goes to the other group. It is not a weight over all traffic. With
// two groups, a share f of clients nearest the sending side and 1-f nearest the receiving side,
// sending dial ds and receiving dial dr, the receiving side gets f·(1-ds) + (1-f)·dr. With
// dr = s and ds = 100 - s that is s for every f: the only pair that sends s % of all traffic
// to the receiving side wherever the clients are. (Sending dial 100 would keep every client
// near the sending side there, and the receiving side would get s % of its own neighbours only.)

export type Side = 'primary' | 'secondary';
export type GroupHealth = 'Healthy' | 'Unhealthy' | 'Unknown';

export interface Dials {
  primary: number;
  secondary: number;
}

export interface ShiftState {
  from: Side;
  to: Side;
  /** index in `steps` last applied */
  stepIndex: number;
  /** when that step was applied (ISO) */
  stepAt: string;
  /** when the shift began (ISO); kept through every step */
  startedAt?: string;
  /** the receiving side turned Unhealthy and the dials went back to `from` */
  rolledBack?: boolean;
  reason?: string;
}

export interface ShiftInput {
  active: Side;
  planned: boolean;
  steps?: number[];
  stepSeconds?: number;
  current: Dials;
  receivingHealth: GroupHealth;
  shift?: ShiftState;
  now: Date;
}

export interface DialPlan {
  dials: Dials;
  shift?: ShiftState;
  requeueAfterMs?: number;
  note?: string;
}

export const DEFAULT_STEP_SECONDS = 60;

export const otherSide = (side: Side): Side => (side === 'primary' ? 'secondary' : 'primary');

/** All traffic on `side`. */
export function dialsAllOn(side: Side): Dials {
  return side === 'primary' ? { primary: 100, secondary: 0 } : { primary: 0, secondary: 100 };
}

/** `percent` of all traffic on `to`, the rest on `to`'s other side (see the header for why). */
export function dialsForStep(to: Side, percent: number): Dials {
  const p = Math.min(100, Math.max(0, percent));
  return to === 'primary' ? { primary: p, secondary: 100 - p } : { primary: 100 - p, secondary: p };
}

export const sameDials = (a: Dials, b: Dials): boolean => a.primary === b.primary && a.secondary === b.secondary;

export function planDials(input: ShiftInput): DialPlan {
  const { active, current, shift, now } = input;
  const target = dialsAllOn(active);
  const steps = usableSteps(input.steps);
  const holdMs = Math.max(1, input.stepSeconds ?? DEFAULT_STEP_SECONDS) * 1000;

  if (!input.planned) {
    const abandoned = shift && !shift.rolledBack ? `; the gradual shift to ${shift.to} was abandoned` : '';
    const note = sameDials(current, target) && !abandoned ? undefined : `emergency failover: all traffic to ${active} at once${abandoned}`;
    return withNote({ dials: target }, note);
  }

  if (shift) {
    if (shift.to !== active) {
      // `active` is back where the shift started (or the shift is stale): end it.
      const note = shift.rolledBack ? undefined : `shift to ${shift.to} abandoned: ${active} is active again, all traffic back at once`;
      return withNote({ dials: target }, note);
    }
    if (shift.rolledBack) {
      return { dials: dialsAllOn(shift.from), shift, note: shift.reason ?? `shift to ${shift.to} rolled back; switch again to retry` };
    }
    if (steps.length === 0) return { dials: target, note: `shift to ${active} finished at once: no shift steps are set` };
    return continueShift({ ...shift, stepIndex: Math.min(Math.max(0, shift.stepIndex), steps.length - 1) }, steps, holdMs, input);
  }

  if (sameDials(current, target)) return { dials: target };
  const from = otherSide(active);
  const firstStep = steps[0];
  if (firstStep === undefined || firstStep >= 100) return { dials: target };

  // A restart after the dials were written but before status was: resume at that step.
  const resumed = steps.findIndex((s) => s < 100 && sameDials(current, dialsForStep(active, s)));
  if (resumed >= 0) {
    const state: ShiftState = { from, to: active, stepIndex: resumed, stepAt: now.toISOString(), startedAt: now.toISOString() };
    return continueShift(state, steps, holdMs, input, `resumed the shift to ${active} at ${steps[resumed]}% (found on the dials)`);
  }
  if (!sameDials(current, dialsAllOn(from))) {
    return { dials: target, note: `dials ${fmt(current)} were neither a side's nor a shift step: set to ${fmt(target)}` };
  }

  // Traffic is wholly on `from`: begin the shift, but not toward a side that is not Healthy.
  const begin: ShiftState = { from, to: active, stepIndex: -1, stepAt: now.toISOString(), startedAt: now.toISOString() };
  if (input.receivingHealth === 'Unhealthy') return rollBack(begin, 'before the first step');
  if (input.receivingHealth === 'Unknown') {
    return { dials: dialsAllOn(from), requeueAfterMs: holdMs, note: `shift to ${active} waits: the health of ${active}'s endpoint group is Unknown` };
  }
  return applyStep({ ...begin, stepIndex: 0 }, steps, holdMs, now);
}

/** A shift that is running (not rolled back), toward `active`. */
function continueShift(shift: ShiftState, steps: number[], holdMs: number, input: ShiftInput, resumedNote?: string): DialPlan {
  const percent = steps[shift.stepIndex] ?? 100;
  if (input.receivingHealth === 'Unhealthy') return rollBack(shift, `at ${percent}%`);
  const hold = dialsForStep(shift.to, percent);
  if (input.receivingHealth === 'Unknown') {
    return withNote({ dials: hold, shift, requeueAfterMs: holdMs }, `shift to ${shift.to} holds at ${percent}%: the health of its endpoint group is Unknown`);
  }
  const heldMs = input.now.getTime() - Date.parse(shift.stepAt);
  if (!(heldMs >= holdMs)) {
    // Also covers an unreadable stepAt (NaN): hold rather than jump.
    const left = Number.isFinite(heldMs) ? holdMs - Math.max(0, heldMs) : holdMs;
    return withNote({ dials: hold, shift, requeueAfterMs: left }, resumedNote);
  }
  return applyStep({ ...shift, stepIndex: shift.stepIndex + 1 }, steps, holdMs, input.now);
}

function applyStep(shift: ShiftState, steps: number[], holdMs: number, now: Date): DialPlan {
  const percent = steps[shift.stepIndex] ?? 100;
  if (percent >= 100) return { dials: dialsAllOn(shift.to), note: `shift to ${shift.to} complete: all traffic on ${shift.to}` };
  return {
    dials: dialsForStep(shift.to, percent),
    shift: { ...shift, stepAt: now.toISOString() },
    requeueAfterMs: holdMs,
    note: `shift to ${shift.to}: step ${shift.stepIndex + 1} of ${steps.length}, ${percent}% of traffic on ${shift.to}`,
  };
}

function rollBack(shift: ShiftState, where: string): DialPlan {
  const reason =
    `the endpoint group of ${shift.to} turned Unhealthy ${where}: all traffic went back to ${shift.from}. ` +
    `It is not retried by itself: fix ${shift.to}, then switch again (set the active region back to ${shift.from}, then to ${shift.to})`;
  return { dials: dialsAllOn(shift.from), shift: { ...shift, stepIndex: Math.max(0, shift.stepIndex), rolledBack: true, reason }, note: reason };
}

/** Steps the schema would accept: 1..100, increasing; anything else is ignored. */
function usableSteps(steps: number[] | undefined): number[] {
  const out: number[] = [];
  for (const s of steps ?? []) {
    if (!Number.isFinite(s) || s <= 0) continue;
    const v = Math.min(100, s);
    if (out.length > 0 && v <= (out[out.length - 1] as number)) continue;
    out.push(v);
  }
  return out;
}

const fmt = (d: Dials): string => `primary ${d.primary} / secondary ${d.secondary}`;

function withNote(plan: DialPlan, note: string | undefined): DialPlan {
  return note ? { ...plan, note } : plan;
}

// ------------------------------------------------ status.globalAccelerator.shift ⇄ ShiftState

/** The shape of status.globalAccelerator.shift (regions, `step`, `message`). */
export interface StatusShift {
  from: string;
  to: string;
  step: number;
  stepAt: string;
  startedAt: string;
  rolledBack?: boolean;
  message?: string;
}

export function toStatusShift(shift: ShiftState, regionOf: (side: Side) => string): StatusShift {
  return {
    from: regionOf(shift.from),
    to: regionOf(shift.to),
    step: shift.stepIndex,
    stepAt: shift.stepAt,
    startedAt: shift.startedAt ?? shift.stepAt,
    ...(shift.rolledBack ? { rolledBack: true } : {}),
    ...(shift.reason ? { message: shift.reason } : {}),
  };
}

/** undefined when a region is neither side's (the pair changed): the shift is then forgotten. */
export function fromStatusShift(s: StatusShift | undefined, sideOf: (region: string) => Side | undefined): ShiftState | undefined {
  if (!s) return undefined;
  const from = sideOf(s.from);
  const to = sideOf(s.to);
  if (!from || !to || from === to) return undefined;
  return {
    from,
    to,
    stepIndex: s.step,
    stepAt: s.stepAt,
    startedAt: s.startedAt,
    ...(s.rolledBack ? { rolledBack: true } : {}),
    ...(s.message ? { reason: s.message } : {}),
  };
}
