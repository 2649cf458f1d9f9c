// The last failover or drill of a FailoverPolicy as a timeline (pure): lanes of spans against
// time, built only from what status recorded (steps with their times and both regions' health,
// status.health, RTO and RPO). Nothing is invented: a lane without data is left out, and a
// record from before step times were kept is drawn as its start and end with a note saying so.
// timeline-svg.ts and timeline-text.ts draw it.
import type { FailoverPolicy, FailoverRecord, Health, StepMark } from '../api/types.ts';
import { switchoverDrillTimeline } from './timeline-switchover.ts';

export type Tone = 'Healthy' | 'Unhealthy' | 'Unknown' | 'work' | 'wait' | 'failed';

export interface Span {
  start: number;
  end: number;
  label: string;
  tone: Tone;
}

export interface Lane {
  name: string;
  spans: Span[];
}

export interface TimelineStep {
  step: string;
  at: number;
}

/** A measured interval: RTO from start to completion, RPO as the window of writes that may be lost. */
export interface Measure {
  start: number;
  end: number;
  seconds: number;
  label: string;
}

export interface Timeline {
  title: string;
  subject: 'failover' | 'drill';
  /** Epoch ms of the first and last instant drawn. */
  start: number;
  end: number;
  running: boolean;
  lanes: Lane[];
  /** Recorded steps, in time order. */
  steps: TimelineStep[];
  rto?: Measure;
  rpo?: Measure;
  notes: string[];
}

export type Subject = 'latest' | 'failover' | 'drill';

type Drill = NonNullable<NonNullable<FailoverPolicy['status']>['lastDrill']> & { step?: string };

/** One span kind: drawn from the first mark of `from` to the first of `to` (or to now while running). */
interface SpanRule {
  lane: string;
  from: readonly string[];
  to: readonly string[];
  label: string;
  tone: Tone;
}

// Each failover step is recorded once the work before it is done; the work of a step starts at
// the mark before it. Rollout steps are drawn once the controller records them.
const FAILOVER_SPANS: readonly SpanRule[] = [
  { lane: 'fence', from: ['Triggered'], to: ['LagChecked'], label: 'lag check (RPO guard)', tone: 'wait' },
  { lane: 'fence', from: ['LagChecked'], to: ['Fenced', 'FenceUnconfirmed'], label: 'fence old writer', tone: 'work' },
  { lane: 'promote', from: ['Fenced', 'FenceUnconfirmed'], to: ['PromoteRequested'], label: 'replica catch-up', tone: 'wait' },
  { lane: 'promote', from: ['PromoteRequested'], to: ['Promoted'], label: 'promote replica', tone: 'work' },
  { lane: 'Secret', from: ['Promoted'], to: ['SecretWritten'], label: 'write Secret', tone: 'work' },
  { lane: 'DNS', from: ['SecretWritten'], to: ['DnsSwitched'], label: 'switch DNS', tone: 'work' },
  { lane: 'rollout', from: ['RolloutStarted'], to: ['RolloutCompleted'], label: 'roll out workloads', tone: 'work' },
];

const DRILL_SPANS: readonly SpanRule[] = [
  { lane: 'DNS (shadow record)', from: ['Started'], to: ['ShadowWritten'], label: 'write shadow pair', tone: 'work' },
  { lane: 'DNS (shadow record)', from: ['ShadowWritten'], to: ['Switched'], label: 'shadow pair in sync', tone: 'wait' },
  { lane: 'DNS (shadow record)', from: ['Switched'], to: ['Answered'], label: 'switch to standby, await answer', tone: 'work' },
];

export class NothingToDraw extends Error {}

/** The timeline of `subject` (default: whichever of the last failover and the last drill started last). */
export function buildTimeline(policy: FailoverPolicy, now: Date, subject: Subject = 'latest'): Timeline {
  const st = policy.status ?? {};
  const failover = st.inProgress ?? st.lastFailover;
  const drill: Drill | undefined = st.drillInProgress ?? st.lastDrill;
  const name = `${policy.metadata.namespace ?? ''}/${policy.metadata.name}`;
  const pick =
    subject !== 'latest' ? subject : failover && drill ? (ms(drill.startedAt) > ms(failover.startedAt) ? 'drill' : 'failover') : drill ? 'drill' : 'failover';
  if (pick === 'failover' && failover?.startedAt) return failoverTimeline(policy, failover, st.inProgress !== undefined, now, name);
  if (pick === 'drill' && drill?.startedAt && drill.type === 'Switchover') {
    const running = st.drillInProgress !== undefined;
    const d = running ? { ...drill, directions: st.drillInProgress?.switchover?.directions } : drill;
    return switchoverDrillTimeline(d, name, running, (record) => failoverTimeline(policy, record, false, now, name));
  }
  if (pick === 'drill' && drill?.startedAt) return drillTimeline(policy, drill, st.drillInProgress !== undefined, now, name);
  const what = subject === 'latest' ? 'failover or drill' : subject;
  throw new NothingToDraw(
    `FailoverPolicy ${name} has no recorded ${what} yet (status.${pick === 'drill' ? 'lastDrill' : 'lastFailover'} is empty); ` +
      `\`multiregion drill ${policy.metadata.name} -n ${policy.metadata.namespace ?? ''}\` runs a drill`,
  );
}

