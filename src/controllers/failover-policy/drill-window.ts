// The maintenance window of a Switchover drill (pure): the slot is the last time spec.drill.schedule
// fired (read in spec.drill.timeZone, through cron-parser), and the window runs windowMinutes from
// it. A Switchover drill fences the writer twice (a short write outage each way), so it starts only
// inside a window the operator chose, whether the schedule or the drill-now annotation asked for it.
import { CronExpressionParser } from 'cron-parser';
import { nextCronTime, parseCron } from '../../api/cron.ts';

export type DrillWindow =
  /** Inside: the slot that opened it and when it closes. */
  | { inside: true; slot: Date; closesAt: Date }
  /** Outside: why, and when the next window opens (undefined: the schedule never fires again). */
  | { inside: false; message: string; nextOpensAt?: Date }
  /** No schedule: no window, the operator's annotation picks the time. */
  | { inside: true; unscheduled: true };

export interface DrillWindowInput {
  schedule?: string;
  timeZone?: string;
  windowMinutes: number;
  now: Date;
}

/** The slot at or before `now`: the last time the schedule fired (a slot at exactly now counts). */
export function lastSlot(expression: string, timeZone: string, now: Date): Date | undefined {
  try {
    // prev() is strictly before currentDate: a slot at this very minute must count too.
    return CronExpressionParser.parse(expression, { tz: timeZone, currentDate: new Date(now.getTime() + 1) })
      .prev()
      .toDate();
  } catch {
    return undefined;
  }
}

export function drillWindow(inp: DrillWindowInput): DrillWindow {
  if (!inp.schedule) return { inside: true, unscheduled: true };
  const parsed = parseCron(inp.schedule, inp.timeZone);
  if (!parsed.ok) return { inside: false, message: `spec.drill.schedule cannot be read: ${parsed.error}` };
  const { expression, timeZone } = parsed.schedule;
  const widthMs = inp.windowMinutes * 60_000;
  const slot = lastSlot(expression, timeZone, inp.now);
  if (slot && inp.now.getTime() < slot.getTime() + widthMs) return { inside: true, slot, closesAt: new Date(slot.getTime() + widthMs) };
  const next = nextCronTime(parsed.schedule, inp.now);
  const last = slot ? `the last window opened at ${slot.toISOString()} and closed at ${new Date(slot.getTime() + widthMs).toISOString()}` : 'no slot yet';
  return {
    inside: false,
    message: `outside its window (spec.drill.schedule "${inp.schedule}" in ${timeZone}, windowMinutes ${inp.windowMinutes}: ${last}); ${
      next ? `the next window opens at ${next.toISOString()}` : 'the schedule does not fire again'
    }`,
    ...(next && { nextOpensAt: next }),
  };
}
