// Read-your-own-writes for reconciles that work from the informer cache. A pass that ends with a
// status write is often followed at once by another pass of the same key (an event that came in
// during the first marked it dirty), and the watch event carrying the write may not have reached
// the cache yet. That next pass would then read the status of two passes ago: for a RegionPair, a
// VPC route it made itself but does not see recorded, which it would label as there before it and
// never remove. Like the Kubernetes controllers' "expectations", a key whose own write has not
// come back through the informer waits for it (at most `maxWaitMs`, in case it never does).
import { AsyncLocalStorage } from 'node:async_hooks';

interface Awaited {
  resourceVersion: string;
  at: number;
  deferred: boolean;
}

export class OwnWrites {
  private readonly awaited = new Map<string, Awaited>();

  constructor(
    readonly maxWaitMs = 5_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A reconcile of `key` wrote its object, which now has `resourceVersion`. */
  wrote(key: string, resourceVersion: string): void {
    this.awaited.set(key, { resourceVersion, at: this.now(), deferred: false });
  }

  /**
   * The informer delivered `key` at `resourceVersion` (or its deletion: undefined). Returns true
   * when a reconcile was held back for exactly this and must now run.
   */
  seen(key: string, resourceVersion: string | undefined): boolean {
    const a = this.awaited.get(key);
    if (!a || (resourceVersion !== undefined && a.resourceVersion !== resourceVersion)) return false;
    this.awaited.delete(key);
    return a.deferred;
  }

  /** Milliseconds a reconcile of `key` should wait for its own last write to reach the cache; undefined: go ahead. */
  waitFor(key: string): number | undefined {
    const a = this.awaited.get(key);
    if (!a) return undefined;
    const left = a.at + this.maxWaitMs - this.now();
    if (left <= 0) {
      this.awaited.delete(key);
      return undefined;
    }
    a.deferred = true;
    return left;
  }
}

/** Where a reconcile's writes are reported: the object's own path(s), and what to call with the new version. */
interface WriteScope {
  paths: readonly string[];
  report: (resourceVersion: string) => void;
}
const scope = new AsyncLocalStorage<WriteScope>();

/** Runs a reconcile so that its writes to its own object (`paths`: the object and its /status) are reported. */
export function withOwnWrites<T>(paths: readonly string[], report: (resourceVersion: string) => void, fn: () => Promise<T>): Promise<T> {
  return scope.run({ paths, report }, fn);
}

/** Called by the API client with every successful write's answer. */
export function noteWrite(method: string, path: string, answer: unknown): void {
  if (method === 'GET') return;
  const s = scope.getStore();
  if (!s?.paths.includes(path)) return;
  const rv = (answer as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  if (typeof rv === 'string' && rv) s.report(rv);
}
