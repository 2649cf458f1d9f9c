// The one place every AWS call passes through: wait for the rate limiter, time the call,
// report it, and slow the bucket when AWS throttles. Added to every SDK client we build,
// including the STS client that assumes roles, so nothing reaches AWS uncounted.
import type { CallRecord } from './types.ts';
import { attachCallContext, callContextOf, isThrottling } from './errors.ts';
import { bucketsForCall, type RateLimiter } from './ratelimit.ts';

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

/** Creates that AWS would carry out twice if sent twice (no ClientToken / CallerReference). */
export function isUnsafeToRepeat(operation: string, input: object): boolean {
  if (!/^(Create|Accept|Promote)/.test(operation)) return false;
  const i = input as { ClientToken?: unknown; CallerReference?: unknown };
  return i.ClientToken === undefined && i.CallerReference === undefined;
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

export function callMiddleware(opts: CallMiddlewareOptions): Middleware {
  return (next, context) => async (args) => {
    const operation = operationName(context);
    const buckets = bucketsForCall(opts.service, operation, args.input);
    await opts.limiter.takeAll(opts.accountKey, buckets);
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
      if (throttled) for (const b of buckets) opts.limiter.slowDown(opts.accountKey, b.family);
      // An AssumeRole failure surfaces through the outer call: keep the innermost context.
      if (!callContextOf(err)) attachCallContext(err, { service: opts.service, operation, region: opts.region });
      report(throttled ? 'throttled' : 'error');
      if (isUnsafeToRepeat(operation, args.input) && mayHaveBeenApplied(err)) {
        const unknown = new OutcomeUnknownError(operation, err);
        attachCallContext(unknown, { service: opts.service, operation, region: opts.region });
        throw unknown;
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
