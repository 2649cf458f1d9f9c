// A rate-limited, coalescing work queue (client-go's workqueue): one entry per key, a key is
// never handed to two workers at once, failures back off per key.
import { type BackoffOptions, backoffDelay } from './backoff.ts';

export interface WorkQueueOptions {
  backoff?: Partial<BackoffOptions>;
  /** Called with the number of keys ready to be processed whenever it changes. */
  onDepth?: (depth: number) => void;
  /** Called on every addRateLimited (one retry scheduled). */
  onRetry?: () => void;
  random?: () => number;
}

/** Handle on the workers started by `run`. */
export interface WorkerPool {
  /** Workers take no further keys; handlers already running finish on their own. */
  stop(): void;
  /** Resolves once every worker of this pool has exited. */
  readonly finished: Promise<void>;
}

export const DEFAULT_QUEUE_BACKOFF: BackoffOptions = { baseMs: 5, maxMs: 1_000_000, jitter: 0.1 };

export class WorkQueue {
  private readonly ready: string[] = [];
  /** Keys waiting to be processed (in `ready`, or re-added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private shuttingDown = false;
  private readonly backoff: BackoffOptions;

  constructor(private readonly opts: WorkQueueOptions = {}) {
    this.backoff = { ...DEFAULT_QUEUE_BACKOFF, ...opts.backoff };
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    // A key being processed goes back in the queue only when its worker calls done().
    if (this.processing.has(key)) return;
    this.ready.push(key);
    this.depthChanged();
    this.waiters.shift()?.();
  }

  /** Adds the key after `ms`; of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.delayed.set(key, { at, timer });
  }

  /** Re-adds the key after its per-key backoff (5 ms doubling up to ~1000 s, jittered). */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.opts.onRetry?.();
    this.addAfter(key, backoffDelay(n, this.backoff, this.opts.random));
  }

  /** Resets the key's backoff (after a success or a terminal error). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys ready to be handed to a worker. */
  len(): number {
    return this.ready.length;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /**
   * Starts `workers` loops, each taking one key at a time and awaiting `handler(key)`. The
   * handler should not throw (the manager maps outcomes to forget/addRateLimited itself); if it
   * does, the key is retried with backoff so a bug can't silently drop it.
   */
  run(workers: number, handler: (key: string) => Promise<void>): WorkerPool {
    let stopped = false;
    const stopSignal = new AbortController();
    const worker = async () => {
      for (;;) {
        const key = await this.next(() => stopped, stopSignal.signal);
        if (key === undefined) return;
        try {
          await handler(key);
        } catch {
          this.addRateLimited(key);
        } finally {
          this.done(key);
        }
      }
    };
    const finished = Promise.all(Array.from({ length: Math.max(1, workers) }, worker)).then(() => undefined);
    return {
      stop: () => {
        stopped = true;
        stopSignal.abort();
      },
      finished,
    };
  }

  /**
   * Accepts no more keys, hands out no more keys, drops pending delays, and waits up to
   * `drainMs` for handlers in flight. Resolves true when none is left running.
   */
  async shutDown(o: { drainMs?: number } = {}): Promise<boolean> {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    this.ready.length = 0;
    this.dirty.clear();
    this.depthChanged();
    for (const w of this.waiters.splice(0)) w();
    return this.waitIdle(o.drainMs ?? 0);
  }

  /** Resolves true once no key is being processed, false if that takes longer than `ms`. */
  waitIdle(ms: number): Promise<boolean> {
    if (this.processing.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        const i = this.idleWaiters.indexOf(onIdle);
        if (i >= 0) this.idleWaiters.splice(i, 1);
        resolve(false);
      }, ms);
      const onIdle = () => {
        clearTimeout(t);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  private async next(stopped: () => boolean, stopSignal: AbortSignal): Promise<string | undefined> {
    for (;;) {
      if (stopped() || this.shuttingDown) return undefined;
      const key = this.ready.shift();
      if (key !== undefined) {
        this.dirty.delete(key);
        this.processing.add(key);
        this.depthChanged();
        return key;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          stopSignal.removeEventListener('abort', onStop);
          resolve();
        };
        const onStop = () => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve();
        };
        this.waiters.push(wake);
        stopSignal.addEventListener('abort', onStop, { once: true });
      });
    }
  }

  private done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.ready.push(key);
      this.depthChanged();
      this.waiters.shift()?.();
    }
    if (this.processing.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private depthChanged(): void {
    this.opts.onDepth?.(this.ready.length);
  }
}
