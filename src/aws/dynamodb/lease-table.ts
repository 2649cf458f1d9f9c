// The fleet lease as one DynamoDB item per scope (docs/multi-cluster.md): who holds it, its term
// (monotonic: one more at every change of holder) and until when. Every write is conditional, so
// two members can never both win: in production the table is a global table with multi-Region
// strong consistency (MRSC), which makes each conditional write linearizable across its Regions,
// and the lease outlives the loss of one. This file only reads and writes the item; when to do
// what is decided by the caller (runtime/fleet-lease.ts). It knows nothing of Kubernetes.
import type { AttributeValue, DynamoDBClient, PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { dynamodbSdk } from '../sdk.ts';

/** The table's partition key (a string attribute); docs/multi-cluster.md creates the table with it. */
export const LEASE_KEY_ATTRIBUTE = 'scope';

export interface LeaseItem {
  /** Who holds it; '' once released. */
  holder: string;
  /** One more at every change of holder, never less. */
  term: number;
  /** Wall-clock epoch ms, on the writer's clock, after which the writer no longer claims it. */
  expiresAtMs: number;
  /** How long the holder claims it from each renewal (the others wait this long, on their own clocks). */
  durationMs: number;
}

/** The item of one scope (e.g. `fleet/prod`) in one table. */
export class LeaseTable {
  constructor(
    private readonly client: () => DynamoDBClient,
    readonly tableName: string,
    readonly scope: string,
  ) {}

  private get key(): Record<string, AttributeValue> {
    return { [LEASE_KEY_ATTRIBUTE]: { S: this.scope } };
  }

  /** The item as stored, strongly consistent (an eventually consistent read could show a lease already taken over). */
  async read(signal?: AbortSignal): Promise<LeaseItem | undefined> {
    const out = await this.client().send(new dynamodbSdk.GetItemCommand({ TableName: this.tableName, Key: this.key, ConsistentRead: true }), {
      abortSignal: signal,
    });
    return out.Item ? parseLeaseItem(out.Item) : undefined;
  }

  /**
   * Takes the lease for `holder` with the next term: the first ever (no item yet), or from `seen`
   * if the item is still exactly as seen (same term, same expiry: nobody renewed or took it since)
   * and expired by `nowMs` or released. Undefined when the condition failed: someone moved first.
   */
  async acquire(seen: LeaseItem | undefined, holder: string, durationMs: number, nowMs: number, signal?: AbortSignal): Promise<LeaseItem | undefined> {
    const next: LeaseItem = { holder, term: (seen?.term ?? 0) + 1, expiresAtMs: nowMs + durationMs, durationMs };
    const condition: Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> = seen
      ? {
          ConditionExpression: '#term = :seenTerm AND #expires = :seenExpires AND (#expires < :now OR #holder = :nobody)',
          ExpressionAttributeNames: { '#term': 'term', '#expires': 'expiresAt', '#holder': 'holder' },
          ExpressionAttributeValues: {
            ':seenTerm': num(seen.term),
            ':seenExpires': num(seen.expiresAtMs),
            ':now': num(nowMs),
            ':nobody': { S: '' },
          },
        }
      : { ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': LEASE_KEY_ATTRIBUTE } };
    const written = await conditional(() =>
      this.client().send(new dynamodbSdk.PutItemCommand({ TableName: this.tableName, Item: { ...this.key, ...toAttributes(next) }, ...condition }), {
        abortSignal: signal,
      }),
    );
    return written ? next : undefined;
  }

  /** Extends `held` from `nowMs`, only while it is still ours in the same term. Undefined: it is not (taken over). */
  async renew(held: LeaseItem, durationMs: number, nowMs: number, signal?: AbortSignal): Promise<LeaseItem | undefined> {
    const next: LeaseItem = { ...held, expiresAtMs: nowMs + durationMs, durationMs };
    const written = await conditional(() =>
      this.client().send(
        new dynamodbSdk.UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key,
          UpdateExpression: 'SET #expires = :expires, #duration = :duration',
          ConditionExpression: '#holder = :me AND #term = :term',
          ExpressionAttributeNames: { '#expires': 'expiresAt', '#duration': 'durationMs', '#holder': 'holder', '#term': 'term' },
          ExpressionAttributeValues: { ':expires': num(next.expiresAtMs), ':duration': num(durationMs), ':me': { S: held.holder }, ':term': num(held.term) },
        }),
        { abortSignal: signal },
      ),
    );
    return written ? next : undefined;
  }

  /** Gives `held` up (no holder, expired), so another member takes over on its next try. False: it was no longer ours. */
  async release(held: LeaseItem, signal?: AbortSignal): Promise<boolean> {
    return conditional(() =>
      this.client().send(
        new dynamodbSdk.UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key,
          UpdateExpression: 'SET #holder = :nobody, #expires = :zero',
          ConditionExpression: '#holder = :me AND #term = :term',
          ExpressionAttributeNames: { '#holder': 'holder', '#expires': 'expiresAt', '#term': 'term' },
          ExpressionAttributeValues: { ':nobody': { S: '' }, ':zero': num(0), ':me': { S: held.holder }, ':term': num(held.term) },
        }),
        { abortSignal: signal },
      ),
    );
  }
}

/** True when written; false when DynamoDB refused the write on its condition. Anything else is thrown. */
async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

export function isConditionFailed(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}

const num = (n: number): AttributeValue => ({ N: String(n) });

function toAttributes(i: LeaseItem): Record<string, AttributeValue> {
  return { holder: { S: i.holder }, term: num(i.term), expiresAt: num(i.expiresAtMs), durationMs: num(i.durationMs) };
}

/** An item as stored; one that is not a lease item (a hand-written one, a wrong table) is an error that names what is wrong. */
export function parseLeaseItem(item: Record<string, AttributeValue>): LeaseItem {
  const str = (k: string): string | undefined => (item[k] as { S?: string } | undefined)?.S;
  const n = (k: string): number => {
    const v = Number((item[k] as { N?: string } | undefined)?.N);
    if (!Number.isFinite(v)) throw new Error(`the fleet lease item has no number in "${k}"; is the table used for something else?`);
    return v;
  };
  const holder = str('holder');
  if (holder === undefined) throw new Error('the fleet lease item has no string "holder"; is the table used for something else?');
  return { holder, term: n('term'), expiresAtMs: n('expiresAt'), durationMs: n('durationMs') };
}