function failoverTimeline(policy: FailoverPolicy, f: FailoverRecord, running: boolean, now: Date, name: string): Timeline {
  const start = ms(f.startedAt);
  const marks = validMarks(f.steps);
  const completed = running ? undefined : ms(f.completedAt);
  const end = endOf(start, marks, completed, running, now);
  const notes: string[] = [];
  const lanes: Lane[] = [];
  const from = f.from ?? '?';
  const to = f.to ?? '?';
  lanes.push(healthLane(`health ${from} (from)`, marks, 'fromHealth', statusHealth(policy, from), start, end));
  lanes.push(healthLane(`health ${to} (to)`, marks, 'toHealth', statusHealth(policy, to), start, end));
  const stepLanes = spanLanes(FAILOVER_SPANS, marks, running, end);
  if (stepLanes.length === 0) {
    notes.push('No step times in status (recorded before they were kept, or none yet): only the start and the end are known.');
    lanes.push({ name: 'failover', spans: [{ start, end, label: f.step ?? (running ? 'running' : 'completed'), tone: running ? 'wait' : 'work' }] });
  } else lanes.push(...stepLanes);
  if (f.fencing) notes.push(`fencing: ${f.fencing}`);
  if (f.dataLossAccepted) notes.push(`data loss accepted by ${f.dataLossAccepted}`);
  const lagChecked = marks.find((m) => m.step === 'LagChecked')?.at;
  const title = `FailoverPolicy ${name}: ${f.reason ?? 'failover'} ${from} → ${to}${running ? ` (running, step ${f.step ?? '?'})` : ''}`;
  return finish(
    { title, subject: 'failover', start, end, running, lanes, steps: stepsOf(start, marks), notes },
    f.rtoSeconds,
    completed,
    f.rpoSeconds,
    lagChecked ?? start,
    'replica lag at the lag check',
  );
}

function drillTimeline(policy: FailoverPolicy, d: Drill, running: boolean, now: Date, name: string): Timeline {
  const start = ms(d.startedAt);
  const marks = validMarks(d.steps);
  const completed = running ? undefined : ms(d.completedAt);
  const end = endOf(start, marks, completed, running, now);
  const notes = ['A DNS drill switches only a shadow record: no fence, no promotion, no Secret write.'];
  const lanes: Lane[] = [];
  for (const side of ['primary', 'secondary'] as const) {
    const region = policy.spec.dns?.[side]?.region ?? policy.spec.database?.[side === 'primary' ? 'primary' : 'replica']?.region;
    lanes.push(healthLane(`health ${region ?? side} (${side})`, [], undefined, sideHealth(policy, side), start, end));
  }
  const dnsLanes = spanLanes(DRILL_SPANS, [{ step: 'Started', at: start }, ...marks], running, end);
  const failed = !running && d.result !== undefined && d.result !== 'Succeeded';
  const last = marks.at(-1)?.at ?? start;
  if (failed) {
    const lane = dnsLanes[0] ?? { name: 'DNS (shadow record)', spans: [] };
    lane.spans.push({ start: last, end, label: `failed: ${d.message ?? d.result}`, tone: 'failed' });
    if (dnsLanes.length === 0) dnsLanes.push(lane);
  }
  if (dnsLanes.length === 0) notes.push('No step times in status (recorded before they were kept): only the start and the end are known.');
  lanes.push(
    ...(dnsLanes.length > 0 ? dnsLanes : [{ name: 'DNS (shadow record)', spans: [{ start, end, label: d.result ?? 'running', tone: 'work' as Tone }] }]),
  );
  if (d.message && !failed) notes.push(d.message);
  const switched = marks.find((m) => m.step === 'Switched')?.at;
  const title = `FailoverPolicy ${name}: drill (${d.reason ?? '?'})${running ? ` running, step ${d.step ?? '?'}` : `, ${d.result ?? 'no result'}`}`;
  return finish(
    { title, subject: 'drill', start, end, running, lanes, steps: stepsOf(start, marks), notes },
    d.rtoSeconds,
    completed,
    d.rpoSeconds,
    switched ?? start,
    'replica lag at the switch',
  );
}

function finish(
  t: Timeline,
  rtoSeconds: number | undefined,
  completed: number | undefined,
  rpoSeconds: number | undefined,
  rpoEnd: number,
  rpoWhat: string,
): Timeline {
  if (typeof rtoSeconds === 'number' && Number.isFinite(rtoSeconds) && completed !== undefined && Number.isFinite(completed)) {
    t.rto = { start: t.start, end: completed, seconds: rtoSeconds, label: `RTO ${fmtSeconds(rtoSeconds)}` };
  }
  if (typeof rpoSeconds === 'number' && Number.isFinite(rpoSeconds) && rpoSeconds >= 0) {
    t.rpo = { start: rpoEnd - rpoSeconds * 1000, end: rpoEnd, seconds: rpoSeconds, label: `RPO ${fmtSeconds(rpoSeconds)} (${rpoWhat})` };
    t.start = Math.min(t.start, t.rpo.start);
  }
  if (t.end - t.start < 1000) t.end = t.start + 1000;
  return t;
}

