// The test stack's Global Accelerator (test/env/moto_ga.py, loaded by moto_server_ext.py), driven
// through the real SDK and held to the API reference: its examples (the AWS CLI's
// create-accelerator, create-listener, create-endpoint-group, update-endpoint-group, … pages), the
// ARN formats, defaults, paging and documented errors, IdempotencyToken, IN_PROGRESS → DEPLOYED,
// and the test hooks (deployment delay, endpoint health, reset).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  CreateAcceleratorCommand,
  CreateEndpointGroupCommand,
  CreateListenerCommand,
  DeleteAcceleratorCommand,
  DeleteEndpointGroupCommand,
  DeleteListenerCommand,
  DescribeAcceleratorAttributesCommand,
  DescribeAcceleratorCommand,
  DescribeEndpointGroupCommand,
  DescribeListenerCommand,
  type GlobalAcceleratorClient,
  ListAcceleratorsCommand,
  ListEndpointGroupsCommand,
  ListListenersCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAcceleratorAttributesCommand,
  UpdateAcceleratorCommand,
  UpdateEndpointGroupCommand,
  UpdateListenerCommand,
} from '@aws-sdk/client-global-accelerator';
import { albArn, DEFAULT_ACCOUNT, gaClient, markEndpointHealth, nlbArn, SECOND_ROLE, setDeployDelay, sleep } from './ga-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
let ga: GlobalAcceleratorClient;

beforeEach(() => {
  ga = bed.perTest(gaClient(bed.endpoint));
});

const ACCELERATOR_ARN = /^arn:aws:globalaccelerator::(\d{12}):accelerator\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `name` of the error an SDK call failed with. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).name;
  }
  return 'no error';
}

async function accelerator(name = 'ExampleAccelerator', token = name) {
  const out = await ga.send(new CreateAcceleratorCommand({ Name: name, IdempotencyToken: token }));
  return out.Accelerator!.AcceleratorArn!;
}

async function listener(acceleratorArn: string, ports: Array<[number, number]> = [[80, 80]], token = `l-${ports}`) {
  const out = await ga.send(
    new CreateListenerCommand({
      AcceleratorArn: acceleratorArn,
      Protocol: 'TCP',
      PortRanges: ports.map(([FromPort, ToPort]) => ({ FromPort, ToPort })),
      IdempotencyToken: token,
    }),
  );
  return out.Listener!.ListenerArn!;
}

async function status(arn: string) {
  return (await ga.send(new DescribeAcceleratorCommand({ AcceleratorArn: arn }))).Accelerator?.Status;
}

test('create-accelerator example: real ARN, two static IPv4 addresses, DNS name, IN_PROGRESS, then DEPLOYED after the default 1 s', async () => {
  const out = await ga.send(
    new CreateAcceleratorCommand({
      Name: 'ExampleAccelerator',
      IdempotencyToken: 'example-1',
      Tags: [
        { Key: 'Name', Value: 'Example Name' },
        { Key: 'Project', Value: 'Example Project' },
      ],
    }),
  );
  const a = out.Accelerator!;
  assert.match(a.AcceleratorArn!, ACCELERATOR_ARN);
  assert.equal(ACCELERATOR_ARN.exec(a.AcceleratorArn!)?.[1], DEFAULT_ACCOUNT);
  assert.equal(a.Name, 'ExampleAccelerator');
  assert.equal(a.IpAddressType, 'IPV4');
  assert.equal(a.Enabled, true, 'Enabled defaults to true');
  assert.equal(a.Status, 'IN_PROGRESS');
  assert.equal(a.IpSets?.length, 1);
  assert.equal(a.IpSets?.[0]?.IpFamily, 'IPv4');
  assert.equal(a.IpSets?.[0]?.IpAddresses?.length, 2);
  assert.match(a.DnsName!, /^a[0-9a-f]{16}\.awsglobalaccelerator\.com$/);
  assert.ok(a.CreatedTime instanceof Date && a.LastModifiedTime instanceof Date);
  assert.equal(a.DualStackDnsName, undefined, 'only a dual-stack accelerator has one');

  await sleep(250);
  assert.equal(await status(a.AcceleratorArn!), 'IN_PROGRESS', 'not before the delay');
  await sleep(1050);
  assert.equal(await status(a.AcceleratorArn!), 'DEPLOYED');

  const tags = await ga.send(new ListTagsForResourceCommand({ ResourceArn: a.AcceleratorArn }));
  assert.deepEqual(tags.Tags, [
    { Key: 'Name', Value: 'Example Name' },
    { Key: 'Project', Value: 'Example Project' },
  ]);
});

