// Keeps a source map's mappings into some sources only. The bundle's map covers client-node and
// undici too, and Node decodes every mapping of a map when it loads it: ~16 MiB of RSS for the
// controller's bundle, where stack traces only need our own src/ (docs/performance.md, Memory).
// esbuild has no per-file source map switch, so the build drops the rest afterwards.
//
// The format (Source Map Revision 3): `mappings` is one group per generated line (`;`), segments
// separated by `,`, each 1, 4 or 5 base64 VLQ fields: generated column (relative to the line's
// previous segment), source index, original line, original column, name index (all four relative
// to the previous segment that had them, across lines). Dropping a segment therefore means
// re-encoding the ones after it against what was kept.

import type { SourceMapPayload } from 'node:module';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** The VLQ fields of one segment. */
export function decodeSegment(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`not base64 VLQ: ${JSON.stringify(text)}`);
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    if (digit & 32) continue;
    out.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new Error(`truncated VLQ: ${JSON.stringify(text)}`);
  return out;
}

export function encodeSegment(fields: readonly number[]): string {
  let out = '';
  for (const field of fields) {
    let value = field < 0 ? -field * 2 + 1 : field * 2;
    do {
      let digit = value % 32;
      value = Math.floor(value / 32);
      if (value > 0) digit |= 32;
      out += BASE64[digit];
    } while (value > 0);
  }
  return out;
}

/**
 * The map with only the segments whose source `keep` accepts. Sources and names are left as they
 * are (indexes stay valid; unused entries cost a string each), so the result maps every kept
 * position exactly as the input did.
 */
export function keepSources(map: SourceMapPayload, keep: (source: string) => boolean): SourceMapPayload {
  const kept = map.sources.map(keep);
  // Absolute values while reading, and the last written ones for re-encoding.
  const read = { source: 0, line: 0, column: 0, name: 0 };
  const written = { source: 0, line: 0, column: 0, name: 0 };
  // A dropped segment ends the kept one before it (on its line or an earlier one) with an
  // unmapped (1-field) segment: a position maps to the last segment before it, across lines
  // (Node's lookup does), so the code it covered (client-node's, say) would otherwise read as the
  // end of our function before it.
  let open = false;
  const lines = map.mappings.split(';').map((group) => {
    let readColumn = 0;
    let writtenColumn = 0;
    const segments: string[] = [];
    const close = (): void => {
      if (!open) return;
      segments.push(encodeSegment([readColumn - writtenColumn]));
      writtenColumn = readColumn;
      open = false;
    };
    for (const text of group === '' ? [] : group.split(',')) {
      const f = decodeSegment(text);
      readColumn += f[0] ?? 0;
      if (f.length < 4) {
        close();
        continue;
      }
      read.source += f[1] ?? 0;
      read.line += f[2] ?? 0;
      read.column += f[3] ?? 0;
      if (f.length >= 5) read.name += f[4] ?? 0;
      if (!kept[read.source]) {
        close();
        continue;
      }
      open = true;
      const out = [readColumn - writtenColumn, read.source - written.source, read.line - written.line, read.column - written.column];
      if (f.length >= 5) {
        out.push(read.name - written.name);
        written.name = read.name;
      }
      writtenColumn = readColumn;
      written.source = read.source;
      written.line = read.line;
      written.column = read.column;
      segments.push(encodeSegment(out));
    }
    return segments.join(',');
  });
  return { ...map, mappings: lines.join(';') };
}
