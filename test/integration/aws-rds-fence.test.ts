// Fencing against a real moto: the old writer's security groups are swapped for a deny-all
// group of ours (in its VPC, tagged), the originals are saved on the instance and restored by
// unfence; a region whose API does not answer gives "unconfirmed", never an exception.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand, type DBInstance, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { FENCE_TAGS, fence, observeFence, unfence } from '../../src/aws/rds/fence.ts';
import { FenceGroupNotOursError, fenceGroupName, prepareDenyGroup } from '../../src/aws/rds/fence-group.ts';
import { sweepFenceGroupsOf } from '../../src/aws/rds/fence-sweep.ts';
import { observeInstance, toInstanceView } from '../../src/aws/rds/observe.ts';
import { isOwnedBy, tagsToMap } from '../../src/aws/tags.ts';
import { listOnly, type MutationChange, mutateNow, type Owner } from '../../src/aws/types.ts';
import { type Moto, startMoto } from '../env/moto.ts';
import { freePort } from '../env/ports.ts';

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

/** The writer in the default VPC with the application's security group. */
async function createWriter(): Promise<{ vpcId: string; appSg: string }> {
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  assert.ok(vpcId);
  const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'orders-app', Description: 'app to db', VpcId: vpcId }));
  assert.ok(sg.GroupId);
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'orders-db',
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'password123',
      VpcSecurityGroupIds: [sg.GroupId],
    }),
  );
  return { vpcId, appSg: sg.GroupId };
}

async function readBack(): Promise<DBInstance> {
  const i = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' }))).DBInstances?.[0];
  assert.ok(i);
  return i;
}

const groupsOf = (i: DBInstance): string[] => (i.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '');

