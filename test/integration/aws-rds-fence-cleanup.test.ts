// Issue 16 item 5 against moto: a fence's deny-all group is deleted when the fence ends
// (unfence with cleanup), and only a group with our cluster id AND object uid and no network
// interface. Foreign groups with the fence name are read back byte-for-byte after each step.
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
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { deleteFenceGroupsOf, deleteUnusedFenceGroups, ensureDenyGroup, fence, fenceGroupName, unfence } from '../../src/aws/rds/fence.ts';
import { TAG_KEYS } from '../../src/aws/tags.ts';
import type { Owner } from '../../src/aws/types.ts';
import { type Moto, startMoto } from '../env/moto.ts';

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

async function createWriter(vpcId: string): Promise<void> {
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
    }),
  );
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
  it('unfence with cleanup deletes our deny-all group; foreign groups with the same name stay byte-for-byte', async () => {
    const vpcId = await defaultVpc();
    await createWriter(vpcId);
    // Same cluster, owner and kind but no uid (isOwnedBy alone would accept it), and a bare one.
    const noUid = await foreignFenceGroup([
      { Key: TAG_KEYS.cluster, Value: owner.clusterId },
      { Key: TAG_KEYS.owner, Value: `${owner.namespace}/${owner.name}` },
      { Key: TAG_KEYS.kind, Value: owner.kind },
    ]);
    const bare = await foreignFenceGroup([]);
    const before = new Map([noUid, bare].map((id) => [id, '']));
    for (const id of before.keys()) before.set(id, await readGroup(id));
    const untouched = async (step: string) => {
      for (const [id, want] of before) assert.equal(await readGroup(id), want, `foreign group ${id} changed after: ${step}`);
    };

    const r = await fence(rds, ec2, 'orders-db', owner);
    assert.equal(r.confirmed, true, r.reason);
    await untouched('fence');
    assert.equal(await unfence(rds, 'orders-db', { ec2, owner, onError: (err) => assert.fail(String(err)) }), 'Restored');
    assert.equal(await readGroup(r.denyGroupId!), 'gone', 'our deny-all group is deleted once the fence ends');
    await untouched('unfence with cleanup');
    assert.deepEqual(await deleteUnusedFenceGroups(ec2, vpcId, owner), []);
    assert.deepEqual(await deleteFenceGroupsOf(ec2, 'orders-db', owner), []);
    await untouched('the sweeps');
  });

  it('a group of ours that a network interface still uses is kept until the interface is gone', async () => {
    const vpcId = await defaultVpc();
    const groupId = await ensureDenyGroup(ec2, vpcId, 'orders-db', owner);
    // The interface must live in the group's VPC: a subnet of the default VPC.
    const subnets = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '172.31.200.0/24' }));
    const eni = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnets.Subnet!.SubnetId!, Groups: [groupId] }));
    assert.deepEqual(await deleteFenceGroupsOf(ec2, 'orders-db', owner), [], 'in use: kept');
    assert.notEqual(await readGroup(groupId), 'gone');
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterface!.NetworkInterfaceId! }));
    assert.deepEqual(await deleteFenceGroupsOf(ec2, 'orders-db', owner), [groupId]);
  });
});
