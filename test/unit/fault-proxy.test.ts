// The fault proxy names calls the way AWS does (tests count calls by these names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { identify, throttleResponse } from '../env/fault-proxy.ts';

const req = (method: string, url: string, headers: Record<string, string> = {}) =>
  ({ method, url, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/route53/aws4_request', ...headers } }) as unknown as IncomingMessage;

test('Route 53 REST paths map to their operations, tags before health checks', () => {
  const cases: Array<[string, string, string]> = [
    ['POST', '/2013-04-01/tags/healthcheck/abc', 'ChangeTagsForResource'],
    ['POST', '/2013-04-01/tags/healthcheck', 'ListTagsForResources'],
    ['GET', '/2013-04-01/tags/healthcheck/abc', 'ListTagsForResource'],
    ['POST', '/2013-04-01/healthcheck', 'CreateHealthCheck'],
    ['POST', '/2013-04-01/healthcheck/abc', 'UpdateHealthCheck'],
    ['DELETE', '/2013-04-01/healthcheck/abc', 'DeleteHealthCheck'],
    ['POST', '/2013-04-01/hostedzone/Z1/rrset/', 'ChangeResourceRecordSets'],
    ['GET', '/2013-04-01/hostedzone/Z1/rrset?name=x', 'ListResourceRecordSets'],
  ];
  for (const [m, u, op] of cases) assert.equal(identify(req(m, u), '').operation, op, `${m} ${u}`);
});

test('query and JSON protocols: operation from Action= or X-Amz-Target; service and region from the SigV4 scope', () => {
  const ec2 = identify(req('POST', '/', { authorization: 'AWS4-HMAC-SHA256 Credential=A/20260101/us-west-2/ec2/aws4_request' }), 'Action=CreateTransitGateway&Version=2016-11-15');
  assert.deepEqual(ec2, { service: 'ec2', region: 'us-west-2', operation: 'CreateTransitGateway' });
  const cw = identify(req('POST', '/', { authorization: 'AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/monitoring/aws4_request', 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricAlarm' }), '{}');
  assert.equal(cw.operation, 'PutMetricAlarm');
});

test('each service is throttled with its own real error shape', () => {
  assert.equal(throttleResponse('ec2').status, 503);
  assert.match(throttleResponse('ec2').body, /RequestLimitExceeded/);
  assert.match(throttleResponse('route53').body, /<Code>Throttling<\/Code>/);
  assert.equal(JSON.parse(throttleResponse('logs').body).__type, 'ThrottlingException');
  assert.equal(throttleResponse('monitoring').headers?.['x-amzn-query-error'], 'Throttling;Sender');
});