describe('fence', () => {
  it('swaps the security groups for a deny-all group of ours in the same VPC and saves the originals', async () => {
    const { vpcId, appSg } = await createWriter();
    const r = await fence(rds, ec2, 'orders-db', owner);
    assert.equal(r.confirmed, true, r.reason);
    assert.equal(r.how, 'SecurityGroupSwap');
    assert.ok(r.denyGroupId);

    const i = await readBack();
    assert.deepEqual(groupsOf(i), [r.denyGroupId]);
    const tags = tagsToMap(i.TagList);
    assert.equal(tags[FENCE_TAGS.from], appSg);
    assert.equal(tags[FENCE_TAGS.group], r.denyGroupId);
    assert.ok(tags[FENCE_TAGS.at], 'rebooted to cut open connections');

    const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [r.denyGroupId] }))).SecurityGroups?.[0];
    assert.equal(g?.VpcId, vpcId);
    assert.equal(g?.GroupName, fenceGroupName('orders-db'));
    assert.ok(isOwnedBy(g?.Tags, owner));
    assert.deepEqual(g?.IpPermissions, [], 'no ingress');
    assert.deepEqual(g?.IpPermissionsEgress, [], 'no egress');

    const seen = await observeFence(rds, 'orders-db');
    assert.deepEqual([seen.reachable, seen.fenced, seen.how], [true, true, 'SecurityGroupSwap']);
    const view = await observeInstance(rds, { region: EAST, identifier: 'orders-db' }, owner);
    assert.deepEqual([view.fenced, view.fenceTagged, view.role], [true, true, 'writer']);

    // The fence's own answer says what a describe says of the fence: the pass reads it instead.
    assert.ok(r.instance, 'a confirmed swap returns the instance as it left it');
    assert.deepEqual(groupsOf(r.instance), [r.denyGroupId]);
    assert.deepEqual(tagsToMap(r.instance.TagList), tags, 'every tag the instance holds, ours included');
    const answered = toInstanceView({ region: EAST, identifier: 'orders-db' }, r.instance, owner);
    assert.deepEqual([answered.fenced, answered.fenceTagged, answered.fenceReason], [view.fenced, view.fenceTagged, view.fenceReason]);
  });

  it('is idempotent: a second fence keeps the original groups saved and reuses the group', async () => {
    const { vpcId, appSg } = await createWriter();
    const first = await fence(rds, ec2, 'orders-db', owner);
    const second = await fence(rds, ec2, 'orders-db', owner);
    assert.equal(second.confirmed, true);
    assert.equal(second.denyGroupId, first.denyGroupId);
    assert.equal(tagsToMap((await readBack()).TagList)[FENCE_TAGS.from], appSg, 'the deny group is never saved as "original"');
    const named = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'group-name', Values: [fenceGroupName('orders-db')] },
        ],
      }),
    );
    assert.equal(named.SecurityGroups?.length, 1);
  });

  it("a marked fence writes the failover's mark with its first tags; a fence of a swapped instance adds it; unfence removes it", async () => {
    await createWriter();
    const r = await fence(rds, ec2, 'orders-db', owner, { mark: 'reason=PrimaryUnhealthy rpo=3' });
    assert.equal(r.confirmed, true, r.reason);
    assert.equal(tagsToMap((await readBack()).TagList)[FENCE_TAGS.failover], 'reason=PrimaryUnhealthy rpo=3');
    assert.equal(tagsToMap(r.instance?.TagList)[FENCE_TAGS.failover], 'reason=PrimaryUnhealthy rpo=3', 'in the answer the next round reads');
    const view = await observeInstance(rds, { region: EAST, identifier: 'orders-db' }, owner);
    assert.equal(view.failoverMark, 'reason=PrimaryUnhealthy rpo=3');
    const again = await fence(rds, ec2, 'orders-db', owner, { mark: 'reason=PrimaryUnhealthy rpo=4' });
    assert.equal(again.confirmed, true);
    assert.equal(tagsToMap((await readBack()).TagList)[FENCE_TAGS.failover], 'reason=PrimaryUnhealthy rpo=4');
    assert.equal(tagsToMap(again.instance?.TagList)[FENCE_TAGS.failover], 'reason=PrimaryUnhealthy rpo=4');
    assert.equal(await unfence(rds, 'orders-db'), 'Restored');
    assert.equal(tagsToMap((await readBack()).TagList)[FENCE_TAGS.failover], undefined);
  });

  it('unfence restores the saved groups and removes our tags; the unused group can then be deleted', async () => {
    const { appSg } = await createWriter();
    const r = await fence(rds, ec2, 'orders-db', owner);
    assert.equal(await unfence(rds, 'orders-db'), 'Restored');
    const i = await readBack();
    assert.deepEqual(groupsOf(i), [appSg]);
    assert.deepEqual(
      Object.keys(tagsToMap(i.TagList)).filter((k) => k.startsWith('multiregion.dev/fence')),
      [],
    );
    assert.equal((await observeFence(rds, 'orders-db')).fenced, false);
    assert.equal(await unfence(rds, 'orders-db'), 'NotFenced');
    assert.deepEqual(await sweepFenceGroupsOf(rds, ec2, 'orders-db', owner), { deleted: [r.denyGroupId], kept: [] });
  });

  it('never uses a group with the fence name that is not ours', async () => {
    const { vpcId, appSg } = await createWriter();
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: fenceGroupName('orders-db'), Description: 'squatter', VpcId: vpcId }));
    await assert.rejects(fence(rds, ec2, 'orders-db', owner), /without our ownership tags/);
    assert.deepEqual(groupsOf(await readBack()), [appSg], 'the writer is untouched');
  });

  it('a group prepared before the outage is found and used: the fence makes no EC2 write', async () => {
    const { vpcId } = await createWriter();
    const planned: MutationChange[] = [];
    assert.equal(await prepareDenyGroup(ec2, vpcId, 'orders-db', owner, listOnly(planned)), undefined, 'dry-run: listed, not made');
    assert.deepEqual(
      planned.map((c) => [c.action, c.resource]),
      [['Create', 'SecurityGroup']],
    );
    const prepared = await prepareDenyGroup(ec2, vpcId, 'orders-db', owner, mutateNow);
    assert.ok(prepared);
    assert.equal(await prepareDenyGroup(ec2, vpcId, 'orders-db', owner, mutateNow), prepared, 'found again, not made twice');
    const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [prepared] }))).SecurityGroups?.[0];
    assert.ok(isOwnedBy(g?.Tags, owner));
    assert.deepEqual([g?.IpPermissions, g?.IpPermissionsEgress], [[], []], 'allows nothing from the start');

    const calls: string[] = [];
    const counted = new EC2Client({ region: EAST, endpoint: moto.endpoint, maxAttempts: 1, credentials });
    counted.middlewareStack.add((next, context) => (args) => (calls.push(String(context.commandName)), next(args)), { step: 'initialize' });
    try {
      // vpcId: as on AWS, where the instance's DB subnet group names it (this one has none).
      const r = await fence(rds, counted, 'orders-db', owner, { preparedGroupId: prepared, vpcId });
      assert.equal(r.confirmed, true, r.reason);
      assert.equal(r.denyGroupId, prepared);
    } finally {
      counted.destroy();
    }
    assert.deepEqual(calls, ['DescribeSecurityGroupsCommand'], 'one read: no CreateSecurityGroup, nothing to revoke');
    assert.deepEqual(groupsOf(await readBack()), [prepared]);
  });

  it('a prepared group someone opened is closed again, by the next preparation and by the fence', async () => {
    const { vpcId } = await createWriter();
    const prepared = await prepareDenyGroup(ec2, vpcId, 'orders-db', owner, mutateNow);
    assert.ok(prepared);
    const open = () =>
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: prepared,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
        }),
      );
    const rules = async () => {
      const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [prepared] }))).SecurityGroups?.[0];
      return [...(g?.IpPermissions ?? []), ...(g?.IpPermissionsEgress ?? [])].length;
    };
    await open();
    const planned: MutationChange[] = [];
    await prepareDenyGroup(ec2, vpcId, 'orders-db', owner, listOnly(planned));
    assert.deepEqual(
      planned.map((c) => [c.action, c.resource]),
      [['Update', 'SecurityGroup']],
      'the revoke is one change, listed in dry-run',
    );
    assert.equal(await rules(), 1, 'dry-run changed nothing');
    await prepareDenyGroup(ec2, vpcId, 'orders-db', owner, mutateNow);
    assert.equal(await rules(), 0);

    await open();
    const r = await fence(rds, ec2, 'orders-db', owner, { preparedGroupId: prepared });
    assert.equal(r.confirmed, true, r.reason);
    assert.equal(await rules(), 0, 'the fence closed it before the swap counted as done');
  });

  it('a prepared group deleted since is made again by the fence', async () => {
    const { vpcId } = await createWriter();
    const prepared = await prepareDenyGroup(ec2, vpcId, 'orders-db', owner, mutateNow);
    assert.ok(prepared);
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: prepared }));
    const r = await fence(rds, ec2, 'orders-db', owner, { preparedGroupId: prepared, vpcId });
    assert.equal(r.confirmed, true, r.reason);
    assert.notEqual(r.denyGroupId, prepared);
    assert.deepEqual(groupsOf(await readBack()), [r.denyGroupId]);
  });

  it('a group of the fence name that is not ours is never prepared, nor changed', async () => {
    const { vpcId } = await createWriter();
    const squatter = await ec2.send(new CreateSecurityGroupCommand({ GroupName: fenceGroupName('orders-db'), Description: 'squatter', VpcId: vpcId }));
    await assert.rejects(prepareDenyGroup(ec2, vpcId, 'orders-db', owner, mutateNow), FenceGroupNotOursError);
    const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [squatter.GroupId!] }))).SecurityGroups?.[0];
    assert.equal(g?.IpPermissionsEgress?.length, 1, 'its default egress rule is still there');
  });

  it('an instance that is gone counts as fenced', async () => {
    const r = await fence(rds, ec2, 'never-existed', owner);
    assert.deepEqual([r.confirmed, r.how], [true, 'Gone']);
  });

  it('a region whose API does not answer gives an unconfirmed fence, not an exception', async () => {
    await createWriter();
    const deadPort = await freePort();
    const deadRds = new RDSClient({ region: EAST, endpoint: `http://127.0.0.1:${deadPort}`, maxAttempts: 1, credentials });
    const deadEc2 = new EC2Client({ region: EAST, endpoint: `http://127.0.0.1:${deadPort}`, maxAttempts: 1, credentials });
    try {
      const r = await fence(deadRds, deadEc2, 'orders-db', owner);
      assert.deepEqual([r.confirmed, r.how], [false, 'Unreachable']);
      assert.match(r.reason, /could not be confirmed/);
      const seen = await observeFence(deadRds, 'orders-db');
      assert.deepEqual([seen.reachable, seen.fenced], [false, false]);
      const view = await observeInstance(deadRds, { region: EAST, identifier: 'orders-db' }, owner);
      assert.equal(view.reachable, false);
    } finally {
      deadRds.destroy();
      deadEc2.destroy();
    }
    assert.equal((await observeFence(rds, 'orders-db')).fenced, false, 'nothing was changed');
  });
});
