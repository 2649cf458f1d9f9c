// The zone batcher against moto: many owners in few calls, never two calls in flight for a
// zone, late changes joining the next batch, a rejected batch split so that only its culprit
// fails, throttling retried by the SDK client (not again by the batcher), and a submit that ends
// when Route 53 accepts the change, PENDING or not. Faults are thrown by a test middleware on
// the SDK client; everything else reaches moto.

import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { type Change, Route53Client } from '@aws-sdk/client-route-53';
import { costOf } from '../../src/aws/route53/batch-cost.ts';
import { ZoneBatcher } from '../../src/aws/route53/batcher.ts';
import { desiredRecords } from '../../src/aws/route53/records.ts';
import { allRecords, type CallLog, publicZone, route53Client, route53Error, watchCalls } from './aws-route53-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
let r53: Route53Client;
let calls: CallLog;
let zone: string;

beforeEach(async () => {
  r53 = bed.perTest(route53Client(bed.endpoint));
  calls = watchCalls(r53);
  zone = await publicZone(r53, 'bulk.example.com');
});

/** One owner's failover pair, as a policy would submit it. */
function pairOf(i: number, ip = `192.0.2.${i % 250}`): Change[] {
  const name = `p${i}`;
  return desiredRecords(
    { policyName: name, recordName: `${name}.bulk.example.com`, ttl: 60, primary: { target: { ips: [ip] } }, secondary: { target: { ips: ['198.51.100.1'] } } },
    'primary',
  ).map((r) => ({ Action: 'UPSERT', ResourceRecordSet: r }));
}

const failoverRecords = async () => (await allRecords(r53, zone)).filter((r) => r.SetIdentifier);

test('1,200 owners submitting at once: ceil(cost / 1000) calls, one at a time', async () => {
  const batcher = new ZoneBatcher(r53);
  const groups = Array.from({ length: 1200 }, (_, i) => pairOf(i));
  const cost = costOf(groups.flat()).records;
  await Promise.all(groups.map((changes, i) => batcher.submit(zone, changes, `apps/p${i}`)));
  assert.equal(calls.count('ChangeResourceRecordSets'), Math.ceil(cost / 1000));
  assert.equal(calls.maxInFlight('ChangeResourceRecordSets'), 1, 'never two batches in flight for one zone');
  assert.equal(batcher.stats.batchesSent, Math.ceil(cost / 1000));
  assert.ok(batcher.stats.recordCostPerBatch.every((c) => c <= 1000));
  assert.equal((await failoverRecords()).length, 2400);
});

test('changes arriving during a flight join the next batch', async () => {
  const batcher = new ZoneBatcher(r53);
  const late: Promise<unknown>[] = [];
  calls.beforeCall('ChangeResourceRecordSets', 1, () => {
    for (let i = 1; i <= 10; i++) late.push(batcher.submit(zone, pairOf(i), `apps/p${i}`));
  });
  await batcher.submit(zone, pairOf(0), 'apps/p0');
  await Promise.all(late);
  assert.deepEqual(batcher.stats.changesPerBatch, [2, 20]);
  assert.equal(calls.maxInFlight('ChangeResourceRecordSets'), 1);
  assert.equal((await failoverRecords()).length, 22);
});

test('a newer submit from the same owner replaces its pending changes', async () => {
  const batcher = new ZoneBatcher(r53);
  const older = batcher.submit(zone, pairOf(7, '192.0.2.1'), 'apps/p7');
  const newer = batcher.submit(zone, pairOf(7, '192.0.2.2'), 'apps/p7');
  await Promise.all([older, newer]);
  assert.deepEqual(batcher.stats.changesPerBatch, [2], 'one batch, the older pair superseded');
  const primary = (await failoverRecords()).find((r) => r.Failover === 'PRIMARY');
  assert.deepEqual(primary?.ResourceRecords, [{ Value: '192.0.2.2' }]);
});

