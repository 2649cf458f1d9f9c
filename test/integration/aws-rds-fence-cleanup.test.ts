// Issue 16 item 5 against moto: a fence's deny-all group is swept once the fence ends (unfence,
// or the fenced instance deleted, however long RDS takes), and only a group with our cluster id
// AND object uid and no network interface. Foreign groups with the fence name are read back
// byte-for-byte after each step.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, RDSClient, RemoveTagsFromResourceCommand } from '@aws-sdk/client-rds';
import { FENCE_TAGS, fence, unfence } from '../../src/aws/rds/fence.ts';
import { fenceGroupName, prepareDenyGroup } from '../../src/aws/rds/fence-group.ts';
import { sweepAllFenceGroups, sweepFenceGroupsOf } from '../../src/aws/rds/fence-sweep.ts';
import { deleteWithFinalSnapshot } from '../../src/aws/rds/instances.ts';
import { ownershipTags, TAG_KEYS } from '../../src/aws/tags.ts';
import { mutateNow, type Owner } from '../../src/aws/types.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { type Moto, startMoto } from '../env/moto.ts';
import { SlowDbDeletes } from './aws-rds-slow-deletes.ts';

const EAST = 'us-east-1';
const owner: Owner = { clusterId: 'test-cluster', kind: 'FailoverPolicy', namespace: 'apps', name: 'orders', uid: 'uid-1' };
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: Moto;
let rds: RDSClient;
let ec2: EC2Client;

before(async () => {
  moto = await startMoto();
  rds = new RDSClient({ region: EAST, endpoint: moto.endpoint, maxAttempts: 1, credentials });
  ec2 = new EC2Client({ region: EAST, endpoint: moto.endpoint, maxAttempts: 1, credentials });
});

after(async () => {
  rds?.destroy();
  ec2?.destroy();
  await moto?.stop();
});

beforeEach(async () => moto.reset());

async function defaultVpc(): Promise<string> {
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  const id = vpcs.Vpcs?.[0]?.VpcId;
  assert.ok(id);
  return id;
}

/** `ours`: created by the controller (a replica it made, later the writer), so it may be retired. */
async function createWriter(vpcId: string, ours = false): Promise<void> {
  const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'orders-app', Description: 'app to db', VpcId: vpcId }));
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'orders-db',
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'password123',
      VpcSecurityGroupIds: [sg.GroupId!],
      ...(ours && { Tags: ownershipTags(owner) }),
    }),
  );
}

/** The groups made by someone else with our fence name: one with our tags but no uid, one bare; a check that they never change. */
async function foreignFenceGroups(): Promise<(step: string) => Promise<void>> {
  // Same cluster, owner and kind but no uid (isOwnedBy alone would accept it), and a bare one.
  const noUid = await foreignFenceGroup([
    { Key: TAG_KEYS.cluster, Value: owner.clusterId },
    { Key: TAG_KEYS.owner, Value: `${owner.namespace}/${owner.name}` },
    { Key: TAG_KEYS.kind, Value: owner.kind },
  ]);
  const bare = await foreignFenceGroup([]);
  const before = new Map<string, string>();
  for (const id of [noUid, bare]) before.set(id, await readGroup(id));
  return async (step: string) => {
    for (const [id, want] of before) assert.equal(await readGroup(id), want, `foreign group ${id} changed after: ${step}`);
  };
}

