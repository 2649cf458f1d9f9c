// The fault proxy names calls the way AWS does (tests count calls by these names), takes a
// whole region down — every service of it — by the SigV4 region of each call, answers a call
// from its request or passes the real answer on rewritten, and replays a call it held.

import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ListHealthChecksCommand, Route53Client } from '@aws-sdk/client-route-53';
import { FaultProxy, identify, outageRegion, type SeenRequest, throttleResponse, unavailableResponse } from '../env/fault-proxy.ts';

const req = (method: string, url: string, headers: Record<string, string> = {}) =>
  ({
    method,
    url,
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/route53/aws4_request', ...headers },
  }) as unknown as IncomingMessage;

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
  const ec2 = identify(
    req('POST', '/', { authorization: 'AWS4-HMAC-SHA256 Credential=A/20260101/us-west-2/ec2/aws4_request' }),
    'Action=CreateTransitGateway&Version=2016-11-15',
  );
  assert.deepEqual(ec2, { service: 'ec2', region: 'us-west-2', operation: 'CreateTransitGateway' });
  const cw = identify(
    req('POST', '/', {
      authorization: 'AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/monitoring/aws4_request',
      'x-amz-target': 'GraniteServiceVersion20100801.PutMetricAlarm',
    }),
    '{}',
  );
  assert.equal(cw.operation, 'PutMetricAlarm');
});

test('each service is throttled with its own real error shape', () => {
  assert.equal(throttleResponse('ec2').status, 503);
  assert.match(throttleResponse('ec2').body, /RequestLimitExceeded/);
  assert.match(throttleResponse('route53').body, /<Code>Throttling<\/Code>/);
  assert.equal(JSON.parse(throttleResponse('logs').body).__type, 'ThrottlingException');
  assert.equal(throttleResponse('monitoring').headers?.['x-amzn-query-error'], 'Throttling;Sender');
});

// ---- region outages, against a tiny loopback upstream (nothing else running).

interface Bed {
  upstream: Server;
  hits: string[];
  proxy: FaultProxy;
  close(): Promise<void>;
}

async function bed(): Promise<Bed> {
  const hits: string[] = [];
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push(String(req.headers.authorization ?? ''));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('upstream');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const proxy = new FaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  await proxy.start();
  return {
    upstream,
    hits,
    proxy,
    async close() {
      await proxy.stop();
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    },
  };
}

type Reply = { status: number; body: string; headers: Record<string, unknown> } | { error: string } | { timedOut: true };