test('IdempotencyToken: the same token answers with the same accelerator, listener and endpoint group; a new token makes another', async () => {
  const first = await accelerator('orders', 'tok-a');
  assert.equal(await accelerator('orders', 'tok-a'), first);
  assert.equal(await accelerator('a-different-name', 'tok-a'), first, 'the token decides, not the other parameters');
  const listed = await ga.send(new ListAcceleratorsCommand({}));
  assert.deepEqual(
    listed.Accelerators?.map((a) => a.AcceleratorArn),
    [first],
  );
  assert.notEqual(await accelerator('orders', 'tok-b'), first);

  const l1 = await listener(first, [[443, 443]], 'tok-l');
  assert.equal(await listener(first, [[443, 443]], 'tok-l'), l1);
  const group = () =>
    ga.send(
      new CreateEndpointGroupCommand({
        ListenerArn: l1,
        EndpointGroupRegion: 'us-east-1',
        EndpointConfigurations: [{ EndpointId: nlbArn('us-east-1') }],
        IdempotencyToken: 'tok-g',
      }),
    );
  const g1 = (await group()).EndpointGroup!.EndpointGroupArn;
  assert.equal((await group()).EndpointGroup!.EndpointGroupArn, g1, 'no EndpointGroupAlreadyExists for the same token');
});

test('describe, list and paging: not found, malformed ARN, MaxResults/NextToken (default page 10), bad token', async () => {
  assert.equal(
    await failure(
      ga.send(
        new DescribeAcceleratorCommand({ AcceleratorArn: `arn:aws:globalaccelerator::${DEFAULT_ACCOUNT}:accelerator/00000000-0000-0000-0000-000000000000` }),
      ),
    ),
    'AcceleratorNotFoundException',
  );
  assert.equal(await failure(ga.send(new DescribeAcceleratorCommand({ AcceleratorArn: 'not-an-arn' }))), 'InvalidArgumentException');
  const arns: string[] = [];
  for (let i = 0; i < 12; i++) arns.push(await accelerator(`acc-${i}`));
  const first = await ga.send(new ListAcceleratorsCommand({}));
  assert.equal(first.Accelerators?.length, 10, 'the default MaxResults is 10');
  const rest = await ga.send(new ListAcceleratorsCommand({ NextToken: first.NextToken }));
  assert.equal(rest.Accelerators?.length, 2);
  assert.equal(rest.NextToken, undefined);
  assert.deepEqual(
    [...(first.Accelerators ?? []), ...(rest.Accelerators ?? [])].map((a) => a.AcceleratorArn),
    arns,
  );
  const small = await ga.send(new ListAcceleratorsCommand({ MaxResults: 5 }));
  assert.equal(small.Accelerators?.length, 5);
  assert.equal(await failure(ga.send(new ListAcceleratorsCommand({ NextToken: 'bogus' }))), 'InvalidNextTokenException');
  assert.equal(await failure(ga.send(new ListAcceleratorsCommand({ MaxResults: 101 }))), 'InvalidArgumentException');
});

test('create-accelerator refuses a bad name; the account allows 20 accelerators', async () => {
  for (const Name of ['-leading', 'trailing.', 'under_score', 'x'.repeat(65)]) {
    assert.equal(await failure(ga.send(new CreateAcceleratorCommand({ Name, IdempotencyToken: Name }))), 'InvalidArgumentException', Name);
  }
  for (let i = 0; i < 20; i++) await accelerator(`acc-${i}`);
  assert.equal(await failure(ga.send(new CreateAcceleratorCommand({ Name: 'one-more', IdempotencyToken: 'one-more' }))), 'LimitExceededException');
});

