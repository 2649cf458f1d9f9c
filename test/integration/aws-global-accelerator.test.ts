// src/aws/global-accelerator against the test stack's Global Accelerator (test/env/moto_ga.py),
// every result read back with the SDK directly: create with ownership tags and idempotency, adopt,
// drift restored, dials, status, the deletion order with DEPLOYED waits by repeated calls, and the
// ownership checks that keep the controller off accelerators it did not create.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  CreateAcceleratorCommand,
  CreateEndpointGroupCommand,
  CreateListenerCommand,
  DescribeAcceleratorAttributesCommand,
  DescribeAcceleratorCommand,
  type GlobalAcceleratorClient,
  ListAcceleratorsCommand,
  ListEndpointGroupsCommand,
  ListListenersCommand,
  ListTagsForResourceCommand,
  UntagResourceCommand,
  UpdateEndpointGroupCommand,
} from '@aws-sdk/client-global-accelerator';
import { createAwsClients } from '../../src/aws/clients.ts';
import { GA_API_REGION } from '../../src/aws/global-accelerator/api-region.ts';
import { type EndpointGroupSpec, setTrafficDials } from '../../src/aws/global-accelerator/endpoint-groups.ts';
import { GaOwnershipError } from '../../src/aws/global-accelerator/ownership.ts';
import { dialsByRegion, readAcceleratorState } from '../../src/aws/global-accelerator/state.ts';
import { type GaSyncInput, syncGlobalAccelerator } from '../../src/aws/global-accelerator/sync.ts';
import { teardownAccelerator } from '../../src/aws/global-accelerator/teardown.ts';
import { TAG_KEYS, tagsToMap } from '../../src/aws/tags.ts';
import { type CallRecord, listOnly, type Mutate, type MutationChange } from '../../src/aws/types.ts';
import { albArn, gaClient, gaOwner, markEndpointHealth, nlbArn, setDeployDelay, sleep } from './ga-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
let ga: GlobalAcceleratorClient;
const owner = gaOwner();

beforeEach(async () => {
  ga = bed.perTest(gaClient(bed.endpoint));
  await setDeployDelay(bed.endpoint, 0.15);
});

const EAST = 'us-east-1';
const WEST = 'us-west-2';

function groups(active = EAST): EndpointGroupSpec[] {
  return [
    {
      region: EAST,
      endpoints: [{ id: nlbArn(EAST), weight: 100, clientIpPreservation: false }],
      healthCheck: { protocol: 'HTTP', port: 443, path: '/health', intervalSeconds: 10, thresholdCount: 2 },
      dial: active === EAST ? 100 : 0,
    },
    {
      region: WEST,
      endpoints: [{ id: albArn(WEST), weight: 100, clientIpPreservation: true }],
      healthCheck: { protocol: 'HTTP', port: 443, path: '/health', intervalSeconds: 10, thresholdCount: 2 },
      portOverrides: [{ listenerPort: 443, endpointPort: 8443 }],
      dial: active === WEST ? 100 : 0,
    },
  ];
}

function input(overrides: Partial<GaSyncInput> = {}): GaSyncInput {
  return {
    owner,
    create: { name: 'orders', ipAddressType: 'IPV4', enabled: true, flowLogs: { s3Bucket: 'ga-logs', s3Prefix: 'flow-logs/' } },
    listener: { protocol: 'TCP', portRanges: [{ fromPort: 443, toPort: 443 }], clientAffinity: 'NONE' },
    groups: groups(),
    ...overrides,
  };
}

/** A Mutate that runs every change and remembers it. */
function recording(): { mutate: Mutate; changes: MutationChange[] } {
  const changes: MutationChange[] = [];
  return { changes, mutate: (change, fn) => (changes.push(change), fn()) };
}

async function inventory() {
  const accelerators = (await ga.send(new ListAcceleratorsCommand({}))).Accelerators ?? [];
  const listeners = [];
  const endpointGroups = [];
  for (const a of accelerators) {
    for (const l of (await ga.send(new ListListenersCommand({ AcceleratorArn: a.AcceleratorArn }))).Listeners ?? []) {
      listeners.push(l);
      endpointGroups.push(...((await ga.send(new ListEndpointGroupsCommand({ ListenerArn: l.ListenerArn }))).EndpointGroups ?? []));
    }
  }
  return { accelerators, listeners, endpointGroups };
}

const groupIn = (all: Awaited<ReturnType<typeof inventory>>['endpointGroups'], region: string) => all.find((g) => g.EndpointGroupRegion === region);

