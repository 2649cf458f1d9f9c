// The one place every AWS call passes through: wait for the rate limiter, time the call,
// report it, and slow the bucket when AWS throttles. Added to every SDK client we build,
// including the STS client that assumes roles, so nothing reaches AWS uncounted. It is also
// where a cancelled reconcile stops changing AWS, and where a region that does not answer
// stops costing one timeout per SDK attempt.

import { AbortError, currentAbortSignal, untilAborted } from './abort-scope.ts';
import { attachCallContext, callContextOf, isThrottling } from './errors.ts';
import { bucketsForCall, limiterKey, type RateLimiter } from './ratelimit.ts';
import type { CallRecord } from './types.ts';

export interface CallMiddlewareOptions {
  /** Short service name used in metrics: ec2, route53, rds, cloudwatch, logs, sts. */
  service: string;
  region: string;
  /** Whose quota the call spends (the account behind the credentials). */
  accountKey: string;
  limiter: RateLimiter;
  onCall?: (rec: CallRecord) => void;
}

// Just the parts of the SDK's middleware types this file uses; structural, so any client's
// stack accepts it without importing the SDK's internal type packages.
interface CallArgs {
  input: object;
  request: unknown;
}
interface CallContextFromSdk {
  commandName?: string;
  clientName?: string;
  /** Where the SDK keeps the `abortSignal` given to `send`. */
  __smithy_context?: { abortSignal?: unknown };
}
type Handler<Result> = (args: CallArgs) => Promise<Result>;
type Middleware = <Result>(next: Handler<Result>, context: CallContextFromSdk) => Handler<Result>;
interface RelativeOptions {
  name: string;
  relation: 'before' | 'after';
  toMiddleware: string;
  override: boolean;
}
interface StackLike {
  addRelativeTo(middleware: Middleware, options: RelativeOptions): void;
}

export const CALL_MIDDLEWARE_NAME = 'multiregionCallMiddleware';

/**
 * A create without an idempotency token whose outcome is unknown: the request may have been
 * applied (a dropped connection, a 5xx). The SDK must not send it again — that is how a second
 * TGW or peering appears — so this error carries nothing its retry logic treats as
 * retryable (no code, status or cause); the reconcile fails, and the next one finds what was
 * made by its ownership tags before creating anything.
 */
export class OutcomeUnknownError extends Error {
  readonly original: unknown;
  constructor(operation: string, original: unknown) {
    super(`${operation} may or may not have been applied (${original instanceof Error ? original.message : String(original)}); not retried blindly`);
    this.name = 'OutcomeUnknown';
    this.original = original;
  }
}

/**
 * An attempt that got no answer within the connect or request timeout. The SDK would retry it
 * (its classifier calls TimeoutError / ETIMEDOUT transient), so a blackholed region would cost
 * maxAttempts × timeout before the reconcile learns anything; like OutcomeUnknownError it
 * carries no code, status or cause, so the SDK gives up at once and the caller sees an
 * unreachable region within one timeout.
 */
export class CallTimeoutError extends Error {
  readonly original: unknown;
  constructor(operation: string, original: unknown) {
    super(`${operation} got no answer in time (${original instanceof Error ? original.message : String(original)}); region unreachable, not retried`);
    this.name = 'CallTimeout';
    this.original = original;
  }
}

/**
 * Whether a failed attempt is a wait that ran out rather than an answer. The Node handler
 * renames ECONNREFUSED / ECONNRESET / EPIPE to TimeoutError too, but those are answers of a
 * sort (fast, and the SDK may retry them), so an error code other than ETIMEDOUT rules it out.
 */
export function isNoAnswer(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.$metadata?.httpStatusCode !== undefined) return false;
  if (e.code === 'ETIMEDOUT') return true;
  if (e.code !== undefined) return false;
  return e.name === 'TimeoutError';
}

/** Reads never change AWS; anything else may, and is not started once its reconcile is cancelled. */
export function isMutating(operation: string): boolean {
  return !/^(Describe|Get|List|Search|Lookup|Test|Filter)/.test(operation);
}

