// Sorting AWS errors into what the reconciler should do next: stop and tell the user
// (Terminal), retry with backoff (Recoverable), or slow the account's bucket (Throttled).
import type { ErrorClass } from './types.ts';

/** The parts of an SDK v3 service exception we read; plain objects of this shape work too. */
interface ErrorLike {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'PriorRequestNotComplete',
  'SlowDown',
  'EC2ThrottledException',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

// Errors that retrying cannot fix: the spec names something that does not exist, or a value
// AWS refuses, or the controller is not allowed to act. Not-found of resources the controller
// created itself is left Recoverable (EC2 is eventually consistent right after a create).
const TERMINAL_CODES = new Set([
  'InvalidVpcID.NotFound',
  'InvalidSubnetID.NotFound',
  'InvalidTransitGatewayID.NotFound',
  'InvalidRouteTableID.NotFound',
  'InvalidGroup.NotFound',
  'NoSuchHostedZone',
  'HostedZoneNotFound',
  'DBInstanceNotFound',
  'DBInstanceNotFoundFault',
  'DBSubnetGroupNotFoundFault',
  'DBClusterNotFoundFault',
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidParameterCombination',
  'InvalidParameterCombinationException',
  'InvalidParameter',
  'InvalidParameterException',
  // Global Accelerator's names for a value it refuses.
  'InvalidArgumentException',
  'InvalidPortRangeException',
  'MissingParameter',
  'ValidationError',
  'ValidationException',
  'InvalidInput',
  'InvalidChangeBatch',
  'InvalidDomainName',
  'InvalidCidrBlock',
  'InvalidCidr',
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'AuthFailure',
  'InvalidClientTokenId',
  'OptInRequired',
  'UnsupportedOperation',
]);

/** The error code: SDK exceptions carry it as `name` (RDS also as `Code`). */
export function errorCode(err: unknown): string {
  if (err instanceof AwsError) return err.code;
  if (typeof err !== 'object' || err === null) return 'Unknown';
  const e = err as ErrorLike;
  for (const v of [e.Code, e.name, e.code]) {
    if (typeof v === 'string' && v !== '' && v !== 'Error') return v;
  }
  return 'Unknown';
}

function httpStatus(err: unknown): number | undefined {
  if (err instanceof AwsError) return err.httpStatus;
  if (typeof err !== 'object' || err === null) return undefined;
  return (err as ErrorLike).$metadata?.httpStatusCode;
}

function codes(err: unknown): string[] {
  if (err instanceof AwsError) return [err.code];
  if (typeof err !== 'object' || err === null) return [];
  const e = err as ErrorLike;
  return [e.Code, e.name, e.code].filter((v): v is string => typeof v === 'string');
}

export function isThrottling(err: unknown): boolean {
  if (err instanceof AwsError) return err.class === 'Throttled';
  if (codes(err).some((c) => THROTTLING_CODES.has(c))) return true;
  if (httpStatus(err) === 429) return true;
  return typeof err === 'object' && err !== null && (err as ErrorLike).$retryable?.throttling === true;
}

export function classifyError(err: unknown): ErrorClass {
  if (err instanceof AwsError) return err.class;
  if (isThrottling(err)) return 'Throttled';
  const status = httpStatus(err);
  if (status !== undefined && status >= 500) return 'Recoverable';
  if (codes(err).some((c) => TERMINAL_CODES.has(c))) return 'Terminal';
  return 'Recoverable';
}

/** "It is already gone": lets delete succeed on not found. */
export function isNotFound(err: unknown): boolean {
  return codes(err).some(
    (c) =>
      c.endsWith('.NotFound') ||
      c.endsWith('NotFound') ||
      c.endsWith('NotFoundFault') ||
      c.endsWith('NotFoundException') ||
      c.startsWith('NoSuch') ||
      c === 'ResourceNotFound' ||
      c === 'DashboardNotFoundError',
  );
}

/** "It is already there": lets create succeed when an earlier attempt went through. */
export function isAlreadyExists(err: unknown): boolean {
  return codes(err).some((c) => c.includes('AlreadyExist') || c.endsWith('.Duplicate') || c === 'DuplicateRecord');
}

/** Where a failed call went; the middleware attaches it to every error it sees. */
export interface CallContext {
  service: string;
  operation: string;
  region: string;
}

const CALL_CONTEXT = Symbol.for('multiregion.aws.callContext');

/** Remembers the call on the SDK error without changing what the SDK's retry logic reads. */
export function attachCallContext(err: unknown, ctx: CallContext): void {
  if (typeof err !== 'object' || err === null || !Object.isExtensible(err)) return;
  Object.defineProperty(err, CALL_CONTEXT, { value: ctx, enumerable: false, configurable: true });
}

export function callContextOf(err: unknown): CallContext | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  return (err as { [CALL_CONTEXT]?: CallContext })[CALL_CONTEXT];
}

function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const m = (err as ErrorLike).message;
    if (typeof m === 'string' && m !== '') return m;
  }
  return typeof err === 'string' ? err : 'no message';
}

/** A classified AWS failure with a message a user can act on. */
export class AwsError extends Error {
  readonly class: ErrorClass;
  readonly code: string;
  readonly service: string;
  readonly operation: string;
  readonly region: string;
  readonly httpStatus: number | undefined;
  /** What the call was about, e.g. `vpc-0abc` or `hosted zone Z123`. */
  readonly subject: string | undefined;
  /** AWS's own message, without our prefix. */
  readonly detail: string;

  constructor(init: {
    class: ErrorClass;
    code: string;
    message: string;
    service: string;
    operation: string;
    region?: string;
    httpStatus?: number;
    subject?: string;
    cause?: unknown;
  }) {
    const about = init.subject ? ` for ${init.subject}` : '';
    const where = init.region ? ` in ${init.region}` : '';
    super(`${init.service} ${init.operation}${about}${where} failed: ${init.code}: ${init.message}`, {
      cause: init.cause,
    });
    this.name = 'AwsError';
    this.class = init.class;
    this.code = init.code;
    this.service = init.service;
    this.operation = init.operation;
    this.region = init.region ?? '';
    this.httpStatus = init.httpStatus;
    this.subject = init.subject;
    this.detail = init.message;
  }
}

/**
 * Wraps any error from an AWS call. Service/operation come from the call context the
 * middleware attached, or from `ctx` when the caller knows better.
 */
export function toAwsError(err: unknown, ctx: Partial<CallContext> & { subject?: string } = {}): AwsError {
  if (err instanceof AwsError && !ctx.subject) return err;
  const seen: Partial<CallContext> = (err instanceof AwsError ? err : callContextOf(err)) ?? {};
  const status = httpStatus(err);
  const subject = ctx.subject ?? (err instanceof AwsError ? err.subject : undefined);
  return new AwsError({
    class: classifyError(err),
    code: errorCode(err),
    message: err instanceof AwsError ? err.detail : messageOf(err),
    service: ctx.service ?? seen.service ?? 'aws',
    operation: ctx.operation ?? seen.operation ?? 'call',
    region: ctx.region ?? seen.region ?? '',
    ...(status === undefined ? {} : { httpStatus: status }),
    ...(subject ? { subject } : {}),
    cause: err instanceof AwsError ? err.cause : err,
  });
}
