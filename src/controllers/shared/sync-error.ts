// Errors a reconciler raises on purpose: they carry the condition reason and the spec field
// they are about, so status and Events can tell the user exactly what to fix.
import { callContextOf, classifyError, errorCode } from '../../aws/errors.ts';

export class SyncError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    /** Spec path the problem is about, e.g. `spec.primary.vpcAttachments[0].vpcId`. */
    readonly field?: string,
    /** Terminal: retrying cannot help until the spec (or the world outside AWS) changes. */
    readonly terminal = false,
    options?: { cause?: unknown },
  ) {
    super(field ? `${field}: ${message}` : message, options);
    this.name = 'SyncError';
  }
}

/** CamelCase condition reason for an AWS error code, e.g. InvalidVpcID.NotFound → AwsInvalidVpcIDNotFound. */
export const awsReason = (code: string): string => `Aws${code.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 60);

export interface DescribedError {
  reason: string;
  message: string;
  terminal: boolean;
  throttled: boolean;
}

/** Turns whatever a sync threw into a condition reason and a message that says what to do. */
export function describeError(err: unknown, fieldHint?: string): DescribedError {
  if (err instanceof SyncError) return { reason: err.reason, message: err.message, terminal: err.terminal, throttled: false };
  const cls = classifyError(err);
  const code = errorCode(err);
  const ctx = callContextOf(err);
  const raw = err instanceof Error ? err.message : String(err);
  if (code && code !== 'Unknown') {
    const call = ctx ? `${ctx.service} ${ctx.operation}${ctx.region ? ` in ${ctx.region}` : ''}` : 'AWS';
    const where = fieldHint ? `${fieldHint}: ` : '';
    const advice =
      cls === 'Terminal'
        ? ' Fix the spec (or the AWS resource it names); the controller retries with backoff.'
        : cls === 'Throttled'
          ? ' AWS is throttling; the controller slows down and retries.'
          : ' Retrying with backoff.';
    return {
      reason: awsReason(code),
      message: `${where}${call} failed with ${code}: ${raw}.${advice}`,
      terminal: cls === 'Terminal',
      throttled: cls === 'Throttled',
    };
  }
  return { reason: 'ReconcileError', message: `${raw}. Retrying with backoff.`, terminal: false, throttled: false };
}