test('update-accelerator example: rename and disable deploy again; DUAL_STACK adds two IPv6 addresses and a dual-stack DNS name', async () => {
  await setDeployDelay(bed.endpoint, 0.1);
  const arn = await accelerator();
  await sleep(200);
  assert.equal(await status(arn), 'DEPLOYED');
  const renamed = (await ga.send(new UpdateAcceleratorCommand({ AcceleratorArn: arn, Name: 'ExampleAcceleratorNew' }))).Accelerator!;
  assert.equal(renamed.Name, 'ExampleAcceleratorNew');
  assert.equal(renamed.Status, 'IN_PROGRESS');
  assert.equal(renamed.Enabled, true, 'what the call leaves out stays');
  await sleep(200);
  const dual = (await ga.send(new UpdateAcceleratorCommand({ AcceleratorArn: arn, IpAddressType: 'DUAL_STACK', Enabled: false }))).Accelerator!;
  assert.equal(dual.Enabled, false);
  assert.deepEqual(
    dual.IpSets?.map((s) => [s.IpAddressFamily, s.IpAddresses?.length]),
    [
      ['IPv4', 2],
      ['IPv6', 2],
    ],
  );
  assert.equal(dual.IpSets?.[0]?.IpAddresses?.join(), renamed.IpSets?.[0]?.IpAddresses?.join(), 'the static IPv4 addresses stay');
  assert.match(dual.DualStackDnsName!, /^a[0-9a-f]{16}\.dualstack\.awsglobalaccelerator\.com$/);
  assert.equal(await failure(ga.send(new UpdateAcceleratorCommand({ AcceleratorArn: otherId(arn), Name: 'x' }))), 'AcceleratorNotFoundException');
});

test('update-accelerator-attributes example: flow logs to S3; enabling them without bucket and prefix is refused', async () => {
  const arn = await accelerator();
  const before = await ga.send(new DescribeAcceleratorAttributesCommand({ AcceleratorArn: arn }));
  assert.deepEqual(before.AcceleratorAttributes, { FlowLogsEnabled: false });
  const out = await ga.send(
    new UpdateAcceleratorAttributesCommand({
      AcceleratorArn: arn,
      FlowLogsEnabled: true,
      FlowLogsS3Bucket: 'flowlogs-abc',
      FlowLogsS3Prefix: 'bucketprefix-abc',
    }),
  );
  assert.deepEqual(out.AcceleratorAttributes, { FlowLogsEnabled: true, FlowLogsS3Bucket: 'flowlogs-abc', FlowLogsS3Prefix: 'bucketprefix-abc' });
  const after = await ga.send(new DescribeAcceleratorAttributesCommand({ AcceleratorArn: arn }));
  assert.deepEqual(after.AcceleratorAttributes, out.AcceleratorAttributes);
  const other = await accelerator('other');
  assert.equal(await failure(ga.send(new UpdateAcceleratorAttributesCommand({ AcceleratorArn: other, FlowLogsEnabled: true }))), 'InvalidArgumentException');
});

