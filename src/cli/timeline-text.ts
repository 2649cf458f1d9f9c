// A Timeline (timeline.ts) as plain text for a terminal: the steps in order with their offsets,
// then each lane's spans, RTO and RPO. Same data as the SVG, nothing more.
import { fmtSeconds, offset, type Timeline } from './timeline.ts';

export function renderTimelineText(t: Timeline): string {
  const iso = (at: number): string => new Date(at).toISOString();
  const lines = [t.title];
  const measures = [t.rto?.label, t.rpo?.label].filter((s) => s !== undefined);
  if (measures.length > 0) lines.push(measures.join(', '));
  lines.push('', 'Steps:');
  const width = Math.max(...t.steps.map((s) => s.step.length), 4);
  for (const s of t.steps) lines.push(`  ${offset(t, s.at).padStart(8)}  ${s.step.padEnd(width)}  ${iso(s.at)}`);
  lines.push('', 'Lanes:');
  const laneWidth = Math.max(...t.lanes.map((l) => l.name.length));
  for (const lane of t.lanes) {
    const spans = lane.spans.map((s) => `${s.label} ${offset(t, s.start)}..${offset(t, s.end)} (${fmtSeconds((s.end - s.start) / 1000)})`);
    lines.push(`  ${lane.name.padEnd(laneWidth)}  ${spans.join('; ') || 'no data'}`);
  }
  if (t.notes.length > 0) lines.push('', ...t.notes.map((n) => `Note: ${n}`));
  return `${lines.join('\n')}\n`;
}
