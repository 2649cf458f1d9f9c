// Observation shared per (credentials, region, resource type): one paginated Describe,
// filtered by the cluster's ownership tag, serves every object that asks within a short
// window, instead of one Describe per object per drift pass. Concurrent callers share the
// read in flight. Freshness never rests on the window alone: every write sent through the
// same EC2 client (ours — the controller's creates, modifies, deletes and tags) drops the
// cached reads of the types it can change, so the pass right after a write reads again.
// Writes by anyone else are seen once the window has passed.
//
// The cache hangs off the EC2 client, and there is one client per (region, role), so it is
// per account and region without a key of its own; a client that is dropped takes it along.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EC2Client, Filter } from '@aws-sdk/client-ec2';
import { currentAbortSignal, outsideAbortScope, untilAborted } from '../abort-scope.ts';
import { TAG_KEYS } from '../tags.ts';

/**
 * The lists shared per region (variant: the cluster id of the tag filter); the associations of
 * one TGW route table (variant: the table id), read only for an attachment the region's list of
 * attachments does not hold; that list of attachments on our TGWs and the user's VPC route
 * tables (variant: none; each remembers what the pairs asked for: attachment-associations.ts,
 * vpc-route-reads.ts).
 */
export type SharedReadType =
  | 'transit-gateways'
  | 'route-tables'
  | 'vpc-attachments'
  | 'peering-attachments'
  | 'attachments'
  | 'flow-logs'
  | 'associations'
  | 'vpc-route-tables';

export const SHARED_READ_TYPES: readonly SharedReadType[] = [
  'transit-gateways',
  'route-tables',
  'vpc-attachments',
  'peering-attachments',
  'attachments',
  'flow-logs',
  'associations',
  'vpc-route-tables',
];

/** Long enough for one drift wave of many objects to share a read, short enough to stay near live. */
export const SHARED_READ_WINDOW_MS = 3_000;

const allowedAge = new AsyncLocalStorage<number>();

/**
 * Runs `fn` with its shared reads served from lists up to `maxAgeMs` old (never less than the
 * reads' own window). For a routine drift pass of an object nothing has changed: one list read
 * at the start of a drift wave then serves every object of the wave, however long the wave
 * takes, so reads per pass grow with regions and types, not with objects. A change by anyone
 * else is seen up to `maxAgeMs` later; our own writes still drop the lists they change, and
 * whatever a list says must change is read again before the write.
 */
export function withSharedReadAge<T>(maxAgeMs: number, fn: () => Promise<T>): Promise<T> {
  return allowedAge.run(maxAgeMs, fn);
}

/**
 * The one filter of the shared reads: everything this controller's cluster made in the region,
 * whatever object owns it. A hint only (some Describe calls ignore tag filters): the owner and
 * side are always checked on the returned tags.
 */
export function clusterFilter(clusterId: string): Filter[] {
  return [{ Name: `tag:${TAG_KEYS.cluster}`, Values: [clusterId.slice(0, 256)] }];
}

export interface SharedReadsOptions {
  /** How long a finished read is served again (default SHARED_READ_WINDOW_MS). */
  windowMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Entry {
  promise: Promise<unknown>;
  /** When the read finished; undefined while in flight. */
  settledAt?: number;
}

/**
 * Reads cached by (type, variant): the type is what writes invalidate, the variant what the
 * read was narrowed by (the cluster id of the tag filter).
 */
export class SharedReads<K extends string = SharedReadType> {
  private readonly entries = new Map<string, Entry>();
  private readonly windowMs: number;
  /** The longest age any caller accepted (withSharedReadAge): what the sweep keeps. */
  private longestMs: number;
  private readonly now: () => number;

