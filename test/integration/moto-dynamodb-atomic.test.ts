// The test stack's moto answers each DynamoDB write as one atomic step (test/env/moto_dynamodb.py),
// as DynamoDB does: a conditional write's check and its write see no other write in between.
// moto 5.2.1 serves requests on threads and checked, then wrote, with no lock: two concurrent
// `attribute_not_exists` PutItems on the same key could both succeed (a clean-clone CI run saw
// two members win one fleet lease). Many rounds of racing writers, so a lost race shows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { MotoBed } from './moto-bed.ts';

const TABLE = 'atomic';
const bed = new MotoBed();
const ROUNDS = 20;
const RACERS = 8;
// A long condition (inside DynamoDB's 4 KB for an expression): moto's evaluation of it is the
// window between its check and its write, and a longer window lets a lost race show in few rounds.
const SLOW = Array.from({ length: 120 }, (_, i) => `attribute_not_exists(x${i})`).join(' OR ');

async function setup(): Promise<DynamoDBClient> {
  const ddb = bed.perTest(
    new DynamoDBClient({ region: 'us-east-1', endpoint: bed.endpoint, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
  );
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return ddb;
}

/** How many of `writes` DynamoDB accepted; a refused condition is not an error here. */
async function accepted(writes: Array<Promise<unknown>>): Promise<number> {
  const settled = await Promise.allSettled(writes);
  for (const s of settled) {
    if (s.status === 'rejected' && (s.reason as { name?: string }).name !== 'ConditionalCheckFailedException') throw s.reason;
  }
  return settled.filter((s) => s.status === 'fulfilled').length;
}

test('concurrent first PutItems on one key with attribute_not_exists: exactly one is accepted, every round', async () => {
  const ddb = await setup();
  for (let round = 0; round < ROUNDS; round++) {
    const won = await accepted(
      Array.from({ length: RACERS }, (_, i) =>
        ddb.send(
          new PutItemCommand({
            TableName: TABLE,
            Item: { k: { S: `put-${round}` }, who: { S: `m${i}` } },
            ConditionExpression: `attribute_not_exists(k) AND (${SLOW})`,
          }),
        ),
      ),
    );
    assert.equal(won, 1, `round ${round}: ${won} writers were accepted`);
  }
});

test('concurrent compare-and-set UpdateItems from one seen version: exactly one is accepted, and the count is exact', async () => {
  const ddb = await setup();
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { k: { S: 'cas' }, v: { N: '0' } } }));
  for (let round = 0; round < ROUNDS; round++) {
    const won = await accepted(
      Array.from({ length: RACERS }, () =>
        ddb.send(
          new UpdateItemCommand({
            TableName: TABLE,
            Key: { k: { S: 'cas' } },
            UpdateExpression: 'SET v = :next',
            ConditionExpression: `v = :seen AND (${SLOW})`,
            ExpressionAttributeValues: { ':seen': { N: String(round) }, ':next': { N: String(round + 1) } },
          }),
        ),
      ),
    );
    assert.equal(won, 1, `round ${round}: ${won} writers were accepted`);
  }
  const item = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { k: { S: 'cas' } }, ConsistentRead: true }));
  assert.equal(item.Item?.v?.N, String(ROUNDS));
});
