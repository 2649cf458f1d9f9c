// FailoverPolicy Global Accelerator, planned switches with spec.globalAccelerator.shift: the
// controller process against the real apiserver and moto; dials read back with the SDK. A Manual
// switch goes through the steps, one step per stepSeconds; one whose receiving side turns
// unhealthy goes back and says so.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seedHostedZone } from '../env/seed.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { dials, gaBlock, gaPolicySpec } from './failover-policy-ga-fixtures.ts';
import { gaClient, markEndpointHealth, nlbArn, setDeployDelay } from './ga-fixtures.ts';
import { type Obj, uniqueName } from './helpers.ts';

const NS = 'fp-ga-shift';
const bed = new PolicyBed(NS, { eachTest: 'controller' });
const seed = {
  get endpoint() {
    return bed.stack.motoEndpoint;
  },
};
const gaStatus = (o: Obj) => o.status?.globalAccelerator ?? {};
const waitGa = (name: string, what: string, pred: (g: Record<string, any>) => boolean, timeoutMs = 30_000) =>
  bed.kube.waitFor('FailoverPolicy', NS, name, what, (o) => pred(gaStatus(o)), timeoutMs);

/** The distinct primary/secondary dial pairs status shows, in order, until `until` holds or the time runs out. */
async function dialTrail(name: string, until: (g: Record<string, any>) => boolean, timeoutMs: number): Promise<string[]> {
  const trail: string[] = [];
  const end = Date.now() + timeoutMs;
  for (;;) {
    const g = gaStatus((await bed.kube.get('FailoverPolicy', NS, name))!);
    const pair = `${g.dials?.primary}/${g.dials?.secondary}`;
    if (trail.at(-1) !== pair) trail.push(pair);
    if (until(g)) return trail;
    if (Date.now() > end) throw new Error(`timed out; dials seen: ${trail.join(' → ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function created(name: string, steps: number[], stepSeconds: number): Promise<string> {
  await setDeployDelay(bed.stack.motoEndpoint, 0.2);
  const zone = await seedHostedZone(seed, 'example.com');
  await bed.kube.apply(policyObj(NS, name, gaPolicySpec(zone, name, gaBlock(name, { shift: { steps, stepSeconds } }))));
  const o = await waitGa(name, 'DEPLOYED at 100/0', (g) => g.status === 'DEPLOYED' && g.dials?.primary === 100 && g.dials?.secondary === 0);
  return gaStatus(o).arn;
}

describe('FailoverPolicy Global Accelerator gradual shift', () => {
  test('a manual switch goes through the steps, each held stepSeconds, and ends at 0/100', async () => {
    const name = uniqueName('shift');
    const arn = await created(name, [10, 50, 100], 2);
    const started = Date.now();
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: WEST } } });
    const mid = await waitGa(name, 'first step', (g) => g.dials?.secondary === 10);
    assert.equal(gaStatus(mid).shift?.to, WEST);
    assert.equal(gaStatus(mid).shift?.step, 0);
    assert.deepEqual(await dials(gaClient(bed.stack.motoEndpoint), arn), { [EAST]: 90, [WEST]: 10 });
    const trail = await dialTrail(name, (g) => g.dials?.primary === 0 && g.dials?.secondary === 100 && !g.shift, 30_000);
    assert.deepEqual(
      trail.filter((p) => p !== '90/10'),
      ['50/50', '0/100'],
      `steps in order: ${trail}`,
    );
    assert.ok(Date.now() - started >= 4_000, 'two holds of stepSeconds');
    assert.deepEqual(await dials(gaClient(bed.stack.motoEndpoint), arn), { [EAST]: 0, [WEST]: 100 });
    const events = await bed.kube.events(NS, name);
    assert.ok(
      events.some((e) => e.reason === 'TrafficDialsMoved' && /step 1 of 3/.test(e.message)),
      JSON.stringify(events.map((e) => e.message)),
    );
  });

  test('a shift whose receiving side turns unhealthy goes back to 100/0 and says so', async () => {
    const name = uniqueName('rollback');
    const arn = await created(name, [50, 100], 60);
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { failover: { activeRegion: WEST } } });
    await waitGa(name, 'at 50/50', (g) => g.dials?.primary === 50 && g.dials?.secondary === 50 && g.status === 'DEPLOYED');
    const r = await markEndpointHealth(bed.stack.motoEndpoint, nlbArn(WEST, name), 'UNHEALTHY', { HealthReason: 'test' });
    assert.equal(r.ok, true);
    const back = await waitGa(name, 'rolled back', (g) => g.shift?.rolledBack === true && g.dials?.primary === 100 && g.dials?.secondary === 0, 20_000);
    assert.match(gaStatus(back).shift.message, /turned Unhealthy/);
    assert.equal(gaStatus(back).health?.secondary, 'Unhealthy');
    assert.deepEqual(await dials(gaClient(bed.stack.motoEndpoint), arn), { [EAST]: 100, [WEST]: 0 });
    const events = await bed.kube.events(NS, name);
    assert.ok(events.some((e) => e.reason === 'ShiftRolledBack' && e.type === 'Warning'));
  });
});
