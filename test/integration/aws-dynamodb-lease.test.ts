// The fleet lease item against moto's DynamoDB (src/aws/dynamodb/lease-table.ts): every write is
// conditional, and DynamoDB itself refuses the ones whose condition fails — a second first
// acquire, a takeover of a lease that has not expired or changed since it was read, a renewal
// or release by a member that no longer holds it. Moto models one Region (production uses an
// MRSC global table: the same conditions, linearizable across its Regions).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createAwsClients } from '../../src/aws/clients.ts';
import { LEASE_KEY_ATTRIBUTE, type LeaseItem, LeaseTable } from '../../src/aws/dynamodb/lease-table.ts';
import type { CallRecord } from '../../src/aws/types.ts';
import { MotoBed } from './moto-bed.ts';

const REGION = 'us-west-2';
const TABLE = 'mrc-fleet-lease';
const CREDS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const bed = new MotoBed();

async function setup(): Promise<{ table: (scope?: string) => LeaseTable; raw: DynamoDBClient; calls: CallRecord[] }> {
  const raw = bed.perTest(new DynamoDBClient({ region: REGION, endpoint: bed.endpoint, maxAttempts: 1, credentials: CREDS }));
  await raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: LEASE_KEY_ATTRIBUTE, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: LEASE_KEY_ATTRIBUTE, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const calls: CallRecord[] = [];
  const aws = bed.perTest(createAwsClients({ endpointUrl: bed.endpoint, maxAttempts: 1, baseCredentials: async () => CREDS, onCall: (r) => calls.push(r) }));
  return { table: (scope = 'fleet/prod') => new LeaseTable(() => aws.dynamodb({ region: REGION }), TABLE, scope), raw, calls };
}

const T0 = 1_700_000_000_000;
const LEASE = 15_000;

test('the first acquire creates term 1; a second first-acquire is refused by DynamoDB', async () => {
  const { table, calls } = await setup();
  const a = table();
  assert.equal(await a.read(), undefined);
  const held = await a.acquire(undefined, 'east/a', LEASE, T0);
  assert.deepEqual(held, { holder: 'east/a', term: 1, expiresAtMs: T0 + LEASE, durationMs: LEASE });
  assert.equal(await a.acquire(undefined, 'west/b', LEASE, T0), undefined, 'attribute_not_exists refused the second');
  assert.deepEqual(await a.read(), held);
  // Every call went through the controller's clients: counted, in the member's Region.
  assert.ok(calls.every((c) => c.service === 'dynamodb' && c.region === REGION));
  assert.ok(
    calls.some((c) => c.operation === 'PutItem' && c.outcome === 'error'),
    'the refused write reached DynamoDB and failed there',
  );
});

test('a takeover needs the lease unchanged since it was read AND expired (or released); the term goes up by one', async () => {
  const { table } = await setup();
  const a = table();
  const b = table();
  const held = (await a.acquire(undefined, 'east/a', LEASE, T0))!;
  const seenByB = (await b.read())!;
  assert.equal(await b.acquire(seenByB, 'west/b', LEASE, T0 + LEASE - 1), undefined, 'not expired yet: refused');

  // A renews: what B read is stale now, even once B's clock says it expired.
  const renewed = (await a.renew(held, LEASE, T0 + 5_000))!;
  assert.equal(renewed.expiresAtMs, T0 + 5_000 + LEASE);
  assert.equal(await b.acquire(seenByB, 'west/b', LEASE, T0 + 10 * LEASE), undefined, 'stale read: refused');

  const fresh = (await b.read())!;
  const taken = await b.acquire(fresh, 'west/b', LEASE, renewed.expiresAtMs + 1);
  assert.deepEqual(taken, { holder: 'west/b', term: 2, expiresAtMs: renewed.expiresAtMs + 1 + LEASE, durationMs: LEASE });

  // A, deposed, can neither renew nor release what B holds now.
  assert.equal(await a.renew(renewed, LEASE, T0 + 6_000), undefined);
  assert.equal(await a.release(renewed), false);
  assert.deepEqual(await a.read(), taken);
});

test('a released lease is taken at once, whatever its expiry said; the term keeps counting', async () => {
  const { table } = await setup();
  const a = table();
  const held = (await a.acquire(undefined, 'east/a', LEASE, T0))!;
  assert.equal(await a.release(held), true);
  const released = (await a.read())!;
  assert.deepEqual(released, { holder: '', term: 1, expiresAtMs: 0, durationMs: LEASE });
  const b = await table().acquire(released, 'west/b', LEASE, T0 + 1);
  assert.equal(b?.term, 2);
  assert.equal(b?.holder, 'west/b');
});

test('scopes are separate items; an item that is not a lease is refused with a message', async () => {
  const { table, raw } = await setup();
  await table('fleet/prod').acquire(undefined, 'east/a', LEASE, T0);
  assert.equal(await table('fleet/staging').read(), undefined);
  assert.equal((await table('fleet/staging').acquire(undefined, 'west/b', LEASE, T0))?.term, 1);

  await raw.send(new PutItemCommand({ TableName: TABLE, Item: { [LEASE_KEY_ATTRIBUTE]: { S: 'fleet/odd' }, owner: { S: 'someone' } } }));
  await assert.rejects(() => table('fleet/odd').read(), /no string "holder"; is the table used for something else/);
});

test('two members racing for a free lease: exactly one wins', async () => {
  const { table } = await setup();
  const results: Array<LeaseItem | undefined> = await Promise.all(Array.from({ length: 6 }, (_, i) => table().acquire(undefined, `m${i}/x`, LEASE, T0)));
  assert.equal(results.filter(Boolean).length, 1, JSON.stringify(results));
  const released = results.find(Boolean)!;
  await table().release(released);
  const seen = (await table().read())!;
  const again = await Promise.all(Array.from({ length: 6 }, (_, i) => table().acquire(seen, `m${i}/y`, LEASE, T0 + 1)));
  assert.equal(again.filter(Boolean).length, 1);
  assert.equal(again.find(Boolean)?.term, 2);
});
