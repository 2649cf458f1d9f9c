// The test stack's cross-region CreateDBInstanceReadReplica (test/env/moto_rds.py, loaded by
// moto_server_ext.py), driven through the real SDK and held to the API reference: a replica in
// another region gets the subnet group, security groups, KMS key, Multi-AZ, class, storage type
// and parameter / option groups of the request, looked up in its own region; a replica of an
// encrypted source in another region needs a KmsKeyId (InvalidParameterCombination without one).
// PromoteReadReplica makes a standalone instance: no source named, not listed by its source.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBParameterGroupCommand,
  CreateDBSubnetGroupCommand,
  CreateOptionGroupCommand,
  DescribeDBInstancesCommand,
  PromoteReadReplicaCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
const EAST = 'us-east-1';
const WEST = 'us-west-2';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const rds = (region: string) => bed.perTest(new RDSClient({ region, endpoint: bed.endpoint, maxAttempts: 1, credentials }));
const ec2 = (region: string) => bed.perTest(new EC2Client({ region, endpoint: bed.endpoint, maxAttempts: 1, credentials }));
const EAST_KEY = 'arn:aws:kms:us-east-1:123456789012:key/east';
const WEST_KEY = 'arn:aws:kms:us-west-2:123456789012:key/west';

async function source(encrypted: boolean): Promise<string> {
  const out = await rds(EAST).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'src',
      Engine: 'postgres',
      EngineVersion: '13.4',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'not-a-real-password-1',
      ...(encrypted && { StorageEncrypted: true, KmsKeyId: EAST_KEY }),
    }),
  );
  return out.DBInstance!.DBInstanceArn!;
}

async function westNetwork(): Promise<{ sg: string }> {
  const vpc = (await ec2(WEST).send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
  const subnets: string[] = [];
  for (const [i, az] of ['a', 'b'].entries())
    subnets.push(
      (await ec2(WEST).send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.9.${i}.0/24`, AvailabilityZone: `${WEST}${az}` }))).Subnet!.SubnetId!,
    );
  await rds(WEST).send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'app-db', DBSubnetGroupDescription: 'db', SubnetIds: subnets }));
  const sg = (await ec2(WEST).send(new CreateSecurityGroupCommand({ GroupName: 'db', Description: 'db', VpcId: vpc }))).GroupId!;
  await rds(WEST).send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'pg', DBParameterGroupFamily: 'postgres13', Description: 'db' }));
  await rds(WEST).send(new CreateOptionGroupCommand({ OptionGroupName: 'og', EngineName: 'postgres', MajorEngineVersion: '13', OptionGroupDescription: 'db' }));
  return { sg };
}

test('a cross-region replica gets the named settings of its own region', async () => {
  const arn = await source(true);
  const { sg } = await westNetwork();
  await rds(WEST).send(
    new CreateDBInstanceReadReplicaCommand({
      DBInstanceIdentifier: 'rep',
      SourceDBInstanceIdentifier: arn,
      DBSubnetGroupName: 'app-db',
      VpcSecurityGroupIds: [sg],
      KmsKeyId: WEST_KEY,
      MultiAZ: true,
      DBInstanceClass: 'db.r6g.large',
      StorageType: 'gp3',
      DBParameterGroupName: 'pg',
      OptionGroupName: 'og',
    }),
  );
  const r = (await rds(WEST).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'rep' }))).DBInstances![0]!;
  assert.equal(r.DBSubnetGroup?.DBSubnetGroupName, 'app-db');
  assert.deepEqual(
    r.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId),
    [sg],
  );
  assert.equal(r.KmsKeyId, WEST_KEY);
  assert.equal(r.StorageEncrypted, true);
  assert.equal(r.MultiAZ, true);
  assert.equal(r.DBInstanceClass, 'db.r6g.large');
  assert.equal(r.StorageType, 'gp3');
  assert.equal(r.DBParameterGroups?.[0]?.DBParameterGroupName, 'pg');
  assert.equal(r.OptionGroupMemberships?.[0]?.OptionGroupName, 'og');
  assert.equal(r.ReadReplicaSourceDBInstanceIdentifier, arn);
  assert.match(r.DBInstanceArn ?? '', /^arn:aws:rds:us-west-2:/, 'the replica lives in its own region');
});

test('a subnet group that exists only in the source region is not found for a replica in another region', async () => {
  const arn = await source(false);
  const vpc = (await ec2(EAST).send(new CreateVpcCommand({ CidrBlock: '10.8.0.0/16' }))).Vpc!.VpcId!;
  const sn = (await ec2(EAST).send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.8.0.0/24', AvailabilityZone: `${EAST}a` }))).Subnet!.SubnetId!;
  await rds(EAST).send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'east-only', DBSubnetGroupDescription: 'db', SubnetIds: [sn] }));
  await assert.rejects(
    rds(WEST).send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'rep', SourceDBInstanceIdentifier: arn, DBSubnetGroupName: 'east-only' })),
    (e: Error) => e.name === 'DBSubnetGroupNotFoundFault',
  );
});

test('an encrypted source in another region needs a KmsKeyId of the replica region; one in the source region needs none', async () => {
  const arn = await source(true);
  await assert.rejects(
    rds(WEST).send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'rep', SourceDBInstanceIdentifier: arn })),
    (e: Error) => e.name === 'InvalidParameterCombination' && /KmsKeyId/.test(e.message),
  );
  await assert.rejects(rds(WEST).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'rep' })), (e: Error) => e.name === 'DBInstanceNotFoundFault');
  // A replica in the source's own region keeps the source's key, as on AWS.
  await rds(EAST).send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'same', SourceDBInstanceIdentifier: 'src' }));
});

test('an unencrypted source needs no key in another region', async () => {
  const arn = await source(false);
  await rds(WEST).send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'rep', SourceDBInstanceIdentifier: arn }));
  const r = (await rds(WEST).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'rep' }))).DBInstances![0]!;
  assert.equal(r.StorageEncrypted, false);
});

test('a promoted replica names no source and its source no longer lists it, in another region or the same; an unknown one is not found', async () => {
  const arn = await source(false);
  await rds(WEST).send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'rep', SourceDBInstanceIdentifier: arn }));
  await rds(EAST).send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'same', SourceDBInstanceIdentifier: 'src' }));
  const read = async (region: string, id: string) => (await rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  assert.equal((await read(WEST, 'rep')).ReadReplicaSourceDBInstanceIdentifier, arn);
  assert.equal((await read(EAST, 'src')).ReadReplicaDBInstanceIdentifiers?.length, 2);

  await rds(WEST).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'rep' }));
  assert.equal((await read(WEST, 'rep')).ReadReplicaSourceDBInstanceIdentifier, undefined);
  assert.deepEqual((await read(EAST, 'src')).ReadReplicaDBInstanceIdentifiers, ['same']);
  await rds(EAST).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'same' }));
  assert.equal((await read(EAST, 'same')).ReadReplicaSourceDBInstanceIdentifier, undefined);
  assert.deepEqual((await read(EAST, 'src')).ReadReplicaDBInstanceIdentifiers ?? [], []);
  // Promoting a standalone instance again changes nothing.
  await rds(WEST).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'rep' }));
  assert.equal((await read(WEST, 'rep')).DBInstanceStatus, 'available');

  await assert.rejects(rds(WEST).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'nope' })), (e: Error) => e.name === 'DBInstanceNotFoundFault');
});
