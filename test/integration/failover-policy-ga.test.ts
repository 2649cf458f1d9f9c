// FailoverPolicy spec.globalAccelerator end to end: the controller process against the real
// apiserver and moto (Global Accelerator from test/env/moto_ga.py); GA state read back with the
// SDK directly. Created with its listener and two groups at 100/0, a manual switch moving the dials
// in one step, dial drift restored, deletion in order with DEPLOYED waits by requeue, an adopted
// accelerator configured and never deleted, Orphan leaving everything, an automatic failover.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateAcceleratorCommand,
  DescribeAcceleratorCommand,
  type GlobalAcceleratorClient,
  ListEndpointGroupsCommand,
  ListListenersCommand,
  ListTagsForResourceCommand,
  UpdateEndpointGroupCommand,
} from '@aws-sdk/client-global-accelerator';
import { seedHostedZone } from '../env/seed.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { accelerators, dials, gaBlock, gaPolicySpec } from './failover-policy-ga-fixtures.ts';
import { gaClient, setDeployDelay } from './ga-fixtures.ts';
import { condition, type Obj, uniqueName } from './helpers.ts';

const NS = 'fp-ga';
const bed = new PolicyBed(NS, { eachTest: 'controller' });
const seed = {
  get endpoint() {
    return bed.stack.motoEndpoint;
  },
};

function ga(): GlobalAcceleratorClient {
  return gaClient(bed.stack.motoEndpoint);
}

const gaStatus = (o: Obj) => o.status?.globalAccelerator ?? {};
const waitGa = (name: string, what: string, pred: (g: Record<string, any>, o: Obj) => boolean, timeoutMs = 30_000) =>
  bed.kube.waitFor('FailoverPolicy', NS, name, what, (o) => pred(gaStatus(o), o), timeoutMs);

