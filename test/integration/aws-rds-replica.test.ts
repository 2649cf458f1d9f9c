// RDS instances against a real moto: the cross-region replica is created from the source's ARN,
// adopted or found again by its tags after a lost create, promoted, and an ex-writer is deleted
// only through a final snapshot. Every result is read back with the SDK.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  type DBInstance,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  createCrossRegionReplica,
  deleteWithFinalSnapshot,
  describeInstance,
  FAILOVER_MARK_TAG,
  findByOwnerTag,
  isStandaloneWriter,
  PROMOTE_REQUESTED_TAG,
  promote,
  ReplicaConflictError,
} from '../../src/aws/rds/instances.ts';
import { isOwnedBy, ownershipTags, tagsToMap } from '../../src/aws/tags.ts';
import type { Owner } from '../../src/aws/types.ts';
import { type Moto, startMoto } from '../env/moto.ts';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const owner: Owner = { clusterId: 'test-cluster', kind: 'FailoverPolicy', namespace: 'apps', name: 'orders', uid: 'uid-1', userTags: { team: 'payments' } };

let moto: Moto;
let east: RDSClient;
let west: RDSClient;

before(async () => {
  moto = await startMoto();
  const client = (region: string): RDSClient =>
    new RDSClient({ region, endpoint: moto.endpoint, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  east = client(EAST);
  west = client(WEST);
});

after(async () => {
  east?.destroy();
  west?.destroy();
  await moto?.stop();
});

// moto answers DeleteDBInstance of a cross-region replica with HTTP 500 (AWS deletes it), so
// cleanup is a reset, never a delete.
beforeEach(async () => moto.reset());

async function createSource(id = 'orders-db'): Promise<DBInstance> {
  const out = await east.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'password123',
    }),
  );
  assert.ok(out.DBInstance?.DBInstanceArn);
  return out.DBInstance;
}

async function readBack(rds: RDSClient, id: string): Promise<DBInstance> {
  const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  const i = out.DBInstances?.[0];
  assert.ok(i, `${id} exists`);
  return i;
}

const request = (sourceArn: string, over: Partial<Parameters<typeof createCrossRegionReplica>[1]> = {}) => ({
  sourceArn,
  sourceRegion: EAST,
  identifier: 'orders-db-replica',
  instanceClass: 'db.r6g.large',
  kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/replica-key',
  owner,
  ...over,
});

describe('createCrossRegionReplica', () => {
  it('creates the replica in the replica region from the source ARN, with class, key and our tags', async () => {
    const src = await createSource();
    const { outcome } = await createCrossRegionReplica(west, request(src.DBInstanceArn!));
    assert.equal(outcome, 'Created');
    const r = await readBack(west, 'orders-db-replica');
    assert.equal(r.ReadReplicaSourceDBInstanceIdentifier, src.DBInstanceArn);
    assert.equal(r.DBInstanceClass, 'db.r6g.large');
    assert.equal(r.KmsKeyId, 'arn:aws:kms:us-west-2:123456789012:key/replica-key');
    assert.equal(r.DBInstanceArn, 'arn:aws:rds:us-west-2:123456789012:db:orders-db-replica');
    assert.ok(isOwnedBy(r.TagList, owner));
    assert.equal(tagsToMap(r.TagList).team, 'payments');
    assert.equal(isStandaloneWriter(r), false);
    const s = await readBack(east, 'orders-db');
    assert.deepEqual(s.ReadReplicaDBInstanceIdentifiers, [r.DBInstanceArn]);
  });

  it('a second create with the same name finds ours and sends no create (moto would silently replace it)', async () => {
    const src = await createSource();
    await createCrossRegionReplica(west, request(src.DBInstanceArn!));
    const again = await createCrossRegionReplica(west, request(src.DBInstanceArn!, { instanceClass: 'db.r6g.xlarge' }));
    assert.equal(again.outcome, 'FoundOwned');
    assert.equal((await readBack(west, 'orders-db-replica')).DBInstanceClass, 'db.r6g.large', 'the first instance is untouched');
    assert.equal((await readBack(east, 'orders-db')).ReadReplicaDBInstanceIdentifiers?.length, 1, 'no second CreateDBInstanceReadReplica reached moto');
  });

  it('adopts an existing replica the spec names, and refuses it when not adopting', async () => {
    const src = await createSource();
    await west.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'orders-db-replica', SourceDBInstanceIdentifier: src.DBInstanceArn }));
    const adopted = await createCrossRegionReplica(west, request(src.DBInstanceArn!, { adoptExisting: true }));
    assert.equal(adopted.outcome, 'Adopted');
    assert.equal(isOwnedBy((await readBack(west, 'orders-db-replica')).TagList, owner), false, 'an adopted replica is not tagged as ours');
    await assert.rejects(
      createCrossRegionReplica(west, request(src.DBInstanceArn!)),
      (e: unknown) => e instanceof ReplicaConflictError && e.conflict === 'NotOwned',
    );
  });

  it('refuses an existing instance of that name that replicates another source', async () => {
    const src = await createSource();
    const other = await createSource('billing-db');
    await west.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: 'orders-db-replica',
        SourceDBInstanceIdentifier: other.DBInstanceArn,
        Tags: ownershipTags(owner),
      }),
    );
    await assert.rejects(
      createCrossRegionReplica(west, request(src.DBInstanceArn!)),
      (e: unknown) => e instanceof ReplicaConflictError && e.conflict === 'SourceMismatch',
    );
  });

  it('refuses a source ARN from another region than the one given', async () => {
    await assert.rejects(createCrossRegionReplica(west, request('arn:aws:rds:eu-west-1:123456789012:db:orders-db')), /not in us-east-1/);
  });
});