test('create-listener / update-listener examples: ARN under the accelerator, ClientAffinity NONE by default, ports unique per accelerator', async () => {
  const acc = await accelerator();
  const out = await ga.send(
    new CreateListenerCommand({
      AcceleratorArn: acc,
      PortRanges: [
        { FromPort: 80, ToPort: 80 },
        { FromPort: 81, ToPort: 81 },
      ],
      Protocol: 'TCP',
      IdempotencyToken: 'l1',
    }),
  );
  const l = out.Listener!;
  assert.match(l.ListenerArn!, new RegExp(`^${acc}/listener/[0-9a-f]{8}$`));
  assert.equal(l.ClientAffinity, 'NONE');
  assert.deepEqual(l.PortRanges, [
    { FromPort: 80, ToPort: 80 },
    { FromPort: 81, ToPort: 81 },
  ]);
  assert.deepEqual((await ga.send(new DescribeListenerCommand({ ListenerArn: l.ListenerArn }))).Listener, l);
  assert.deepEqual((await ga.send(new ListListenersCommand({ AcceleratorArn: acc }))).Listeners, [l]);

  const updated = (await ga.send(new UpdateListenerCommand({ ListenerArn: l.ListenerArn, PortRanges: [{ FromPort: 100, ToPort: 100 }] }))).Listener!;
  assert.deepEqual(updated.PortRanges, [{ FromPort: 100, ToPort: 100 }]);
  assert.equal(updated.Protocol, 'TCP', 'what the call leaves out stays');

  const clash = ga.send(
    new CreateListenerCommand({ AcceleratorArn: acc, Protocol: 'TCP', PortRanges: [{ FromPort: 90, ToPort: 110 }], IdempotencyToken: 'l2' }),
  );
  assert.equal(await failure(clash), 'InvalidPortRangeException');
  const udp = await ga.send(
    new CreateListenerCommand({ AcceleratorArn: acc, Protocol: 'UDP', PortRanges: [{ FromPort: 100, ToPort: 100 }], IdempotencyToken: 'l3' }),
  );
  assert.ok(udp.Listener?.ListenerArn, 'the same port on another protocol is another listener');
  const backwards = ga.send(
    new CreateListenerCommand({ AcceleratorArn: acc, Protocol: 'TCP', PortRanges: [{ FromPort: 9, ToPort: 8 }], IdempotencyToken: 'l4' }),
  );
  assert.equal(await failure(backwards), 'InvalidPortRangeException');
  assert.equal(await failure(ga.send(new DescribeListenerCommand({ ListenerArn: `${acc}/listener/00000000` }))), 'ListenerNotFoundException');
  assert.equal(await failure(ga.send(new ListListenersCommand({ AcceleratorArn: otherId(acc) }))), 'AcceleratorNotFoundException');
});

test('create-endpoint-group example: defaults from the API reference, HEALTHY endpoints, one group per Region', async () => {
  const acc = await accelerator();
  const l = await listener(acc, [[80, 80]]);
  const g = (
    await ga.send(
      new CreateEndpointGroupCommand({
        ListenerArn: l,
        EndpointGroupRegion: 'us-east-1',
        EndpointConfigurations: [{ EndpointId: 'i-1234567890abcdef0', Weight: 128 }],
        IdempotencyToken: 'g1',
      }),
    )
  ).EndpointGroup!;
  assert.match(g.EndpointGroupArn!, new RegExp(`^${l}/endpoint-group/[0-9a-f]{12}$`));
  assert.equal(g.EndpointGroupRegion, 'us-east-1');
  assert.equal(g.TrafficDialPercentage, 100);
  assert.equal(g.HealthCheckPort, 80, "the listener's first port");
  assert.equal(g.HealthCheckProtocol, 'TCP');
  assert.equal(g.HealthCheckIntervalSeconds, 30);
  assert.equal(g.ThresholdCount, 3);
  assert.deepEqual(g.EndpointDescriptions, [{ EndpointId: 'i-1234567890abcdef0', Weight: 128, HealthState: 'HEALTHY', ClientIPPreservationEnabled: false }]);
  assert.deepEqual((await ga.send(new DescribeEndpointGroupCommand({ EndpointGroupArn: g.EndpointGroupArn }))).EndpointGroup, g);

  const again = ga.send(new CreateEndpointGroupCommand({ ListenerArn: l, EndpointGroupRegion: 'us-east-1', IdempotencyToken: 'g2' }));
  assert.equal(await failure(again), 'EndpointGroupAlreadyExistsException');
  const west = ga.send(new CreateEndpointGroupCommand({ ListenerArn: l, EndpointGroupRegion: 'us-west-2', IdempotencyToken: 'g3', TrafficDialPercentage: 0 }));
  assert.equal((await west).EndpointGroup?.TrafficDialPercentage, 0);
  const listed = await ga.send(new ListEndpointGroupsCommand({ ListenerArn: l, MaxResults: 1 }));
  assert.equal(listed.EndpointGroups?.length, 1);
  assert.ok(listed.NextToken, 'paged');

  const wrongRegion = ga.send(
    new CreateEndpointGroupCommand({
      ListenerArn: l,
      EndpointGroupRegion: 'eu-west-1',
      EndpointConfigurations: [{ EndpointId: nlbArn('us-east-1') }],
      IdempotencyToken: 'g4',
    }),
  );
  assert.equal(await failure(wrongRegion), 'InvalidArgumentException', 'an endpoint must be in its group’s Region');
  const badInterval = ga.send(
    new CreateEndpointGroupCommand({ ListenerArn: l, EndpointGroupRegion: 'eu-west-1', HealthCheckIntervalSeconds: 20, IdempotencyToken: 'g5' }),
  );
  assert.equal(await failure(badInterval), 'InvalidArgumentException', 'the interval is 10 or 30');
  const eipPreserve = ga.send(
    new CreateEndpointGroupCommand({
      ListenerArn: l,
      EndpointGroupRegion: 'eu-west-1',
      EndpointConfigurations: [{ EndpointId: 'eipalloc-0123456789abcdef0', ClientIPPreservationEnabled: true }],
      IdempotencyToken: 'g6',
    }),
  );
  assert.equal(await failure(eipPreserve), 'InvalidArgumentException', 'no client IP preservation for Elastic IPs');
});

