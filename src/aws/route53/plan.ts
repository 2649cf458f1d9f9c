// The pure heart of the DNS sync (external-dns's plan): what to change so that the records at
// a name become the desired ones, touching only records whose SetIdentifier we own.
import type { Change } from '@aws-sdk/client-route-53';
import { normalizeName } from './names.ts';
import { type RRSet, recordKey, sameRecord } from './records.ts';

export interface Conflict {
  name: string;
  type: string;
  /** The other record's SetIdentifier; absent for a plain (simple routing) record. */
  setIdentifier?: string;
  reason: string;
}

export interface Plan {
  upserts: RRSet[];
  deletes: RRSet[];
  conflicts: Conflict[];
}

/**
 * `current`: the records at the names of `desired` as read from the zone (other names are
 * ignored). `owned`: the SetIdentifiers the registry proves ours.
 *
 * - A record we do not own at a desired name and type (or a CNAME next to any type) is a
 *   conflict: left alone, and nothing at that name is written or deleted — a half-written
 *   failover pair, or our old records deleted without replacement, would be worse than no change.
 * - Owned records that are not desired (e.g. A records after the target became a CNAME) are
 *   deleted; deletes come first in planChanges so the batch never holds both.
 * - Equal records (names and values normalized) produce nothing.
 */
export function plan(current: RRSet[], desired: RRSet[], owned: ReadonlySet<string>): Plan {
  const isOwned = (r: RRSet): boolean => r.SetIdentifier !== undefined && owned.has(r.SetIdentifier);
  const ownedNow = current.filter(isOwned);
  const foreign = current.filter((r) => !isOwned(r));

  const conflicts: Conflict[] = [];
  const blocked = new Set<string>();
  for (const d of desired) {
    const name = normalizeName(d.Name ?? '');
    for (const f of foreign) {
      if (normalizeName(f.Name ?? '') !== name || !clashes(f.Type, d.Type)) continue;
      blocked.add(name);
      conflicts.push({
        name,
        type: f.Type ?? '',
        ...(f.SetIdentifier !== undefined ? { setIdentifier: f.SetIdentifier } : {}),
        reason: conflictReason(f, d, owned),
      });
    }
  }
  const open = (r: RRSet): boolean => !blocked.has(normalizeName(r.Name ?? ''));

  const byKey = new Map(ownedNow.map((r) => [recordKey(r), r]));
  const upserts = desired.filter(open).filter((d) => {
    const seen = byKey.get(recordKey(d));
    return !seen || !sameRecord(seen, d);
  });
  const desiredKeys = new Set(desired.map(recordKey));
  const deletes = ownedNow.filter(open).filter((r) => !desiredKeys.has(recordKey(r)));
  return { upserts, deletes: dedupeByKey(deletes), conflicts: dedupeConflicts(conflicts) };
}

/** The change list for a plan: deletes before upserts (a type change deletes and recreates). */
export function planChanges(p: Pick<Plan, 'upserts' | 'deletes'>): Change[] {
  return [
    ...p.deletes.map((r): Change => ({ Action: 'DELETE', ResourceRecordSet: r })),
    ...p.upserts.map((r): Change => ({ Action: 'UPSERT', ResourceRecordSet: r })),
  ];
}

export function isEmptyPlan(p: Plan): boolean {
  return p.upserts.length === 0 && p.deletes.length === 0;
}

// A CNAME cannot share its name with any other record; other types only clash with their own.
function clashes(a: string | undefined, b: string | undefined): boolean {
  return a === b || a === 'CNAME' || b === 'CNAME';
}

function conflictReason(found: RRSet, want: RRSet, owned: ReadonlySet<string>): string {
  const what = `${found.Type} record ${normalizeName(found.Name ?? '')}`;
  if (found.SetIdentifier === undefined) {
    return `a plain ${what} (no SetIdentifier) exists; delete it or choose another recordName`;
  }
  if (found.SetIdentifier === want.SetIdentifier && owned.size === 0) {
    return `${what} with SetIdentifier ${found.SetIdentifier} exists without our ownership record; delete it, or add the registry TXT record to adopt it`;
  }
  return `${what} with SetIdentifier ${found.SetIdentifier} belongs to someone else`;
}

function dedupeByKey(records: RRSet[]): RRSet[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const k = recordKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function dedupeConflicts(conflicts: Conflict[]): Conflict[] {
  const seen = new Set<string>();
  return conflicts.filter((c) => {
    const k = `${c.name}|${c.type}|${c.setIdentifier ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
