// One change queue per hosted zone, shared by every policy writing records there: changes
// that arrive while a batch is in flight go into the next one, so a thousand policies
// reconciling at once cost a handful of ChangeResourceRecordSets calls instead of a thousand
// throttled ones. One ChangeResourceRecordSets call in flight per zone (Route 53 answers
// PriorRequestNotComplete otherwise). A submit ends when Route 53 accepts the batch: waiting
// for INSYNC (up to minutes) is the caller's, by requeueing and asking GetChange once a pass
// (change-status.ts), never a worker held here. Throttling, PriorRequestNotComplete and 5xx are
// retried by the SDK client's standard retry (aws/clients.ts); what still fails goes to the
// owners, whose reconcile retries with backoff.
import type { Change, Route53Client } from '@aws-sdk/client-route-53';
import { errorCode, toAwsError } from '../errors.ts';
import { route53Sdk } from '../sdk.ts';
import { type BatchLimits, bisect, type ChangeGroup, costOf, fits, mergeChanges, packBatch, ROUTE53_LIMITS } from './batch-cost.ts';

export interface ZoneBatcherOptions {
  limits?: BatchLimits;
  /** How long the first submit waits for others to join its batch (default 0: the same tick). */
  lingerMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A batch Route 53 accepted: its change id and the status it answered (PENDING until applied everywhere). */
export interface SubmittedChange {
  id: string;
  status: 'PENDING' | 'INSYNC';
}

export interface BatcherStats {
  /** ChangeResourceRecordSets calls that succeeded. */
  batchesSent: number;
  changesPerBatch: number[];
  recordCostPerBatch: number[];
  /** Rejected batches split in two. */
  splits: number;
}

interface Waiter {
  resolve: (change: SubmittedChange) => void;
  reject: (err: unknown) => void;
}

interface PendingGroup extends ChangeGroup {
  waiters: Waiter[];
}

interface ZoneQueue {
  pending: Map<string, PendingGroup>;
  draining: boolean;
}

const CONTENT_ERRORS = new Set(['InvalidChangeBatch', 'InvalidInput']);

/** Route 53 change batching for the zones one client (one account) can write. */
export class ZoneBatcher {
  readonly stats: BatcherStats = { batchesSent: 0, changesPerBatch: [], recordCostPerBatch: [], splits: 0 };
  private readonly zones = new Map<string, ZoneQueue>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly limits: BatchLimits;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly lingerMs: number;

  constructor(
    private readonly client: Route53Client,
    opts: ZoneBatcherOptions = {},
  ) {
    this.limits = opts.limits ?? ROUTE53_LIMITS;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.lingerMs = opts.lingerMs ?? 0;
  }

  /**
   * Queues `owner`'s changes for `zoneId`. Resolves with the change Route 53 accepted them in
   * (undefined when there was nothing to send); rejects with the error that concerns this owner
   * (a rejected batch is split until the culprit is alone). A newer submit from the same owner
   * replaces its older pending changes for the same records; both resolve with the batch sent.
   */
  submit(zoneId: string, changes: Change[], owner: string): Promise<SubmittedChange | undefined> {
    if (changes.length === 0) return Promise.resolve(undefined);
    const zone = this.zoneQueue(zoneId);
    const prior = zone.pending.get(owner);
    const merged = prior ? mergeChanges(prior.changes, changes) : [...changes];
    const cost = costOf(merged);
    if (!fits(cost, this.limits)) {
      return Promise.reject(
        new Error(
          `${owner}: ${merged.length} changes cost ${cost.records} records / ${cost.chars} characters, ` +
            `more than one Route 53 batch allows (${this.limits.maxRecords} / ${this.limits.maxChars})`,
        ),
      );
    }
    const done = new Promise<SubmittedChange>((resolve, reject) => {
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

  /** Resolves once every queue is empty (shutdown, tests). */
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
    let change: SubmittedChange;
    try {
      const out = await this.client.send(new route53Sdk.ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
      change = { id: out.ChangeInfo?.Id ?? '', status: out.ChangeInfo?.Status === 'INSYNC' ? 'INSYNC' : 'PENDING' };
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
    for (const g of groups) for (const w of g.waiters) w.resolve(change);
  }
}
