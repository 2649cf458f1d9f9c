// One canonical text per JSON value, so "did the content change?" never depends on key order
// or on how AWS re-serialises what we sent.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level; `undefined` members are dropped as JSON does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * A stable hash of everything we would write for one owner. The controller keeps it in status:
 * when it matches on a routine resync, nothing is read or written in CloudWatch at all.
 * Strings are hashed as the JSON they contain when they parse, so a dashboard body and the same
 * object give the same hash.
 */
export function contentHash(value: unknown): string {
  const v = typeof value === 'string' ? parseOr(value) : value;
  return 'sha256:' + createHash('sha256').update(canonicalJson(v)).digest('hex');
}

/** True when two JSON texts hold the same value (key order and spacing ignored). */
export function sameJson(a: string, b: string): boolean {
  const pa = parseOr(a);
  const pb = parseOr(b);
  return canonicalJson(pa) === canonicalJson(pb);
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
