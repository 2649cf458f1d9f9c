import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError, attachCallContext, classifyError, errorCode, isAlreadyExists, isNotFound, toAwsError } from '../../src/aws/errors.ts';
import type { ErrorClass } from '../../src/aws/types.ts';

/** Shaped like an SDK v3 ServiceException. */
function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

const classes: { reason: string; err: unknown; want: ErrorClass }[] = [
  { reason: 'Route 53 / STS / RDS throttle with 400 Throttling', err: sdkError('Throttling', 400), want: 'Throttled' },
  { reason: 'CloudWatch and Logs throttle with ThrottlingException', err: sdkError('ThrottlingException', 400), want: 'Throttled' },
  { reason: 'EC2 throttles with 503 RequestLimitExceeded', err: sdkError('RequestLimitExceeded', 503), want: 'Throttled' },
  { reason: 'TooManyRequestsException is a throttle', err: sdkError('TooManyRequestsException', 400), want: 'Throttled' },
  { reason: 'Route 53 PriorRequestNotComplete means slow down', err: sdkError('PriorRequestNotComplete', 400), want: 'Throttled' },
  { reason: 'SlowDown on 503', err: sdkError('SlowDown', 503), want: 'Throttled' },
  { reason: 'any HTTP 429 is a throttle', err: sdkError('Whatever', 429), want: 'Throttled' },
  { reason: 'the SDK marks throttles in $retryable', err: sdkError('Odd', 400, { $retryable: { throttling: true } }), want: 'Throttled' },
  { reason: 'a 503 without a throttling code is just a server error', err: sdkError('ServiceUnavailable', 503), want: 'Recoverable' },
  { reason: 'a VPC the user named does not exist', err: sdkError('InvalidVpcID.NotFound', 400), want: 'Terminal' },
  { reason: 'a subnet the user named does not exist', err: sdkError('InvalidSubnetID.NotFound', 400), want: 'Terminal' },
  { reason: 'a TGW the user named does not exist', err: sdkError('InvalidTransitGatewayID.NotFound', 400), want: 'Terminal' },
  { reason: 'the hosted zone the user named does not exist', err: sdkError('NoSuchHostedZone', 404), want: 'Terminal' },
  { reason: 'RDS names the class DBInstanceNotFoundFault', err: sdkError('DBInstanceNotFoundFault', 404), want: 'Terminal' },
  { reason: 'RDS carries the wire code in Code', err: sdkError('RDSServiceException', 404, { Code: 'DBInstanceNotFound' }), want: 'Terminal' },
  { reason: 'the role cannot be assumed', err: sdkError('AccessDenied', 403), want: 'Terminal' },
  { reason: 'a value AWS refuses', err: sdkError('InvalidParameterValue', 400), want: 'Terminal' },
  { reason: 'a query-protocol validation error', err: sdkError('ValidationError', 400), want: 'Terminal' },
  { reason: 'Route 53 InvalidInput', err: sdkError('InvalidInput', 400), want: 'Terminal' },
  { reason: 'Route 53 InvalidChangeBatch', err: sdkError('InvalidChangeBatch', 400), want: 'Terminal' },
  { reason: 'missing IAM permission', err: sdkError('UnauthorizedOperation', 403), want: 'Terminal' },
  {
    reason: 'not-found of something we created may be eventual consistency',
    err: sdkError('InvalidTransitGatewayAttachmentID.NotFound', 400),
    want: 'Recoverable',
  },
  { reason: 'a 500 from the service', err: sdkError('InternalError', 500), want: 'Recoverable' },
  { reason: 'a network error has no metadata', err: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), want: 'Recoverable' },
  { reason: 'something that is not an error at all', err: 'boom', want: 'Recoverable' },
  { reason: 'an AwsError keeps its class', err: new AwsError({ class: 'Terminal', code: 'X', message: 'm', service: 's', operation: 'o' }), want: 'Terminal' },
];

for (const c of classes) {
  test(`classifyError: ${c.reason}`, () => {
    assert.equal(classifyError(c.err), c.want);
  });
}

