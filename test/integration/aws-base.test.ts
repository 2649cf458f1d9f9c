// The AWS base layer against a real moto: endpoint override, call counting, AssumeRole into a
// second account, error classification, client reuse.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { CreateVpcCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { type AwsClientsHandle, createAwsClients } from '../../src/aws/clients.ts';
import { classifyError, toAwsError } from '../../src/aws/errors.ts';
import type { CallRecord } from '../../src/aws/types.ts';
import { type Moto, startMoto } from '../env/moto.ts';

const ROLE = 'arn:aws:iam::222222222222:role/x';
const MOTO_DEFAULT_ACCOUNT = '123456789012';

let moto: Moto;
let clients: AwsClientsHandle;
let calls: CallRecord[];

before(async () => {
  moto = await startMoto();
  // The endpoint must come from our option alone, so the SDK's own env lookup is switched off;
  // credentials come through the default provider chain, as in production.
  delete process.env.AWS_ENDPOINT_URL;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

after(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  calls = [];
  // Fresh clients per case: moto forgets assumed-role keys on reset.
  clients = createAwsClients({ endpointUrl: moto.endpoint, maxAttempts: 1, onCall: (r) => calls.push(r) });
});

afterEach(() => clients.destroy());

const ops = () => calls.map((c) => `${c.service}:${c.operation}:${c.region}:${c.outcome}`);

test('calls reach moto through the endpoint override and are counted', async () => {
  const out = await clients.ec2({ region: 'us-east-1' }).send(new DescribeVpcsCommand({}));
  assert.ok((out.Vpcs ?? []).length >= 1, 'moto has a default VPC');
  assert.deepEqual(ops(), ['ec2:DescribeVpcs:us-east-1:success']);
  assert.ok((calls[0]?.durationMs ?? 0) > 0);
});

test("the default identity is moto's default account; the role is account 222222222222", async () => {
  assert.equal(await clients.accountId({ region: 'us-east-1' }), MOTO_DEFAULT_ACCOUNT);
  assert.equal(await clients.accountId({ region: 'us-west-2', roleArn: ROLE }), '222222222222');
  // The AssumeRole itself went through the inner STS client, at moto, with our middleware.
  assert.deepEqual(ops(), ['sts:GetCallerIdentity:us-east-1:success', 'sts:AssumeRole:us-west-2:success', 'sts:GetCallerIdentity:us-west-2:success']);
  // Cached per identity, whatever the region.
  assert.equal(await clients.accountId({ region: 'eu-west-1', roleArn: ROLE }), '222222222222');
  assert.equal(calls.length, 3);
});

test('a VPC created with the role lives in account 222222222222 and is invisible to the default identity', async () => {
  const role = { region: 'us-west-2', roleArn: ROLE };
  const created = await clients.ec2(role).send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));
  const vpcId = created.Vpc?.VpcId;
  assert.ok(vpcId);
  assert.equal(created.Vpc?.OwnerId, '222222222222');

  const seenByRole = await clients.ec2(role).send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.42.0.0/16'] }] }));
  assert.deepEqual(
    seenByRole.Vpcs?.map((v) => v.VpcId),
    [vpcId],
  );
  const seenByDefault = await clients.ec2({ region: 'us-west-2' }).send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.42.0.0/16'] }] }));
  assert.deepEqual(seenByDefault.Vpcs, []);
  assert.equal(calls.filter((c) => c.operation === 'AssumeRole').length, 1, 'role credentials are shared and reused');
});

test('a bad VPC id is a Terminal InvalidVpcID.NotFound, counted as an error', async () => {
  const err = await clients
    .ec2({ region: 'us-east-1' })
    .send(new DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] }))
    .then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
  assert.equal(classifyError(err), 'Terminal');
  const wrapped = toAwsError(err, { subject: 'vpc vpc-0123456789abcdef0' });
  assert.equal(wrapped.code, 'InvalidVpcID.NotFound');
  assert.equal(wrapped.service, 'ec2');
  assert.equal(wrapped.operation, 'DescribeVpcs');
  assert.match(wrapped.message, /^ec2 DescribeVpcs for vpc vpc-0123456789abcdef0 in us-east-1 failed: InvalidVpcID\.NotFound/);
  assert.deepEqual(ops(), ['ec2:DescribeVpcs:us-east-1:error']);
});

test('the client cache returns the same instance for the same target', () => {
  const t = { region: 'us-west-2', roleArn: ROLE };
  assert.equal(clients.ec2(t), clients.ec2({ ...t }));
  assert.equal(clients.sts(t), clients.sts({ ...t }));
  assert.notEqual(clients.ec2(t), clients.ec2({ region: 'us-west-2' }));
});

test('Route 53 signs for us-east-1 from any target region and is per account', async () => {
  await clients.route53({ region: 'us-west-2' }).send(new CreateHostedZoneCommand({ Name: 'base.example.com', CallerReference: 'aws-base-1' }));
  const mine = await clients.route53({ region: 'eu-west-1' }).send(new ListHostedZonesCommand({}));
  assert.deepEqual(
    mine.HostedZones?.map((z) => z.Name),
    ['base.example.com.'],
  );
  const theirs = await clients.route53({ region: 'us-west-2', roleArn: ROLE }).send(new ListHostedZonesCommand({}));
  assert.deepEqual(theirs.HostedZones, []);
  assert.ok(calls.filter((c) => c.service === 'route53').every((c) => c.region === 'us-east-1'));
});