test('creates the accelerator (our tags, flow logs), a TCP listener and one group per side at 100 and 0; a second pass changes nothing', async () => {
  const { mutate, changes } = recording();
  const result = await syncGlobalAccelerator(ga, input(), mutate);
  assert.deepEqual(
    changes.map((c) => `${c.action} ${c.resource.split(' ')[0]}`),
    ['Create Accelerator', 'Update Accelerator', 'Create Listener', 'Create EndpointGroup', 'Create EndpointGroup'],
  );
  assert.ok(changes.every((c) => c.region === GA_API_REGION));

  const seen = await inventory();
  assert.equal(seen.accelerators.length, 1);
  const acc = seen.accelerators[0]!;
  assert.equal(acc.AcceleratorArn, result.accelerator?.arn);
  assert.equal(result.accelerator?.adopted, false);
  assert.deepEqual([acc.Name, acc.Enabled, acc.IpAddressType], ['orders', true, 'IPV4']);
  const tags = tagsToMap((await ga.send(new ListTagsForResourceCommand({ ResourceArn: acc.AcceleratorArn }))).Tags);
  assert.equal(tags[TAG_KEYS.uid], owner.uid);
  assert.equal(tags[TAG_KEYS.cluster], owner.clusterId);
  assert.equal(tags[TAG_KEYS.owner], 'apps/orders');
  assert.equal(tags.team, 'payments');
  const attrs = (await ga.send(new DescribeAcceleratorAttributesCommand({ AcceleratorArn: acc.AcceleratorArn }))).AcceleratorAttributes;
  assert.deepEqual(attrs, { FlowLogsEnabled: true, FlowLogsS3Bucket: 'ga-logs', FlowLogsS3Prefix: 'flow-logs/' });

  assert.equal(seen.listeners.length, 1);
  assert.deepEqual(
    [seen.listeners[0]?.Protocol, seen.listeners[0]?.PortRanges, seen.listeners[0]?.ClientAffinity],
    ['TCP', [{ FromPort: 443, ToPort: 443 }], 'NONE'],
  );
  assert.equal(result.listenerArn, seen.listeners[0]?.ListenerArn);
  const east = groupIn(seen.endpointGroups, EAST);
  const west = groupIn(seen.endpointGroups, WEST);
  assert.deepEqual([east?.TrafficDialPercentage, west?.TrafficDialPercentage], [100, 0]);
  assert.deepEqual(result.groupArns, { [EAST]: east?.EndpointGroupArn, [WEST]: west?.EndpointGroupArn });
  assert.deepEqual(
    east?.EndpointDescriptions?.map((e) => [e.EndpointId, e.Weight, e.ClientIPPreservationEnabled]),
    [[nlbArn(EAST), 100, false]],
  );
  assert.deepEqual(
    [west?.HealthCheckProtocol, west?.HealthCheckPort, west?.HealthCheckPath, west?.HealthCheckIntervalSeconds, west?.ThresholdCount],
    ['HTTP', 443, '/health', 10, 2],
  );
  assert.deepEqual(west?.PortOverrides, [{ ListenerPort: 443, EndpointPort: 8443 }]);
  assert.equal(west?.EndpointDescriptions?.[0]?.ClientIPPreservationEnabled, true);

  const again = recording();
  const second = await syncGlobalAccelerator(ga, input({ knownArn: result.accelerator!.arn }), again.mutate);
  assert.deepEqual(again.changes, [], 'converged: nothing to change');
  assert.deepEqual(second.changes, []);
  assert.deepEqual(second.groupArns, result.groupArns);
});

test('a crash after each create (the answer never reaches status) leaves no second accelerator, listener or group', async () => {
  // Each create goes through, then the pass dies before anything is recorded; the next pass has no ARN.
  const crashAfterCreate: Mutate = async (change, fn) => {
    const out = await fn();
    if (change.action === 'Create') throw new Error(`crash after ${change.resource}`);
    return out;
  };
  for (let pass = 0; pass < 6; pass++) await syncGlobalAccelerator(ga, input(), crashAfterCreate).catch(() => undefined);
  await syncGlobalAccelerator(ga, input(), recording().mutate);
  const seen = await inventory();
  assert.deepEqual([seen.accelerators.length, seen.listeners.length, seen.endpointGroups.length], [1, 1, 2]);
});

