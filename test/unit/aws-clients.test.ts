// The client factory and the call middleware, without the network: caching, config reaching
// every client, and what the middleware reports for each outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountKeyOf, createAwsClients, shareCredentials, type AwsCredentials } from '../../src/aws/clients.ts';
import { CALL_MIDDLEWARE_NAME, callMiddleware, callMiddlewarePlugin, operationName } from '../../src/aws/middleware.ts';
import { RateLimiter } from '../../src/aws/ratelimit.ts';
import { callContextOf } from '../../src/aws/errors.ts';
import type { AwsTarget, CallRecord } from '../../src/aws/types.ts';

const staticCreds = async (): Promise<AwsCredentials> => ({ accessKeyId: 'a', secretAccessKey: 'b' });

const keys: { roleArn?: string; want: string }[] = [
  { want: 'default' },
  { roleArn: 'arn:aws:iam::222222222222:role/x', want: '222222222222' },
  { roleArn: 'arn:aws-cn:iam::333333333333:role/path/y', want: '333333333333' },
  { roleArn: 'not-an-arn', want: 'not-an-arn' },
];
for (const c of keys) {
  test(`accountKeyOf(${c.roleArn ?? 'no role'}) = ${c.want}`, () => {
    assert.equal(accountKeyOf(c.roleArn ? { roleArn: c.roleArn } : {}), c.want);
  });
}

const sameOrNot: { reason: string; a: AwsTarget; b: AwsTarget; same: boolean }[] = [
  { reason: 'same target', a: { region: 'us-west-2' }, b: { region: 'us-west-2' }, same: true },
  { reason: 'other region', a: { region: 'us-west-2' }, b: { region: 'us-east-1' }, same: false },
  { reason: 'other role', a: { region: 'us-west-2' }, b: { region: 'us-west-2', roleArn: 'arn:aws:iam::222222222222:role/x' }, same: false },
  {
    reason: 'other external id',
    a: { region: 'us-west-2', roleArn: 'arn:aws:iam::222222222222:role/x', externalId: 'e1' },
    b: { region: 'us-west-2', roleArn: 'arn:aws:iam::222222222222:role/x', externalId: 'e2' },
    same: false,
  },
];
for (const c of sameOrNot) {
  test(`client cache: ${c.reason} → ${c.same ? 'same' : 'another'} client`, () => {
    const clients = createAwsClients({ baseCredentials: staticCreds });
    assert.equal(clients.ec2(c.a) === clients.ec2(c.b), c.same);
    assert.equal(clients.rds(c.a) === clients.rds(c.b), c.same);
    assert.notEqual(clients.ec2(c.a) as unknown, clients.rds(c.a) as unknown, 'one client per service');
    clients.destroy();
  });
}

test('Route 53 is global: one client per identity, signed for us-east-1', async () => {
  const clients = createAwsClients({ baseCredentials: staticCreds });
  const west = clients.route53({ region: 'us-west-2' });
  assert.equal(west, clients.route53({ region: 'eu-west-1' }));
  assert.equal(await west.config.region(), 'us-east-1');
  clients.destroy();
});

