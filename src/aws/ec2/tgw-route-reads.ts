// Static routes of TGW route tables, verified on a rotation. SearchTransitGatewayRoutes reads one
// table per call, so re-reading every table on every drift pass costs one call per pair per
// region. Instead each (account, region) — one EC2 client — has a fixed budget of table reads
// per drift interval for tables nothing has changed, spent on the least recently verified ones:
//
// - a table whose cached routes are at least `maxAge` old is due (the first time after a read
//   outside the rotation: a share of it, so that tables read together fall due spread out), where
//   maxAge stretches with the
//   number of tables in use, N, so that at most `budget` of them fall due per interval:
//   maxAge = (P − 0.2) × interval with P = 1 when N ≤ budget (every table verified on every pass,
//   as before; the 0.2 absorbs the manager's ±10 % jitter) and P = ceil(N / (0.9 × budget))
//   beyond (10 % of the budget left for tables that a jittered pass made wait);
// - a due table is read only while fewer than `budget` reads were made in the last interval;
//   otherwise its cached routes serve and it stays due, first in line (the oldest) next time;
// - a table we just wrote to (our Create/Delete/ReplaceTransitGatewayRoute through this client
//   drops it), one the caller says changed (`fresh`: its desired routes differ from what status
//   records), and one never read are read at once, budget or not.
//
// So a route removed behind the controller's back is seen within P + 1.2 drift intervals (a
// rotation, the next pass with its jitter, a little for waiting on the budget: detectionBoundMs). The routes read for
// a table serve every object on it: the RegionPair that owns it and each ClientConnection whose
// routes live in it.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { listStaticRoutes, type TgwRoute } from './tgw-routes.ts';

/** Table reads per (account, region) per drift interval for tables nothing changed. */
export const DEFAULT_TABLE_READS_PER_INTERVAL = 10;
/** The controller's default drift interval (flags.ts), for callers that do not pass theirs. */
export const DEFAULT_DRIFT_INTERVAL_MS = 5 * 60_000;
/** A table nobody asked about for this long (and 3 intervals) is forgotten: its pair or client is gone. */
const FORGET_AFTER_MS = 60 * 60_000;

export interface RouteReadOptions {
  /** Read now, budget or not: the caller's desired routes for this table changed. */
  fresh?: boolean;
  /** The drift interval of the callers (default 5 min). */
  intervalMs?: number;
  /** Table reads per interval for unchanged tables (default DEFAULT_TABLE_READS_PER_INTERVAL). */
  budget?: number;
  now?: () => number;
}

interface Entry {
  routes?: Promise<TgwRoute[]>;
  /** When the cached routes were read (set when the read finished). */
  verifiedAt?: number;
  askedAt: number;
  /**
   * The share of maxAge after which the table is due. A read outside the rotation (a new table,
   * a change, our write) sets it between 0 and 1 by the table id, so that tables read together
   * (a controller start, a bench applying 100 pairs at once) fall due spread over the rotation,
   * not all in one interval; a rotation read sets 1.
   */
  spread: number;
}

/**
 * Intervals in one rotation: 1 while every table fits in the budget; beyond that, enough that
 * the tables falling due use 90 % of it (the rest absorbs jitter, so none falls behind for long).
 */
export function rotationIntervals(tables: number, budget: number): number {
  const b = Math.max(1, budget);
  return tables <= b ? 1 : Math.ceil(tables / (0.9 * b));
}

/** How long a verified table goes unread when `tables` are in use (exported for the docs and tests). */
export function maxAgeMs(tables: number, budget: number, intervalMs: number): number {
  return (rotationIntervals(tables, budget) - 0.2) * intervalMs;
}

/**
 * The longest time before a route removed outside the controller is seen: a rotation, then the
 * pass that asks next (one interval, 1.1 with the manager's ±10 % jitter), and 0.1 for a table
 * that a jittered pass left waiting for the budget.
 */
export function detectionBoundMs(tables: number, budget: number, intervalMs: number): number {
  return Math.round((rotationIntervals(tables, budget) + 1.2) * intervalMs);
}

export class TableRouteReads {
  private readonly entries = new Map<string, Entry>();
  /** When each budgeted read started, newest last (only the last interval's are kept). */
  private readonly spent: number[] = [];
  /** Counted for tests and the bench: budgeted (rotation) and forced (fresh, first, after a write) reads. */
  readonly counts = { rotation: 0, forced: 0, cached: 0 };

