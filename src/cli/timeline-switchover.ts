// A Switchover drill as one timeline: each direction is a failover record of the state machine
// (status.lastDrill.directions[], with its own steps), drawn as a failover and put side by side,
// lanes named by direction. The RTO shown is the first direction's (the switch to the standby),
// the RPO the worst of both, as status.lastDrill records them.
import type { DrillDirection, FailoverPolicy, FailoverRecord } from '../api/types.ts';
import type { Lane, Timeline, TimelineStep } from './timeline.ts';

type Drill = NonNullable<NonNullable<FailoverPolicy['status']>['lastDrill']>;
export type DirectionTimeline = (record: FailoverRecord) => Timeline;

export function switchoverDrillTimeline(d: Drill, name: string, running: boolean, drawDirection: DirectionTimeline): Timeline {
  const dirs: DrillDirection[] = Array.isArray(d.directions) ? d.directions : [];
  const parts = dirs.map((x) => ({ x, t: drawDirection({ ...x, reason: `${x.from} → ${x.to}` }) }));
  const started = Date.parse(d.startedAt ?? '');
  const ended = Date.parse(d.completedAt ?? '');
  const start = Math.min(Number.isFinite(started) ? started : Infinity, ...parts.map((p) => p.t.start));
  const end = Math.max(Number.isFinite(ended) ? ended : -Infinity, ...parts.map((p) => p.t.end), start + 1000);
  const lanes: Lane[] = [];
  const steps: TimelineStep[] = Number.isFinite(started) && d.result !== 'NotStarted' ? [{ step: 'DrillStarted', at: started }] : [];
  parts.forEach(({ t }, n) => {
    for (const lane of t.lanes) lanes.push({ name: `${n + 1}. ${lane.name}`, spans: lane.spans });
    for (const s of t.steps) if (s.step !== 'Started') steps.push({ step: `${n + 1}. ${s.step}`, at: s.at });
  });
  if (!running && Number.isFinite(ended)) steps.push({ step: d.result === 'Succeeded' ? 'SwitchedBack' : `Drill${d.result ?? ''}`, at: ended });
  const notes = ['A Switchover drill: the real planned switchover to the standby and back, through the failover state machine.'];
  if (d.message) notes.push(d.message);
  if (parts.length === 0) notes.push('No direction completed.');
  const first = parts[0]?.t;
  const worst = parts.map((p) => p.t.rpo).reduce<Timeline['rpo']>((a, b) => (b && (!a || b.seconds > a.seconds) ? b : a), undefined);
  const title = `FailoverPolicy ${name}: Switchover drill (${d.reason ?? '?'})${running ? ' running' : `, ${d.result ?? 'no result'}`}${
    d.writer ? `; writer ${d.writer.identifier} in ${d.writer.region}` : ''
  }`;
  return {
    title,
    subject: 'drill',
    start: Math.min(start, worst?.start ?? start),
    end,
    running,
    lanes,
    steps: steps.sort((a, b) => a.at - b.at),
    notes,
    ...(first?.rto && { rto: { ...first.rto, label: `RTO ${first.rto.label.replace(/^RTO /, '')} (to the standby)` } }),
    ...(worst && { rpo: worst }),
  };
}
