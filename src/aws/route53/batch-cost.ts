// Pure arithmetic of Route 53 change batches: what a change costs against the per-request
// limits, how owners' change groups are packed into batches, split after a rejection, and
// merged when an owner submits again before its previous changes were sent.
import type { Change } from '@aws-sdk/client-route-53';
import { normalizeName } from './names.ts';

/**
 * ChangeResourceRecordSets limits: at most 1,000 ResourceRecord elements and 32,000
 * characters of Value per request, and in both an UPSERT counts twice.
 */
export interface BatchLimits {
  maxRecords: number;
  maxChars: number;
}

export const ROUTE53_LIMITS: BatchLimits = { maxRecords: 1000, maxChars: 32000 };

export interface BatchCost {
  records: number;
  chars: number;
}

/**
 * One change's cost. An alias record has no ResourceRecord elements, but is counted as one
 * (and its target name as characters) so that a batch of aliases cannot grow unbounded.
 */
export function changeCost(change: Change): BatchCost {
  const rr = change.ResourceRecordSet;
  const factor = change.Action === 'UPSERT' ? 2 : 1;
  const values = rr?.ResourceRecords ?? [];
  if (values.length === 0) {
    return { records: factor, chars: factor * (rr?.AliasTarget?.DNSName?.length ?? 0) };
  }
  const chars = values.reduce((n, v) => n + (v.Value?.length ?? 0), 0);
  return { records: factor * values.length, chars: factor * chars };
}

export function costOf(changes: readonly Change[]): BatchCost {
  return changes.reduce(
    (sum, c) => {
      const k = changeCost(c);
      return { records: sum.records + k.records, chars: sum.chars + k.chars };
    },
    { records: 0, chars: 0 },
  );
}

export function fits(cost: BatchCost, limits: BatchLimits): boolean {
  return cost.records <= limits.maxRecords && cost.chars <= limits.maxChars;
}

/** The unit of batching: one owner's changes, which always travel (and fail) together. */
export interface ChangeGroup {
  owner: string;
  changes: Change[];
}

/**
 * The next batch from the queue (oldest first): first-fit, so a large group at the head does
 * not stop smaller ones behind it from filling the batch; it leads the next batch instead.
 * Groups bigger than a whole batch are never taken (the batcher rejects them on submit).
 */
export function packBatch<G extends ChangeGroup>(queue: readonly G[], limits: BatchLimits): { batch: G[]; rest: G[] } {
  const batch: G[] = [];
  const rest: G[] = [];
  let used: BatchCost = { records: 0, chars: 0 };
  for (const g of queue) {
    const k = costOf(g.changes);
    const next = { records: used.records + k.records, chars: used.chars + k.chars };
    if (fits(next, limits)) {
      batch.push(g);
      used = next;
    } else {
      rest.push(g);
    }
  }
  return { batch, rest };
}

/** After InvalidChangeBatch: halves by owner, so good owners go through and the bad one is found. */
export function bisect<G>(groups: readonly G[]): [G[], G[]] {
  const mid = Math.ceil(groups.length / 2);
  return [groups.slice(0, mid), groups.slice(mid)];
}

/**
 * Which record a change is about, for superseding: name + SetIdentifier for routing-policy
 * records (a newer change of the pair may change its type), name + type for plain records.
 */
export function changeIdentity(change: Change): string {
  const rr = change.ResourceRecordSet;
  const name = normalizeName(rr?.Name ?? '');
  return rr?.SetIdentifier !== undefined ? `${name}#${rr.SetIdentifier}` : `${name}|${rr?.Type ?? ''}`;
}

/** An owner's pending changes after it submits again: newer changes replace older ones for the same record. */
export function mergeChanges(older: readonly Change[], newer: readonly Change[]): Change[] {
  const replaced = new Set(newer.map(changeIdentity));
  return [...older.filter((c) => !replaced.has(changeIdentity(c))), ...newer];
}