test('endpoint override, attempts and retry mode reach every client, with our middleware', async () => {
  const clients = createAwsClients({ endpointUrl: 'http://127.0.0.1:4566', maxAttempts: 2, baseCredentials: staticCreds });
  const t = { region: 'eu-central-1', roleArn: 'arn:aws:iam::222222222222:role/x' };
  for (const client of [clients.ec2(t), clients.route53(t), clients.rds(t), clients.cloudwatch(t), clients.logs(t), clients.sts(t)]) {
    const endpoint = await client.config.endpoint?.();
    assert.equal(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`, 'http://127.0.0.1:4566');
    assert.equal(await client.config.maxAttempts(), 2);
    assert.equal(client.config.retryMode, 'standard');
    const stack = client.middlewareStack.identify();
    const ours = stack.findIndex((m) => m.startsWith(CALL_MIDDLEWARE_NAME));
    assert.ok(ours > stack.findIndex((m) => m.startsWith('retryMiddleware')), 'inside the retry loop');
    assert.ok(ours < stack.findIndex((m) => m.startsWith('httpSigningMiddleware')), 'before signing');
  }
  clients.destroy();
});

test('an empty region is refused rather than left to the SDK default', () => {
  const clients = createAwsClients({ baseCredentials: staticCreds });
  assert.throws(() => clients.ec2({ region: '' }), /needs a region/);
});

test('shareCredentials fetches once, refreshes 5 min before expiry, and retries after a failure', async () => {
  let now = 0;
  let fetches = 0;
  let fail = false;
  const fetch = async (): Promise<AwsCredentials> => {
    fetches++;
    if (fail) throw new Error('sts down');
    return { accessKeyId: `k${fetches}`, secretAccessKey: 's', expiration: new Date(now + 60 * 60_000) };
  };
  const shared = shareCredentials(fetch, () => now);
  const [a, b] = await Promise.all([shared(), shared()]);
  assert.equal(fetches, 1);
  assert.equal(a, b);
  now = 54 * 60_000;
  assert.equal((await shared()).accessKeyId, 'k1');
  now = 56 * 60_000;
  fail = true;
  await assert.rejects(shared(), /sts down/);
  fail = false;
  assert.equal((await shared()).accessKeyId, 'k3', 'the failure was not cached');
});

/** Drives the middleware with a handler standing in for the rest of the SDK stack. */
async function runMiddleware(result: 'ok' | Error, limiter = new RateLimiter()) {
  const calls: CallRecord[] = [];
  const mw = callMiddleware({ service: 'route53', region: 'us-east-1', accountKey: '222222222222', limiter, onCall: (r) => calls.push(r) });
  const handler = mw(
    async () => {
      if (result === 'ok') return { output: {}, response: {} };
      throw result;
    },
    { commandName: 'ChangeResourceRecordSetsCommand', clientName: 'Route53Client' },
  );
  const outcome = await handler({ input: { ChangeBatch: { Changes: [{ Action: 'UPSERT' }] } }, request: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { calls, outcome, limiter };
}

const outcomes: { reason: string; result: 'ok' | Error; want: CallRecord['outcome']; slowed: boolean }[] = [
  { reason: 'success', result: 'ok', want: 'success', slowed: false },
  { reason: 'a throttle slows the buckets of the call', result: Object.assign(new Error('rate'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }), want: 'throttled', slowed: true },
  { reason: 'another error is counted but does not slow', result: Object.assign(new Error('no'), { name: 'InvalidChangeBatch', $metadata: { httpStatusCode: 400 } }), want: 'error', slowed: false },
];
for (const c of outcomes) {
  test(`call middleware: ${c.reason}`, async () => {
    const { calls, outcome, limiter } = await runMiddleware(c.result);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.service, 'route53');
    assert.equal(calls[0]?.operation, 'ChangeResourceRecordSets');
    assert.equal(calls[0]?.region, 'us-east-1');
    assert.equal(calls[0]?.outcome, c.want);
    assert.ok((calls[0]?.durationMs ?? -1) >= 0);
    const slowed = (family: string, full: number) => limiter.rateOf('222222222222', family) < full;
    assert.equal(slowed('route53', 10), c.slowed, 'account-wide bucket');
    assert.equal(slowed('route53:ChangeResourceRecordSets', 10), c.slowed, 'per-action bucket');
    assert.equal(limiter.rateOf('default', 'route53'), 10, 'other accounts untouched');
    if (c.result !== 'ok') {
      assert.equal(outcome, c.result, 'the SDK error is rethrown as is');
      assert.deepEqual(callContextOf(outcome), { service: 'route53', operation: 'ChangeResourceRecordSets', region: 'us-east-1' });
    }
  });
}

test('a failing onCall never fails the call', async () => {
  const mw = callMiddleware({
    service: 'sts', region: 'us-east-1', accountKey: 'default', limiter: new RateLimiter(),
    onCall: () => { throw new Error('metrics broke'); },
  });
  const out = await mw(async () => ({ output: { ok: 1 }, response: {} }), { commandName: 'GetCallerIdentityCommand' })({ input: {}, request: {} });
  assert.deepEqual(out.output, { ok: 1 });
});

test('operationName strips the Command suffix', () => {
  assert.equal(operationName({ commandName: 'DescribeVpcsCommand' }), 'DescribeVpcs');
  assert.equal(operationName({}), 'Unknown');
});

test('the plugin can be applied again to the same stack (credential refreshes re-apply it)', () => {
  const clients = createAwsClients({ baseCredentials: staticCreds });
  const sts = clients.sts({ region: 'us-east-1' });
  const plugin = callMiddlewarePlugin({ service: 'sts', region: 'us-east-1', accountKey: 'default', limiter: new RateLimiter() });
  plugin.applyToStack(sts.middlewareStack);
  plugin.applyToStack(sts.middlewareStack);
  assert.equal(sts.middlewareStack.identify().filter((m) => m.startsWith(CALL_MIDDLEWARE_NAME)).length, 1);
  clients.destroy();
});

test('creates without an idempotency token are never repeated blindly by the SDK', async () => {
  const { isUnsafeToRepeat, mayHaveBeenApplied } = await import('../../src/aws/middleware.ts');
  const cases: Array<[string, object, boolean]> = [
    ['CreateTransitGateway', {}, true],
    ['CreateTransitGatewayPeeringAttachment', {}, true],
    ['AcceptTransitGatewayPeeringAttachment', {}, true],
    ['PromoteReadReplica', {}, true],
    ['CreateHealthCheck', { CallerReference: 'x' }, false],
    ['CreateTransitGatewayVpcAttachment', { ClientToken: 'x' }, false],
    ['DescribeTransitGateways', {}, false],
    ['DeleteTransitGateway', {}, false],
  ];
  for (const [op, input, want] of cases) assert.equal(isUnsafeToRepeat(op, input), want, op);
  assert.equal(mayHaveBeenApplied(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), true, 'no answer at all');
  assert.equal(mayHaveBeenApplied({ name: 'InternalError', $metadata: { httpStatusCode: 500 } }), true);
  assert.equal(mayHaveBeenApplied({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } }), false);
  assert.equal(mayHaveBeenApplied({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } }), false, 'throttled means not applied');
});