async function untilTrue(what: string, f: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const gaOps = (op: string) => bed.ctrl!.logEntries().filter((e) => e.service === 'globalaccelerator' && e.operation === op && e.outcome === 'success');

describe('FailoverPolicy Global Accelerator', () => {
  test(
    'created with a listener and two groups at 100/0; a manual switch moves ' + 'the dials in one step; dial drift is restored; deletion goes in order',
    async () => {
      await setDeployDelay(bed.stack.motoEndpoint, 0.3);
      const zone = await seedHostedZone(seed, 'example.com');
      const name = uniqueName('ga');
      await bed.kube.apply(policyObj(NS, name, gaPolicySpec(zone, name, gaBlock(name))));
      const o = await waitGa(name, 'accelerator DEPLOYED at 100/0', (g) => g.status === 'DEPLOYED' && g.dials?.primary === 100 && g.dials?.secondary === 0);
      const g = gaStatus(o);
      const client = ga();
      const a = (await client.send(new DescribeAcceleratorCommand({ AcceleratorArn: g.arn }))).Accelerator!;
      assert.equal(a.Name, name);
      assert.equal(g.dnsName, a.DnsName);
      assert.deepEqual(
        g.ipAddresses,
        a.IpSets?.flatMap((s) => s.IpAddresses ?? []),
      );
      assert.equal(g.ipAddresses.length, 2);
      const tags = Object.fromEntries(((await client.send(new ListTagsForResourceCommand({ ResourceArn: g.arn }))).Tags ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(tags['multiregion.dev/uid'], o.metadata.uid);
      assert.deepEqual(await dials(client, g.arn), { [EAST]: 100, [WEST]: 0 });
      assert.equal((await accelerators(client)).length, 1);
      assert.equal(condition(o, 'GlobalAcceleratorSynced')?.status, 'True');

      // Manual switch: straight from 100/0 to 0/100, one UpdateEndpointGroup per group.
      const updatesBefore = gaOps('UpdateEndpointGroup').length;
      await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: WEST } } });
      await waitGa(name, 'dials 0/100', (x) => x.dials?.primary === 0 && x.dials?.secondary === 100);
      assert.deepEqual(await dials(client, g.arn), { [EAST]: 0, [WEST]: 100 });
      assert.equal(gaOps('UpdateEndpointGroup').length - updatesBefore, 2, 'one dial update per group');

      // Drift: the active dial turned down and an endpoint's weight changed outside the controller come back at the next drift check.
      await waitGa(name, 'DEPLOYED', (x) => x.status === 'DEPLOYED');
      const listener = (await client.send(new ListListenersCommand({ AcceleratorArn: g.arn }))).Listeners![0]!;
      const west = ((await client.send(new ListEndpointGroupsCommand({ ListenerArn: listener.ListenerArn }))).EndpointGroups ?? []).find(
        (x) => x.EndpointGroupRegion === WEST,
      )!;
      const westEndpoint = west.EndpointDescriptions![0]!.EndpointId!;
      await client.send(
        new UpdateEndpointGroupCommand({
          EndpointGroupArn: west.EndpointGroupArn,
          TrafficDialPercentage: 25,
          EndpointConfigurations: [{ EndpointId: westEndpoint, Weight: 7 }],
        }),
      );
      await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': 'drift-1' } } });
      const drifted = await bed.kube.waitFor('FailoverPolicy', NS, name, 'drift listed', (x) => (x.status?.drift ?? []).some((d: string) => d.includes(WEST)));
      assert.match(drifted.status.drift.join(' '), /TrafficDialPercentage: 25 → 100/);
      assert.match(drifted.status.drift.join(' '), /Endpoints: .*=7.* → .*=100/);
      await untilTrue('west dial back at 100', async () => (await dials(client, g.arn))[WEST] === 100);
      const westAfter = ((await client.send(new ListEndpointGroupsCommand({ ListenerArn: listener.ListenerArn }))).EndpointGroups ?? []).find(
        (x) => x.EndpointGroupRegion === WEST,
      )!;
      assert.equal(westAfter.EndpointDescriptions?.[0]?.Weight, 100, 'endpoint weight restored');

      // Deletion: disable, then groups, listener, accelerator, each once the last change is DEPLOYED.
      await bed.kube.delete('FailoverPolicy', NS, name);
      await bed.kube.waitGone('FailoverPolicy', NS, name, 60_000);
      assert.equal((await accelerators(client)).length, 0);
      const order = bed
        .ctrl!.logEntries()
        .filter((e) => e.service === 'globalaccelerator' && e.outcome === 'success')
        .map((e) => e.operation as string)
        .filter((op) => ['UpdateAccelerator', 'DeleteEndpointGroup', 'DeleteListener', 'DeleteAccelerator'].includes(op));
      const last = (op: string) => order.lastIndexOf(op);
      const first = (op: string) => order.indexOf(op);
      assert.ok(last('UpdateAccelerator') < first('DeleteEndpointGroup'), `disable first: ${order}`);
      assert.ok(last('DeleteEndpointGroup') < first('DeleteListener'), `groups before the listener: ${order}`);
      assert.ok(last('DeleteListener') < first('DeleteAccelerator'), `listener before the accelerator: ${order}`);
      assert.equal(gaOps('DeleteEndpointGroup').length, 2);
    },
  );

  test('an adopted accelerator is configured without being re-created, and is left with its dials when the policy goes', async () => {
    await setDeployDelay(bed.stack.motoEndpoint, 0.3);
    const client = ga();
    const theirs = (await client.send(new CreateAcceleratorCommand({ Name: 'shared-edge', IdempotencyToken: uniqueName('tok') }))).Accelerator!;
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('adopt');
    const block = gaBlock(name);
    delete block.create;
    block.acceleratorArn = theirs.AcceleratorArn;
    await bed.kube.apply(policyObj(NS, name, gaPolicySpec(zone, name, block)));
    const o = await waitGa(name, 'adopted and configured', (g) => g.adopted === true && g.dials?.primary === 100 && g.dials?.secondary === 0);
    assert.equal(gaStatus(o).arn, theirs.AcceleratorArn);
    assert.deepEqual(
      (await accelerators(client)).map((a) => a.AcceleratorArn),
      [theirs.AcceleratorArn],
      'no accelerator created',
    );
    assert.equal(gaOps('CreateAccelerator').length, 0);
    assert.deepEqual(await dials(client, theirs.AcceleratorArn!), { [EAST]: 100, [WEST]: 0 });
    const tags = (await client.send(new ListTagsForResourceCommand({ ResourceArn: theirs.AcceleratorArn }))).Tags ?? [];
    assert.equal(
      tags.some((t) => t.Key?.startsWith('multiregion.dev/')),
      false,
      'an adopted accelerator is not tagged as ours',
    );

    await bed.kube.delete('FailoverPolicy', NS, name);
    await bed.kube.waitGone('FailoverPolicy', NS, name, 60_000);
    const still = (await client.send(new DescribeAcceleratorCommand({ AcceleratorArn: theirs.AcceleratorArn }))).Accelerator!;
    assert.equal(still.Enabled, true, 'never disabled');
    assert.deepEqual(await dials(client, theirs.AcceleratorArn!), { [EAST]: 100, [WEST]: 0 }, 'dials left as they were');
    assert.equal(gaOps('DeleteEndpointGroup').length + gaOps('DeleteListener').length + gaOps('DeleteAccelerator').length, 0);
  });

  test('deletionPolicy Orphan leaves the accelerator, its listener and groups', async () => {
    await setDeployDelay(bed.stack.motoEndpoint, 0.3);
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('orphan');
    await bed.kube.apply(policyObj(NS, name, gaPolicySpec(zone, name, gaBlock(name), { deletionPolicy: 'Orphan' })));
    const o = await waitGa(name, 'DEPLOYED', (g) => g.status === 'DEPLOYED' && g.dials?.primary === 100);
    await bed.kube.delete('FailoverPolicy', NS, name);
    await bed.kube.waitGone('FailoverPolicy', NS, name, 30_000);
    const client = ga();
    const a = (await client.send(new DescribeAcceleratorCommand({ AcceleratorArn: gaStatus(o).arn }))).Accelerator!;
    assert.equal(a.Enabled, true);
    assert.deepEqual(await dials(client, gaStatus(o).arn), { [EAST]: 100, [WEST]: 0 });
  });

  test('an automatic failover moves the dials together with DNS, at once', async () => {
    await setDeployDelay(bed.stack.motoEndpoint, 0.3);
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('auto');
    const spec = gaPolicySpec(zone, name, gaBlock(name, { shift: { steps: [10, 50, 100], stepSeconds: 30 } }), {
      failover: { mode: 'Automatic', unhealthyForSeconds: 10 },
    });
    await bed.kube.apply(policyObj(NS, name, spec));
    const o = await waitGa(name, 'DEPLOYED at 100/0', (g) => g.status === 'DEPLOYED' && g.dials?.primary === 100 && g.dials?.secondary === 0);
    const ids = o.status.healthCheckIds;
    await bed.aws.putHealth(ids.primary, 1);
    await bed.aws.putHealth(ids.secondary, 1);
    await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      name,
      'both healthy',
      (x) => x.status?.health?.primary === 'Healthy' && x.status?.health?.secondary === 'Healthy',
    );
    await bed.aws.putHealth(ids.primary, 0);
    const after = await waitGa(
      name,
      'dials 0/100 with the active region',
      (g, x) => x.status?.activeRegion === WEST && g.dials?.primary === 0 && g.dials?.secondary === 100,
      60_000,
    );
    assert.equal(gaStatus(after).shift, undefined, 'an emergency failover does not step');
    assert.deepEqual(await dials(ga(), gaStatus(after).arn), { [EAST]: 0, [WEST]: 100 });
  });

  test('a Global Accelerator error stops neither the records: an adopted accelerator that does not exist is reported in its own condition', async () => {
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('gaerr');
    const block = gaBlock(name);
    delete block.create;
    block.acceleratorArn = 'arn:aws:globalaccelerator::123456789012:accelerator/00000000-0000-0000-0000-000000000000';
    await bed.kube.apply(policyObj(NS, name, gaPolicySpec(zone, name, block)));
    const o = await bed.kube.waitFor('FailoverPolicy', NS, name, 'GA error reported', (x) => condition(x, 'GlobalAcceleratorSynced')?.status === 'False');
    assert.match(condition(o, 'GlobalAcceleratorSynced')!.message, /no such accelerator/);
    await bed.kube.waitFor('FailoverPolicy', NS, name, 'records written', (x) => condition(x, 'DnsSynced')?.status === 'True');
    const recs = (await bed.aws.records(zone, `${name}.example.com`)).filter((r) => r.SetIdentifier);
    assert.equal(recs.length, 2, 'both failover records written despite the GA error');
    assert.equal((await accelerators(ga())).length, 0, 'nothing created in its place');
  });

  test('spec.globalAccelerator removed: the accelerator this policy created is deleted and status forgets it', async () => {
    await setDeployDelay(bed.stack.motoEndpoint, 0.2);
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('garm');
    await bed.kube.apply(policyObj(NS, name, gaPolicySpec(zone, name, gaBlock(name))));
    await waitGa(name, 'DEPLOYED', (g) => g.status === 'DEPLOYED' && g.dials?.primary === 100);
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { globalAccelerator: null } });
    await bed.kube.waitFor('FailoverPolicy', NS, name, 'status.globalAccelerator gone', (x) => !x.status?.globalAccelerator, 60_000);
    assert.equal((await accelerators(ga())).length, 0);
  });
  test(
    'alarms.globalAcceleratorUnhealthyEndpoints: an UnhealthyEndpointCount alarm ' +
      'in us-west-2 on the active group, following a switch, deleted with the field',
    async () => {
      await setDeployDelay(bed.stack.motoEndpoint, 0);
      const zone = await seedHostedZone(seed, 'example.com');
      const name = uniqueName('gaal');
      const spec = gaPolicySpec(zone, name, gaBlock(name), { alarms: { globalAcceleratorUnhealthyEndpoints: 1 } });
      await bed.kube.apply(policyObj(NS, name, spec));
      const o = await waitGa(name, 'DEPLOYED with its listener', (g) => g.status === 'DEPLOYED' && !!g.listenerArn);
      const alarm = async () =>
        ((await bed.aws.cw('us-west-2').send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []).find(
          (a) => a.AlarmName?.includes(name) && a.AlarmName.endsWith('ga-unhealthy-endpoints'),
        );
      const group = async () => (await alarm())?.Dimensions?.find((d) => d.Name === 'EndpointGroup')?.Value;
      await untilTrue('alarm on the primary group', async () => (await group()) === EAST);
      const a = (await alarm())!;
      assert.equal(a.Namespace, 'AWS/GlobalAccelerator');
      assert.equal(a.MetricName, 'UnhealthyEndpointCount');
      assert.equal(a.Threshold, 1);
      const dims = Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      assert.equal(dims.Accelerator, gaStatus(o).arn.split('/').pop());
      assert.equal(dims.Listener, gaStatus(o).listenerArn.split('/').pop());

      await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: WEST } } });
      await untilTrue('alarm follows the switch to the secondary group', async () => (await group()) === WEST);
      await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { alarms: null } });
      await untilTrue('alarm deleted with the field', async () => (await alarm()) === undefined);
    },
  );
});
