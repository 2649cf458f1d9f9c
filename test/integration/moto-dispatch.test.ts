// The test stack's moto keeps the backend it finds for each request host (test/env/moto_dispatch.py,
// a speed-up of moto_server's per-request lookup). Requests that alternate between services and
// Regions, each asked twice so the second answer comes from the kept lookup, must still reach
// their own service and Region: a host kept under the wrong key would send one to another's backend.
// The first requests of a service load its model once, under a lock: concurrent first requests
// must all be answered (a lock taken twice on one thread would hang them). Each response class's
// action list is kept per class: alternating services also checks that each finds its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudWatchClient, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateHostedZoneCommand, ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const opts = (region: string) => ({ region, endpoint: bed.endpoint, maxAttempts: 1, credentials });

test('alternating services and Regions each reach their own backend, first and second time', async () => {
  const ec2 = { east: bed.perTest(new EC2Client(opts('us-east-1'))), west: bed.perTest(new EC2Client(opts('us-west-2'))) };
  const cw = bed.perTest(new CloudWatchClient(opts('eu-west-1')));
  const r53 = bed.perTest(new Route53Client(opts('us-east-1')));
  const rds = bed.perTest(new RDSClient(opts('us-west-2')));
  const sts = bed.perTest(new STSClient(opts('us-east-1')));
  const vpcId = (await ec2.west.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc?.VpcId;
  await cw.send(new PutMetricDataCommand({ Namespace: 'Dispatch', MetricData: [{ MetricName: 'M', Value: 1 }] }));
  await r53.send(new CreateHostedZoneCommand({ Name: 'dispatch.example.com', CallerReference: 'dispatch' }));
  for (let round = 0; round < 2; round++) {
    const west = (await ec2.west.send(new DescribeVpcsCommand({}))).Vpcs?.map((v) => v.VpcId) ?? [];
    const east = (await ec2.east.send(new DescribeVpcsCommand({}))).Vpcs?.map((v) => v.VpcId) ?? [];
    assert.ok(west.includes(vpcId), `round ${round}: the VPC is in us-west-2`);
    assert.ok(!east.includes(vpcId), `round ${round}: and not in us-east-1`);
    const metrics = (await cw.send(new ListMetricsCommand({ Namespace: 'Dispatch' }))).Metrics ?? [];
    assert.deepEqual(
      metrics.map((m) => m.MetricName),
      ['M'],
      `round ${round}: CloudWatch answers`,
    );
    const zones = (await r53.send(new ListHostedZonesCommand({}))).HostedZones ?? [];
    assert.deepEqual(
      zones.map((z) => z.Name),
      ['dispatch.example.com.'],
      `round ${round}: Route 53 answers`,
    );
    assert.deepEqual((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances, [], `round ${round}: RDS answers`);
    assert.match((await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '', /^arn:aws:(iam|sts)::\d{12}:/, `round ${round}: STS answers`);
  }
});

// A lock that is never released hangs the requests: the timeout turns that into a failure.
test('concurrent first requests of services not asked before are all answered, whichever of them loads the model', { timeout: 30_000 }, async () => {
  // Neither Logs nor DynamoDB was asked by the test above: each of the eight is among the first
  // requests of its service, and one of them loads the model while the others wait for it.
  const logs = bed.perTest(new CloudWatchLogsClient(opts('ap-southeast-2')));
  const ddb = bed.perTest(new DynamoDBClient(opts('ap-southeast-2')));
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      i % 2 === 0
        ? logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'dispatch-' })).then((o) => `logs ${o.logGroups?.length}`)
        : ddb.send(new ListTablesCommand({})).then((o) => `dynamodb ${o.TableNames?.length}`),
    ),
  );
  assert.deepEqual(answers, ['logs 0', 'dynamodb 0', 'logs 0', 'dynamodb 0', 'logs 0', 'dynamodb 0', 'logs 0', 'dynamodb 0']);
});
