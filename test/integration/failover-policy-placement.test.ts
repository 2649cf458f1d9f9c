// FailoverPolicy replica placement, end to end (issue 17): the replica and the re-seed after a
// failover are created in the subnet group, security groups, KMS key and Multi-AZ of their
// region's spec.database.placement (read back with DescribeDBInstances); the promoted writer gets
// the spec's backup retention; an encrypted writer whose re-seed region has no key gives a clear
// Synced=False naming the field, and no CreateDBInstanceReadReplica that AWS would refuse.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand, CreateDBSubnetGroupCommand } from '@aws-sdk/client-rds';
import type { DatabaseInstanceStatus, StepMark } from '../../src/api/types.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, WEST } from './failover-policy-fixtures.ts';
import { condition, type Obj } from './helpers.ts';

const NS = 'fp-placement';
const bed = new PolicyBed(NS);

const keyOf = (region: string): string => `arn:aws:kms:${region}:123456789012:key/${region}-orders`;

interface RegionNet {
  subnetGroup: string;
  sg: string;
}

/** A VPC with two subnets, a DB subnet group over them and a security group: what a team's Terraform leaves for the database. */
async function network(region: string, name: string): Promise<RegionNet> {
  const ec2 = bed.aws.ec2(region);
  const cidr = region === EAST ? '10.20' : '10.30';
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: `${cidr}.0.0/16` }))).Vpc!.VpcId!;
  const subnets: string[] = [];
  for (const [i, az] of ['a', 'b'].entries()) {
    const sn = await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `${cidr}.${i + 1}.0/24`, AvailabilityZone: `${region}${az}` }));
    subnets.push(sn.Subnet!.SubnetId!);
  }
  const subnetGroup = `${name}-db`;
  await bed.aws
    .rds(region)
    .send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: subnetGroup, DBSubnetGroupDescription: 'orders database', SubnetIds: subnets }));
  const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: `${name}-db`, Description: 'orders database', VpcId: vpc }))).GroupId!;
  return { subnetGroup, sg };
}

/** The writer, encrypted with a key of its region (the reference design's own setup). */
async function encryptedWriter(region: string, id: string): Promise<void> {
  await bed.aws.rds(region).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      DBInstanceClass: 'db.r6g.large',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'not-a-real-password-1',
      BackupRetentionPeriod: 7,
      StorageEncrypted: true,
      KmsKeyId: keyOf(region),
    }),
  );
}

const placementFor = (region: string, net: RegionNet, key = true) => ({
  region,
  dbSubnetGroupName: net.subnetGroup,
  vpcSecurityGroupIds: [net.sg],
  ...(key && { kmsKeyId: keyOf(region) }),
  multiAZ: true,
  instanceClass: 'db.r6g.xlarge',
});

const poke = (name: string) =>
  bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': String(Date.now()) } } });

