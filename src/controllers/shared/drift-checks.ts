// When a reconcile must read AWS back although the desired state hashes the same as last time
// (a ClientConnection's CloudWatch side, a RegionPair's overview dashboard).
// A routine wake-up (a watched object changed, a requeue, the manager's periodic pass) trusts the
// hash in status and makes no AWS call; a drift check reads and compares (writing only what
// differs). Drift checks happen: on the first reconcile of a key by this process (a new leader
// re-checks everything), when `multiregion.dev/reconcile-now` gets a new value, and once per
// drift interval. Kept in memory: after a restart the first pass is a drift check anyway.

interface Entry {
  token: string | undefined;
  nextAt: number;
}

export class DriftChecks {
  private readonly entries = new Map<string, Entry>();

  /** `intervalMs`: the manager's drift interval. The 0.8 factor absorbs its ±10 % jitter. */
  constructor(private readonly intervalMs: number) {}

  due(key: string, reconcileNow: string | undefined, now: number): boolean {
    const e = this.entries.get(key);
    return !e || e.token !== reconcileNow || now >= e.nextAt;
  }

  checked(key: string, reconcileNow: string | undefined, now: number): void {
    this.entries.set(key, { token: reconcileNow, nextAt: now + Math.round(this.intervalMs * 0.8) });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

export const FIRST_RETRY_MS = 30_000;

/** Per-key exponential backoff (30 s, 60 s, … up to `maxMs`) for retrying one failed part. */
export class PartRetries {
  private readonly entries = new Map<string, { failures: number; nextAt: number }>();

  constructor(private readonly maxMs: number) {}

  due(key: string, now: number): boolean {
    return now >= (this.entries.get(key)?.nextAt ?? 0);
  }

  /** Returns how long until the next attempt (for a requeue). */
  failed(key: string, now: number): number {
    const failures = (this.entries.get(key)?.failures ?? 0) + 1;
    const wait = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), this.maxMs);
    this.entries.set(key, { failures, nextAt: now + wait });
    return wait;
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }
}