test('update-endpoint-group example: endpoints replaced, ALBs preserve client IPs by default, what is left out stays', async () => {
  const acc = await accelerator();
  const l = await listener(acc, [[443, 443]]);
  const created = await ga.send(
    new CreateEndpointGroupCommand({
      ListenerArn: l,
      EndpointGroupRegion: 'us-east-1',
      TrafficDialPercentage: 40,
      HealthCheckProtocol: 'HTTPS',
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 10,
      ThresholdCount: 2,
      PortOverrides: [{ ListenerPort: 443, EndpointPort: 8443 }],
      IdempotencyToken: 'g1',
    }),
  );
  const arn = created.EndpointGroup!.EndpointGroupArn!;
  assert.equal(created.EndpointGroup?.HealthCheckPath, '/health');
  const out = await ga.send(
    new UpdateEndpointGroupCommand({
      EndpointGroupArn: arn,
      EndpointConfigurations: [
        { EndpointId: 'eipalloc-eip01234567890abc', Weight: 128 },
        { EndpointId: albArn('us-east-1'), Weight: 128 },
        { EndpointId: nlbArn('us-east-1'), Weight: 128 },
      ],
    }),
  );
  const g = out.EndpointGroup!;
  assert.deepEqual(
    g.EndpointDescriptions?.map((e) => [e.EndpointId, e.Weight, e.ClientIPPreservationEnabled, e.HealthState]),
    [
      ['eipalloc-eip01234567890abc', 128, false, 'HEALTHY'],
      [albArn('us-east-1'), 128, true, 'HEALTHY'],
      [nlbArn('us-east-1'), 128, false, 'HEALTHY'],
    ],
  );
  assert.equal(g.TrafficDialPercentage, 40, 'the dial is not reset by an update that leaves it out');
  assert.equal(g.HealthCheckProtocol, 'HTTPS');
  assert.equal(g.HealthCheckPath, '/health');
  assert.equal(g.HealthCheckIntervalSeconds, 10);
  assert.equal(g.ThresholdCount, 2);
  assert.deepEqual(g.PortOverrides, [{ ListenerPort: 443, EndpointPort: 8443 }]);
  const dial = await ga.send(new UpdateEndpointGroupCommand({ EndpointGroupArn: arn, TrafficDialPercentage: 0 }));
  assert.equal(dial.EndpointGroup?.TrafficDialPercentage, 0);
  assert.equal(dial.EndpointGroup?.EndpointDescriptions?.length, 3);
  assert.equal(await failure(ga.send(new UpdateEndpointGroupCommand({ EndpointGroupArn: arn, TrafficDialPercentage: 101 }))), 'InvalidArgumentException');
  const outside = ga.send(new UpdateEndpointGroupCommand({ EndpointGroupArn: arn, PortOverrides: [{ ListenerPort: 80, EndpointPort: 8080 }] }));
  assert.equal(await failure(outside), 'InvalidArgumentException', "a port override must be on one of the listener's ports");
  assert.equal(
    await failure(ga.send(new DescribeEndpointGroupCommand({ EndpointGroupArn: `${l}/endpoint-group/000000000000` }))),
    'EndpointGroupNotFoundException',
  );
});

