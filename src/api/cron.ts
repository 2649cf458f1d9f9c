// Standard 5-field cron (minute hour day-of-month month day-of-week), evaluated in UTC, for
// FailoverPolicy spec.drill.schedule. The apiserver only bounds its length; this is the check.
// Supported: * , - / numbers, JAN-DEC, SUN-SAT, 7 = Sunday, and @yearly/@monthly/@weekly/@daily/@hourly.

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Vixie cron's rule: when neither day field starts with *, a day matches if either matches. */
  dayOr: boolean;
}

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesStart?: number;
}
const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesStart: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesStart: 0 },
];

export function parseCron(expr: string): CronParse {
  const text = MACROS[expr.trim().toLowerCase()] ?? expr.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return { ok: false, error: `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}` };
  const sets: Set<number>[] = [];
  for (const [i, part] of parts.entries()) {
    const spec = FIELDS[i]!;
    const r = parseField(part, spec);
    if (typeof r === 'string') return { ok: false, error: `${spec.name} "${part}": ${r}` };
    sets.push(r);
  }
  const [minutes, hours, daysOfMonth, months, rawDays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const daysOfWeek = new Set([...rawDays].map((d) => d % 7));
  return { ok: true, schedule: { minutes, hours, daysOfMonth, months, daysOfWeek, dayOr: !parts[2]!.startsWith('*') && !parts[4]!.startsWith('*') } };
}

function parseField(field: string, spec: FieldSpec): Set<number> | string {
  const out = new Set<number>();
  for (const item of field.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) return 'malformed';
    const [, range = '', stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return 'step must be at least 1';
    let lo: number;
    let hi: number;
    if (range === '*') {
      [lo, hi] = [spec.min, spec.max];
    } else {
      const ends = range.split('-');
      if (ends.length > 2) return 'malformed range';
      const values = ends.map((e) => value(e, spec));
      if (values.some((v) => v === undefined)) return `values must be ${spec.min}-${spec.max}${spec.names ? ' or names' : ''}`;
      lo = values[0]!;
      hi = values[1] ?? (stepText === undefined ? lo : spec.max);
      if (lo > hi) return 'range start after end';
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function value(text: string, spec: FieldSpec): number | undefined {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (spec.namesStart ?? 0);
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= spec.min && n <= spec.max ? n : undefined;
}

/** The first time strictly after `after` (UTC, whole minutes) the schedule fires; undefined if none within 5 years (e.g. 30 FEB). */
export function nextCronTime(schedule: CronSchedule, after: Date): Date | undefined {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
  while (t.getTime() <= limit) {
    if (!schedule.months.has(t.getUTCMonth() + 1) || !dayMatches(schedule, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!schedule.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!schedule.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t;
    }
  }
  return undefined;
}

function dayMatches(s: CronSchedule, t: Date): boolean {
  const dom = s.daysOfMonth.has(t.getUTCDate());
  const dow = s.daysOfWeek.has(t.getUTCDay());
  return s.dayOr ? dom || dow : dom && dow;
}
