// Issue 16 item 5 end to end (the ownership reliability files' fifth defect): after a failover the fenced ex-writer is retired (deleted with a
// final snapshot) once the re-seeded replica stands. RDS takes minutes to delete it, which the
// fault proxy models (SlowDbDeletes): the pass that sends DeleteDBInstance cannot delete the
// fence group. The group is recorded in status.fenceSweep, kept while the instance is
// 'deleting', and deleted by a later pass once RDS has finished. A group with the same name made
// by someone else (no uid, or no tags) is read back byte-for-byte after every step; a difference
// counts in foreignTouched (the summary line).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CreateSecurityGroupCommand, CreateVpcCommand, DescribeSecurityGroupsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { AddTagsToResourceCommand } from '@aws-sdk/client-rds';
import { fenceGroupName, prepareDenyGroup } from '../../src/aws/rds/fence-group.ts';
import { ownershipTags, TAG_KEYS } from '../../src/aws/tags.ts';
import { mutateNow } from '../../src/aws/types.ts';
import { SlowDbDeletes } from '../integration/aws-rds-slow-deletes.ts';
import { PolicyBed } from '../integration/failover-policy-bed.ts';
import { EAST, WEST } from '../integration/failover-policy-fixtures.ts';
import { record } from './harness.ts';

const NS = 'rel-own-fence';
const CLUSTER = 'test';
const bed = new PolicyBed(NS);
let foreignTouched = 0;
let steps = 0;

async function groupsNamed(name: string): Promise<Array<{ id: string; text: string }>> {
  const out = await bed.aws.ec2(EAST).send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }));
  return (out.SecurityGroups ?? []).map((g) => ({ id: g.GroupId!, text: JSON.stringify(g) }));
}

describe('FailoverPolicy fence groups', () => {
  test('a retired ex-writer whose deletion RDS finishes after the pass: its fence group is swept later; foreign groups stay', async () => {
    await bed.start({ behindProxy: true });
    const slow = new SlowDbDeletes(bed.proxy!);
    slow.hold();
    const s = await bed.dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    const created = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'uid', (x) => !!x.metadata?.uid);
    const owner = { clusterId: CLUSTER, kind: 'FailoverPolicy', namespace: NS, name: s.name, uid: created.metadata.uid as string };
    // The writer as if this policy had created it (a replica it made, promoted earlier): only
    // then may the controller retire it.
    const writer = await bed.dbs.instance(EAST, s.db);
    await bed.aws.rds(EAST).send(new AddTagsToResourceCommand({ ResourceName: writer.DBInstanceArn!, Tags: ownershipTags(owner) }));

    // Someone else's groups with the fence name, each in a VPC of its own: same cluster, owner
    // and kind but no uid, and none of our tags at all.
    const name = fenceGroupName(s.db);
    const foreign: Array<{ id: string; text: string }> = [];
    for (const [i, tags] of [
      [
        { Key: TAG_KEYS.cluster, Value: CLUSTER },
        { Key: TAG_KEYS.owner, Value: `${NS}/${s.name}` },
        { Key: TAG_KEYS.kind, Value: 'FailoverPolicy' },
      ],
      [],
    ].entries()) {
      const vpc = await bed.aws.ec2(EAST).send(new CreateVpcCommand({ CidrBlock: `10.${90 + i}.0.0/16` }));
      const g = await bed.aws.ec2(EAST).send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: 'not the controller',
          VpcId: vpc.Vpc!.VpcId!,
          ...(tags.length > 0 && { TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }] }),
        }),
      );
      foreign.push({ id: g.GroupId!, text: (await groupsNamed(name)).find((x) => x.id === g.GroupId)!.text });
    }
    const untouched = async (step: string) => {
      steps++;
      const now = await groupsNamed(name);
      for (const f of foreign) {
        const got = now.find((x) => x.id === f.id)?.text;
        if (got !== f.text) foreignTouched++;
        assert.equal(got, f.text, `foreign group ${f.id} changed after: ${step}`);
      }
    };

    const o = await bed.dbs.healthyAndReady(s);
    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    const failed = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'failed over', (x) => !!x.status?.lastFailover?.completedAt, 120_000);
    assert.equal(failed.status.activeRegion, WEST);
    const ours = (await groupsNamed(name)).filter((g) => !foreign.some((f) => f.id === g.id));
    assert.equal(ours.length, 1, 'the ex-writer is fenced behind our group');
    await untouched('the failover');

    // The re-seeded replica in us-east-1 stands: the ex-writer is retired, and RDS takes its time.
    const eastReplica = (
      await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'replica in us-east-1', (x) => x.status?.database?.replica?.region === EAST, 60_000)
    ).status.database.replica.identifier as string;
    await bed.aws.putLag(EAST, eastReplica, 1);
    const recorded = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      'the ex-writer deleting and its group recorded',
      (x) => slow.deleting().includes(s.db) && (x.status?.fenceSweep ?? []).some((e: { identifier: string }) => e.identifier === s.db),
      90_000,
    );
    const entry = recorded.status.fenceSweep.find((e: { identifier: string }) => e.identifier === s.db);
    assert.equal(entry.region, EAST);
    // Passes while RDS deletes: the group is kept (the instance still holds it).
    await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'a sweep while deleting', (x) =>
      (x.status?.fenceSweep ?? []).some((e: { identifier: string; message?: string }) => e.identifier === s.db && /being deleted/.test(e.message ?? '')),
    );
    assert.deepEqual(
      (await groupsNamed(name)).map((g) => g.id).filter((id) => id === ours[0]!.id),
      [ours[0]!.id],
      'kept while the instance is deleting',
    );
    await untouched('the sweep while deleting');

    await slow.release();
    const swept = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      'the fence group swept',
      (x) => !(x.status?.fenceSweep ?? []).some((e: { identifier: string }) => e.identifier === s.db),
      60_000,
    );
    assert.equal(swept.status.fenceSweep, undefined, 'nothing left to sweep');
    assert.deepEqual((await groupsNamed(name)).map((g) => g.id).sort(), foreign.map((f) => f.id).sort(), 'our group is gone, the foreign ones stay');
    await untouched('the sweep after the deletion');
    const events = await bed.kube.events(NS, s.name);
    assert.ok(
      events.some((e) => e.reason === 'FenceGroupDeleted' && (e.message ?? '').includes(ours[0]!.id)),
      events.map((e) => e.reason).join(','),
    );
    assert.equal(slow.deleteCalls.get(s.db), 1, 'one DeleteDBInstance');

    // A group of ours that no status entry names (as if a record had been lost) for an instance
    // that does not exist: deleting the policy sweeps its regions and deletes it, and nothing else.
    const vpcs = await bed.aws.ec2(EAST).send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    const lost = await prepareDenyGroup(bed.aws.ec2(EAST), vpcs.Vpcs![0]!.VpcId!, `${s.db}-lost`, owner, mutateNow);
    await bed.kube.delete('FailoverPolicy', NS, s.name);
    await bed.kube.waitGone('FailoverPolicy', NS, s.name, 60_000);
    assert.deepEqual(await groupsNamed(fenceGroupName(`${s.db}-lost`)), [], `the unrecorded group ${lost} is swept with the policy`);
    await untouched('the policy deletion');
  });

  test('tally', () => {
    record({ file: 'ownership-fence-groups', foreignTouched, note: `fence groups: ${steps} steps read back byte-for-byte, foreignTouched=${foreignTouched}` });
  });
});