/** Spans of the rules whose start mark exists; an open span runs to the end (now, while running). */
function spanLanes(rules: readonly SpanRule[], marks: TimelineStep[], running: boolean, end: number): Lane[] {
  const lanes = new Map<string, Lane>();
  for (const r of rules) {
    const from = marks.find((m) => r.from.includes(m.step));
    if (!from) continue;
    const to = marks.find((m) => r.to.includes(m.step) && m.at >= from.at);
    // A record that ended without this span's end step (aborted, or a step not recorded) has no span to draw.
    if (!to && !running) continue;
    const label = to?.step === 'FenceUnconfirmed' ? 'fence (unconfirmed)' : to ? r.label : `${r.label} (running)`;
    const tone: Tone = to?.step === 'FenceUnconfirmed' ? 'failed' : r.tone;
    const lane = lanes.get(r.lane) ?? { name: r.lane, spans: [] };
    lane.spans.push({ start: from.at, end: to?.at ?? end, label, tone });
    lanes.set(r.lane, lane);
  }
  return [...lanes.values()];
}

type HealthKey = 'fromHealth' | 'toHealth';
type Sample = { at: number; state: Health };

/** Health from the step samples, then status.health from its `since` on; before the first sample nothing is known. */
function healthLane(
  name: string,
  marks: Array<TimelineStep & Partial<Record<HealthKey, Health>>>,
  key: HealthKey | undefined,
  current: Sample | undefined,
  start: number,
  end: number,
): Lane {
  const samples: Sample[] = [];
  for (const m of marks) {
    const state = key ? m[key] : undefined;
    if (state) samples.push({ at: m.at, state });
  }
  if (current && current.at <= end) samples.push(current);
  samples.sort((a, b) => a.at - b.at);
  const spans: Span[] = [];
  samples.forEach((s, i) => {
    const from = Math.max(s.at, start);
    const to = Math.min(samples[i + 1]?.at ?? end, end);
    if (to <= from) return;
    const prev = spans.at(-1);
    if (prev && prev.tone === s.state && prev.end >= from) prev.end = to;
    else spans.push({ start: from, end: to, label: s.state, tone: s.state });
  });
  return { name, spans };
}

/** status.health of the side serving `region`, from when it last changed. */
function statusHealth(policy: FailoverPolicy, region: string): Sample | undefined {
  const sides = ['primary', 'secondary'] as const;
  const side = sides.find((s) => (policy.spec.dns?.[s]?.region ?? policy.spec.database?.[s === 'primary' ? 'primary' : 'replica']?.region) === region);
  return side ? sideHealth(policy, side) : undefined;
}

function sideHealth(policy: FailoverPolicy, side: 'primary' | 'secondary'): Sample | undefined {
  const h = policy.status?.health;
  const state = h?.[side];
  const since = ms(h?.[side === 'primary' ? 'primarySince' : 'secondarySince'] ?? h?.since);
  return state && Number.isFinite(since) ? { at: since, state } : undefined;
}

function validMarks(steps: StepMark[] | undefined): Array<TimelineStep & Partial<Record<HealthKey, Health>>> {
  return (Array.isArray(steps) ? steps : [])
    .map((m) => ({ ...m, step: String(m?.step ?? '?'), at: ms(m?.at) }))
    .filter((m) => Number.isFinite(m.at))
    .sort((a, b) => a.at - b.at);
}

function stepsOf(start: number, marks: TimelineStep[]): TimelineStep[] {
  const steps = marks.map(({ step, at }) => ({ step, at }));
  return steps[0]?.step === 'Triggered' || !Number.isFinite(start) ? steps : [{ step: 'Started', at: start }, ...steps];
}

function endOf(start: number, marks: TimelineStep[], completed: number | undefined, running: boolean, now: Date): number {
  if (!Number.isFinite(start)) throw new NothingToDraw('status has no valid startedAt time to draw from');
  const last = Math.max(start, ...marks.map((m) => m.at));
  if (running) return Math.max(last, now.getTime());
  return completed !== undefined && Number.isFinite(completed) ? Math.max(last, completed) : last;
}

function ms(iso: unknown): number {
  return typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
}

export function fmtSeconds(s: number): string {
  if (s < 120) return `${Math.round(s * 10) / 10}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest ? `${m}m${rest}s` : `${m}m`;
}

/** "+12s" relative to the timeline's first step. */
export function offset(t: Timeline, at: number, origin = t.steps[0]?.at ?? t.start): string {
  const s = (at - origin) / 1000;
  return `${s < 0 ? '−' : '+'}${fmtSeconds(Math.abs(s))}`;
}
