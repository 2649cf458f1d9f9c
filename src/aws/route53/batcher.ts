// One change queue per hosted zone, shared by every policy writing records there: changes
// that arrive while a batch is in flight go into the next one, so a thousand policies
// reconciling at once cost a handful of ChangeResourceRecordSets calls instead of a thousand
// throttled ones. One ChangeResourceRecordSets call in flight per zone (Route 53 answers
// PriorRequestNotComplete otherwise); waiting for INSYNC does not hold the zone.
import { ChangeResourceRecordSetsCommand, GetChangeCommand, type Change, type ChangeInfo, type Route53Client } from '@aws-sdk/client-route-53';
import { errorCode, isThrottling, toAwsError } from '../errors.ts';
import { backoffMs, bisect, costOf, fits, mergeChanges, packBatch, ROUTE53_LIMITS, type BatchLimits, type ChangeGroup } from './batch-cost.ts';

export interface ZoneBatcherOptions {
  limits?: BatchLimits;
  /** How long the first submit waits for others to join its batch (default 0: the same tick). */
  lingerMs?: number;
  /** Retries of throttled / PriorRequestNotComplete / 5xx calls before the owners are told. */
  retry?: { baseMs: number; maxMs: number; maxAttempts: number };
  /** GetChange polling until INSYNC. */
  insync?: { firstPollMs: number; maxPollMs: number; timeoutMs: number };
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface BatcherStats {
  /** ChangeResourceRecordSets calls that succeeded. */
  batchesSent: number;
  changesPerBatch: number[];
  recordCostPerBatch: number[];
  retries: number;
  /** Rejected batches split in two. */
  splits: number;
  getChangeCalls: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface PendingGroup extends ChangeGroup {
  waiters: Waiter[];
}

interface ZoneQueue {
  pending: Map<string, PendingGroup>;
  draining: boolean;
}

const DEFAULTS = {
  retry: { baseMs: 500, maxMs: 20_000, maxAttempts: 8 },
  insync: { firstPollMs: 2_000, maxPollMs: 15_000, timeoutMs: 10 * 60_000 },
};

const CONTENT_ERRORS = new Set(['InvalidChangeBatch', 'InvalidInput']);

/** Route 53 change batching for the zones one client (one account) can write. */
export class ZoneBatcher {
  readonly stats: BatcherStats = { batchesSent: 0, changesPerBatch: [], recordCostPerBatch: [], retries: 0, splits: 0, getChangeCalls: 0 };
  private readonly zones = new Map<string, ZoneQueue>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly limits: BatchLimits;
  private readonly retry: { baseMs: number; maxMs: number; maxAttempts: number };
  private readonly insync: { firstPollMs: number; maxPollMs: number; timeoutMs: number };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly lingerMs: number;

  constructor(
    private readonly client: Route53Client,
    opts: ZoneBatcherOptions = {},
  ) {
    this.limits = opts.limits ?? ROUTE53_LIMITS;
    this.retry = opts.retry ?? DEFAULTS.retry;
    this.insync = opts.insync ?? DEFAULTS.insync;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.lingerMs = opts.lingerMs ?? 0;
  }

  /**
   * Queues `owner`'s changes for `zoneId`. Resolves when they are INSYNC; rejects with the
   * error that concerns this owner (a rejected batch is split until the culprit is alone).
   * A newer submit from the same owner replaces its older pending changes for the same records.
   */
  submit(zoneId: string, changes: Change[], owner: string): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    const zone = this.zoneQueue(zoneId);
    const prior = zone.pending.get(owner);
    const merged = prior ? mergeChanges(prior.changes, changes) : [...changes];
    const cost = costOf(merged);
    if (!fits(cost, this.limits)) {
      return Promise.reject(
        new Error(`${owner}: ${merged.length} changes cost ${cost.records} records / ${cost.chars} characters, more than one Route 53 batch allows (${this.limits.maxRecords} / ${this.limits.maxChars})`),
      );
    }
    const done = new Promise<void>((resolve, reject) => {
      if (prior) {
        prior.changes = merged;
        prior.waiters.push({ resolve, reject });
      } else {
        zone.pending.set(owner, { owner, changes: merged, waiters: [{ resolve, reject }] });
      }
    });
    if (!zone.draining) {
      zone.draining = true;
      this.track(this.drain(zoneId, zone));
    }
    return done;
  }

  /** Resolves once every queue is empty and every INSYNC wait has ended (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private zoneQueue(zoneId: string): ZoneQueue {
    let z = this.zones.get(zoneId);
    if (!z) {
      z = { pending: new Map(), draining: false };
      this.zones.set(zoneId, z);
    }
    return z;
  }

  // Both branches handled: a rejection here must never become an unhandled one (it kills Node).
  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    const done = (): void => void this.inFlight.delete(p);
    p.then(done, done);
  }

  private async drain(zoneId: string, zone: ZoneQueue): Promise<void> {
    try {
      await this.sleep(this.lingerMs);
      while (zone.pending.size > 0) {
        const { batch } = packBatch([...zone.pending.values()], this.limits);
        if (batch.length === 0) {
          // submit() refuses groups bigger than a batch, so this is a bug: fail loudly, never hang.
          const err = new Error('Route 53 batcher: no pending group fits a batch');
          for (const g of zone.pending.values()) for (const w of g.waiters) w.reject(err);
          zone.pending.clear();
          break;
        }
        for (const g of batch) zone.pending.delete(g.owner);
        await this.send(zoneId, batch);
      }
    } finally {
      zone.draining = false;
      if (zone.pending.size > 0) {
        zone.draining = true;
        this.track(this.drain(zoneId, zone));
      }
    }
  }

  /** Sends one batch; on a content error splits it by owner until each error has its owner. */
  private async send(zoneId: string, groups: PendingGroup[]): Promise<void> {
    const changes = groups.flatMap((g) => g.changes);
    let info: ChangeInfo | undefined;
    try {
      info = await this.changeWithRetry(zoneId, changes);
    } catch (err) {
      if (CONTENT_ERRORS.has(errorCode(err)) && groups.length > 1) {
        this.stats.splits++;
        for (const half of bisect(groups)) await this.send(zoneId, half);
        return;
      }
      const wrapped = toAwsError(err, { service: 'route53', operation: 'ChangeResourceRecordSets', subject: `hosted zone ${zoneId}` });
      for (const g of groups) for (const w of g.waiters) w.reject(wrapped);
      return;
    }
    this.stats.batchesSent++;
    this.stats.changesPerBatch.push(changes.length);
    this.stats.recordCostPerBatch.push(costOf(changes).records);
    this.track(
      this.waitInsync(info).then(
        () => groups.forEach((g) => g.waiters.forEach((w) => w.resolve())),
        (err: unknown) => groups.forEach((g) => g.waiters.forEach((w) => w.reject(err))),
      ),
    );
  }

  private async changeWithRetry(zoneId: string, changes: Change[]): Promise<ChangeInfo | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await this.client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
        return out.ChangeInfo;
      } catch (err) {
        if (!retryable(err) || attempt + 1 >= this.retry.maxAttempts) throw err;
        this.stats.retries++;
        await this.sleep(backoffMs(attempt, this.retry.baseMs, this.retry.maxMs, this.random));
      }
    }
  }

  private async waitInsync(info: ChangeInfo | undefined): Promise<void> {
    if (!info?.Id || info.Status === 'INSYNC') return;
    const deadline = this.now() + this.insync.timeoutMs;
    for (let poll = 0; ; poll++) {
      await this.sleep(backoffMs(poll, this.insync.firstPollMs, this.insync.maxPollMs, this.random));
      try {
        this.stats.getChangeCalls++;
        const out = await this.client.send(new GetChangeCommand({ Id: info.Id }));
        if (out.ChangeInfo?.Status === 'INSYNC') return;
      } catch (err) {
        if (!retryable(err)) throw toAwsError(err, { service: 'route53', operation: 'GetChange', subject: `change ${info.Id}` });
      }
      if (this.now() > deadline) {
        throw new Error(`Route 53 change ${info.Id} not INSYNC after ${Math.round(this.insync.timeoutMs / 1000)} s; it was accepted and will still apply`);
      }
    }
  }
}

const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout']);

/**
 * Throttling, PriorRequestNotComplete, 5xx and dropped connections: the same batch may go
 * again. A batch that went through before its answer was lost fails the second time with
 * InvalidChangeBatch (a DELETE of what is gone) and is split; its owners re-plan.
 */
function retryable(err: unknown): boolean {
  if (isThrottling(err)) return true;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  return NETWORK_ERRORS.has(errorCode(err)) || NETWORK_ERRORS.has(String((err as { code?: unknown } | undefined)?.code));
}
