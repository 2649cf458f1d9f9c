// The test stack's moto reads an EC2 resource's tags by its id (test/env/moto_ec2_tags.py), not by
// a scan of every tag in the Region. Each resource of a Describe must still carry exactly its own
// tags, in the order they were first set, after tags are added, overwritten and removed, and a
// resource of the same id prefix in another Region must not lend it any.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateTagsCommand, CreateVpcCommand, DeleteTagsCommand, DescribeTagsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const ec2 = (region: string) => bed.perTest(new EC2Client({ region, endpoint: bed.endpoint, maxAttempts: 1, credentials }));

test('each resource of a Describe carries exactly its own tags, as DescribeTags lists them', async () => {
  const east = ec2('us-east-1');
  const west = ec2('us-west-2');
  const made = async (client: EC2Client, cidr: string, tags: Record<string, string>) => {
    const id = (await client.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
    await client.send(new CreateTagsCommand({ Resources: [id], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
    return id;
  };
  const a = await made(east, '10.60.0.0/16', { b: '2', a: '1', Name: 'a' });
  const b = await made(east, '10.61.0.0/16', { Name: 'b' });
  const c = await made(west, '10.62.0.0/16', { Name: 'c', only: 'west' });
  await east.send(
    new CreateTagsCommand({
      Resources: [a],
      Tags: [
        { Key: 'b', Value: 'two' },
        { Key: 'z', Value: 'last' },
      ],
    }),
  );
  await east.send(new DeleteTagsCommand({ Resources: [a], Tags: [{ Key: 'a' }] }));
  await east.send(new DeleteTagsCommand({ Resources: [b], Tags: [{ Key: 'Name' }] }));

  const tagsIn = async (client: EC2Client) =>
    new Map(((await client.send(new DescribeVpcsCommand({}))).Vpcs ?? []).map((v) => [v.VpcId, (v.Tags ?? []).map((t) => `${t.Key}=${t.Value}`)]));
  const eastTags = await tagsIn(east);
  assert.deepEqual(eastTags.get(a), ['b=two', 'Name=a', 'z=last'], 'overwritten in place, removed gone, added last');
  assert.deepEqual(eastTags.get(b), [], 'all removed: an empty set');
  assert.equal(eastTags.has(c), false);
  assert.deepEqual((await tagsIn(west)).get(c), ['Name=c', 'only=west']);

  // The same answer as DescribeTags gives for the id (moto's own scan).
  const listed = (await east.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [a] }] }))).Tags ?? [];
  assert.deepEqual(listed.map((t) => `${t.Key}=${t.Value}`).sort(), [...(eastTags.get(a) ?? [])].sort());
  assert.ok(listed.every((t) => t.ResourceType === 'vpc'));
});
