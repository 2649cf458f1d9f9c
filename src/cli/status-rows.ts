// One row per RegionPair / FailoverPolicy for `multiregion status`: what an operator checks
// first during an incident. Pure: objects in, strings out.
import { ANNOTATIONS, type Condition } from '../api/types.ts';

export const STATUS_HEADERS = ['Name', 'Kind', 'Ready', 'Synced', 'Active', 'Phase', 'Health', 'Lag', 'FailoverReady'] as const;

export interface StatusObject {
  kind?: string;
  metadata: { name: string; namespace?: string; generation?: number; annotations?: Record<string, string> };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    activeRegion?: string;
    phase?: string;
    health?: { primary?: string; secondary?: string };
    database?: { replica?: { lagSeconds?: number } };
    peering?: { state?: string };
  };
}

const NONE = '-';

// Reasons that only restate "True": shown as a bare True so the unusual ones stand out.
const PLAIN_TRUE = new Set(['Available', 'ReconcileSuccess', '']);

/** "True", "True (DryRun)", "False (Reason)"; "-" when the condition was never written. */
export function conditionCell(o: StatusObject, type: string): string {
  const c = o.status?.conditions?.find((x) => x.type === type);
  if (!c) return NONE;
  if (c.status === 'True' && PLAIN_TRUE.has(c.reason ?? '')) return 'True';
  return c.reason ? `${c.status} (${c.reason})` : c.status;
}

export function healthCell(h: { primary?: string; secondary?: string } | undefined): string {
  if (!h || (!h.primary && !h.secondary)) return NONE;
  return `P:${h.primary ?? 'Unknown'} S:${h.secondary ?? 'Unknown'}`;
}

export function lagCell(seconds: number | undefined): string {
  return seconds === undefined ? NONE : `${seconds}s`;
}

export function statusRow(o: StatusObject): string[] {
  const id = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const stale = (o.status?.observedGeneration ?? 0) < (o.metadata.generation ?? 0) ? '*' : '';
  const flags =
    o.metadata.annotations?.[ANNOTATIONS.paused] === 'true' ? ' [paused]' : o.metadata.annotations?.[ANNOTATIONS.dryRun] === 'true' ? ' [dry-run]' : '';
  const common = [id + flags, o.kind ?? NONE, conditionCell(o, 'Ready') + stale, conditionCell(o, 'Synced')];
  if (o.kind === 'FailoverPolicy') {
    return [
      ...common,
      o.status?.activeRegion ?? NONE,
      o.status?.phase ?? NONE,
      healthCell(o.status?.health),
      lagCell(o.status?.database?.replica?.lagSeconds),
      conditionCell(o, 'FailoverReady'),
    ];
  }
  // A pair has no active region; its "phase" is the peering attachment's state.
  return [...common, NONE, o.status?.peering?.state ?? NONE, NONE, NONE, NONE];
}

/** Rows sorted by namespace/name, pairs before policies of the same name. */
export function statusRows(objects: readonly StatusObject[]): string[][] {
  return [...objects]
    .sort(
      (a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`) ||
        (a.kind ?? '').localeCompare(b.kind ?? '') * -1,
    )
    .map(statusRow);
}