/** Creates that AWS would carry out twice if sent twice (no ClientToken / CallerReference / IdempotencyToken). */
export function isUnsafeToRepeat(operation: string, input: object): boolean {
  if (!/^(Create|Accept|Promote)/.test(operation)) return false;
  const i = input as { ClientToken?: unknown; CallerReference?: unknown; IdempotencyToken?: unknown };
  return i.ClientToken === undefined && i.CallerReference === undefined && i.IdempotencyToken === undefined;
}

/** Whether a failed call may still have reached AWS and been applied. */
export function mayHaveBeenApplied(err: unknown): boolean {
  if (isThrottling(err)) return false;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}

/** `DescribeVpcsCommand` → `DescribeVpcs`. */
export function operationName(context: CallContextFromSdk): string {
  return (context.commandName ?? 'Unknown').replace(/Command$/, '');
}

/** The signal given to `send` (our clients put the reconcile's there), else the scope's. */
function signalOf(context: CallContextFromSdk): AbortSignal | undefined {
  const given = context.__smithy_context?.abortSignal;
  return given instanceof AbortSignal ? given : currentAbortSignal();
}

function refuseIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new AbortError(what, signal.reason);
}

export function callMiddleware(opts: CallMiddlewareOptions): Middleware {
  return (next, context) => async (args) => {
    const operation = operationName(context);
    const buckets = bucketsForCall(opts.service, operation, args.input);
    const signal = isMutating(operation) ? signalOf(context) : undefined;
    const what = `${opts.service} ${operation} in ${opts.region}`;
    refuseIfCancelled(signal, what);
    const key = limiterKey(opts.service, opts.accountKey, opts.region);
    const wait = opts.limiter.takeAll(key, buckets);
    // The limiter's wait can be long; a cancelled mutating call stops waiting at once.
    await (signal ? untilAborted(wait, signal, what) : wait);
    refuseIfCancelled(signal, what);
    const started = performance.now();
    const report = (outcome: CallRecord['outcome']): void => {
      if (!opts.onCall) return;
      const rec = { service: opts.service, operation, region: opts.region, outcome, durationMs: performance.now() - started };
      try {
        opts.onCall(rec);
      } catch {
        // Counting a call must never fail the call.
      }
    };
    try {
      const result = await next(args);
      report('success');
      return result;
    } catch (err) {
      const throttled = isThrottling(err);
      if (throttled) for (const b of buckets) opts.limiter.slowDown(key, b.family);
      // An AssumeRole failure surfaces through the outer call: keep the innermost context.
      if (!callContextOf(err)) attachCallContext(err, { service: opts.service, operation, region: opts.region });
      report(throttled ? 'throttled' : 'error');
      if (isUnsafeToRepeat(operation, args.input) && mayHaveBeenApplied(err)) {
        const unknown = new OutcomeUnknownError(operation, err);
        attachCallContext(unknown, { service: opts.service, operation, region: opts.region });
        throw unknown;
      }
      if (isNoAnswer(err)) {
        const timeout = new CallTimeoutError(operation, err);
        attachCallContext(timeout, { service: opts.service, operation, region: opts.region });
        throw timeout;
      }
      throw err;
    }
  };
}

/**
 * Plugin form for `client.middlewareStack.use()` and `fromTemporaryCredentials({clientPlugins})`.
 * It sits inside the SDK's retry loop and before signing, so each attempt waits for a token,
 * is counted once, and a throttled attempt slows the bucket before the SDK retries.
 * `override` because the credential provider re-applies its plugins on every refresh.
 */
export function callMiddlewarePlugin(opts: CallMiddlewareOptions): { applyToStack(stack: StackLike): void } {
  return {
    applyToStack(stack) {
      stack.addRelativeTo(callMiddleware(opts), {
        name: CALL_MIDDLEWARE_NAME,
        relation: 'before',
        toMiddleware: 'httpSigningMiddleware',
        override: true,
      });
    },
  };
}
