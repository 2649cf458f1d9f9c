// Failover observation shared per region, against moto behind the fault proxy (which counts the
// calls): many policies observing their instances at once cost one DescribeDBInstances per region,
// each sees its own instance; a read asked after a change sees it; more than 100 identifiers
// are split over calls; a blackholed region answers every observer "unreachable" after one
// request timeout, from one call; the replicas' lag is one GetMetricData for all of them.
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AddTagsToResourceCommand, CreateDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { type AwsClientsHandle, createAwsClients } from '../../src/aws/clients.ts';
import { instanceReads } from '../../src/aws/rds/instance-reads.ts';
import { readMetricSeries } from '../../src/aws/rds/metric-reads.ts';
import { observeInstance } from '../../src/aws/rds/observe.ts';
import type { Owner } from '../../src/aws/types.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { MotoBed } from './moto-bed.ts';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const owner: Owner = { clusterId: 'test-cluster', kind: 'FailoverPolicy', namespace: 'apps', name: 'orders', uid: 'uid-1' };
// Long enough for moto on a busy machine (five test lanes share two cores: a CreateDBInstance took
// over 1 s there), short enough for the dead region's test to end quickly.
const REQUEST_TIMEOUT_MS = 4_000;

const bed = new MotoBed();
let proxy: FaultProxy | undefined;
let aws: AwsClientsHandle | undefined;

// Started in the first beforeEach: a top-level before() would start it before moto is up.
beforeEach(async () => {
  if (!proxy) {
    proxy = new FaultProxy(bed.endpoint);
    await proxy.start();
  }
  proxy.clear();
  proxy.calls.splice(0);
  aws?.destroy();
  // Fresh clients (and so fresh shared reads) per test, with a short request timeout for the dead region.
  aws = createAwsClients({
    endpointUrl: proxy.endpoint,
    maxAttempts: 1,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    connectTimeoutMs: 500,
    baseCredentials: async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }),
  });
});
after(async () => {
  aws?.destroy();
  await proxy?.stop();
});

const rds = (region = EAST): RDSClient => aws!.rds({ region });
/** Calls that reached the proxy, answered or swallowed by an outage. */
const count = (operation: string, region: string): number => proxy!.calls.filter((c) => c.operation === operation && c.region === region).length;

async function createDb(id: string, region = EAST): Promise<string> {
  const out = await rds(region).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'password123',
    }),
  );
  return out.DBInstance!.DBInstanceArn!;
}

test('N policies observing at once: one DescribeDBInstances per region, each sees its own instance', async () => {
  const N = 8;
  const ids = Array.from({ length: N }, (_, i) => `orders-${i}-db`);
  for (const id of ids) await createDb(id);
  await createDb('orders-west-db', WEST);
  proxy!.calls.splice(0);

  const views = await Promise.all([
    ...ids.map((identifier) => observeInstance(rds(), { region: EAST, identifier }, owner)),
    observeInstance(rds(), { region: EAST, identifier: 'never-created' }, owner),
    observeInstance(rds(WEST), { region: WEST, identifier: 'orders-west-db' }, owner),
  ]);
  for (const [i, id] of ids.entries()) {
    assert.deepEqual([views[i]!.identifier, views[i]!.reachable, views[i]!.exists, views[i]!.role], [id, true, true, 'writer'], id);
    assert.match(views[i]!.arn ?? '', new RegExp(`:db:${id}$`), `${id} sees its own ARN`);
  }
  assert.deepEqual([views[N]!.reachable, views[N]!.exists], [true, false], 'a missing instance is missing, not an error');
  assert.equal(views[N + 1]!.exists, true);
  assert.equal(count('DescribeDBInstances', EAST), 1, `one read in ${EAST} for all ${N + 1} observers`);
  assert.equal(count('DescribeDBInstances', WEST), 1, `one read in ${WEST}`);
});

test('a question asked after a change is answered by a read that sees it (nothing is served from before the question)', async () => {
  const arn = await createDb('orders-db');
  const before = await observeInstance(rds(), { region: EAST, identifier: 'orders-db' }, owner);
  assert.equal(before.promoteRequested, false);
  await rds().send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'multiregion.dev/promote-requested-at', Value: 'now' }] }));
  const after = await observeInstance(rds(), { region: EAST, identifier: 'orders-db' }, owner);
  assert.equal(after.promoteRequested, true, 'the mark written just before the question is seen');
});

test('more than 100 identifiers: split over calls of 100 filter values, every one answered', async () => {
  await createDb('orders-db');
  await createDb('billing-db');
  proxy!.calls.splice(0);
  const ids = ['orders-db', ...Array.from({ length: 148 }, (_, i) => `absent-${i}`), 'billing-db'];
  const found = await Promise.all(ids.map((id) => instanceReads(rds()).read(id)));
  assert.equal(found[0]?.DBInstanceIdentifier, 'orders-db');
  assert.equal(found.at(-1)?.DBInstanceIdentifier, 'billing-db');
  assert.equal(found.filter((i) => i !== undefined).length, 2);
  assert.equal(count('DescribeDBInstances', EAST), 2, '150 identifiers, 100 per call');
});

test('a blackholed region: every observer reads it unreachable after one request timeout, from one call', async () => {
  await createDb('orders-db');
  await createDb('billing-db');
  proxy!.calls.splice(0);
  proxy!.regionDown(EAST, 'blackhole');
  const t0 = Date.now();
  const views = await Promise.all(['orders-db', 'billing-db', 'orders-db'].map((identifier) => observeInstance(rds(), { region: EAST, identifier }, owner)));
  const took = Date.now() - t0;
  for (const v of views) assert.equal(v.reachable, false, v.identifier);
  assert.equal(count('DescribeDBInstances', EAST), 1, 'one call reached the dead region');
  assert.ok(took < 2 * REQUEST_TIMEOUT_MS, `answered after one timeout (${took} ms)`);
  proxy!.regionUp(EAST);
  const back = await observeInstance(rds(), { region: EAST, identifier: 'orders-db' }, owner);
  assert.equal(back.reachable, true, 'the region back: the next question is a new read');
});

test('the replicas’ lag for many policies: one GetMetricData per region, each its own series', async () => {
  const cw = aws!.cloudwatch({ region: WEST });
  const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
  const ids = ['orders-db-replica', 'billing-db-replica', 'users-db-replica'];
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: ids.map((id, i) => ({ MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: id }], Value: i + 1, Timestamp: at })),
    }),
  );
  proxy!.calls.splice(0);
  const series = await Promise.all([...ids, 'no-data'].map((id) => readMetricSeries(cw, 'ReplicaLag', id)));
  assert.deepEqual(
    series.map((s) => s.map((p) => p.seconds)),
    [[1], [2], [3], []],
  );
  assert.equal(count('GetMetricData', WEST), 1);
});