/** One signed-looking call through the proxy (a fresh connection each time). */
function call(endpoint: string, region: string, service: string, opts: { timeoutMs?: number; target?: string; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve) => {
    const body = opts.body ?? 'Action=DescribeTransitGateways&Version=2016-11-15';
    const req = httpRequest(
      `${endpoint}/`,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=00`,
          'content-type': 'application/x-www-form-urlencoded',
          ...(opts.target && { 'x-amz-target': opts.target }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      },
    );
    req.setTimeout(opts.timeoutMs ?? 2000, () => {
      resolve({ timedOut: true });
      req.destroy();
    });
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end(body);
  });
}

test('Route 53 calls from the SDK are signed for us-east-1, and a us-east-1 outage takes Route 53 down whatever region signed it', async () => {
  const b = await bed();
  try {
    for (const region of ['us-east-1', 'us-west-2']) {
      const r53 = new Route53Client({ region, endpoint: b.proxy.endpoint, maxAttempts: 1, credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' } });
      await r53.send(new ListHealthChecksCommand({})).catch(() => undefined); // the upstream's answer is no XML: only the request matters
      r53.destroy();
    }
    const [controllerShape, otherRegion] = b.proxy.calls;
    // The controller builds its Route 53 clients for us-east-1 (src/aws/clients.ts); that is what AWS expects.
    assert.deepEqual(
      { ...controllerShape, at: 0, status: 0, forwardedAt: 0 },
      { service: 'route53', region: 'us-east-1', operation: 'ListHealthChecks', at: 0, status: 0, forwardedAt: 0 },
    );
    // With an endpoint override the SDK signs with the client's own region; the proxy still files it under us-east-1.
    assert.equal(otherRegion?.service, 'route53');
    assert.equal(outageRegion(controllerShape!), 'us-east-1');
    assert.equal(outageRegion(otherRegion!), 'us-east-1', 'Route 53 belongs to us-east-1 for outages, whatever the signature says');
    assert.equal(outageRegion({ service: 'monitoring', region: 'us-east-1' }), 'us-east-1');
    assert.equal(outageRegion({ service: 'monitoring', region: 'us-west-2' }), 'us-west-2');
  } finally {
    await b.close();
  }
});

test('error5xx: every service of the downed region answers 503 in its own shape; the other region reaches the upstream', async () => {
  const b = await bed();
  try {
    b.proxy.regionDown('us-east-1', 'error5xx');
    assert.deepEqual(b.proxy.downRegions(), { 'us-east-1': 'error5xx' });
    const ec2East = await call(b.proxy.endpoint, 'us-east-1', 'ec2');
    const r53 = await call(b.proxy.endpoint, 'us-east-1', 'route53');
    const r53West = await call(b.proxy.endpoint, 'us-west-2', 'route53');
    const cwEast = await call(b.proxy.endpoint, 'us-east-1', 'monitoring', { target: 'GraniteServiceVersion20100801.GetMetricData', body: '{}' });
    const logsEast = await call(b.proxy.endpoint, 'us-east-1', 'logs', { target: 'Logs_20140328.DescribeLogGroups', body: '{}' });
    const ec2West = await call(b.proxy.endpoint, 'us-west-2', 'ec2');
    const cwWest = await call(b.proxy.endpoint, 'us-west-2', 'monitoring', { target: 'GraniteServiceVersion20100801.GetMetricData', body: '{}' });
    for (const r of [ec2East, r53, r53West, cwEast, logsEast]) assert.equal('status' in r && r.status, 503, JSON.stringify(r));
    assert.match('body' in ec2East ? ec2East.body : '', /<Code>Unavailable<\/Code>/);
    assert.match('body' in r53 ? r53.body : '', /<Code>ServiceUnavailable<\/Code>/);
    assert.equal('headers' in cwEast && cwEast.headers['x-amzn-query-error'], 'ServiceUnavailable;Receiver');
    assert.equal(JSON.parse('body' in logsEast ? logsEast.body : '{}').__type, 'ServiceUnavailableException');
    for (const r of [ec2West, cwWest]) assert.deepEqual('status' in r && [r.status, r.body], [200, 'upstream']);
    assert.equal(b.hits.length, 2, 'only the us-west-2 EC2 and CloudWatch calls reached the upstream');
    assert.ok(b.hits.every((h) => h.includes('/us-west-2/')));
    assert.deepEqual(
      b.proxy.calls.map((c) => [c.service, c.region, c.outage ?? null]),
      [
        ['ec2', 'us-east-1', 'error5xx'],
        ['route53', 'us-east-1', 'error5xx'],
        ['route53', 'us-west-2', 'error5xx'],
        ['monitoring', 'us-east-1', 'error5xx'],
        ['logs', 'us-east-1', 'error5xx'],
        ['ec2', 'us-west-2', null],
        ['monitoring', 'us-west-2', null],
      ],
    );
    assert.ok(b.proxy.calls.filter((c) => c.outage).every((c) => c.forwardedAt === undefined && c.status === 503));
    assert.equal(b.proxy.injected['outage:error5xx'], 5);

    b.proxy.regionDown('us-west-2', 'error5xx', { status: 500, except: ['sts'] });
    const w = await call(b.proxy.endpoint, 'us-west-2', 'rds');
    const sts = await call(b.proxy.endpoint, 'us-west-2', 'sts');
    assert.equal('status' in w && w.status, 500);
    assert.match('body' in w ? w.body : '', /<Code>InternalFailure<\/Code>/);
    assert.equal('status' in sts && sts.status, 200, 'an excepted service stays up');

    b.proxy.regionUp('us-east-1');
    const back = await call(b.proxy.endpoint, 'us-east-1', 'ec2');
    assert.equal('status' in back && back.status, 200, 'regionUp() brings the region back');
    b.proxy.clear();
    assert.deepEqual(b.proxy.downRegions(), {}, 'clear() lifts outages too');
    const after = await call(b.proxy.endpoint, 'us-west-2', 'rds');
    assert.equal('status' in after && after.status, 200);
  } finally {
    await b.close();
  }
});

test("refuse: the downed region's connections are closed at once; the other region is untouched", async () => {
  const b = await bed();
  try {
    b.proxy.regionDown('us-west-2', 'refuse');
    const started = Date.now();
    const west = await call(b.proxy.endpoint, 'us-west-2', 'ec2');
    assert.ok('error' in west, `a closed connection, not an answer: ${JSON.stringify(west)}`);
    assert.equal(west.error, 'ECONNRESET');
    assert.ok(Date.now() - started < 1000, 'closed at once, not after a timeout');
    const east = await call(b.proxy.endpoint, 'us-east-1', 'ec2');
    assert.deepEqual('status' in east && east.status, 200);
    assert.deepEqual(
      b.proxy.calls.map((c) => c.outage ?? null),
      ['refuse', null],
    );
    assert.equal(b.hits.length, 1);
  } finally {
    await b.close();
  }
});

test('blackhole: the request is read and never answered (the client times out), and stop() still returns promptly', async () => {
  const b = await bed();
  b.proxy.regionDown('us-east-1', 'blackhole');
  const hung = call(b.proxy.endpoint, 'us-east-1', 'route53', { timeoutMs: 60_000 });
  const timedOut = await call(b.proxy.endpoint, 'us-east-1', 'ec2', { timeoutMs: 400 });
  assert.deepEqual(timedOut, { timedOut: true });
  const west = await call(b.proxy.endpoint, 'us-west-2', 'ec2');
  assert.equal('status' in west && west.status, 200);
  assert.equal(b.hits.length, 1, 'nothing of us-east-1 reached the upstream');
  assert.deepEqual(
    b.proxy.calls.map((c) => [c.service, c.region, c.outage ?? null]),
    [
      ['route53', 'us-east-1', 'blackhole'],
      ['ec2', 'us-east-1', 'blackhole'],
      ['ec2', 'us-west-2', null],
    ],
  );
  assert.equal(b.proxy.heldOpen, 1, 'the route53 request is still held (the timed-out one was closed by its client)');
  const stopping = Date.now();
  await b.close();
  assert.ok(Date.now() - stopping < 1000, `stop() took ${Date.now() - stopping} ms`);
  const r = await hung;
  assert.ok('error' in r, `the held request ends with a closed connection once the proxy stops: ${JSON.stringify(r)}`);
});

test("unavailableResponse keeps each protocol's error shape", () => {
  assert.equal(unavailableResponse('ec2').status, 503);
  assert.match(unavailableResponse('rds').body, /<Code>ServiceUnavailable<\/Code>/);
  assert.equal(unavailableResponse('monitoring', 500).headers?.['x-amzn-query-error'], 'InternalFailure;Receiver');
});

test('applyThen500: the upstream applies the call, the client gets a 500 in the service shape', async () => {
  const b = await bed();
  try {
    let hooked = 0;
    b.proxy.add({ service: 'rds', operation: 'PromoteReadReplica', kind: 'applyThen500', times: 1, hook: () => void hooked++ });
    const first = await call(b.proxy.endpoint, 'us-west-2', 'rds', { body: 'Action=PromoteReadReplica&Version=2014-10-31' });
    const second = await call(b.proxy.endpoint, 'us-west-2', 'rds', { body: 'Action=PromoteReadReplica&Version=2014-10-31' });
    assert.equal(b.hits.length, 2, 'both reached the upstream');
    assert.ok('status' in first && first.status === 500 && /InternalFailure/.test(first.body), JSON.stringify(first));
    assert.ok('status' in second && second.status === 200, 'only the first, as asked');
    assert.equal(hooked, 1);
    assert.equal(b.proxy.calls[0]?.status, 500);
    assert.ok(b.proxy.calls[0]?.forwardedAt !== undefined);
  } finally {
    await b.close();
  }
});

// ---- answers made from the request, rewritten answers, and replaying a held call.

/** An upstream that echoes what it got, so a test can tell what reached it and what the client saw. */
async function echoBed(): Promise<Bed & { got: Array<{ body: string; authorization: string }> }> {
  const got: Array<{ body: string; authorization: string }> = [];
  const upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ body, authorization: String(req.headers.authorization ?? '') });
      res.writeHead(200, { 'content-type': 'text/xml', 'x-upstream': 'yes' }).end(`<R><state>available</state><echo>${body}</echo></R>`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const proxy = new FaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  await proxy.start();
  return {
    upstream,
    hits: [],
    got,
    proxy,
    async close() {
      await proxy.stop();
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    },
  };
}

test('rewrite: the call reaches the upstream as sent; the client gets its status and headers with the body rewritten, length included', async () => {
  const b = await echoBed();
  try {
    const seen: Array<{ operation: string; status?: number; request: string }> = [];
    b.proxy.add({
      service: 'ec2',
      operation: /^Describe/,
      kind: 'rewrite',
      rewrite: (body, c, r) => {
        seen.push({ operation: c.operation, status: c.status, request: r.body });
        return body.replace('<state>available</state>', '<state>deleting…</state>'); // longer, and not ASCII
      },
    });
    const rewritten = await call(b.proxy.endpoint, 'us-east-1', 'ec2', { body: 'Action=DescribeTransitGateways&Version=2016-11-15' });
    const untouched = await call(b.proxy.endpoint, 'us-east-1', 'ec2', { body: 'Action=CreateTransitGateway&Version=2016-11-15' });
    assert.ok('status' in rewritten && 'status' in untouched);
    assert.equal(rewritten.status, 200);
    assert.equal(rewritten.body, '<R><state>deleting…</state><echo>Action=DescribeTransitGateways&Version=2016-11-15</echo></R>');
    assert.equal(rewritten.headers['x-upstream'], 'yes', "the upstream's headers are kept");
    assert.equal(rewritten.headers['content-length'], String(Buffer.byteLength(rewritten.body)), "the length is the new body's, in bytes");
    assert.equal(
      untouched.body,
      '<R><state>available</state><echo>Action=CreateTransitGateway&Version=2016-11-15</echo></R>',
      'an unmatched operation is passed on as is',
    );
    assert.deepEqual(
      seen,
      [{ operation: 'DescribeTransitGateways', status: 200, request: 'Action=DescribeTransitGateways&Version=2016-11-15' }],
      "the rewrite sees the upstream's status and the client's request",
    );
    assert.equal(b.got.length, 2, 'both calls reached the upstream');
    assert.ok(b.proxy.calls.every((c) => c.forwardedAt !== undefined && c.status === 200));
    assert.equal(b.proxy.injected.rewrite, 1);
  } finally {
    await b.close();
  }
});

test('respond with a function: the answer is made from the request, nothing reaches the upstream; replay() then sends that request as it was', async () => {
  const b = await echoBed();
  try {
    const held: SeenRequest[] = [];
    b.proxy.add({
      service: 'ec2',
      operation: 'DeleteTransitGateway',
      kind: 'respond',
      times: 1,
      response: (c, r) => {
        held.push(r);
        const id = new URLSearchParams(r.body).get('TransitGatewayId');
        return { status: 200, contentType: 'text/xml', body: `<${c.operation}Response><id>${id}</id><state>deleting</state></${c.operation}Response>` };
      },
    });
    const first = await call(b.proxy.endpoint, 'us-west-2', 'ec2', { body: 'Action=DeleteTransitGateway&TransitGatewayId=tgw-1' });
    assert.ok('status' in first);
    assert.deepEqual([first.status, first.body], [200, '<DeleteTransitGatewayResponse><id>tgw-1</id><state>deleting</state></DeleteTransitGatewayResponse>']);
    assert.equal(first.headers['content-type'], 'text/xml');
    assert.equal(b.got.length, 0, "answered in the upstream's place");
    assert.equal(b.proxy.calls[0]?.forwardedAt, undefined);
    assert.deepEqual([held[0]?.method, held[0]?.url, held[0]?.body], ['POST', '/', 'Action=DeleteTransitGateway&TransitGatewayId=tgw-1']);

    const replayed = await b.proxy.replay(held[0]!);
    assert.deepEqual(replayed, { status: 200, body: '<R><state>available</state><echo>Action=DeleteTransitGateway&TransitGatewayId=tgw-1</echo></R>' });
    assert.equal(b.got.length, 1);
    assert.match(
      b.got[0]!.authorization,
      /Credential=AKID\/20260101\/us-west-2\/ec2\//,
      "replayed with the client's own signature (moto tells accounts by it)",
    );
    assert.equal(b.proxy.calls.length, 1, 'a replay is not a client call: not logged');

    const later = await call(b.proxy.endpoint, 'us-west-2', 'ec2', { body: 'Action=DeleteTransitGateway&TransitGatewayId=tgw-2' });
    assert.ok('status' in later && /<echo>/.test(later.body), 'times: 1 — the next delete reaches the upstream');
    assert.equal(b.proxy.injected.respond, 1);
  } finally {
    await b.close();
  }
});
