// A Timeline (timeline.ts) as a standalone SVG document (pure, no dependency): one row per lane
// with its spans, a numbered dashed line per recorded step, the RTO as a bracket and the RPO as
// a window, a time axis relative to the first step, and a legend listing the steps in order.
// Every element that matters carries a class and data-* attributes, so tests (and scripts) can
// read the drawing back; every span has a <title>, which viewers show as a tooltip.
import { fmtSeconds, type Measure, offset, type Timeline, type Tone } from './timeline.ts';

const WIDTH = 1000;
const LABEL_WIDTH = 200;
const RIGHT = 40;
const ROW = 30;
const BAR = 18;
const MARKER_ROW = 18;
const LEGEND_LINE = 18;

const FILL: Record<Tone, string> = {
  Healthy: '#2e7d32',
  Unhealthy: '#c62828',
  Unknown: '#9e9e9e',
  work: '#1565c0',
  wait: '#f9a825',
  failed: '#c62828',
};
const TEXT_ON: Record<Tone, string> = { Healthy: '#fff', Unhealthy: '#fff', Unknown: '#000', work: '#fff', wait: '#000', failed: '#fff' };

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text and attribute values as XML: also drops the control characters XML 1.0 does not allow at all. */
export function escapeXml(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const r1 = (n: number): string => String(Math.round(n * 10) / 10);

export function renderTimelineSvg(t: Timeline): string {
  const x0 = LABEL_WIDTH;
  const x1 = WIDTH - RIGHT;
  const span = Math.max(1, t.end - t.start);
  const x = (at: number): number => x0 + ((Math.min(Math.max(at, t.start), t.end) - t.start) / span) * (x1 - x0);
  const iso = (at: number): string => new Date(at).toISOString();

  // Step numbers: a step too close to the previous one on its row moves down a row (at most 3).
  const markerRows: number[][] = [[], [], []];
  const markerRow = t.steps.map((s) => {
    const px = x(s.at);
    const row = markerRows.findIndex((r) => r.every((other) => Math.abs(other - px) >= 18));
    const chosen = row < 0 ? markerRows.length - 1 : row;
    markerRows[chosen]!.push(px);
    return chosen;
  });
  const usedMarkerRows = Math.max(1, ...markerRow.map((r) => r + 1));

  const headerBottom = 58;
  const markersTop = headerBottom;
  const lanesTop = markersTop + usedMarkerRows * MARKER_ROW + 6;
  const measureRows = [t.rto, t.rpo].filter((m): m is Measure => m !== undefined);
  const lanesBottom = lanesTop + (t.lanes.length + measureRows.length) * ROW;
  const axisY = lanesBottom + 4;
  const legendTop = axisY + 40;
  const notesTop = legendTop + t.steps.length * LEGEND_LINE + 12;
  const height = notesTop + t.notes.length * LEGEND_LINE + 12;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      `font-family="sans-serif" font-size="12" data-subject="${t.subject}" data-start="${iso(t.start)}" data-end="${iso(t.end)}">`,
  );
  out.push(`<title>${escapeXml(t.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#fff"/>`);
  out.push(`<text class="title" x="12" y="24" font-size="15" font-weight="bold">${escapeXml(t.title)}</text>`);
  const summary = [
    `started ${iso(t.steps[0]?.at ?? t.start)}`,
    t.running ? `running at ${iso(t.end)}` : undefined,
    t.rto?.label,
    t.rpo ? `RPO ${fmtSeconds(t.rpo.seconds)}` : undefined,
  ].filter((s) => s !== undefined);
  out.push(`<text class="summary" x="12" y="44" fill="#444">${escapeXml(summary.join(' · '))}</text>`);

  // Lanes.
  t.lanes.forEach((lane, i) => {
    const y = lanesTop + i * ROW;
    out.push(`<g class="lane" data-lane="${escapeXml(lane.name)}">`);
    out.push(`<text x="12" y="${y + ROW / 2 + 4}">${escapeXml(lane.name)}</text>`);
    out.push(`<line x1="${x0}" y1="${y + ROW / 2}" x2="${x1}" y2="${y + ROW / 2}" stroke="#eee"/>`);
    if (lane.spans.length === 0) out.push(`<text x="${x0 + 4}" y="${y + ROW / 2 + 4}" fill="#888" font-style="italic">no data</text>`);
    for (const s of lane.spans) {
      const sx = x(s.start);
      const w = Math.max(2, x(s.end) - sx);
      const tip = `${s.label}: ${offset(t, s.start)} → ${offset(t, s.end)} (${fmtSeconds((s.end - s.start) / 1000)})`;
      out.push(
        `<rect class="span" data-label="${escapeXml(s.label)}" data-start="${iso(s.start)}" data-end="${iso(s.end)}" x="${r1(sx)}" ` +
          `y="${y + (ROW - BAR) / 2}" width="${r1(w)}" height="${BAR}" rx="3" fill="${FILL[s.tone]}"><title>${escapeXml(tip)}</title></rect>`,
      );
      // The label goes inside when it fits (about 6.5 px a character), else the tooltip carries it.
      if (w > s.label.length * 6.5 + 8) {
        out.push(`<text x="${r1(sx + 4)}" y="${y + ROW / 2 + 4}" fill="${TEXT_ON[s.tone]}" pointer-events="none">${escapeXml(s.label)}</text>`);
      }
    }
    out.push('</g>');
  });

  // RTO as a bracket, RPO as a hatched window, each on its own row.
  measureRows.forEach((m, i) => {
    const y = lanesTop + (t.lanes.length + i) * ROW + ROW / 2;
    const isRto = m === t.rto;
    const a = x(m.start);
    const b = Math.max(a + 1, x(m.end));
    out.push(`<g class="${isRto ? 'rto' : 'rpo'}" data-seconds="${m.seconds}" data-start="${iso(m.start)}" data-end="${iso(m.end)}">`);
    out.push(`<text x="12" y="${y + 4}" font-weight="bold">${isRto ? 'RTO' : 'RPO'}</text>`);
    const label = escapeXml(m.label);
    const labelWidth = m.label.length * 6.5;
    if (isRto) {
      // A bracket low in the row, its label centred above it.
      out.push(`<path d="M${r1(a)} ${y} V${y + 12} M${r1(a)} ${y + 6} H${r1(b)} M${r1(b)} ${y} V${y + 12}" stroke="#000" stroke-width="2" fill="none"/>`);
      const mid = Math.min(Math.max((a + b) / 2, x0 + labelWidth / 2), WIDTH - labelWidth / 2 - 4);
      out.push(`<text class="measure-label" x="${r1(mid)}" y="${y + 1}" text-anchor="middle">${label}</text>`);
    } else {
      out.push(`<rect x="${r1(a)}" y="${y - BAR / 2}" width="${r1(b - a)}" height="${BAR}" fill="#c62828" fill-opacity="0.25" stroke="#c62828"/>`);
      // Right of the window when it fits, else left of it.
      const textX = x1 - b > labelWidth + 8 ? b + 6 : Math.max(x0, a - labelWidth - 6);
      out.push(`<text class="measure-label" x="${r1(textX)}" y="${y + 4}">${label}</text>`);
    }
    out.push('</g>');
  });

  // Axis with ticks relative to the first step.
  const origin = t.steps[0]?.at ?? t.start;
  const stepS = tickSeconds((t.end - t.start) / 1000);
  out.push(`<g class="axis"><line x1="${x0}" y1="${axisY}" x2="${x1}" y2="${axisY}" stroke="#000"/>`);
  const firstTick = Math.ceil((t.start - origin) / 1000 / stepS) * stepS;
  for (let s = firstTick; origin + s * 1000 <= t.end; s += stepS) {
    const tx = r1(x(origin + s * 1000));
    out.push(`<line x1="${tx}" y1="${axisY}" x2="${tx}" y2="${axisY + 5}" stroke="#000"/>`);
    out.push(`<text x="${tx}" y="${axisY + 18}" text-anchor="middle">${escapeXml(offset(t, origin + s * 1000))}</text>`);
  }
  out.push('</g>');

  // Steps: a numbered marker and a dashed line down to the axis, and a legend line each.
  t.steps.forEach((s, i) => {
    const px = r1(x(s.at));
    const my = markersTop + markerRow[i]! * MARKER_ROW + MARKER_ROW / 2;
    const ly = legendTop + i * LEGEND_LINE;
    out.push(`<g class="step" data-step="${escapeXml(s.step)}" data-at="${iso(s.at)}" data-index="${i + 1}">`);
    out.push(`<line x1="${px}" y1="${my + 7}" x2="${px}" y2="${axisY}" stroke="#555" stroke-dasharray="3 3"/>`);
    out.push(`<circle cx="${px}" cy="${my}" r="7" fill="#fff" stroke="#555"/>`);
    out.push(`<text x="${px}" y="${my + 4}" text-anchor="middle" font-size="10">${i + 1}</text>`);
    out.push(
      `<text class="step-label" x="12" y="${ly}"><tspan font-weight="bold">${i + 1}</tspan> ` +
        `${escapeXml(s.step)} <tspan fill="#444">${escapeXml(offset(t, s.at))} · ${iso(s.at)}</tspan></text>`,
    );
    out.push('</g>');
  });

  t.notes.forEach((n, i) => {
    out.push(`<text class="note" x="12" y="${notesTop + i * LEGEND_LINE}" fill="#444">${escapeXml(n)}</text>`);
  });
  out.push('</svg>');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${out.join('\n')}\n`;
}

/** A readable tick interval giving at most about ten ticks. */
function tickSeconds(totalS: number): number {
  const nice = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  return nice.find((n) => totalS / n <= 10) ?? Math.ceil(totalS / 10 / 86400) * 86400;
}