/** A group with the fence name in its own VPC, made by someone else: tags as given. */
async function foreignFenceGroup(tags: { Key: string; Value: string }[]): Promise<string> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${Math.floor(Math.random() * 200) + 20}.0.0/16` }));
  const out = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: fenceGroupName('orders-db'),
      Description: 'not the controller',
      VpcId: vpc.Vpc!.VpcId!,
      ...(tags.length > 0 && { TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }] }),
    }),
  );
  return out.GroupId!;
}

async function readGroup(id: string): Promise<string> {
  const out = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [id] }] }));
  return out.SecurityGroups?.[0] ? JSON.stringify(out.SecurityGroups[0]) : 'gone';
}

describe('fence groups are cleaned up when the fence ends, ours only', () => {
  it('after an unfence the sweep deletes our deny-all group; foreign groups with the same name stay byte-for-byte', async () => {
    const vpcId = await defaultVpc();
    await createWriter(vpcId);
    const untouched = await foreignFenceGroups();

    const r = await fence(rds, ec2, 'orders-db', owner);
    assert.equal(r.confirmed, true, r.reason);
    await untouched('fence');
    assert.deepEqual(await sweepFenceGroupsOf(rds, ec2, 'orders-db', owner), { deleted: [], kept: [], waiting: 'orders-db is fenced' });
    assert.equal(await unfence(rds, 'orders-db'), 'Restored');
    assert.notEqual(await readGroup(r.denyGroupId!), 'gone', 'unfence alone leaves the group to the sweep');
    assert.deepEqual(await sweepFenceGroupsOf(rds, ec2, 'orders-db', owner), { deleted: [r.denyGroupId], kept: [] });
    assert.equal(await readGroup(r.denyGroupId!), 'gone', 'our deny-all group is deleted once the fence ends');
    await untouched('unfence and sweep');
    assert.deepEqual(await sweepFenceGroupsOf(rds, ec2, 'orders-db', owner), { deleted: [], kept: [] });
    assert.deepEqual([...(await sweepAllFenceGroups(rds, ec2, owner))], []);
    await untouched('the sweeps again');
  });

  it('a retired writer whose deletion RDS finishes later: its group stays while it is deleting, then is swept; foreign groups stay', async () => {
    const proxy = new FaultProxy(moto.endpoint);
    await proxy.start();
    const slowRds = new RDSClient({ region: EAST, endpoint: proxy.endpoint, maxAttempts: 1, credentials });
    try {
      const vpcId = await defaultVpc();
      await createWriter(vpcId, true);
      const untouched = await foreignFenceGroups();
      const r = await fence(rds, ec2, 'orders-db', owner);
      assert.equal(r.confirmed, true, r.reason);
      const slow = new SlowDbDeletes(proxy);
      slow.hold();
      assert.equal(await deleteWithFinalSnapshot(slowRds, 'orders-db', 'orders-db-final-1', owner), 'Deleting');
      assert.deepEqual(slow.deleting(), ['orders-db']);
      // While RDS deletes it, the instance still holds its group: nothing is deleted.
      assert.deepEqual(await sweepFenceGroupsOf(slowRds, ec2, 'orders-db', owner), {
        deleted: [],
        kept: [],
        waiting: 'orders-db is being deleted',
        settles: true,
      });
      assert.deepEqual(
        [...(await sweepAllFenceGroups(slowRds, ec2, owner))],
        [['orders-db', { deleted: [], kept: [], waiting: 'orders-db is being deleted', settles: true }]],
      );
      assert.notEqual(await readGroup(r.denyGroupId!), 'gone');
      await untouched('the sweep while deleting');
      await slow.release();
      await assert.rejects(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' })), /DBInstanceNotFound/);
      assert.deepEqual(await sweepFenceGroupsOf(slowRds, ec2, 'orders-db', owner), { deleted: [r.denyGroupId], kept: [] });
      assert.equal(await readGroup(r.denyGroupId!), 'gone', 'swept once the instance is gone');
      await untouched('the sweep after the deletion');
      assert.deepEqual([...(await sweepAllFenceGroups(rds, ec2, owner))], []);
      await untouched('the sweep of every group');
    } finally {
      slowRds.destroy();
      await proxy.stop();
    }
  });

  it('an instance that still lists the group (RDS detaching it after an unfence) keeps it: a wait that settles by itself', async () => {
    const vpcId = await defaultVpc();
    await createWriter(vpcId);
    const r = await fence(rds, ec2, 'orders-db', owner);
    // The fence marks gone but the group still on the instance: what RDS shows while it detaches.
    const arn = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' }))).DBInstances![0]!.DBInstanceArn!;
    await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: Object.values(FENCE_TAGS) }));
    assert.deepEqual(await sweepFenceGroupsOf(rds, ec2, 'orders-db', owner), {
      deleted: [],
      kept: [],
      waiting: `orders-db still lists ${r.denyGroupId}`,
      settles: true,
    });
    assert.notEqual(await readGroup(r.denyGroupId!), 'gone');
  });

  it('a group of ours that a network interface still uses is kept until the interface is gone', async () => {
    const vpcId = await defaultVpc();
    const groupId = (await prepareDenyGroup(ec2, vpcId, 'orders-db', owner, mutateNow))!;
    // The interface must live in the group's VPC: a subnet of the default VPC.
    const subnets = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '172.31.200.0/24' }));
    const eni = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnets.Subnet!.SubnetId!, Groups: [groupId] }));
    const eniId = eni.NetworkInterface!.NetworkInterfaceId!;
    assert.deepEqual(
      await sweepFenceGroupsOf(rds, ec2, 'orders-db', owner),
      { deleted: [], kept: [{ groupId, reason: `network interface ${eniId} still uses it` }] },
      'in use: kept',
    );
    assert.notEqual(await readGroup(groupId), 'gone');
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }));
    assert.deepEqual(await sweepFenceGroupsOf(rds, ec2, 'orders-db', owner), { deleted: [groupId], kept: [] });
  });
});