  constructor(private readonly search: (tableId: string) => Promise<TgwRoute[]>) {}

  read(tableId: string, o: RouteReadOptions = {}): Promise<TgwRoute[]> {
    const now = (o.now ?? Date.now)();
    const intervalMs = o.intervalMs ?? DEFAULT_DRIFT_INTERVAL_MS;
    const budget = o.budget ?? DEFAULT_TABLE_READS_PER_INTERVAL;
    this.forgetIdle(now, Math.max(FORGET_AFTER_MS, 3 * intervalMs));
    const e = this.entries.get(tableId);
    if (e) e.askedAt = now;
    if (!e?.routes || o.fresh) {
      this.counts.forced++;
      return this.start(tableId, now, false);
    }
    if (e.verifiedAt === undefined) {
      // Read in flight: it serves this caller too.
      this.counts.cached++;
      return e.routes;
    }
    const due = now - e.verifiedAt >= e.spread * maxAgeMs(this.entries.size, budget, intervalMs);
    while (this.spent.length && now - (this.spent[0] as number) >= intervalMs) this.spent.shift();
    if (due && this.spent.length < budget) {
      this.counts.rotation++;
      return this.start(tableId, now, true);
    }
    this.counts.cached++;
    return e.routes;
  }

  /** Our write changed the table: the next ask reads it (a read in flight may predate the write). */
  invalidate(tableId: string): void {
    this.entries.delete(tableId);
  }

  /** Tables cached (tests). */
  get size(): number {
    return this.entries.size;
  }

  private start(tableId: string, now: number, budgeted: boolean): Promise<TgwRoute[]> {
    if (budgeted) this.spent.push(now);
    const entry: Entry = { askedAt: now, spread: budgeted ? 1 : spreadOf(tableId) };
    const routes = this.search(tableId);
    entry.routes = routes;
    this.entries.set(tableId, entry);
    routes.then(
      () => {
        // From when the read was sent: what it saw is at least that fresh.
        entry.verifiedAt = now;
      },
      () => {
        if (this.entries.get(tableId) === entry) this.entries.delete(tableId);
      },
    );
    return routes;
  }

  private forgetIdle(now: number, afterMs: number): void {
    for (const [id, e] of this.entries) if (now - e.askedAt > afterMs) this.entries.delete(id);
  }
}

/** A stable number in (0, 1] from the table id (FNV-1a), spreading when tables read together fall due. */
function spreadOf(tableId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tableId.length; i++) h = Math.imul(h ^ tableId.charCodeAt(i), 0x01000193);
  return ((h >>> 0) % 1000) / 1000 + 0.001;
}

/** Any SDK v3 client's middleware stack, where our route writes are seen. */
interface Stack {
  middlewareStack: { add(middleware: never, options: { step: 'initialize'; name: string; priority: 'high' }): void };
}

type Middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>;

/** Writes that change a table's routes, each naming the table in its input. */
const ROUTE_WRITES = new Set([
  'CreateTransitGatewayRouteCommand',
  'DeleteTransitGatewayRouteCommand',
  'ReplaceTransitGatewayRouteCommand',
  'DeleteTransitGatewayRouteTableCommand',
]);

const byClient = new WeakMap<object, TableRouteReads>();

/**
 * The route reads of this client (one per region and role). The first use hooks the client so
 * that each of our route writes, succeeded or failed (a failed one may have been applied),
 * drops the table it names before the caller goes on.
 */
export function tableRouteReads(ec2: EC2Client): TableRouteReads {
  const known = byClient.get(ec2);
  if (known) return known;
  const reads = new TableRouteReads((id) => listStaticRoutes(ec2, id));
  byClient.set(ec2, reads);
  const middleware: Middleware = (next, context) => async (args) => {
    if (!ROUTE_WRITES.has(context.commandName ?? '')) return next(args);
    try {
      return await next(args);
    } finally {
      const table = (args as { input?: { TransitGatewayRouteTableId?: string } }).input?.TransitGatewayRouteTableId;
      if (table) reads.invalidate(table);
    }
  };
  (ec2 as unknown as Stack).middlewareStack.add(middleware as never, { step: 'initialize', name: 'multiregionTableRouteInvalidation', priority: 'high' });
  return reads;
}

/** The static routes of one table, on the rotation above. */
export function staticRoutesOf(ec2: EC2Client, tableId: string, o: RouteReadOptions = {}): Promise<TgwRoute[]> {
  return tableRouteReads(ec2).read(tableId, o);
}
