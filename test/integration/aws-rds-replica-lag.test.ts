// Replica lag read back from a real moto's CloudWatch: datapoints put as AWS/RDS ReplicaLag
// (moto accepts PutMetricData into AWS/ namespaces; AWS itself publishes them) come back as
// the newest value per replica, per region, across more than one GetMetricData batch.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { MAX_QUERIES_PER_CALL, readOneReplicaLag, readReplicaLag } from '../../src/aws/cloudwatch/replica-lag.ts';
import { type Moto, startMoto } from '../env/moto.ts';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto: Moto;
let west: CloudWatchClient;
let east: CloudWatchClient;

before(async () => {
  moto = await startMoto();
  west = new CloudWatchClient({ region: 'us-west-2', endpoint: moto.endpoint, maxAttempts: 1, credentials });
  east = new CloudWatchClient({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 1, credentials });
});

after(async () => {
  west?.destroy();
  east?.destroy();
  await moto?.stop();
});

beforeEach(async () => moto.reset());

/** Whole minutes, like RDS's 60-second datapoints, so each lands in its own period. */
const minute = (ms: number): Date => new Date(Math.floor(ms / 60_000) * 60_000);

async function putLag(cw: CloudWatchClient, id: string, points: Array<[Date, number]>): Promise<void> {
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: points.map(([Timestamp, Value]) => ({
        MetricName: 'ReplicaLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: id }],
        Timestamp,
        Value,
        Unit: 'Seconds',
      })),
    }),
  );
}

describe('readReplicaLag', () => {
  it('returns the newest value per replica and undefined for a replica without data', async () => {
    const now = new Date();
    const t = (minsAgo: number): Date => minute(now.getTime() - minsAgo * 60_000);
    await putLag(west, 'orders-db-replica', [
      [t(3), 40],
      [t(2), 12],
      [t(1), 3],
    ]);
    await putLag(west, 'billing-db-replica', [[t(4), 90]]);
    const lag = await readReplicaLag(west, ['orders-db-replica', 'billing-db-replica', 'no-data'], { now });
    assert.deepEqual(lag.get('orders-db-replica'), { seconds: 3, at: t(1) });
    assert.deepEqual(lag.get('billing-db-replica'), { seconds: 90, at: t(4) });
    assert.ok(lag.has('no-data'));
    assert.equal(lag.get('no-data'), undefined, 'no datapoint is unknown lag, not 0');
  });

  it('datapoints older than the look-back window are not reported', async () => {
    const now = new Date();
    await putLag(west, 'orders-db-replica', [[minute(now.getTime() - 30 * 60_000), 5]]);
    assert.equal(await readOneReplicaLag(west, 'orders-db-replica', { now, lookbackSeconds: 600 }), undefined);
    assert.equal((await readOneReplicaLag(west, 'orders-db-replica', { now, lookbackSeconds: 3600 }))?.seconds, 5);
  });

  it('reads the replica region only: a metric in another region is not seen', async () => {
    const now = new Date();
    await putLag(east, 'orders-db-replica', [[minute(now.getTime() - 60_000), 7]]);
    assert.equal(await readOneReplicaLag(west, 'orders-db-replica', { now }), undefined);
    assert.equal((await readOneReplicaLag(east, 'orders-db-replica', { now }))?.seconds, 7);
  });

  it(`splits more than ${MAX_QUERIES_PER_CALL} replicas into several calls`, async () => {
    const now = new Date();
    const ids = Array.from({ length: MAX_QUERIES_PER_CALL + 2 }, (_, n) => `replica-${n}`);
    const last = ids.at(-1)!;
    await putLag(west, last, [[minute(now.getTime() - 60_000), 21]]);
    await putLag(west, 'replica-0', [[minute(now.getTime() - 60_000), 1]]);
    let sends = 0;
    const counting = {
      send: (cmd: Parameters<CloudWatchClient['send']>[0]) => {
        sends++;
        return west.send(cmd);
      },
    } as unknown as CloudWatchClient;
    const lag = await readReplicaLag(counting, ids, { now });
    assert.equal(sends, 2);
    assert.equal(lag.size, ids.length);
    assert.equal(lag.get(last)?.seconds, 21, 'found in the second batch');
    assert.equal(lag.get('replica-0')?.seconds, 1, 'found in the first batch');
  });
});