/** The instance once RDS shows it (the controller looks again only at its next requeue). */
async function existing(region: string, id: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await bed.dbs.instance(region, id);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

/** The primary's health check fails: the Automatic failover to us-west-2 runs to completion. */
async function failOver(o: Obj, name: string): Promise<Obj> {
  await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
  return bed.kube.waitFor('FailoverPolicy', NS, name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 120_000);
}

describe('FailoverPolicy replica placement', () => {
  test('replica and re-seed carry their region placement; the promoted writer gets the backup retention', async () => {
    await bed.start();
    const tag = `pl${Date.now().toString(36)}`;
    const [east, west] = [await network(EAST, tag), await network(WEST, tag)];
    const s = await bed.dbs.setup(
      { mode: 'Automatic', unhealthyForSeconds: 10 },
      {},
      { seed: encryptedWriter, database: { placement: [placementFor(WEST, west), placementFor(EAST, east)], backupRetentionDays: 14 } },
    );

    const o = await bed.dbs.healthyAndReady(s);
    const replica = await bed.dbs.instance(WEST, s.replica);
    assert.equal(replica.DBSubnetGroup?.DBSubnetGroupName, west.subnetGroup);
    assert.deepEqual(
      replica.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId),
      [west.sg],
    );
    assert.equal(replica.KmsKeyId, keyOf(WEST));
    assert.equal(replica.StorageEncrypted, true);
    assert.equal(replica.MultiAZ, true);
    assert.equal(replica.DBInstanceClass, 'db.r6g.xlarge');
    assert.equal(replica.BackupRetentionPeriod, 7, 'the replica has the seeded retention, not the spec one: only a promoted writer is modified');
    assert.deepEqual(
      o.status.database.instances.map((i: DatabaseInstanceStatus) => [i.region, i.identifier, i.role, i.instanceClass, i.encrypted, i.multiAZ]),
      [
        [EAST, s.db, 'writer', 'db.r6g.large', true, false],
        [WEST, s.replica, 'replica', 'db.r6g.xlarge', true, true],
      ],
    );
    assert.equal(condition(o, 'Synced')?.status, 'True', 'a key for both regions: nothing to report');

    const done = await failOver(o, s.name);
    assert.deepEqual(done.status.database.writer, { region: WEST, identifier: s.replica });
    const writer = await bed.dbs.instance(WEST, s.replica);
    assert.equal(writer.BackupRetentionPeriod, 14, 'the promoted writer has the spec backup retention');
    assert.equal(writer.MultiAZ, true);
    assert.ok(
      done.status.lastFailover.steps.some((m: StepMark) => m.step === 'WriterConfigRequested'),
      JSON.stringify(done.status.lastFailover.steps),
    );

    const reseeded = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 're-seed in us-east-1', (x) => x.status?.database?.replica?.region === EAST, 60_000);
    const reseed = await existing(EAST, reseeded.status.database.replica.identifier);
    assert.equal(reseed.DBSubnetGroup?.DBSubnetGroupName, east.subnetGroup);
    assert.deepEqual(
      reseed.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId),
      [east.sg],
    );
    assert.equal(reseed.KmsKeyId, keyOf(EAST));
    assert.equal(reseed.MultiAZ, true);
    assert.equal(reseed.DBInstanceClass, 'db.r6g.xlarge');
    assert.match(reseed.ReadReplicaSourceDBInstanceIdentifier ?? '', new RegExp(`${s.replica}$`));
  });

  test('encrypted writer, no key for the re-seed region: Synced=False naming the field, no create AWS would refuse, until the key is given', async () => {
    await bed.start({ behindProxy: true });
    const tag = `pk${Date.now().toString(36)}`;
    const [east, west] = [await network(EAST, tag), await network(WEST, tag)];
    const s = await bed.dbs.setup(
      { mode: 'Automatic', unhealthyForSeconds: 10 },
      {},
      { seed: encryptedWriter, database: { placement: [placementFor(WEST, west), placementFor(EAST, east, false)] } },
    );
    const field = `spec.database.placement[region=${EAST}].kmsKeyId`;
    const o = await bed.dbs.healthyAndReady(s);
    // Said while the standby still protects the writer: after a failover no re-seed could be made.
    const warned = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      'Synced=False naming the key',
      (x) => condition(x, 'Synced')?.status === 'False',
      30_000,
    );
    assert.equal(condition(warned, 'Synced')?.reason, 'ReplicaKmsKeyMissing');
    assert.ok(condition(warned, 'Synced')?.message.includes(field), condition(warned, 'Synced')?.message);

    // The failover is never held for it.
    const done = await failOver(o, s.name);
    assert.equal(done.status.lastFailover.to, WEST);
    const held = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      're-seed held',
      (x) => x.status?.database?.replica?.region === EAST && condition(x, 'Synced')?.reason === 'ReplicaKmsKeyMissing',
      60_000,
    );
    assert.match(condition(held, 'Synced')?.message ?? '', /replica in us-east-1 needs a KMS key/);
    // Passes forced one after another: a create that AWS refuses would be retried on each.
    for (let i = 0; i < 3; i++) {
      await poke(s.name);
      await sleep(1_500);
    }
    const proxy = bed.proxy!;
    assert.equal(proxy.count('rds', 'CreateDBInstanceReadReplica'), 1, 'only the first replica: no re-seed create without a key, and no loop of them');
    const events = (await bed.kube.events(NS, s.name)).filter((e) => e.reason === 'ReplicaKmsKeyMissing');
    assert.ok(events.length > 0, 'a Warning Event names the missing key');
    assert.equal(condition(held, 'FailoverReady')?.reason, 'ReplicaMissing');
    assert.ok(condition(held, 'FailoverReady')?.message.includes(field), condition(held, 'FailoverReady')?.message);

    // The key given: the re-seed is created with it, and Synced turns True.
    const placement = [placementFor(WEST, west), placementFor(EAST, east)];
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: s.name }, { spec: { database: { placement } } });
    const fixed = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'Synced again', (x) => condition(x, 'Synced')?.status === 'True', 60_000);
    assert.equal((await existing(EAST, fixed.status.database.replica.identifier)).KmsKeyId, keyOf(EAST));
    assert.equal(proxy.count('rds', 'CreateDBInstanceReadReplica'), 2);
  });
});