test('every create carries an IdempotencyToken, so the middleware lets the SDK retry it; the client always signs for us-west-2', async () => {
  const calls: CallRecord[] = [];
  const aws = bed.perTest(
    createAwsClients({
      endpointUrl: bed.endpoint,
      maxAttempts: 1,
      onCall: (r) => calls.push(r),
      baseCredentials: async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }),
    }),
  );
  // The policy's side is in us-east-1; GA's API is called in us-west-2 all the same.
  const client = aws.globalAccelerator({ region: EAST });
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const i = args.input as { IdempotencyToken?: string };
      if (String(context.commandName).startsWith('Create')) sent.push(`${context.commandName} ${i.IdempotencyToken ?? 'NO TOKEN'}`);
      return next(args);
    },
    { step: 'initialize', name: 'recordTokens' },
  );
  await syncGlobalAccelerator(client, input(), recording().mutate);
  assert.equal(sent.length, 4);
  for (const s of sent) assert.match(s, / mrc-(accelerator|listener|endpoint-group)-[0-9a-f]{40}$/, s);
  assert.ok(calls.length > 0);
  assert.ok(calls.every((c) => c.service === 'globalaccelerator' && c.region === GA_API_REGION && c.outcome === 'success'));
});

test('an adopted accelerator is configured without being re-created or changed itself; dials the spec leaves unset stay', async () => {
  const theirs = (await ga.send(new CreateAcceleratorCommand({ Name: 'shared-edge', IdempotencyToken: 'user', Enabled: true }))).Accelerator!.AcceleratorArn!;
  const listenerArn = (
    await ga.send(
      new CreateListenerCommand({ AcceleratorArn: theirs, Protocol: 'TCP', PortRanges: [{ FromPort: 443, ToPort: 443 }], IdempotencyToken: 'user-l' }),
    )
  ).Listener!.ListenerArn!;
  await ga.send(new CreateEndpointGroupCommand({ ListenerArn: listenerArn, EndpointGroupRegion: EAST, TrafficDialPercentage: 30, IdempotencyToken: 'user-g' }));

  const specGroups = groups().map(({ dial: _dial, ...g }) => g);
  const { mutate, changes } = recording();
  const { create: _create, ...rest } = input();
  const result = await syncGlobalAccelerator(ga, { ...rest, adoptArn: theirs, groups: specGroups }, mutate);
  assert.deepEqual(result.accelerator, { arn: theirs, adopted: true });
  assert.equal(result.listenerArn, listenerArn, 'the listener on its port is used, not a second one');
  assert.deepEqual(
    changes.map((c) => `${c.action} ${c.resource.split(' ')[0]}`),
    ['Update EndpointGroup', 'Create EndpointGroup'],
  );

  const seen = await inventory();
  assert.equal(seen.accelerators.length, 1);
  assert.deepEqual([seen.accelerators[0]?.Name, seen.accelerators[0]?.Enabled], ['shared-edge', true]);
  assert.deepEqual((await ga.send(new ListTagsForResourceCommand({ ResourceArn: theirs }))).Tags, [], 'not tagged as ours');
  assert.equal(groupIn(seen.endpointGroups, EAST)?.TrafficDialPercentage, 30, 'its dial was left as it was');
  assert.equal(groupIn(seen.endpointGroups, EAST)?.EndpointDescriptions?.[0]?.EndpointId, nlbArn(EAST));

  // Its dials move only when asked to, and deleting it is refused.
  assert.equal(groupIn(seen.endpointGroups, WEST)?.TrafficDialPercentage, 100, "a new group gets the API's default dial");
  assert.deepEqual(await setTrafficDials(ga, owner, result.accelerator!, listenerArn, { [EAST]: 0, [WEST]: 100 }, mutate), [EAST]);
  assert.deepEqual(dialsByRegion((await readAcceleratorState(ga, theirs))!), { [EAST]: 0, [WEST]: 100 });
  await assert.rejects(teardownAccelerator(ga, owner, theirs, mutate), GaOwnershipError);
  assert.equal((await inventory()).accelerators.length, 1);
});

test('an adopted ARN that does not exist, or is not an accelerator ARN, is a terminal error naming it', async () => {
  const missing = 'arn:aws:globalaccelerator::123456789012:accelerator/00000000-0000-0000-0000-000000000000';
  const { create: _create, ...rest } = input();
  await assert.rejects(syncGlobalAccelerator(ga, { ...rest, adoptArn: missing }, recording().mutate), (e: Error & { class?: string }) => {
    assert.equal(e.class, 'Terminal');
    assert.match(e.message, /00000000-0000-0000-0000-000000000000.*no such accelerator/);
    return true;
  });
  await assert.rejects(syncGlobalAccelerator(ga, { ...rest, adoptArn: 'arn:aws:ec2:us-east-1:1:vpc/x' }, recording().mutate), /not an accelerator ARN/);
  assert.equal((await inventory()).accelerators.length, 0);
});

