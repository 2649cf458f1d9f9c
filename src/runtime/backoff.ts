// Exponential backoff with multiplicative jitter, shared by the work queue, the informer and
// the leader elector. Jitter spreads retries so many keys failing together don't retry together.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0.1 means the delay lands anywhere in ±10 % of the nominal value (never above maxMs). */
  jitter: number;
}

/** Delay before retry number `attempt` (0 = first retry): base·2^attempt, capped, jittered. */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  // 2 ** 1024 is Infinity; clamp the exponent so huge attempt counts stay finite.
  const nominal = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempt, 60));
  const factor = 1 + o.jitter * (random() * 2 - 1);
  return Math.max(0, Math.min(o.maxMs, nominal * factor));
}

/** `ms` spread by ±fraction: periodic work (drift checks) across replicas and kinds doesn't align. */
export function jittered(ms: number, fraction: number, random: () => number = Math.random): number {
  return ms * (1 + fraction * (random() * 2 - 1));
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
