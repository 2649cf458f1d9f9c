// Reads by key that many callers ask for at about the same time, sent together: every key asked
// while no read is out goes into the next one, which answers each caller with its own key. So
// fifty failovers observing their instances in one region cost a few DescribeDBInstances, not
// fifty (RDS allows 12 calls per second per account and Region).
//
// Freshness, the one rule: a caller is answered only by a read sent after it asked. Nothing is
// cached, and a read already out when a caller asks never answers it (it may predate a step the
// caller just recorded, or a change it just made): the caller waits for the next read. So a
// decision taken on the answer sees everything done before the question, the caller's own
// writes included, exactly as a read of its own would.
//
// Waiting for the read that is out is what makes callers share; a read out longer than
// `patienceMs` (a region that does not answer) no longer holds new questions back: they go out
// at once, so a dead region costs a caller one request timeout, not two.
import { currentAbortSignal, outsideAbortScope, untilAborted } from '../abort-scope.ts';

export interface CoalescedReadsOptions {
  /** A read out longer than this no longer holds new questions back (default PATIENCE_MS). */
  patienceMs?: number;
  /** Keys per call (AWS's limit on values in one filter); a larger batch is several calls at once. */
  maxKeys?: number;
  /**
   * An error of a call for several keys that may be one key's fault (AWS refused the request):
   * each of its keys is then read on its own, so one bad key fails only its own caller.
   */
  splitOn?: (err: unknown) => boolean;
}

/** A read of a live region answers in well under this; one that takes longer stops holding others back. */
export const PATIENCE_MS = 500;

/** One call's answer: the value of each key found; a key asked and absent does not exist. */
export type Fetch<V> = (keys: string[]) => Promise<ReadonlyMap<string, V>>;

interface Waiter<V> {
  resolve(v: V | undefined): void;
  reject(e: unknown): void;
}

export class CoalescedReads<V> {
  /** Asked, not sent yet: key → its callers. */
  private pending = new Map<string, Waiter<V>[]>();
  /** When each read still out was sent. */
  private readonly out = new Set<{ sentAt: number }>();
  private flushScheduled = false;
  private patienceTimer: NodeJS.Timeout | undefined;
  private readonly patienceMs: number;
  private readonly maxKeys: number;
  private readonly now = (): number => performance.now();

  constructor(
    private readonly fetch: Fetch<V>,
    private readonly opts: CoalescedReadsOptions = {},
  ) {
    this.patienceMs = opts.patienceMs ?? PATIENCE_MS;
    this.maxKeys = Math.max(1, opts.maxKeys ?? 100);
  }

  /** The value of `key` (undefined: it does not exist) from a read sent after this call. */
  read(key: string): Promise<V | undefined> {
    const answer = new Promise<V | undefined>((resolve, reject) => {
      const waiters = this.pending.get(key) ?? [];
      waiters.push({ resolve, reject });
      this.pending.set(key, waiters);
    });
    this.schedule();
    return waitFor(answer);
  }

  /** Sends what is pending once the callers of this turn have asked, unless a read is out and still within patience. */
  private schedule(): void {
    if (this.flushScheduled || this.pending.size === 0) return;
    if (this.holdsBack()) {
      this.armPatience();
      return;
    }
    this.flushScheduled = true;
    // Callers of one turn of the event loop (a pass observing its writer and standby, workers
    // started together) go out in one read.
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.holdsBack()) this.armPatience();
      else this.send();
    });
  }

  /** A read is out and none has been out longer than patience: new questions wait for it to end. */
  private holdsBack(): boolean {
    const now = this.now();
    for (const r of this.out) if (now - r.sentAt < this.patienceMs) return true;
    return false;
  }

  /** Wakes the queue when the youngest read out runs out of patience. */
  private armPatience(): void {
    if (this.patienceTimer) return;
    const youngest = Math.max(...[...this.out].map((r) => r.sentAt));
    const wait = Math.max(1, youngest + this.patienceMs - this.now());
    this.patienceTimer = setTimeout(() => {
      this.patienceTimer = undefined;
      this.schedule();
    }, wait);
    this.patienceTimer.unref();
  }

  private send(): void {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const read = { sentAt: this.now() };
    this.out.add(read);
    const keys = [...batch.keys()];
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += this.maxKeys) chunks.push(keys.slice(i, i + this.maxKeys));
    // The read serves every caller, so it carries no caller's abort signal (each caller still
    // stops waiting when its own reconcile is cancelled).
    const done = chunks.map((chunk) => outsideAbortScope(() => this.answer(chunk, batch)));
    void Promise.allSettled(done).then(() => {
      this.out.delete(read);
      this.schedule();
    });
  }

  private async answer(keys: string[], batch: Map<string, Waiter<V>[]>): Promise<void> {
    const settle = (key: string, f: (w: Waiter<V>) => void) => {
      for (const w of batch.get(key) ?? []) f(w);
    };
    try {
      const found = await this.call(keys);
      for (const k of keys) settle(k, (w) => w.resolve(found.get(k)));
    } catch (err) {
      if (keys.length > 1 && this.opts.splitOn?.(err)) {
        await Promise.all(keys.map((k) => this.answer([k], batch)));
        return;
      }
      for (const k of keys) settle(k, (w) => w.reject(err));
    }
  }

  private call(keys: string[]): Promise<ReadonlyMap<string, V>> {
    // A fetch that throws at once fails its askers like one that rejects.
    return Promise.resolve().then(() => this.fetch(keys));
  }
}

/** Waits for a shared answer, but no longer than the caller's reconcile lives. */
function waitFor<T>(promise: Promise<T>): Promise<T> {
  const signal = currentAbortSignal();
  return signal ? untilAborted(promise, signal, 'shared read') : promise;
}
