// JSON merge patches (RFC 7386) computed from a current and a desired document, pure. A merge
// patch only adds and replaces unless it says `null`, so the diff has to null out every key the
// desired document dropped — sending the desired document as it is would leave stale fields.
import { isDeepStrictEqual } from 'node:util';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy with `undefined` and `null` members removed (what the document means once stored). */
export function normalizeJson(value: unknown): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => normalizeJson(v) ?? null);
  if (isPlainObject(value)) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const n = normalizeJson(v);
      if (n !== undefined) out[k] = n;
    }
    return out;
  }
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  return JSON.parse(JSON.stringify(value)) as Json; // Date and friends: their JSON form
}

/**
 * The merge patch that turns `current` into `desired`, or undefined when they are equal.
 * Arrays are replaced whole (merge patch has no array operations).
 */
export function mergePatchFor(current: unknown, desired: unknown): Json | undefined {
  const cur = normalizeJson(current);
  const want = normalizeJson(desired);
  return diff(cur, want);
}

function diff(cur: Json | undefined, want: Json | undefined): Json | undefined {
  if (want === undefined) return cur === undefined ? undefined : null;
  if (isPlainObject(cur) && isPlainObject(want)) {
    const patch: Record<string, Json> = {};
    for (const k of Object.keys(cur)) if (!(k in want)) patch[k] = null;
    for (const [k, v] of Object.entries(want)) {
      const d = diff(cur[k], v);
      if (d !== undefined) patch[k] = d;
    }
    return Object.keys(patch).length > 0 ? patch : undefined;
  }
  return isDeepStrictEqual(cur, want) ? undefined : want;
}