test('an accelerator without our tags is never taken over: a status ARN naming it stops the pass, and our tags alone find ours', async () => {
  const foreign = (await ga.send(new CreateAcceleratorCommand({ Name: 'orders', IdempotencyToken: 'x' }))).Accelerator!.AcceleratorArn!;
  const other = gaOwner({ uid: 'uid-someone-else' });
  await syncGlobalAccelerator(ga, input({ owner: other }), recording().mutate);

  const { mutate, changes } = recording();
  await assert.rejects(
    syncGlobalAccelerator(ga, input({ knownArn: foreign }), mutate),
    (e: Error) => e instanceof GaOwnershipError && /^globalaccelerator DescribeAccelerator .*multiregion\.dev\/uid=uid-orders-1/.test(e.message),
  );
  assert.deepEqual(changes, [], 'nothing was changed or created');

  // Without the status hint: neither the untagged one nor another object's is ours, so ours is created.
  const mine = await syncGlobalAccelerator(ga, input(), recording().mutate);
  assert.equal((await inventory()).accelerators.length, 3);
  assert.notEqual(mine.accelerator?.arn, foreign);
  await assert.rejects(teardownAccelerator(ga, owner, foreign, recording().mutate), GaOwnershipError);
});

test('drift is restored: a dial and an endpoint weight changed outside the controller, with the rest of the group kept', async () => {
  const first = await syncGlobalAccelerator(ga, input(), recording().mutate);
  const westArn = first.groupArns[WEST]!;
  await ga.send(
    new UpdateEndpointGroupCommand({ EndpointGroupArn: westArn, TrafficDialPercentage: 60, EndpointConfigurations: [{ EndpointId: albArn(WEST), Weight: 7 }] }),
  );

  const { mutate, changes } = recording();
  const again = await syncGlobalAccelerator(ga, input({ knownArn: first.accelerator!.arn }), mutate);
  assert.deepEqual(
    changes.map((c) => `${c.action} ${c.resource}`),
    [`Update EndpointGroup ${WEST}`],
  );
  assert.ok(again.changes.some((c) => c.includes('TrafficDialPercentage: 60 → 0')));
  assert.ok(again.changes.some((c) => c.includes('=7')));
  const west = groupIn((await inventory()).endpointGroups, WEST);
  assert.equal(west?.TrafficDialPercentage, 0);
  assert.deepEqual(
    west?.EndpointDescriptions?.map((e) => [e.Weight, e.ClientIPPreservationEnabled]),
    [[100, true]],
  );
  assert.deepEqual([west?.HealthCheckPath, west?.PortOverrides], ['/health', [{ ListenerPort: 443, EndpointPort: 8443 }]]);
});

test('setTrafficDials moves only the dials; everything else in the groups is sent back as it was', async () => {
  const first = await syncGlobalAccelerator(ga, input(), recording().mutate);
  const { mutate, changes } = recording();
  const moved = await setTrafficDials(ga, owner, first.accelerator!, first.listenerArn!, { [EAST]: 50, [WEST]: 50 }, mutate);
  assert.deepEqual(moved.sort(), [EAST, WEST]);
  assert.equal(changes.length, 2);
  const seen = await inventory();
  const west = groupIn(seen.endpointGroups, WEST);
  assert.deepEqual([groupIn(seen.endpointGroups, EAST)?.TrafficDialPercentage, west?.TrafficDialPercentage], [50, 50]);
  assert.deepEqual([west?.HealthCheckProtocol, west?.HealthCheckPath, west?.ThresholdCount, west?.PortOverrides?.length], ['HTTP', '/health', 2, 1]);
  assert.deepEqual(await setTrafficDials(ga, owner, first.accelerator!, first.listenerArn!, { [EAST]: 50 }, mutate), [], 'already there');

  // Ours lost its tags (someone edited them): no dial moves on it any more.
  await ga.send(new UntagResourceCommand({ ResourceArn: first.accelerator!.arn, TagKeys: [TAG_KEYS.uid] }));
  await assert.rejects(setTrafficDials(ga, owner, first.accelerator!, first.listenerArn!, { [EAST]: 0 }, mutate), GaOwnershipError);
  assert.equal(groupIn((await inventory()).endpointGroups, EAST)?.TrafficDialPercentage, 50);
});

