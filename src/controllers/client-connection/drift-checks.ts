// When a reconcile must read AWS back although the desired state hashes the same as last time.
// A routine wake-up (the RegionPair changed, a requeue, the manager's periodic pass) trusts the
// hash in status and makes no AWS call; a drift check reads and compares (writing only what
// differs). Drift checks happen: on the first reconcile of a key by this process (a new leader
// re-checks everything), when `multiregion.dev/reconcile-now` gets a new value, once per drift
// interval, and sooner, with backoff, after a part failed (so it is retried without waiting).
// Kept in memory: after a restart the first pass is a drift check anyway.

interface Entry {
  token: string | undefined;
  nextAt: number;
  failures: number;
}

export const FIRST_RETRY_MS = 30_000;

export class DriftChecks {
  private readonly entries = new Map<string, Entry>();

  /** `intervalMs`: the manager's drift interval. The 0.8 factor absorbs its ±10 % jitter. */
  constructor(private readonly intervalMs: number) {}

  due(key: string, reconcileNow: string | undefined, now: number): boolean {
    const e = this.entries.get(key);
    return !e || e.token !== reconcileNow || now >= e.nextAt;
  }

  /**
   * Records a drift check that ran. With `failed`, the next one is due after a backoff
   * (30 s, 60 s, … up to the drift interval), returned so the caller can requeue for it.
   */
  checked(key: string, reconcileNow: string | undefined, now: number, failed = false): number | undefined {
    const failures = failed ? (this.entries.get(key)?.failures ?? 0) + 1 : 0;
    const wait = failed ? Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), this.intervalMs) : Math.round(this.intervalMs * 0.8);
    this.entries.set(key, { token: reconcileNow, nextAt: now + wait, failures });
    return failed ? wait : undefined;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
