// One row per RegionPair / FailoverPolicy for `multiregion status`: what an operator checks
// first during an incident. Pure: objects in, strings out.
import { ANNOTATIONS, type Condition } from '../api/types.ts';

export const STATUS_HEADERS = ['Name', 'Kind', 'Ready', 'Synced', 'Active', 'Phase', 'Health', 'Lag', 'FailoverReady', 'Dials'] as const;
/** `-o wide`: where it runs, the last failover, the accelerator's status and static IPs, and why it is not Ready. */
export const WIDE_HEADERS = [...STATUS_HEADERS, 'Regions', 'Pair', 'LastFailover', 'Accelerator', 'Message'] as const;

export interface StatusObject {
  kind?: string;
  metadata: { name: string; namespace?: string; generation?: number; annotations?: Record<string, string> };
  spec?: {
    primary?: { region?: string };
    secondary?: { region?: string };
    regionPairRef?: { name?: string };
    globalAccelerator?: { shift?: { steps?: number[] } };
  };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    activeRegion?: string;
    phase?: string;
    health?: { primary?: string; secondary?: string };
    database?: { replica?: { lagSeconds?: number } };
    peering?: { state?: string };
    lastFailover?: { completedAt?: string; rtoSeconds?: number; reason?: string };
    globalAccelerator?: {
      status?: string;
      ipAddresses?: string[];
      dials?: { primary?: number; secondary?: number };
      shift?: { to?: string; step?: number; rolledBack?: boolean };
    };
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

/**
 * Global Accelerator traffic dials, "P:100 S:0"; a gradual shift running adds its step and
 * target ("P:50 S:50 (shift 2/3 to us-west-2)"), one rolled back says so. "-" without GA.
 */
export function dialsCell(o: StatusObject): string {
  const ga = o.status?.globalAccelerator;
  const d = ga?.dials;
  if (!d || (d.primary === undefined && d.secondary === undefined)) return NONE;
  const dials = `P:${d.primary ?? '?'} S:${d.secondary ?? '?'}`;
  const shift = ga.shift;
  if (!shift) return dials;
  if (shift.rolledBack) return `${dials} (shift to ${shift.to ?? '?'} rolled back)`;
  const steps = o.spec?.globalAccelerator?.shift?.steps?.length;
  const step = shift.step !== undefined ? `${shift.step + 1}${steps ? `/${steps}` : ''}` : '?';
  return `${dials} (shift ${step} to ${shift.to ?? '?'})`;
}

/** `-o wide`: the accelerator's status (IN_PROGRESS while a change deploys) and its static IPs. */
export function acceleratorCell(o: StatusObject): string {
  const ga = o.status?.globalAccelerator;
  if (!ga?.status && !ga?.ipAddresses?.length) return NONE;
  return [ga.status, ga.ipAddresses?.join(',')].filter(Boolean).join(' ');
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
      dialsCell(o),
    ];
  }
  // A pair has no active region; its "phase" is the peering attachment's state.
  return [...common, NONE, o.status?.peering?.state ?? NONE, NONE, NONE, NONE, NONE];
}

/** The wide columns after statusRow's: a pair's regions, a policy's pair and last failover, the Ready message when not True (cut at 80). */
export function wideCells(o: StatusObject): string[] {
  const regions = [o.spec?.primary?.region, o.spec?.secondary?.region].filter(Boolean);
  const lf = o.status?.lastFailover;
  const last = lf?.completedAt ? `${lf.completedAt}${lf.rtoSeconds !== undefined ? ` RTO ${lf.rtoSeconds}s` : ''}` : NONE;
  const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
  const message = ready && ready.status !== 'True' && ready.message ? ready.message : '';
  return [
    regions.length ? regions.join(',') : NONE,
    o.spec?.regionPairRef?.name ?? NONE,
    last,
    acceleratorCell(o),
    message.length > 80 ? `${message.slice(0, 79)}…` : message || NONE,
  ];
}

/** Sorted by namespace/name, pairs before policies of the same name. */
export function sortForStatus<T extends StatusObject>(objects: readonly T[]): T[] {
  return [...objects].sort(
    (a, b) =>
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`) ||
      (a.kind ?? '').localeCompare(b.kind ?? '') * -1,
  );
}

/** Rows sorted by namespace/name, pairs before policies of the same name; `wide` adds wideCells. */
export function statusRows(objects: readonly StatusObject[], wide = false): string[][] {
  return sortForStatus(objects).map((o) => (wide ? [...statusRow(o), ...wideCells(o)] : statusRow(o)));
}
