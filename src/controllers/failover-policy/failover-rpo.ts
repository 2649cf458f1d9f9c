// How much an unplanned failover may lose, and when a planned one has lost nothing: read from
// CloudWatch datapoints, pure. The AWS behaviour relied on:
// - ReplicaLag is published once a minute in the replica's region. With the source down it
//   stops (no datapoint), reads -1 (MySQL/MariaDB: replication stopped), or only grows
//   (Postgres computes it as now minus the last replayed transaction). None of that measures
//   the writes lost, so an unplanned failover takes the last valid lag from before the source
//   turned unhealthy: what the replica lagged when the source last took writes.
// - Postgres: the lag of an idle (fenced) writer also only grows, so a planned switchover
//   would wait for ever for "lag 0". Cross-region Postgres replicas stream through a physical
//   replication slot on the source, and the source publishes OldestReplicationSlotLag (MB of
//   WAL the slowest slot has not received). After the fence no new WAL is written, so 0 then
//   means the replica holds every write; promotion replays what it received before it opens.
import type { FailoverProgress, LagPoint, Work } from './failover-machine.ts';
import { healthOf, lagValid } from './failover-ready.ts';

/** How old the pre-outage datapoint may be, counted back from when the source turned unhealthy. */
export const PRE_OUTAGE_LAG_MAX_AGE_MS = 2 * 60_000;
/** A datapoint's timestamp is the start of its minute: it may begin up to this long before the window. */
const PERIOD_MS = 60_000;

export interface JudgedLag {
  seconds: number;
  /** Where the figure comes from, for messages. */
  note: string;
}

/**
 * The newest valid lag datapoint from before the source's outage began: when its health turned
 * Unhealthy, or (no health signal) when the failover started. Undefined: nobody knows the RPO.
 */
export function lagBeforeOutage(w: Work, ip: FailoverProgress): JudgedLag | undefined {
  const h = healthOf(w.obs, ip.from);
  const onset = Date.parse(h.state === 'Unhealthy' && h.since ? h.since : ip.startedAt);
  if (!Number.isFinite(onset)) return undefined;
  const points: LagPoint[] = [...(w.obs.lagHistory ?? []), ...(w.obs.lag ? [w.obs.lag] : [])];
  let best: { p: LagPoint; at: number } | undefined;
  for (const p of points) {
    const at = Date.parse(p.at);
    if (!lagValid(p) || !Number.isFinite(at) || at > onset || at < onset - PRE_OUTAGE_LAG_MAX_AGE_MS - PERIOD_MS) continue;
    if (!best || at > best.at) best = { p, at };
  }
  return best && { seconds: best.p.seconds, note: `measured at ${best.p.at}, before ${ip.from} turned unhealthy` };
}

/** Postgres only: no WAL left to send to the replica, measured after the fence. */
export function walCaughtUp(w: Work, fencedAtMs: number): boolean {
  const wal = w.obs.sourceWalLag;
  if (!wal || !/postgres/i.test(w.spec.database.engine)) return false;
  return wal.megabytes <= 0 && Date.parse(wal.at) >= fencedAtMs;
}