test('deletion follows the documented order: groups, listener, then the accelerator once disabled and DEPLOYED', async () => {
  await setDeployDelay(bed.endpoint, 0.6);
  const acc = await accelerator();
  const l = await listener(acc);
  const g = (await ga.send(new CreateEndpointGroupCommand({ ListenerArn: l, EndpointGroupRegion: 'us-east-1', IdempotencyToken: 'g' }))).EndpointGroup!
    .EndpointGroupArn!;
  await sleep(800);
  assert.equal(await status(acc), 'DEPLOYED');

  assert.equal(await failure(ga.send(new DeleteListenerCommand({ ListenerArn: l }))), 'AssociatedEndpointGroupFoundException');
  assert.equal(await failure(ga.send(new DeleteAcceleratorCommand({ AcceleratorArn: acc }))), 'AcceleratorNotDisabledException', 'enabled');
  await ga.send(new UpdateAcceleratorCommand({ AcceleratorArn: acc, Enabled: false }));
  assert.equal(await status(acc), 'IN_PROGRESS');
  assert.equal(
    await failure(ga.send(new DeleteAcceleratorCommand({ AcceleratorArn: acc }))),
    'AcceleratorNotDisabledException',
    'the disable is not DEPLOYED yet',
  );
  await sleep(800);
  assert.equal(await failure(ga.send(new DeleteAcceleratorCommand({ AcceleratorArn: acc }))), 'AssociatedListenerFoundException');

  await ga.send(new DeleteEndpointGroupCommand({ EndpointGroupArn: g }));
  assert.equal(await status(acc), 'IN_PROGRESS', 'a change under the accelerator deploys it again');
  assert.equal(await failure(ga.send(new DeleteEndpointGroupCommand({ EndpointGroupArn: g }))), 'EndpointGroupNotFoundException');
  await ga.send(new DeleteListenerCommand({ ListenerArn: l }));
  await sleep(800);
  await ga.send(new DeleteAcceleratorCommand({ AcceleratorArn: acc }));
  assert.equal(await failure(ga.send(new DescribeAcceleratorCommand({ AcceleratorArn: acc }))), 'AcceleratorNotFoundException');
  assert.deepEqual((await ga.send(new ListAcceleratorsCommand({}))).Accelerators, []);
  // A deleted resource frees its token: a create with it makes a new accelerator.
  assert.notEqual(await accelerator(), acc);
});

test('tag-resource / untag-resource / list-tags-for-resource examples: accelerators only; untag of a deleted one succeeds', async () => {
  const acc = await accelerator();
  await ga.send(
    new TagResourceCommand({
      ResourceArn: acc,
      Tags: [
        { Key: 'Name', Value: 'Example Name' },
        { Key: 'Project', Value: 'Example Project' },
      ],
    }),
  );
  await ga.send(new TagResourceCommand({ ResourceArn: acc, Tags: [{ Key: 'Project', Value: 'A123456' }] }));
  await ga.send(new UntagResourceCommand({ ResourceArn: acc, TagKeys: ['Name'] }));
  assert.deepEqual((await ga.send(new ListTagsForResourceCommand({ ResourceArn: acc }))).Tags, [{ Key: 'Project', Value: 'A123456' }]);

  const l = await listener(acc);
  assert.equal(await failure(ga.send(new TagResourceCommand({ ResourceArn: l, Tags: [{ Key: 'k', Value: 'v' }] }))), 'InvalidArgumentException');
  assert.deepEqual((await ga.send(new ListTagsForResourceCommand({ ResourceArn: l }))).Tags, []);
  assert.equal(await failure(ga.send(new TagResourceCommand({ ResourceArn: acc, Tags: [{ Key: 'aws:reserved', Value: 'v' }] }))), 'InvalidArgumentException');
  const gone = `arn:aws:globalaccelerator::${DEFAULT_ACCOUNT}:accelerator/00000000-0000-0000-0000-000000000000`;
  await ga.send(new UntagResourceCommand({ ResourceArn: gone, TagKeys: ['Project'] }));
  assert.equal(await failure(ga.send(new ListTagsForResourceCommand({ ResourceArn: gone }))), 'AcceleratorNotFoundException');
});