test('a rejected batch is split by owner: good owners succeed, the bad one gets the error', async () => {
  const batcher = new ZoneBatcher(r53);
  const bad: Change[] = [
    {
      Action: 'UPSERT',
      ResourceRecordSet: {
        Name: 'x.not-this-zone.org.',
        Type: 'A',
        SetIdentifier: 'bad-primary',
        Failover: 'PRIMARY',
        TTL: 60,
        ResourceRecords: [{ Value: '192.0.2.1' }],
      },
    },
  ];
  const owners = ['apps/p0', 'apps/p1', 'apps/bad', 'apps/p3', 'apps/p4'];
  const results = await Promise.allSettled(owners.map((o, i) => batcher.submit(zone, o === 'apps/bad' ? bad : pairOf(i), o)));
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  const err = (results[2] as PromiseRejectedResult).reason as { code?: string; class?: string };
  assert.equal(err.code, 'InvalidChangeBatch');
  assert.equal(err.class, 'Terminal');
  assert.ok(batcher.stats.splits >= 1);
  assert.equal(calls.maxInFlight('ChangeResourceRecordSets'), 1);
  assert.deepEqual((await failoverRecords()).map((r) => r.SetIdentifier).sort(), [
    'p0-primary',
    'p0-secondary',
    'p1-primary',
    'p1-secondary',
    'p3-primary',
    'p3-secondary',
    'p4-primary',
    'p4-secondary',
  ]);
});

/**
 * A client that retries as the controller's do (standard mode, 3 attempts), with the n-th
 * attempts of `operation` failing inside the SDK's retry loop (the deserialize step).
 */
function retryingClient(operation: string, failures: Array<() => Error>): { client: Route53Client; attempts: () => number } {
  const client = bed.perTest(
    new Route53Client({
      region: 'us-east-1',
      endpoint: bed.endpoint,
      maxAttempts: 3,
      retryMode: 'standard',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    }),
  );
  let n = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (String(context.commandName) !== `${operation}Command`) return next(args);
      const fault = failures[n++];
      if (fault) throw fault();
      return next(args);
    },
    { step: 'deserialize', name: 'route53TestAttemptFaults' },
  );
  return { client, attempts: () => n };
}

test('Throttling and PriorRequestNotComplete are retried by the SDK client, once per attempt, not again by the batcher', async () => {
  const { client, attempts } = retryingClient('ChangeResourceRecordSets', [
    () => route53Error('Throttling'),
    () => route53Error('PriorRequestNotComplete', 'The request was rejected because Route 53 was still processing a prior request.'),
  ]);
  const batcher = new ZoneBatcher(client);
  const change = await batcher.submit(zone, pairOf(1), 'apps/p1');
  assert.equal(attempts(), 3, 'two injected failures, then moto');
  assert.equal(change?.status, 'INSYNC');
  assert.equal(batcher.stats.batchesSent, 1);
});

test('when the SDK gives up, the owners get the throttling error and the queue keeps working', async () => {
  const { client, attempts } = retryingClient(
    'ChangeResourceRecordSets',
    [1, 2, 3].map(() => () => route53Error('Throttling')),
  );
  const batcher = new ZoneBatcher(client);
  await assert.rejects(batcher.submit(zone, pairOf(1), 'apps/p1'), (e: { class?: string }) => e.class === 'Throttled');
  assert.equal(attempts(), 3, "the SDK's attempts only: no batcher retry stacked on them");
  await batcher.submit(zone, pairOf(2), 'apps/p2');
  assert.equal((await failoverRecords()).length, 2);
});

test('a group larger than one batch is refused on submit', async () => {
  const batcher = new ZoneBatcher(r53, { limits: { maxRecords: 3, maxChars: 32000 } });
  await assert.rejects(batcher.submit(zone, pairOf(1), 'apps/p1'), /more than one Route 53 batch allows/);
  assert.equal(calls.count('ChangeResourceRecordSets'), 0);
});

test('a PENDING change is not waited for: submit resolves with its id as soon as Route 53 accepts it', async () => {
  const batcher = new ZoneBatcher(r53);
  // moto is always INSYNC: the test makes the answer say PENDING, as Route 53 does for ~a minute.
  calls.afterCall('ChangeResourceRecordSets', 1, (out) => void ((out.ChangeInfo as { Status?: string }).Status = 'PENDING'));
  const change = await batcher.submit(zone, pairOf(1), 'apps/p1');
  assert.equal(change?.status, 'PENDING');
  assert.match(change?.id ?? '', /\S/);
  assert.equal(calls.count('GetChange'), 0, "INSYNC is the caller's to ask about, on a later pass");
  assert.equal((await failoverRecords()).length, 2);
});
