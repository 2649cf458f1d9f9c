// Observation shared per region: many objects' observers in one window cost one Describe per
// (region, resource type), counted at the fault proxy in front of moto; the controller's own
// writes through the same client make the next observe read again and see them.
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { CreateTagsCommand, DeleteTransitGatewayCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { flowLog } from '../../src/aws/ec2/flow-logs.ts';
import { peeringRequester } from '../../src/aws/ec2/peering.ts';
import { disassociate, ensureAssociated, tableAssociations, tgwRouteTable } from '../../src/aws/ec2/tgw-route-table.ts';
import { transitGateway } from '../../src/aws/ec2/transit-gateway.ts';
import { vpcAttachment } from '../../src/aws/ec2/vpc-attachment.ts';
import { logGroup } from '../../src/aws/logs/log-group.ts';
import type { Owner } from '../../src/aws/types.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { ec2Client, logsClient, makeVpc, PRIMARY_REGION, SECONDARY_REGION, testOwner } from './aws-ec2-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
let proxy: FaultProxy;
let started = false;

// Started in the first beforeEach: a top-level before() would start it before moto is up.
beforeEach(async () => {
  if (!started) {
    started = true;
    proxy = new FaultProxy(bed.endpoint);
    await proxy.start();
  }
  proxy.calls.splice(0);
});
after(() => (started ? proxy.stop() : undefined));

const viaProxy = (region = PRIMARY_REGION): EC2Client => bed.perTest(ec2Client(proxy.endpoint, region));
const owners = (n: number): Owner[] => Array.from({ length: n }, (_, i) => testOwner({ name: `pair-${i}`, uid: `uid-pair-${i}` }));
const count = (operation: string, region?: string): number =>
  proxy.calls.filter((c) => c.service === 'ec2' && c.operation === operation && (region === undefined || c.region === region)).length;
const GROUP = '/aws/tgw/shared';
const ROLE = 'arn:aws:iam::123456789012:role/flow-logs';

test('N objects observed in one window: one DescribeTransitGateways per region, each object sees its own TGW', async () => {
  const N = 6;
  const east = viaProxy(PRIMARY_REGION);
  const west = viaProxy(SECONDARY_REGION);
  const all = owners(N);
  const made = new Map<string, string>();
  for (const o of all) {
    made.set(`east/${o.name}`, (await transitGateway(east).create({ owner: o, side: 'primary' })).id);
    made.set(`west/${o.name}`, (await transitGateway(west).create({ owner: o, side: 'secondary' })).id);
  }
  proxy.calls.splice(0);

  // One drift wave: every object observes both sides at once, then once more in sequence.
  const wave = () =>
    Promise.all(
      all.flatMap((o) => [
        transitGateway(east)
          .observe({ owner: o, side: 'primary' })
          .then((r) => ['east', o, r] as const),
        transitGateway(west)
          .observe({ owner: o, side: 'secondary' })
          .then((r) => ['west', o, r] as const),
      ]),
    );
  for (const [where, o, r] of [...(await wave()), ...(await wave())]) {
    assert.equal(r.exists, true, `${where} ${o.name}`);
    assert.equal(r.observed?.id, made.get(`${where}/${o.name}`), `${where} ${o.name} sees its own TGW`);
  }
  assert.equal(count('DescribeTransitGateways', PRIMARY_REGION), 1, 'one read in us-east-1 for all objects');
  assert.equal(count('DescribeTransitGateways', SECONDARY_REGION), 1, 'one read in us-west-2 for all objects');
});

test('route tables, VPC attachments, flow logs and peerings: one read per type for every object', async () => {
  const N = 4;
  const east = viaProxy(PRIMARY_REGION);
  const all = owners(N);
  const specs = [];
  for (const [i, o] of all.entries()) {
    const tgw = await transitGateway(east).create({ owner: o, side: 'primary' });
    const vpc = await makeVpc(east, `10.${20 + i}`);
    await tgwRouteTable(east).create({ owner: o, side: 'primary', transitGatewayId: tgw.id });
    await vpcAttachment(east).create({
      owner: o,
      side: 'primary',
      transitGatewayId: tgw.id,
      vpcId: vpc.vpcId,
      subnetIds: vpc.subnetIds,
    });
    await flowLog(east).create({ owner: o, side: 'primary', transitGatewayId: tgw.id, logGroupName: GROUP, deliveryRoleArn: ROLE });
    specs.push({ o, tgw, vpc });
  }
  proxy.calls.splice(0);

  const seen = await Promise.all(
    specs.map(async ({ o, tgw, vpc }) => ({
      rt: await tgwRouteTable(east).observe({ owner: o, side: 'primary', transitGatewayId: tgw.id }),
      att: await vpcAttachment(east).observe({
        owner: o,
        side: 'primary',
        transitGatewayId: tgw.id,
        vpcId: vpc.vpcId,
        subnetIds: vpc.subnetIds,
      }),
      fl: await flowLog(east).observe({ owner: o, side: 'primary', transitGatewayId: tgw.id, logGroupName: GROUP, deliveryRoleArn: ROLE }),
      peering: await peeringRequester(east).observe({
        owner: o,
        transitGatewayId: tgw.id,
        peerTransitGatewayId: 'tgw-none',
        peerAccountId: '123456789012',
        peerRegion: SECONDARY_REGION,
      }),
    })),
  );
  for (const [i, s] of seen.entries()) {
    assert.equal(s.rt.exists && s.rt.observed?.transitGatewayId, specs[i]!.tgw.id, `route table of ${i}`);
    assert.equal(s.att.exists && s.att.observed?.owned && s.att.observed.vpcId, specs[i]!.vpc.vpcId, `attachment of ${i}`);
    assert.equal(s.fl.exists && s.fl.observed?.resourceId, specs[i]!.tgw.id, `flow log of ${i}`);
    assert.equal(s.peering.exists, false, `no peering for ${i}`);
  }
  for (const op of [
    'DescribeTransitGatewayRouteTables',
    'DescribeTransitGatewayVpcAttachments',
    'DescribeFlowLogs',
    'DescribeTransitGatewayPeeringAttachments',
  ]) {
    assert.equal(count(op), 1, `${op}: one read for ${N} objects`);
  }
});

test('a create through the client invalidates: the next observe reads again and sees it; then it is shared again', async () => {
  const east = viaProxy(PRIMARY_REGION);
  const [a, b, c] = owners(3) as [Owner, Owner, Owner];
  const tgws = transitGateway(east);
  assert.equal((await tgws.observe({ owner: a, side: 'primary' })).exists, false);
  assert.equal((await tgws.observe({ owner: b, side: 'primary' })).exists, false);
  assert.equal(count('DescribeTransitGateways'), 1, 'the second observe is served by the first read');

  const created = await tgws.create({ owner: b, side: 'primary' });
  const before = count('DescribeTransitGateways');
  const seen = await tgws.observe({ owner: b, side: 'primary' });
  assert.equal(seen.observed?.id, created.id, 'the pass right after the create sees the new TGW');
  assert.equal(count('DescribeTransitGateways'), before + 1, 'read again after the write');

  assert.equal((await tgws.observe({ owner: c, side: 'primary' })).exists, false);
  assert.equal((await tgws.observe({ owner: b, side: 'primary' })).exists, true);
  assert.equal(count('DescribeTransitGateways'), before + 1, 'and shared again until the next write');

  // A delete and a tag change through the client count as writes too.
  await east.send(new DeleteTransitGatewayCommand({ TransitGatewayId: created.id }));
  assert.equal((await tgws.observe({ owner: b, side: 'primary' })).exists, false, 'the deleted TGW is gone at once');
  const other = await tgws.create({ owner: a, side: 'primary' });
  assert.equal((await tgws.observe({ owner: c, side: 'primary' })).exists, false);
  await east.send(
    new CreateTagsCommand({
      Resources: [other.id],
      Tags: [
        { Key: 'multiregion.dev/owner', Value: `${c.namespace}/${c.name}` },
        { Key: 'multiregion.dev/uid', Value: c.uid },
      ],
    }),
  );
  assert.equal((await tgws.observe({ owner: c, side: 'primary' })).observed?.id, other.id, "re-tagged: now c's, seen at once");
});

test('concurrent observers share the read in flight; objects in another region or cluster do not', async () => {
  const east = viaProxy(PRIMARY_REGION);
  const [a] = owners(1) as [Owner];
  const otherCluster = { ...a, clusterId: 'other-cluster' };
  await transitGateway(east).create({ owner: a, side: 'primary' });
  await transitGateway(east).create({ owner: otherCluster, side: 'primary' });
  proxy.calls.splice(0);
  const results = await Promise.all([
    ...Array.from({ length: 10 }, () => transitGateway(east).observe({ owner: a, side: 'primary' })),
    transitGateway(east).observe({ owner: otherCluster, side: 'primary' }),
  ]);
  assert.ok(results.every((r) => r.exists));
  assert.equal(count('DescribeTransitGateways'), 2, 'one read per cluster filter, however many callers');
});

test("a table's associations: read once for the pass, and again right after an association changes", async () => {
  const east = viaProxy(PRIMARY_REGION);
  const [a] = owners(1) as [Owner];
  const tgw = await transitGateway(east).create({ owner: a, side: 'primary' });
  const rt = await tgwRouteTable(east).create({ owner: a, side: 'primary', transitGatewayId: tgw.id });
  const vpc = await makeVpc(east, '10.40');
  const att = await vpcAttachment(east).create({
    owner: a,
    side: 'primary',
    transitGatewayId: tgw.id,
    vpcId: vpc.vpcId,
    subnetIds: vpc.subnetIds,
  });
  assert.equal((await tableAssociations(east, rt.id)).length, 0);
  await ensureAssociated(east, rt.id, att.id);
  proxy.calls.splice(0);
  const first = await tableAssociations(east, rt.id);
  const second = await tableAssociations(east, rt.id);
  assert.deepEqual(
    first.map((x) => x.attachmentId),
    [att.id],
    'the association made just before is seen',
  );
  assert.deepEqual(second, first);
  assert.equal(count('GetTransitGatewayRouteTableAssociations'), 1, 'one read for both lookups');
  await disassociate(east, rt.id, att.id);
  const after = (await tableAssociations(east, rt.id)).filter((x) => x.state === 'associated' || x.state === 'associating');
  assert.deepEqual(after, [], 'the disassociation is seen at once');
});

test('a log group shared by name: one look for every pair in the window; a create is seen at once', async () => {
  const logs = bed.perTest(logsClient(proxy.endpoint, PRIMARY_REGION));
  const all = owners(5);
  const logsCalls = (op: string) => proxy.calls.filter((c) => c.service === 'logs' && c.operation === op).length;
  const absent = await Promise.all(all.map((o) => logGroup(logs).observe({ owner: o, name: GROUP })));
  assert.ok(absent.every((r) => !r.exists));
  assert.equal(logsCalls('DescribeLogGroups'), 1);
  await logGroup(logs).create({ owner: all[0]!, name: GROUP, retentionDays: 14 });
  proxy.calls.splice(0);
  const seen = await Promise.all(all.map((o) => logGroup(logs).observe({ owner: o, name: GROUP, retentionDays: 14 })));
  assert.deepEqual(
    seen.map((r) => r.exists && r.observed?.owned),
    [true, false, false, false, false],
    'seen by all, owned by the creator only',
  );
  assert.equal(seen[0]!.upToDate, true, 'the retention put after the create is seen');
  assert.equal(logsCalls('DescribeLogGroups'), 1, 'one look for five pairs');
  assert.equal(logsCalls('ListTagsForResource'), 1, 'one tag read for five pairs');
});
