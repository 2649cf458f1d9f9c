// The client factory and the call middleware: caching, config reaching every client, what the
// middleware reports for each outcome, and — against a loopback server that never answers —
// timeouts and cancellation.

import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { CreateSecurityGroupCommand, CreateTagsCommand, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { withAbortSignal } from '../../src/aws/abort-scope.ts';
import { type AwsCredentials, accountKeyOf, createAwsClients, shareCredentials } from '../../src/aws/clients.ts';
import { callContextOf } from '../../src/aws/errors.ts';
import { CALL_MIDDLEWARE_NAME, callMiddleware, callMiddlewarePlugin, isMutating, isNoAnswer, operationName } from '../../src/aws/middleware.ts';
import { limiterKey, RateLimiter } from '../../src/aws/ratelimit.ts';
import { isRegionUnreachable } from '../../src/aws/rds/fence.ts';
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

test('call middleware: RDS buckets are per account and Region, Route 53 per account', async () => {
  // One RDS token per 100 s: a second call in the same Region waits, the first in another Region does not.
  const limiter = new RateLimiter({ limits: { rds: { ratePerSec: 0.01, burst: 1 } } });
  const rdsCall = async (region: string): Promise<number> => {
    const mw = callMiddleware({ service: 'rds', region, accountKey: 'default', limiter });
    const handler = mw(async () => ({ output: {}, response: {} }), { commandName: 'DescribeDBInstancesCommand', clientName: 'RDSClient' });
    const started = performance.now();
    await handler({ input: {}, request: {} });
    return performance.now() - started;
  };
  assert.ok((await rdsCall('us-east-1')) < 500, 'the first call takes the burst token');
  assert.ok((await rdsCall('eu-west-1')) < 500, "eu-west-1 has its own bucket, not us-east-1's");
  const second = limiter.take(limiterKey('rds', 'default', 'us-east-1'), 'rds').then(() => 'took');
  const later = new Promise((r) => setTimeout(() => r('waits'), 200).unref());
  assert.equal(await Promise.race([second, later]), 'waits', "a second us-east-1 call waits for us-east-1's bucket");
  assert.equal(limiterKey('route53', 'default', 'us-east-1'), limiterKey('route53', 'default', 'eu-west-1'), 'Route 53 is global');
  assert.notEqual(limiterKey('ec2', 'a', 'us-east-1'), limiterKey('ec2', 'b', 'us-east-1'), 'accounts never share');
});

const outcomes: { reason: string; result: 'ok' | Error; want: CallRecord['outcome']; slowed: boolean }[] = [
  { reason: 'success', result: 'ok', want: 'success', slowed: false },
  {
    reason: 'a throttle slows the buckets of the call',
    result: Object.assign(new Error('rate'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
    want: 'throttled',
    slowed: true,
  },
  {
    reason: 'another error is counted but does not slow',
    result: Object.assign(new Error('no'), { name: 'InvalidChangeBatch', $metadata: { httpStatusCode: 400 } }),
    want: 'error',
    slowed: false,
  },
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
    service: 'sts',
    region: 'us-east-1',
    accountKey: 'default',
    limiter: new RateLimiter(),
    onCall: () => {
      throw new Error('metrics broke');
    },
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

/**
 * A region whose API accepts connections and never answers (blackholed behind a load
 * balancer). Counts connections and bytes received, so a test can tell how many attempts
 * reached it, or that nothing did.
 */
async function silentServer() {
  const sockets = new Set<Socket>();
  let connections = 0;
  let bytes = 0;
  const server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('data', (d) => (bytes += d.length));
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    bytes: () => bytes,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The error `p` rejects with and how long that took; fails the test if `p` hangs past `ms`. */
async function failure(p: Promise<unknown>, ms: number): Promise<{ err: unknown; tookMs: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    const err = await Promise.race([
      p.then(
        () => assert.fail('the call succeeded'),
        (e: unknown) => e,
      ),
      hung,
    ]);
    return { err, tookMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

async function withSilentRegion(
  opts: Parameters<typeof createAwsClients>[0],
  fn: (ctx: { clients: ReturnType<typeof createAwsClients>; server: Awaited<ReturnType<typeof silentServer>>; calls: CallRecord[] }) => Promise<void>,
): Promise<void> {
  const server = await silentServer();
  const calls: CallRecord[] = [];
  const clients = createAwsClients({ baseCredentials: staticCreds, endpointUrl: server.url, onCall: (r) => calls.push(r), ...opts });
  try {
    await fn({ clients, server, calls });
  } finally {
    clients.destroy();
    await server.close();
  }
}

const region = { region: 'us-east-1' };
const createTags = () => new CreateTagsCommand({ Resources: ['vpc-0abc'], Tags: [{ Key: 'k', Value: 'v' }] });

test('a region that never answers fails after one request timeout, with no SDK retry, as unreachable', async () => {
  await withSilentRegion({ maxAttempts: 5, requestTimeoutMs: 300 }, async ({ clients, server, calls }) => {
    const { err, tookMs } = await failure(clients.ec2(region).send(new DescribeRegionsCommand({})), 3_000);
    assert.ok(tookMs < 1_500, `failed after ${tookMs.toFixed(0)} ms, not 5 × 300 ms and backoff`);
    assert.equal(server.connections(), 1, 'one attempt reached the server');
    assert.equal(calls.length, 1, 'one attempt counted');
    assert.equal(isRegionUnreachable(err), true, `unreachable: ${String(err)}`);
  });
});

test('an RDS read in a region that never answers is unreachable too', async () => {
  await withSilentRegion({ maxAttempts: 5, requestTimeoutMs: 300 }, async ({ clients, server }) => {
    const { err, tookMs } = await failure(clients.rds(region).send(new DescribeDBInstancesCommand({})), 3_000);
    assert.ok(tookMs < 1_500, `failed after ${tookMs.toFixed(0)} ms`);
    assert.equal(server.connections(), 1);
    assert.equal(isRegionUnreachable(err), true);
  });
});

test('a create without a token that gets no answer: outcome unknown, sent once, region unreachable', async () => {
  await withSilentRegion({ maxAttempts: 5, requestTimeoutMs: 300 }, async ({ clients, server }) => {
    const create = new CreateSecurityGroupCommand({ GroupName: 'fence', Description: 'deny all', VpcId: 'vpc-0abc' });
    const { err, tookMs } = await failure(clients.ec2(region).send(create), 3_000);
    assert.equal((err as Error).name, 'OutcomeUnknown');
    assert.ok(tookMs < 1_500, `failed after ${tookMs.toFixed(0)} ms`);
    assert.equal(server.connections(), 1);
    assert.equal(isRegionUnreachable(err), true);
  });
});

test('a refused connection keeps the SDK retries (it is an answer, and a fast one)', async () => {
  const server = await silentServer();
  const closedUrl = server.url;
  await server.close();
  const calls: CallRecord[] = [];
  const clients = createAwsClients({ baseCredentials: staticCreds, endpointUrl: closedUrl, maxAttempts: 3, onCall: (r) => calls.push(r) });
  try {
    const { err } = await failure(clients.ec2(region).send(new DescribeRegionsCommand({})), 5_000);
    assert.equal(calls.length, 3, `three attempts: ${String(err)}`);
    assert.equal(isRegionUnreachable(err), true);
  } finally {
    clients.destroy();
  }
});

test('a call in flight rejects at once when its reconcile is cancelled', async () => {
  await withSilentRegion({ requestTimeoutMs: 10_000 }, async ({ clients, server }) => {
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(new Error('lease lost')), 200);
    const call = withAbortSignal(cancel.signal, () => clients.ec2(region).send(new DescribeRegionsCommand({})));
    const { err, tookMs } = await failure(call, 3_000);
    assert.equal((err as Error).name, 'AbortError');
    assert.ok(tookMs < 1_000, `rejected ${tookMs.toFixed(0)} ms after the start`);
    assert.equal(server.connections(), 1, 'the call was in flight');
    assert.equal(isRegionUnreachable(err), false, 'a cancelled call says nothing about the region');
  });
});

test('a signal given to send explicitly still aborts the call inside a live scope', async () => {
  await withSilentRegion({ requestTimeoutMs: 10_000 }, async ({ clients }) => {
    const mine = new AbortController();
    setTimeout(() => mine.abort(), 200);
    const call = withAbortSignal(new AbortController().signal, () => clients.ec2(region).send(new DescribeRegionsCommand({}), { abortSignal: mine.signal }));
    const { err, tookMs } = await failure(call, 3_000);
    assert.equal((err as Error).name, 'AbortError');
    assert.ok(tookMs < 1_000, `rejected after ${tookMs.toFixed(0)} ms`);
  });
});

test('a mutating call in a cancelled reconcile never reaches AWS', async () => {
  await withSilentRegion({}, async ({ clients, server, calls }) => {
    const call = withAbortSignal(AbortSignal.abort(new Error('lease lost')), () => clients.ec2(region).send(createTags()));
    const { err } = await failure(call, 2_000);
    assert.equal((err as Error).name, 'AbortError');
    assert.equal(server.connections(), 0, 'the server saw nothing');
    assert.equal(calls.length, 0, 'nothing was sent, so nothing counted');
  });
});

test('a read in a cancelled reconcile does not hang either', async () => {
  await withSilentRegion({}, async ({ clients, server }) => {
    const call = withAbortSignal(AbortSignal.abort(), () => clients.ec2(region).send(new DescribeRegionsCommand({})));
    const { err, tookMs } = await failure(call, 2_000);
    assert.equal((err as Error).name, 'AbortError');
    assert.ok(tookMs < 500);
    assert.equal(server.connections(), 0);
  });
});

test('a mutating call cancelled while it waits for the rate limiter stops waiting and is not sent', async () => {
  // One token, refilled every 10 s: the second mutating EC2 call of the account waits.
  const limiter = new RateLimiter({ limits: { 'ec2:mutate': { ratePerSec: 0.1, burst: 1 } } });
  await limiter.take(limiterKey('ec2', 'default', region.region), 'ec2:mutate');
  await withSilentRegion({ limiter }, async ({ clients, server }) => {
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(new Error('shutting down')), 200);
    const { err, tookMs } = await failure(
      withAbortSignal(cancel.signal, () => clients.ec2(region).send(createTags())),
      3_000,
    );
    assert.equal((err as Error).name, 'AbortError');
    assert.match((err as Error).message, /cancelled \(lease lost or shutdown\)/);
    assert.ok(tookMs < 1_000, `gave up ${tookMs.toFixed(0)} ms after the start, not after the limiter's 10 s`);
    assert.equal(server.connections(), 0);
  });
});

test('the call middleware refuses only mutating calls once the scope is cancelled', async () => {
  const cases: Array<{ reason: string; command: string; aborted: boolean; refused: boolean }> = [
    { reason: 'a create in a cancelled scope', command: 'CreateTransitGatewayCommand', aborted: true, refused: true },
    { reason: 'a change batch in a cancelled scope', command: 'ChangeResourceRecordSetsCommand', aborted: true, refused: true },
    { reason: 'a delete in a cancelled scope', command: 'DeleteSecurityGroupCommand', aborted: true, refused: true },
    { reason: 'a describe in a cancelled scope (the SDK aborts it itself)', command: 'DescribeVpcsCommand', aborted: true, refused: false },
    { reason: 'a create in a live scope', command: 'CreateTransitGatewayCommand', aborted: false, refused: false },
  ];
  for (const c of cases) {
    let sent = false;
    const mw = callMiddleware({ service: 'ec2', region: 'us-east-1', accountKey: 'default', limiter: new RateLimiter() });
    const handler = mw(
      async () => {
        sent = true;
        return { output: {}, response: {} };
      },
      { commandName: c.command },
    );
    const signal = c.aborted ? AbortSignal.abort() : new AbortController().signal;
    const err = await withAbortSignal(signal, () => handler({ input: {}, request: {} })).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(sent, !c.refused, c.reason);
    assert.equal((err as Error | undefined)?.name, c.refused ? 'AbortError' : undefined, c.reason);
  }
});

test('what counts as mutating, and as no answer', () => {
  for (const op of [
    'DescribeVpcs',
    'GetHealthCheckStatus',
    'ListTagsForResource',
    'SearchTransitGatewayRoutes',
    'LookupEvents',
    'TestDNSAnswer',
    'FilterLogEvents',
  ]) {
    assert.equal(isMutating(op), false, op);
  }
  for (const op of ['CreateTags', 'DeleteRoute', 'ModifyDBInstance', 'PromoteReadReplica', 'RebootDBInstance', 'ChangeResourceRecordSets', 'PutDashboard']) {
    assert.equal(isMutating(op), true, op);
  }
  const table: Array<[string, unknown, boolean]> = [
    [
      'request timeout of the handler',
      Object.assign(new Error('exceeded the configured 300 ms requestTimeout'), { name: 'TimeoutError', code: 'ETIMEDOUT' }),
      true,
    ],
    ['connect timeout of the handler', Object.assign(new Error('did not establish a connection'), { name: 'TimeoutError' }), true],
    ['an OS-level connect timeout', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), true],
    [
      'connection refused (the handler names it TimeoutError too)',
      Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError', code: 'ECONNREFUSED' }),
      false,
    ],
    ['connection reset', Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }), false],
    ['a service RequestTimeout answer', { name: 'RequestTimeout', $metadata: { httpStatusCode: 400 } }, false],
    ['an abort', Object.assign(new Error('Request aborted'), { name: 'AbortError' }), false],
  ];
  for (const [name, err, want] of table) assert.equal(isNoAnswer(err), want, name);
});