test('state for status: DEPLOYED after the delay, DNS name, two static IPs, dials and endpoint health', async () => {
  await setDeployDelay(bed.endpoint, 30);
  const first = await syncGlobalAccelerator(ga, input(), recording().mutate);
  const arn = first.accelerator!.arn;
  assert.equal((await readAcceleratorState(ga, arn))?.status, 'IN_PROGRESS');
  await markEndpointHealth(bed.endpoint, albArn(WEST), 'UNHEALTHY');
  await setDeployDelay(bed.endpoint, 0.05);
  await sleep(100);
  const state = (await readAcceleratorState(ga, arn))!;
  const raw = (await ga.send(new DescribeAcceleratorCommand({ AcceleratorArn: arn }))).Accelerator!;
  assert.equal(state.status, 'DEPLOYED');
  assert.equal(state.dnsName, raw.DnsName);
  assert.deepEqual(state.ipAddresses, raw.IpSets?.[0]?.IpAddresses);
  assert.equal(state.ipAddresses.length, 2);
  assert.deepEqual(dialsByRegion(state), { [EAST]: 100, [WEST]: 0 });
  const [east, west] = state.listeners[0]!.groups;
  assert.deepEqual([east?.region, east?.healthy, east?.endpoints[0]?.health], [EAST, true, 'HEALTHY']);
  assert.deepEqual([west?.region, west?.healthy, west?.endpoints[0]?.health, west?.endpoints[0]?.reason], [WEST, false, 'UNHEALTHY', 'Health checks failed']);
  assert.equal(await readAcceleratorState(ga, 'arn:aws:globalaccelerator::123456789012:accelerator/00000000-0000-0000-0000-000000000000'), undefined);
});

test('deletion: disable, wait for DEPLOYED, groups, wait, listener, wait, accelerator — one step per call, never blocking', async () => {
  // Long enough that a slow machine cannot skip a wait between two calls 100 ms apart.
  await setDeployDelay(bed.endpoint, 0.6);
  const first = await syncGlobalAccelerator(ga, input(), recording().mutate);
  const arn = first.accelerator!.arn;
  const { mutate, changes } = recording();
  const steps: string[] = [];
  for (let i = 0; i < 100; i++) {
    const started = Date.now();
    const p = await teardownAccelerator(ga, owner, arn, mutate);
    assert.ok(Date.now() - started < 1000, 'a step never waits for AWS');
    if (steps.at(-1) !== p.step) steps.push(p.step);
    if (p.done) break;
    await sleep(100);
  }
  assert.deepEqual(steps, [
    'Disabling',
    'WaitingForDeployed',
    'DeletingEndpointGroups',
    'WaitingForDeployed',
    'DeletingListeners',
    'WaitingForDeployed',
    'DeletingAccelerator',
    'Gone',
  ]);
  assert.deepEqual(
    changes.map((c) => `${c.action} ${c.resource.split(' ')[0]}`),
    ['Update Accelerator', 'Delete EndpointGroup', 'Delete EndpointGroup', 'Delete Listener', 'Delete Accelerator'],
  );
  assert.deepEqual(await inventory(), { accelerators: [], listeners: [], endpointGroups: [] });
});

test('dry-run lists the changes of a first pass and makes none', async () => {
  const planned: MutationChange[] = [];
  const result = await syncGlobalAccelerator(ga, input(), listOnly(planned));
  assert.deepEqual(
    planned.map((c) => `${c.action} ${c.resource}`),
    ['Create Accelerator orders'],
  );
  assert.equal(result.accelerator, undefined);
  assert.deepEqual(result.changes, ['accelerator: create accelerator orders']);
  assert.equal((await inventory()).accelerators.length, 0);

  // On an existing accelerator, dry-run lists a dial change and leaves the dial.
  const made = await syncGlobalAccelerator(ga, input(), recording().mutate);
  const flip: MutationChange[] = [];
  await syncGlobalAccelerator(ga, input({ knownArn: made.accelerator!.arn, groups: groups(WEST) }), listOnly(flip));
  assert.deepEqual(
    flip.map((c) => `${c.action} ${c.resource}`),
    [`Update EndpointGroup ${EAST}`, `Update EndpointGroup ${WEST}`],
  );
  assert.deepEqual(dialsByRegion((await readAcceleratorState(ga, made.accelerator!.arn))!), { [EAST]: 100, [WEST]: 0 });
});
