// The test stack's moto keeps a connection open after an answer (test/env/moto_keepalive.py):
// werkzeug's server closed every one. On one socket, calls must each get their own answer: after
// a body the application did not read, after an error, after a HEAD; a client that asks to close,
// and a chunked body, still get werkzeug's close.
import assert from 'node:assert/strict';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  reused: boolean;
}

function call(agent: Agent, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${bed.endpoint}${path}`, { agent, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), reused: req.reusedSocket }),
      );
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

test('one socket carries calls with bodies read, unread, failing and HEAD, each with its own answer', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await call(agent, '/moto-api/');
    assert.equal(first.status, 200);
    assert.equal(first.reused, false);
    assert.notEqual(first.headers.connection, 'close', 'HTTP/1.1: open unless the answer says close');
    // A body moto's dashboard never reads: its bytes must not be taken for the next request line.
    const unread = await call(agent, '/moto-api/', { method: 'POST', body: 'x'.repeat(70_000), headers: { 'content-type': 'text/plain' } });
    assert.ok(unread.status < 500, `answered: ${unread.status}`);
    const sts = await call(agent, '/', {
      method: 'POST',
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=test/20261205/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x',
      },
    });
    assert.equal(sts.status, 200);
    assert.match(sts.body, /<Account>\d{12}<\/Account>/, 'STS answered the call that followed the unread body');
    assert.equal(sts.reused, true);
    const missing = await call(agent, '/moto-api/no-such-page');
    assert.equal(missing.status, 404);
    const head = await call(agent, '/moto-api/', { method: 'HEAD' });
    assert.equal(head.body, '');
    const after = await call(agent, '/moto-api/');
    assert.equal(after.status, 200);
    assert.equal(after.body, first.body, 'the same page as the first call');
    assert.equal(after.reused, true, 'still the first socket');
  } finally {
    agent.destroy();
  }
});

test('a client asking to close, and a chunked body, are answered and closed', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const closing = await call(agent, '/moto-api/', { headers: { connection: 'close' } });
    assert.equal(closing.status, 200);
    assert.equal(closing.headers.connection, 'close');
  } finally {
    agent.destroy();
  }
  // Node sends a body of unknown length chunked; written by hand to be sure of it.
  const raw = await new Promise<string>((resolve, reject) => {
    const url = new URL(bed.endpoint);
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write('POST /moto-api/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    });
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('end', () => resolve(text)); // the server closed: werkzeug's own handling
    socket.on('error', reject);
    socket.setTimeout(10_000, () => reject(new Error('the connection of a chunked request stayed open')));
  });
  assert.match(raw, /^HTTP\/1\.1 \d{3} /);
  assert.match(raw, /Connection: close/i);
});

test('SDK calls, sequential and concurrent, each get their own answer', async () => {
  const ec2 = bed.perTest(
    new EC2Client({ region: 'us-east-1', endpoint: bed.endpoint, maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
  );
  const made: string[] = [];
  for (let i = 0; i < 5; i++) made.push((await ec2.send(new CreateVpcCommand({ CidrBlock: `10.7${i}.0.0/16` }))).Vpc?.VpcId as string);
  const seen = await Promise.all(Array.from({ length: 20 }, () => ec2.send(new DescribeVpcsCommand({ VpcIds: made }))));
  for (const s of seen) assert.deepEqual((s.Vpcs ?? []).map((v) => v.VpcId).sort(), [...made].sort());
});
