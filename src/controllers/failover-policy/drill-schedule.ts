// When a drill is due (pure): a new value of the drill-now annotation, or the cron schedule
// (read in spec.drill.timeZone) firing since the last drill. The last annotation value handled
// is kept in status, so a value starts one drill only, however often the object is reconciled.
import { nextCronTime, parseCron } from '../../api/cron.ts';
import type { FailoverPolicyStatus } from '../../api/types.ts';

export type LastDrill = NonNullable<FailoverPolicyStatus['lastDrill']>;

export interface DrillDueInput {
  /** Value of multiregion.dev/drill-now. */
  annotation?: string;
  schedule?: string;
  /** IANA zone the schedule is read in; default UTC. */
  timeZone?: string;
  lastDrill?: LastDrill;
  /** metadata.creationTimestamp: the schedule's base before the first drill. */
  createdAt?: string;
  now: Date;
}

export interface DrillDue {
  due?: 'OnDemand' | 'Schedule';
  /** Next scheduled drill after now (after this one when one is due). */
  nextAt?: Date;
  scheduleError?: string;
}

export function drillDue(input: DrillDueInput): DrillDue {
  const out: DrillDue = {};
  const value = input.annotation?.trim();
  if (value && value !== input.lastDrill?.trigger) out.due = 'OnDemand';
  if (!input.schedule) return out;
  const parsed = parseCron(input.schedule, input.timeZone);
  if (!parsed.ok) return { ...out, scheduleError: parsed.error };
  const baseIso = input.lastDrill?.startedAt ?? input.createdAt;
  const base = baseIso ? new Date(baseIso) : undefined;
  const fire = base && Number.isFinite(base.getTime()) ? nextCronTime(parsed.schedule, base) : undefined;
  if (!out.due && fire && fire.getTime() <= input.now.getTime()) out.due = 'Schedule';
  const next = nextCronTime(parsed.schedule, input.now);
  if (next) out.nextAt = next;
  return out;
}

/** How long to wait for the next scheduled drill; never longer than the drift interval. */
export function drillRequeueMs(nextAt: Date | undefined, now: Date, capMs: number): number | undefined {
  if (!nextAt) return undefined;
  return Math.max(1_000, Math.min(nextAt.getTime() - now.getTime(), capMs));
}