describe('findByOwnerTag', () => {
  it('finds the replica after a crash lost the create result, and only ours', async () => {
    const src = await createSource();
    const other = await createSource('billing-db');
    // The create went through, then the process died before recording anything.
    await west.send(
      new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'lost-name', SourceDBInstanceIdentifier: src.DBInstanceArn, Tags: ownershipTags(owner) }),
    );
    await west.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: 'someone-else',
        SourceDBInstanceIdentifier: other.DBInstanceArn,
        Tags: ownershipTags({ ...owner, name: 'billing' }),
      }),
    );
    const found = await findByOwnerTag(west, owner);
    assert.deepEqual(
      found.map((i) => i.DBInstanceIdentifier),
      ['lost-name'],
    );
    assert.equal(found[0]?.ReadReplicaSourceDBInstanceIdentifier, src.DBInstanceArn);
    assert.deepEqual(await findByOwnerTag(east, owner), [], 'the untagged sources are not ours');
  });

  it('describeInstance reports a missing instance as absent', async () => {
    assert.equal(await describeInstance(west, 'nope'), undefined);
  });
});

describe('promote', () => {
  it('turns the replica into a standalone writer, marked before the call', async () => {
    const src = await createSource();
    await createCrossRegionReplica(west, request(src.DBInstanceArn!));
    await promote(west, 'orders-db-replica', new Date(), undefined, 'reason=PrimaryUnhealthy rpo=3');
    const r = await readBack(west, 'orders-db-replica');
    assert.equal(r.DBInstanceStatus, 'available');
    assert.equal(tagsToMap(r.TagList)[FAILOVER_MARK_TAG], 'reason=PrimaryUnhealthy rpo=3', "the failover's mark, with the request mark");
    // AWS (and the test stack's moto, moto_rds.py) clears the source: a writer on its own.
    assert.equal(r.ReadReplicaSourceDBInstanceIdentifier, undefined);
    assert.equal(isStandaloneWriter(r), true);
    const source = await readBack(east, 'orders-db');
    assert.deepEqual(source.ReadReplicaDBInstanceIdentifiers ?? [], [], 'the source no longer lists it');
    assert.ok(tagsToMap(r.TagList)[PROMOTE_REQUESTED_TAG]);
    // A repeated call is harmless (moto accepts it; AWS answers InvalidDBInstanceState, which promote() accepts).
    await promote(west, 'orders-db-replica');
    assert.equal(isStandaloneWriter(await readBack(west, 'orders-db-replica')), true);
  });

  it('refuses a missing instance without marking anything', async () => {
    await assert.rejects(promote(west, 'nope'), /not found/);
  });
});

describe('deleting', () => {
  it('deletes a promoted ex-replica only through a final snapshot', async () => {
    const src = await createSource();
    await createCrossRegionReplica(west, request(src.DBInstanceArn!));
    // Promoted first: moto gives HTTP 500 for deleting a cross-region replica that still is one.
    await promote(west, 'orders-db-replica');
    await assert.rejects(deleteWithFinalSnapshot(west, 'orders-db-replica', ' ', owner), /without a final snapshot/);
    assert.ok(await describeInstance(west, 'orders-db-replica'), 'nothing deleted without a snapshot name');

    assert.equal(await deleteWithFinalSnapshot(west, 'orders-db-replica', 'orders-db-replica-final-1', owner), 'Deleting');
    const snaps = await west.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'orders-db-replica-final-1' }));
    assert.equal(snaps.DBSnapshots?.[0]?.DBInstanceIdentifier, 'orders-db-replica');
    assert.equal(await describeInstance(west, 'orders-db-replica'), undefined);
    assert.equal(await deleteWithFinalSnapshot(west, 'orders-db-replica', 'orders-db-replica-final-1', owner), 'Gone');
  });

  it('refuses to delete an instance without our cluster id and uid, whatever the caller says', async () => {
    await createSource();
    // Everything but LatestRestorableTime, which moto computes anew on every read.
    const state = async () => JSON.stringify({ ...(await readBack(east, 'orders-db')), LatestRestorableTime: undefined });
    const before = await state();
    await assert.rejects(deleteWithFinalSnapshot(east, 'orders-db', 'orders-db-final-1', owner), /does not carry our ownership tags/);
    assert.equal(await state(), before, 'the foreign instance is untouched');
  });
});
