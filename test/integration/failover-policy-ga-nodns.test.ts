// FailoverPolicy with a Global Accelerator and no spec.dns (issue 18: DNS, GA or both): the
// controller process behind the fault proxy (whose call log shows no Route 53 call at all), the
// real apiserver and moto; dials read back with the SDK. Health comes from the endpoint groups'
// HealthState (moto_ga.py's endpoint-health hook), and an automatic failover waits out
// unhealthyForSeconds on it like on the Route 53 checks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seedDatabase } from '../env/seed.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { accelerators, dials, gaBlock } from './failover-policy-ga-fixtures.ts';
import { gaClient, markEndpointHealth, nlbArn, setDeployDelay } from './ga-fixtures.ts';
import { condition, type Obj, uniqueName } from './helpers.ts';

const NS = 'fp-ga-nodns';
const bed = new PolicyBed(NS, { eachTest: 'controllerBehindProxy' });
const ga = (o: Obj) => o.status?.globalAccelerator ?? {};
const route53Calls = () => bed.proxy!.calls.filter((c) => c.service === 'route53').map((c) => c.operation);

describe('FailoverPolicy with Global Accelerator and no DNS', () => {
  test('GA only: Synced=False until the regions are known, then converges without a Route 53 call; manual and automatic switches move the dials', async () => {
    await setDeployDelay(bed.stack.motoEndpoint, 0.2);
    const name = uniqueName('gaonly');
    const failover = { mode: 'Manual', activeRegion: EAST };
    await bed.kube.apply(policyObj(NS, name, { failover, globalAccelerator: gaBlock(name) }));
    const blocked = await bed.kube.waitCondition('FailoverPolicy', NS, name, 'Synced', 'False', 'SideRegionsUnknown');
    assert.match(condition(blocked, 'Synced')!.message, /spec\.regionPairRef: a policy without spec\.dns takes the region of both sides/);
    assert.equal(ga(blocked).arn, undefined, 'nothing created without the regions');

    const pair = uniqueName('pair');
    await bed.kube.apply({
      apiVersion: 'multiregion.dev/v1alpha1',
      kind: 'RegionPair',
      metadata: { name: pair, namespace: NS },
      spec: { primary: { region: EAST, cidrs: ['10.0.0.0/16'] }, secondary: { region: WEST, cidrs: ['10.1.0.0/16'] }, deletionPolicy: 'Orphan' },
    });
    try {
      await bed.kube.apply(policyObj(NS, name, { regionPairRef: { name: pair }, failover, globalAccelerator: gaBlock(name) }));
      const up = await bed.kube.waitFor(
        'FailoverPolicy',
        NS,
        name,
        'DEPLOYED at 100/0, both sides Healthy, Ready',
        (o) =>
          ga(o).status === 'DEPLOYED' && ga(o).dials?.primary === 100 && o.status?.health?.secondary === 'Healthy' && condition(o, 'Ready')?.status === 'True',
        30_000,
      );
      const arn = ga(up).arn as string;
      assert.equal(up.status.activeRegion, EAST);
      assert.equal(condition(up, 'DnsSynced')?.reason, 'NotConfigured');
      assert.equal(condition(up, 'FailoverReady')?.status, 'True');
      assert.deepEqual(await dials(gaClient(bed.stack.motoEndpoint), arn), { [EAST]: 100, [WEST]: 0 });

      await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: WEST } } });
      await bed.kube.waitFor('FailoverPolicy', NS, name, 'dials 0/100', (o) => ga(o).dials?.secondary === 100 && o.status?.activeRegion === WEST);
      assert.deepEqual(await dials(gaClient(bed.stack.motoEndpoint), arn), { [EAST]: 0, [WEST]: 100 });

      // Automatic: the primary's endpoints UNHEALTHY for unhealthyForSeconds send traffic to the secondary, and back once they recover.
      await bed.kube.mergePatch(
        { kind: 'FailoverPolicy', namespace: NS, name },
        { spec: { failover: { mode: 'Automatic', unhealthyForSeconds: 10, activeRegion: null } } },
      );
      await bed.kube.waitFor('FailoverPolicy', NS, name, 'back to the primary', (o) => ga(o).dials?.primary === 100 && o.status?.activeRegion === EAST);
      assert.equal((await markEndpointHealth(bed.stack.motoEndpoint, nlbArn(EAST, name), 'UNHEALTHY')).ok, true);
      const down = await bed.kube.waitFor('FailoverPolicy', NS, name, 'primary Unhealthy', (o) => o.status?.health?.primary === 'Unhealthy', 15_000);
      assert.equal(ga(down).dials?.primary, 100, 'not before unhealthyForSeconds');
      const moved = await bed.kube.waitFor('FailoverPolicy', NS, name, 'dials 0/100 by health', (o) => ga(o).dials?.secondary === 100, 25_000);
      assert.ok(Date.parse(moved.status.health.primarySince) + 10_000 <= Date.now(), 'held unhealthyForSeconds');
      assert.deepEqual(await dials(gaClient(bed.stack.motoEndpoint), arn), { [EAST]: 0, [WEST]: 100 });
      assert.equal((await markEndpointHealth(bed.stack.motoEndpoint, nlbArn(EAST, name), 'HEALTHY')).ok, true);
      await bed.kube.waitFor('FailoverPolicy', NS, name, 'back at 100/0', (o) => ga(o).dials?.primary === 100, 15_000);

      // A Dns drill (the annotation's default type) has no records to shadow: it fails at once and says why.
      await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/drill-now': '1' } } });
      const drilled = await bed.kube.waitFor('FailoverPolicy', NS, name, 'drill recorded', (o) => !!o.status?.lastDrill);
      assert.equal(drilled.status.lastDrill.result, 'Failed');
      assert.match(drilled.status.lastDrill.message, /a Dns drill needs spec\.dns/);

      // Deletion takes the accelerator down (disable, DEPLOYED, groups, listener, accelerator), still without Route 53.
      await bed.kube.delete('FailoverPolicy', NS, name);
      await bed.kube.waitGone('FailoverPolicy', NS, name, 30_000);
      assert.deepEqual(await accelerators(gaClient(bed.stack.motoEndpoint)), []);
      assert.deepEqual(route53Calls(), [], 'no Route 53 call');
    } finally {
      await bed.kube.delete('RegionPair', NS, pair);
    }
  });

  test('with a database: an automatic failover follows the endpoint health, promotes the replica and moves the dials', async () => {
    await setDeployDelay(bed.stack.motoEndpoint, 0.2);
    const name = uniqueName('gadb');
    const db = `${name}-db`;
    const replica = `${db}-replica`;
    await seedDatabase({ endpoint: bed.stack.motoEndpoint }, EAST, db);
    const spec = (failover: Record<string, unknown>) => ({
      database: {
        engine: 'postgres',
        primary: { region: EAST, instanceIdentifier: db },
        replica: { region: WEST, instanceIdentifier: replica },
        maxReplicaLagSeconds: 30,
        connectionSecret: { name: `${name}-conn` },
      },
      failover,
      globalAccelerator: gaBlock(name),
    });
    await bed.kube.apply(policyObj(NS, name, spec({ mode: 'Manual', activeRegion: EAST })));
    const up = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      name,
      'replica, dials 100/0, both sides Healthy',
      (o) => !!o.status?.database?.replica && ga(o).status === 'DEPLOYED' && ga(o).dials?.primary === 100 && o.status?.health?.secondary === 'Healthy',
      30_000,
    );
    const arn = ga(up).arn as string;
    assert.equal(up.status.health.primary, 'Healthy');
    assert.equal(condition(up, 'DnsSynced')?.reason, 'NotConfigured');
    assert.deepEqual(await dials(gaClient(bed.stack.motoEndpoint), arn), { [EAST]: 100, [WEST]: 0 });
    await bed.aws.putLag(WEST, replica, 2);
    await bed.kube.waitFor('FailoverPolicy', NS, name, 'FailoverReady', (o) => condition(o, 'FailoverReady')?.status === 'True', 30_000);

    // Automatic: the primary's endpoints turn UNHEALTHY; nothing moves before unhealthyForSeconds.
    await bed.kube.mergePatch(
      { kind: 'FailoverPolicy', namespace: NS, name },
      { spec: { failover: { mode: 'Automatic', unhealthyForSeconds: 10, activeRegion: null } } },
    );
    await markEndpointHealth(bed.stack.motoEndpoint, nlbArn(EAST, name), 'UNHEALTHY', { HealthReason: 'test' });
    const down = await bed.kube.waitFor('FailoverPolicy', NS, name, 'primary Unhealthy', (o) => o.status?.health?.primary === 'Unhealthy', 15_000);
    const unhealthySince = Date.parse(down.status.health.primarySince);
    const done = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      name,
      'failover completed with the dials moved',
      (o) => !!o.status?.lastFailover?.completedAt && ga(o).dials?.secondary === 100,
      45_000,
    );
    assert.equal(done.status.lastFailover.reason, 'PrimaryUnhealthy');
    assert.ok(Date.parse(done.status.lastFailover.startedAt) - unhealthySince >= 10_000, 'waited out unhealthyForSeconds');
    assert.deepEqual(done.status.database.writer, { region: WEST, identifier: replica });
    const steps = (done.status.lastFailover.steps ?? []).map((s: { step: string }) => s.step);
    assert.ok(steps.includes('DnsSwitched'), `the records step is recorded: ${steps}`);
    assert.deepEqual(await dials(gaClient(bed.stack.motoEndpoint), arn), { [EAST]: 0, [WEST]: 100 });
    const events = await bed.kube.events(NS, name);
    assert.ok(
      events.some((e) => e.reason === 'DnsSwitched' && /no spec.dns: no records to move, the step completes at once/.test(e.message)),
      JSON.stringify(events.map((e) => `${e.reason}: ${e.message}`)),
    );
    assert.deepEqual(route53Calls(), [], 'no Route 53 call');
  });
});