const lookups: { reason: string; err: unknown; notFound: boolean; exists: boolean }[] = [
  { reason: 'EC2 .NotFound codes', err: sdkError('InvalidTransitGatewayAttachmentID.NotFound', 400), notFound: true, exists: false },
  { reason: 'Route 53 NoSuch* codes', err: sdkError('NoSuchHealthCheck', 404), notFound: true, exists: false },
  { reason: 'RDS *NotFoundFault', err: sdkError('DBInstanceNotFoundFault', 404), notFound: true, exists: false },
  { reason: 'Logs ResourceNotFoundException', err: sdkError('ResourceNotFoundException', 400), notFound: true, exists: false },
  { reason: 'CloudWatch ResourceNotFound', err: sdkError('ResourceNotFound', 404), notFound: true, exists: false },
  { reason: 'RDS already exists', err: sdkError('DBInstanceAlreadyExistsFault', 400), notFound: false, exists: true },
  { reason: 'Logs already exists', err: sdkError('ResourceAlreadyExistsException', 400), notFound: false, exists: true },
  { reason: 'EC2 .Duplicate', err: sdkError('InvalidPermission.Duplicate', 400), notFound: false, exists: true },
  { reason: 'moto flow log duplicate', err: sdkError('FlowLogAlreadyExists', 400), notFound: false, exists: true },
  { reason: 'a throttle is neither', err: sdkError('Throttling', 400), notFound: false, exists: false },
  { reason: 'a bad parameter is neither', err: sdkError('InvalidParameterValue', 400), notFound: false, exists: false },
];

for (const c of lookups) {
  test(`isNotFound/isAlreadyExists: ${c.reason}`, () => {
    assert.equal(isNotFound(c.err), c.notFound);
    assert.equal(isAlreadyExists(c.err), c.exists);
  });
}

test('errorCode prefers the RDS wire Code, then the name, and never returns "Error"', () => {
  assert.equal(errorCode(sdkError('RDSServiceException', 400, { Code: 'InvalidDBInstanceState' })), 'InvalidDBInstanceState');
  assert.equal(errorCode(sdkError('NoSuchHostedZone', 404)), 'NoSuchHostedZone');
  assert.equal(errorCode(new Error('plain')), 'Unknown');
  assert.equal(errorCode(null), 'Unknown');
});

test('toAwsError names the service, operation, region and subject in its message', () => {
  const raw = sdkError('InvalidVpcID.NotFound', 400, { message: "The vpc ID 'vpc-1' does not exist" });
  attachCallContext(raw, { service: 'ec2', operation: 'DescribeVpcs', region: 'us-west-2' });
  const e = toAwsError(raw, { subject: 'vpc vpc-1' });
  assert.equal(e.class, 'Terminal');
  assert.equal(e.code, 'InvalidVpcID.NotFound');
  assert.equal(e.service, 'ec2');
  assert.equal(e.operation, 'DescribeVpcs');
  assert.equal(e.httpStatus, 400);
  assert.equal(e.cause, raw);
  assert.equal(e.message, "ec2 DescribeVpcs for vpc vpc-1 in us-west-2 failed: InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not exist");
  // Attaching the context must not change what the SDK's retry logic reads.
  assert.equal(raw.name, 'InvalidVpcID.NotFound');
  assert.deepEqual(JSON.parse(JSON.stringify(raw)).$metadata, { httpStatusCode: 400 });
});

test('toAwsError takes the caller context when the error never went through the middleware', () => {
  const e = toAwsError(sdkError('Throttling', 400), { service: 'route53', operation: 'ChangeResourceRecordSets' });
  assert.equal(e.class, 'Throttled');
  assert.match(e.message, /^route53 ChangeResourceRecordSets failed: Throttling: /);
});

test('toAwsError of an AwsError adds a subject without nesting messages', () => {
  const first = toAwsError(sdkError('NoSuchHostedZone', 404, { message: 'No hosted zone Z1' }), {
    service: 'route53',
    operation: 'GetHostedZone',
  });
  assert.equal(toAwsError(first), first);
  const second = toAwsError(first, { subject: 'hosted zone Z1' });
  assert.equal(second.message, 'route53 GetHostedZone for hosted zone Z1 failed: NoSuchHostedZone: No hosted zone Z1');
  assert.equal(second.class, 'Terminal');
});
