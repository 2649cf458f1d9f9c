// The abort signal of the reconcile an AWS call belongs to, carried by the async context
// instead of a parameter: the signal reaches every SDK call made while the reconcile runs,
// through every helper in between, without each of them passing it on.
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `fn` with `signal` as the abort signal of every AWS call it makes (see createAwsClients).
 * Scopes nest: an inner scope is aborted as soon as the outer one is.
 */
export function withAbortSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const outer = scope.getStore();
  const combined = outer && outer !== signal ? AbortSignal.any([outer, signal]) : signal;
  return scope.run(combined, fn);
}

/** The signal of the innermost enclosing withAbortSignal, if any. */
export function currentAbortSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/** What a call refused because its reconcile was cancelled throws. */
export class AbortError extends Error {
  constructor(what: string, reason?: unknown) {
    const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
    super(`${what} not started: the reconcile was cancelled (lease lost or shutdown)${why ? `: ${why}` : ''}`);
    this.name = 'AbortError';
  }
}

/**
 * `promise`, but given up (AbortError) as soon as `signal` aborts: a reconcile waiting for work it
 * does not own (a rate-limit token, a read shared with other reconciles) stops waiting when it is
 * cancelled; the work itself goes on for whoever else waits for it.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new AbortError(what, signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError(what, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Joins the scope's signal with one the caller gave explicitly; either one aborts the call. */
export function joinSignals(explicit: AbortSignal | undefined, scoped: AbortSignal | undefined): AbortSignal | undefined {
  if (!explicit || explicit === scoped) return scoped;
  if (!scoped) return explicit;
  return AbortSignal.any([explicit, scoped]);
}

/** Runs `fn` in no scope: for work shared by every reconcile (cached credentials, lookups). */
export function outsideAbortScope<T>(fn: () => T): T {
  return scope.exit(fn);
}