test('the API is in us-west-2 only, and accelerators belong to the account of the keys', async () => {
  const east = bed.perTest(gaClient(bed.endpoint, { region: 'us-east-1' }));
  assert.equal(await failure(east.send(new ListAcceleratorsCommand({}))), 'InvalidEndpointException');

  const mine = await accelerator();
  const other = bed.perTest(gaClient(bed.endpoint, { roleArn: SECOND_ROLE }));
  const theirs = (await other.send(new CreateAcceleratorCommand({ Name: 'theirs', IdempotencyToken: 't' }))).Accelerator!.AcceleratorArn!;
  assert.equal(ACCELERATOR_ARN.exec(theirs)?.[1], '222222222222');
  assert.deepEqual(
    (await ga.send(new ListAcceleratorsCommand({}))).Accelerators?.map((a) => a.AcceleratorArn),
    [mine],
  );
  assert.equal(await failure(ga.send(new DescribeAcceleratorCommand({ AcceleratorArn: theirs }))), 'AcceleratorNotFoundException');
});

test('test hooks: endpoint health marks and the deployment delay; /moto-api/reset clears both', async () => {
  await setDeployDelay(bed.endpoint, 30);
  const acc = await accelerator();
  const l = await listener(acc);
  const nlb = nlbArn('us-east-1');
  const g = (
    await ga.send(
      new CreateEndpointGroupCommand({
        ListenerArn: l,
        EndpointGroupRegion: 'us-east-1',
        EndpointConfigurations: [{ EndpointId: nlb }],
        IdempotencyToken: 'g',
      }),
    )
  ).EndpointGroup!.EndpointGroupArn!;
  const health = async () => (await ga.send(new DescribeEndpointGroupCommand({ EndpointGroupArn: g }))).EndpointGroup?.EndpointDescriptions?.[0];

  assert.equal((await markEndpointHealth(bed.endpoint, nlb, 'UNHEALTHY')).status, 200);
  assert.deepEqual([(await health())?.HealthState, (await health())?.HealthReason], ['UNHEALTHY', 'Health checks failed']);
  await markEndpointHealth(bed.endpoint, nlb, 'HEALTHY');
  assert.equal((await health())?.HealthState, 'HEALTHY');
  await markEndpointHealth(bed.endpoint, nlb, 'UNHEALTHY', { HealthReason: 'TIMEOUT' });
  assert.equal((await health())?.HealthReason, 'TIMEOUT');
  assert.equal((await markEndpointHealth(bed.endpoint, nlb, 'SICK')).status, 400, 'a state GA does not report is refused');
  await markEndpointHealth(bed.endpoint, nlb, 'UNHEALTHY', { AccountId: '222222222222' });

  await sleep(300);
  assert.equal(await status(acc), 'IN_PROGRESS', 'the 30 s delay set through the state manager holds');

  const reset = await fetch(`${bed.endpoint}/moto-api/reset`, { method: 'POST' });
  assert.equal(reset.status, 200);
  assert.deepEqual((await ga.send(new ListAcceleratorsCommand({}))).Accelerators, []);
  const acc2 = await accelerator();
  const l2 = await listener(acc2);
  const g2 = await ga.send(
    new CreateEndpointGroupCommand({ ListenerArn: l2, EndpointGroupRegion: 'us-east-1', EndpointConfigurations: [{ EndpointId: nlb }], IdempotencyToken: 'g' }),
  );
  assert.equal(g2.EndpointGroup?.EndpointDescriptions?.[0]?.HealthState, 'HEALTHY', 'the mark went with the reset');
  await sleep(1300);
  assert.equal(await status(acc2), 'DEPLOYED', 'the reset restored the default 1 s delay');
});

/** The same ARN with another last character: an accelerator that does not exist. */
function otherId(arn: string): string {
  return `${arn.slice(0, -1)}${arn.endsWith('0') ? '1' : '0'}`;
}
