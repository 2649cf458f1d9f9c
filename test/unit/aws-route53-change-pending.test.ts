// Route 53 changes are not waited for: a real SDK client against a small local server that
// answers like Route 53 does for the minute after a change (PENDING). ZoneBatcher.submit ends
// when the change is accepted, and getChangeStatus looks exactly once per call.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { type Change, Route53Client } from '@aws-sdk/client-route-53';
import { ZoneBatcher } from '../../src/aws/route53/batcher.ts';
import { changePollMs, getChangeStatus } from '../../src/aws/route53/change-status.ts';

const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';
let server: Server;
let client: Route53Client;
let status: 'PENDING' | 'INSYNC';
let seen: string[];

const changeInfo = (id: string) =>
  `<ChangeInfo><Id>/change/${id}</Id><Status>${status}</Status><SubmittedAt>2026-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo>`;

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      let body: string | undefined;
      if (req.method === 'POST' && /\/hostedzone\/[^/]+\/rrset\/?$/.test(url)) {
        seen.push('ChangeResourceRecordSets');
        body = `<ChangeResourceRecordSetsResponse xmlns="${NS}">${changeInfo('C1')}</ChangeResourceRecordSetsResponse>`;
      } else if (req.method === 'GET' && /\/change\/[^/]+$/.test(url)) {
        seen.push('GetChange');
        body = `<GetChangeResponse xmlns="${NS}">${changeInfo(url.split('/').pop()!)}</GetChangeResponse>`;
      }
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/xml' });
      res.end(body ? `<?xml version="1.0" encoding="UTF-8"?>\n${body}` : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  client = new Route53Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    maxAttempts: 1,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});

after(async () => {
  client.destroy();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  status = 'PENDING';
  seen = [];
});

const pair: Change[] = [
  {
    Action: 'UPSERT',
    ResourceRecordSet: {
      Name: 'orders.example.com',
      Type: 'A',
      SetIdentifier: 'orders-primary',
      Failover: 'PRIMARY',
      TTL: 60,
      ResourceRecords: [{ Value: '192.0.2.1' }],
    },
  },
];

/** The promise's value, or 'still waiting' after `ms`: a submit that polls for INSYNC never settles here. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((r) => (timer = setTimeout(() => r('still waiting'), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('submit resolves with the change id while Route 53 still says PENDING, without asking GetChange', async () => {
  const batcher = new ZoneBatcher(client);
  const got = await within(batcher.submit('Z1', pair, 'apps/orders'), 3_000);
  assert.deepEqual(got, { id: '/change/C1', status: 'PENDING' });
  assert.deepEqual(seen, ['ChangeResourceRecordSets']);
  await batcher.idle();
});

test('getChangeStatus asks once: PENDING, then INSYNC once Route 53 has applied the change', async () => {
  assert.equal(await getChangeStatus(client, '/change/C1'), 'PENDING');
  status = 'INSYNC';
  assert.equal(await getChangeStatus(client, '/change/C1'), 'INSYNC');
  assert.deepEqual(seen, ['GetChange', 'GetChange']);
});

test('changePollMs: every second at first, growing to 15 s', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const cases = [
    { reason: 'just submitted', after: 0, want: 1_000 },
    { reason: 'a few seconds in', after: 3_000, want: 1_000 },
    { reason: 'eight seconds in', after: 8_000, want: 2_000 },
    { reason: 'half a minute in', after: 30_000, want: 8_000 },
    { reason: 'minutes in: capped', after: 300_000, want: 15_000 },
    { reason: 'a submittedAt that does not parse', after: 0, want: 1_000, bad: true },
  ];
  for (const c of cases) {
    const now = new Date(Date.parse(at) + c.after);
    assert.equal(changePollMs(c.bad ? 'garbage' : at, now), c.want, c.reason);
  }
});
