// TGW flow log and its CloudWatch Logs group against moto: group first (tagged, retention),
// then the flow log in the form AWS accepts for transit gateways; read back with the SDK.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { type CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeFlowLogsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { type FlowLogSpec, flowLog } from '../../src/aws/ec2/flow-logs.ts';
import { transitGateway } from '../../src/aws/ec2/transit-gateway.ts';
import { AwsError } from '../../src/aws/errors.ts';
import { type LogGroupSpec, logGroup } from '../../src/aws/logs/log-group.ts';
import { TAG_KEYS } from '../../src/aws/tags.ts';
import { ec2Client, logsClient, PRIMARY_REGION, testOwner } from './aws-ec2-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const owner = testOwner();
const ROLE = 'arn:aws:iam::123456789012:role/flow-logs';
const GROUP = '/aws/tgw/flow-logs';
const bed = new MotoBed();
let ec2: EC2Client;
let logs: CloudWatchLogsClient;

beforeEach(() => {
  ec2 = bed.perTest(ec2Client(bed.endpoint, PRIMARY_REGION));
  logs = bed.perTest(logsClient(bed.endpoint, PRIMARY_REGION));
});

async function groups(): Promise<Array<{ name?: string; retention?: number }>> {
  const out = await logs.send(new DescribeLogGroupsCommand({}));
  return (out.logGroups ?? []).map((g) => ({ name: g.logGroupName, retention: g.retentionInDays }));
}

test('log group: created tagged with retention, retention follows the spec, invalid retention refused before any call', async () => {
  const groupsApi = logGroup(logs);
  const spec: LogGroupSpec = { owner, name: GROUP, retentionDays: 30 };
  assert.equal((await groupsApi.observe(spec)).exists, false);

  const created = await groupsApi.create(spec);
  assert.equal(created.owned, true);
  assert.equal((await groupsApi.create(spec)).arn, created.arn, 'create again is a no-op');
  assert.deepEqual(await groups(), [{ name: GROUP, retention: 30 }]);
  const tags = (await logs.send(new ListTagsForResourceCommand({ resourceArn: created.arn }))).tags ?? {};
  assert.equal(tags[TAG_KEYS.uid], owner.uid);

  const longer = { ...spec, retentionDays: 90 };
  const stale = await groupsApi.observe(longer);
  assert.equal(stale.upToDate, false);
  await groupsApi.update(longer, stale.observed!);
  assert.deepEqual(await groups(), [{ name: GROUP, retention: 90 }]);
  assert.equal((await groupsApi.observe(longer)).upToDate, true);

  // moto would accept 31; AWS would not, so it is refused here as a Terminal error.
  await assert.rejects(groupsApi.update({ ...spec, retentionDays: 31 }, stale.observed!), (e: unknown) => e instanceof AwsError && e.class === 'Terminal');
  assert.deepEqual(await groups(), [{ name: GROUP, retention: 90 }]);

  await groupsApi.delete(created);
  await groupsApi.delete(created);
  assert.deepEqual(await groups(), []);
});

test('log group someone else created: used as it is, retention not changed, never deleted', async () => {
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP, tags: { team: 'someone' } }));
  const groupsApi = logGroup(logs);
  const spec: LogGroupSpec = { owner, name: GROUP, retentionDays: 7 };
  const seen = await groupsApi.observe(spec);
  assert.equal(seen.exists, true);
  assert.equal(seen.observed?.owned, false);
  assert.equal(seen.upToDate, true, 'nothing of theirs is ours to change');

  const got = await groupsApi.create(spec);
  assert.equal(got.owned, false);
  await groupsApi.update(spec, got);
  await groupsApi.delete(got);
  assert.deepEqual(await groups(), [{ name: GROUP, retention: undefined }]);
});

test('TGW flow log: group first, no traffic type, 60 s aggregation, found by tags, one per TGW, deleted idempotently', async () => {
  const tgw = await transitGateway(ec2).create({ owner, side: 'primary' });
  await logGroup(logs).create({ owner, name: GROUP, retentionDays: 30 });

  const flows = flowLog(ec2);
  const spec: FlowLogSpec = { owner, side: 'primary', transitGatewayId: tgw.id, logGroupName: GROUP, deliveryRoleArn: ROLE, trafficType: 'ALL' };
  assert.equal((await flows.observe(spec)).exists, false);
  const created = await flows.create(spec);
  assert.equal((await flows.create(spec)).id, created.id, 'create again finds it');

  const all = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
  assert.equal(all.length, 1);
  const [raw] = all;
  assert.equal(raw?.ResourceId, tgw.id);
  assert.equal(raw?.LogGroupName, GROUP);
  assert.equal(raw?.DeliverLogsPermissionArn, ROLE);
  assert.equal(raw?.MaxAggregationInterval, 60);
  assert.equal(raw?.TrafficType, undefined, 'AWS rejects TrafficType for TGW flow logs: not sent');
  assert.equal(raw?.DeliverLogsStatus, 'SUCCESS', 'the group existed before the flow log');
  assert.ok(raw?.Tags?.some((t) => t.Key === TAG_KEYS.uid && t.Value === owner.uid));

  const seen = await flows.observe(spec);
  assert.equal(seen.upToDate, true);
  assert.equal(seen.observed?.id, created.id);

  // Another group in the spec: flow logs are immutable, update replaces it.
  await logGroup(logs).create({ owner, name: '/aws/tgw/other' });
  const moved = { ...spec, logGroupName: '/aws/tgw/other' };
  const stale = await flows.observe(moved);
  assert.equal(stale.upToDate, false);
  await flows.update(moved, stale.observed!);
  const after = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
  assert.deepEqual(
    after.map((f) => f.LogGroupName),
    ['/aws/tgw/other'],
  );

  const current = (await flows.observe(moved)).observed!;
  await flows.delete(current);
  await flows.delete(current);
  assert.deepEqual((await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [], []);
});

test('TGW flow log: a traffic type AWS refuses is a Terminal error, nothing created', async () => {
  const tgw = await transitGateway(ec2).create({ owner, side: 'primary' });
  const spec: FlowLogSpec = { owner, side: 'primary', transitGatewayId: tgw.id, logGroupName: GROUP, deliveryRoleArn: ROLE, trafficType: 'REJECT' };
  await assert.rejects(flowLog(ec2).create(spec), (e: unknown) => e instanceof AwsError && e.class === 'Terminal' && /trafficType REJECT/.test(e.message));
  assert.deepEqual((await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [], []);
});
