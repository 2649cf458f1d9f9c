// FailoverPolicy spec.drill.schedule and spec.drill.timeZone, on top of the cron-parser package,
// which does the parsing, the calendar and the daylight-saving arithmetic. What stays here is
// the API's narrower grammar and its messages: the apiserver only bounds the fields' lengths,
// so the controller (validate.ts) refuses what this module refuses.
import { CronExpressionParser } from 'cron-parser';

/** The API's default: a schedule without a time zone keeps meaning UTC. */
export const DEFAULT_TIME_ZONE = 'UTC';

export interface CronSchedule {
  /** Exactly five fields, or a macro cron-parser knows. */
  expression: string;
  /** IANA name the fields are read in. */
  timeZone: string;
}

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

/** @midnight is Vixie cron's name for @daily; cron-parser only knows the latter. */
const MACRO_ALIASES: Record<string, string> = { '@midnight': '@daily' };

/**
 * Standard 5-field cron (minute hour day-of-month month day-of-week, names and 7 = Sunday, plus
 * cron-parser's L and #) read in `timeZone`, or a macro such as @weekly.
 */
export function parseCron(expr: string, timeZone: string = DEFAULT_TIME_ZONE): CronParse {
  const text = expr.trim().startsWith('@') ? expr.trim().toLowerCase() : expr.trim();
  const expression = MACRO_ALIASES[text] ?? text;
  if (!expression.startsWith('@')) {
    // cron-parser reads six fields as seconds first and pads short ones: an expression with a
    // field too many or too few would parse, every field shifted by one.
    const fields = expression.split(/\s+/).filter((f) => f !== '');
    if (fields.length !== 5) return { ok: false, error: `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}` };
    // H picks a random value on every parse unless seeded: the controller parses on every pass,
    // so the drill's slot would move each time.
    if (fields.some((f) => f.split(',').some((item) => /^H(?![A-Z])/i.test(item)))) {
      return { ok: false, error: 'H (hashed) values are not supported: the drill slot must not move; write the minute and hour' };
    }
  }
  const zoneError = timeZoneError(timeZone);
  if (zoneError) return { ok: false, error: zoneError };
  try {
    CronExpressionParser.parse(expression, { tz: timeZone, currentDate: new Date(0) });
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  return { ok: true, schedule: { expression, timeZone } };
}

/**
 * Why `timeZone` is not an IANA zone name, or undefined when it is. Intl knows the zones of
 * the Node runtime's ICU data, the same cron-parser (through Luxon) computes with. Numeric
 * offsets are refused: Intl takes them, cron-parser does not, and they ignore daylight saving.
 */
export function timeZoneError(timeZone: string): string | undefined {
  const example = 'an IANA time zone name such as Europe/Berlin, America/New_York or UTC';
  if (/^[+-]\d/.test(timeZone.trim())) return `"${timeZone}" is an offset, not a time zone; use ${example} (a zone follows daylight saving time)`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return `"${timeZone}" is not a known time zone; use ${example}`;
  }
  return undefined;
}

/**
 * The first time strictly after `after` (whole minutes) the schedule fires, read in its time zone
 * (a slot skipped by a daylight-saving jump fires in the hour after it; a repeated one fires once).
 * Undefined if it never fires again.
 */
export function nextCronTime(schedule: CronSchedule, after: Date): Date | undefined {
  try {
    return CronExpressionParser.parse(schedule.expression, { tz: schedule.timeZone, currentDate: after }).next().toDate();
  } catch {
    return undefined;
  }
}