  constructor(opts: SharedReadsOptions = {}) {
    this.windowMs = opts.windowMs ?? SHARED_READ_WINDOW_MS;
    this.longestMs = this.windowMs;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The read of (type, variant) in flight or finished less than the window ago (or the longer age
   * the caller's withSharedReadAge accepts), else a new one.
   * `fresh`: always read again (before a create, where a stale "absent" would make a second
   * copy); the new read then serves the others too. A failed read is not kept. The read serves
   * every caller, so it does not carry the abort signal of the one that started it; each caller
   * still stops waiting when its own reconcile is cancelled.
   */
  read<T>(type: K, variant: string, fetch: () => Promise<T>, opts: { fresh?: boolean } = {}): Promise<T> {
    const key = `${type}\u0000${variant}`;
    const cached = this.entries.get(key);
    const windowMs = Math.max(this.windowMs, allowedAge.getStore() ?? 0);
    this.longestMs = Math.max(this.longestMs, windowMs);
    const usable = cached && (cached.settledAt === undefined || this.now() - cached.settledAt < windowMs);
    if (cached && usable && !opts.fresh) return waitFor(cached.promise as Promise<T>);
    const promise = outsideAbortScope(() => Promise.resolve().then(fetch));
    const entry: Entry = { promise };
    this.sweep();
    this.entries.set(key, entry);
    promise.then(
      () => {
        entry.settledAt = this.now();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return waitFor(promise);
  }

  /** Forgets the reads of these types, finished or in flight (in flight ones may predate a write). */
  invalidate(types: readonly K[]): void {
    if (types.length === 0) return;
    const prefixes = types.map((t) => `${t}\u0000`);
    for (const key of [...this.entries.keys()]) {
      if (prefixes.some((p) => key.startsWith(p))) this.entries.delete(key);
    }
  }

  /** Drops finished reads no caller would take any more (keys of tables that are gone would stay forever). */
  private sweep(): void {
    const now = this.now();
    for (const [key, e] of this.entries) {
      if (e.settledAt !== undefined && now - e.settledAt >= this.longestMs) this.entries.delete(key);
    }
  }

  /** How many reads are cached (tests). */
  get size(): number {
    return this.entries.size;
  }
}

/** Waits for a shared read, but no longer than the caller's reconcile lives. */
function waitFor<T>(promise: Promise<T>): Promise<T> {
  const signal = currentAbortSignal();
  return signal ? untilAborted(promise, signal, 'shared read') : promise;
}

// Writes that change none of the shared reads: TGW routes are cached per table by
// tgw-route-reads.ts, which drops the table a write names itself.
const CHANGES_NOTHING_SHARED = new Set(['CreateTransitGatewayRoute', 'DeleteTransitGatewayRoute', 'ReplaceTransitGatewayRoute']);

const CHANGES: Readonly<Record<string, readonly SharedReadType[]>> = {
  CreateTransitGateway: ['transit-gateways'],
  ModifyTransitGateway: ['transit-gateways'],
  DeleteTransitGateway: ['transit-gateways'],
  CreateTransitGatewayRouteTable: ['route-tables'],
  // Deleting a table ends its associations, which every attachment's own Association shows too.
  DeleteTransitGatewayRouteTable: ['route-tables', 'associations', 'attachments'],
  AssociateTransitGatewayRouteTable: ['associations', 'attachments'],
  DisassociateTransitGatewayRouteTable: ['associations', 'attachments'],
  CreateTransitGatewayVpcAttachment: ['vpc-attachments', 'attachments'],
  ModifyTransitGatewayVpcAttachment: ['vpc-attachments', 'attachments'],
  // Deleting an attachment ends its association.
  DeleteTransitGatewayVpcAttachment: ['vpc-attachments', 'associations', 'attachments'],
  AcceptTransitGatewayVpcAttachment: ['vpc-attachments', 'attachments'],
  RejectTransitGatewayVpcAttachment: ['vpc-attachments', 'attachments'],
  CreateTransitGatewayPeeringAttachment: ['peering-attachments', 'attachments'],
  DeleteTransitGatewayPeeringAttachment: ['peering-attachments', 'associations', 'attachments'],
  AcceptTransitGatewayPeeringAttachment: ['peering-attachments', 'attachments'],
  RejectTransitGatewayPeeringAttachment: ['peering-attachments', 'attachments'],
  CreateFlowLogs: ['flow-logs'],
  DeleteFlowLogs: ['flow-logs'],
  // The user's VPC route tables, read for every pair at once (vpc-route-reads.ts).
  CreateRoute: ['vpc-route-tables'],
  DeleteRoute: ['vpc-route-tables'],
  ReplaceRoute: ['vpc-route-tables'],
};

/**
 * The shared lists an EC2 operation can change. Reads change none; a write we do not know
 * (CreateTags and DeleteTags among them: tags decide what the filtered reads return) drops them all.
 */
export function typesChangedBy(operation: string): readonly SharedReadType[] {
  if (/^(Describe|Get|Search|List)/.test(operation) || CHANGES_NOTHING_SHARED.has(operation)) return [];
  return CHANGES[operation] ?? SHARED_READ_TYPES;
}

/** Any SDK v3 client: its middleware stack is where writes are seen. */
interface SdkClient {
  middlewareStack: { add(middleware: never, options: { step: 'initialize'; name: string; priority: 'high' }): void };
}

type InvalidatingMiddleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>;

const byClient = new WeakMap<object, SharedReads<string>>();

/**
 * The shared reads of this client (one per service, region and role). The first use also hooks
 * the client so that every write it sends, succeeded or failed (a failed write may have been
 * applied), drops what `changedBy` says it can have changed, before the caller goes on.
 */
export function sharedReadsOf<K extends string>(client: SdkClient, changedBy: (operation: string) => readonly K[]): SharedReads<K> {
  const known = byClient.get(client);
  if (known) return known as SharedReads<K>;
  const created = new SharedReads<K>();
  byClient.set(client, created as SharedReads<string>);
  const middleware: InvalidatingMiddleware = (next, context) => async (args) => {
    const operation = (context.commandName ?? '').replace(/Command$/, '');
    try {
      return await next(args);
    } finally {
      created.invalidate(changedBy(operation));
    }
  };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'multiregionSharedReadsInvalidation', priority: 'high' });
  return created;
}

/** The EC2 list reads shared by every object in the client's region and account. */
export function sharedReads(ec2: EC2Client): SharedReads {
  return sharedReadsOf(ec2 as unknown as SdkClient, typesChangedBy);
}
