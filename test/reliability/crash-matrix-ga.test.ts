// Crash matrix for a FailoverPolicy's Global Accelerator: for every GA mutating call a policy makes
// while converging (each create: the accelerator, its listener, both endpoint groups) and while
// deleting (disable, groups, listener, accelerator), discovered from a clean run's call log, the
// controller is SIGKILLed right after AWS applied the call and its answer was lost. A new process
// must converge to exactly one accelerator with one listener and one group per Region at 100/0,
// and deleting must leave no accelerator behind.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type GlobalAcceleratorClient, ListEndpointGroupsCommand, ListListenersCommand } from '@aws-sdk/client-global-accelerator';
import { FaultProxy } from '../env/fault-proxy.ts';
import { seedHostedZone } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { clearPolicies, EAST, policyObj, WEST } from '../integration/failover-policy-fixtures.ts';
import { accelerators, gaBlock, gaPolicySpec } from '../integration/failover-policy-ga-fixtures.ts';
import { gaClient, setDeployDelay } from '../integration/ga-fixtures.ts';
import { Kube, type Obj, uniqueName } from '../integration/helpers.ts';
import { CrashKit, type CrashResult, crashRounds, failedPoints, mutatingSteps, recordCrashMatrix } from './crash-kit.ts';

const NS = 'rel-crash-ga';
let stack: Stack;
let kube: Kube;
let ga: GlobalAcceleratorClient;
let proxy: FaultProxy;
let kit: CrashKit;

async function fresh(): Promise<string> {
  proxy.clear();
  proxy.calls.length = 0;
  await clearPolicies(kube, NS);
  await stack.resetMoto();
  await setDeployDelay(stack.motoEndpoint, 0.2);
  return seedHostedZone({ endpoint: stack.motoEndpoint }, 'example.com');
}

const converged = (name: string) =>
  kube.waitFor(
    'FailoverPolicy',
    NS,
    name,
    'accelerator DEPLOYED at 100/0',
    (o) => {
      const g = o.status?.globalAccelerator;
      return g?.status === 'DEPLOYED' && g.dials?.primary === 100 && g.dials?.secondary === 0;
    },
    60_000,
  );

/** More than one accelerator, listener or group per Region; or status naming another accelerator. */
async function auditConverged(o: Obj): Promise<string[]> {
  const bad: string[] = [];
  const accs = await accelerators(ga);
  if (accs.length !== 1) bad.push(`accelerators: ${accs.length} (want 1)`);
  for (const a of accs) {
    const listeners = (await ga.send(new ListListenersCommand({ AcceleratorArn: a.AcceleratorArn }))).Listeners ?? [];
    if (listeners.length !== 1) bad.push(`listeners of ${a.AcceleratorArn}: ${listeners.length} (want 1)`);
    for (const l of listeners) {
      const groups = (await ga.send(new ListEndpointGroupsCommand({ ListenerArn: l.ListenerArn }))).EndpointGroups ?? [];
      const regions = groups.map((g) => g.EndpointGroupRegion).sort();
      if (regions.join(',') !== [EAST, WEST].sort().join(',')) bad.push(`endpoint groups: ${regions.join(',')}`);
    }
  }
  if (accs.length === 1 && o.status?.globalAccelerator?.arn !== accs[0]?.AcceleratorArn) bad.push('status names another accelerator');
  return bad;
}

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  ga = gaClient(stack.motoEndpoint);
  await kube.ensureNamespace(NS);
  proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  kit = new CrashKit({ kubeconfigPath: stack.kubeconfigPath, proxy, label: 'crash-ga' });
});
after(async () => {
  await kit.stop();
  await clearPolicies(kube, NS);
  await proxy.stop();
  ga.destroy();
  await stack.stop();
});

describe('FailoverPolicy Global Accelerator crash matrix', () => {
  const converge: string[] = [];
  const deletion: string[] = [];
  const results: CrashResult[] = [];
  const gaOnly = (p: string) => p.startsWith('globalaccelerator:');

  test('a clean run lists the GA mutating calls of converge and delete', async () => {
    const zone = await fresh();
    await kit.current();
    const name = uniqueName('clean');
    await kube.apply(policyObj(NS, name, gaPolicySpec(zone, name, gaBlock(name))));
    const o = await converged(name);
    assert.deepEqual(await auditConverged(o), []);
    const split = proxy.calls.length;
    await kube.delete('FailoverPolicy', NS, name);
    await kube.waitGone('FailoverPolicy', NS, name, 60_000);
    converge.push(...mutatingSteps(proxy.calls.slice(0, split)).filter(gaOnly));
    // Each kind of delete step once (the second group's delete is the same step as the first's).
    deletion.push(...mutatingSteps(proxy.calls.slice(split)).filter((p) => gaOnly(p) && !p.includes('#')));
    assert.equal((await accelerators(ga)).length, 0);
    for (const op of ['CreateAccelerator', 'CreateListener', 'CreateEndpointGroup', 'CreateEndpointGroup#2'])
      assert.ok(converge.includes(`globalaccelerator:${op}`), `clean converge calls ${op}: ${converge.join(',')}`);
    for (const op of ['UpdateAccelerator', 'DeleteEndpointGroup', 'DeleteListener', 'DeleteAccelerator'])
      assert.ok(deletion.includes(`globalaccelerator:${op}`), `clean delete calls ${op}: ${deletion.join(',')}`);
    console.log(`# GA crash points: converge ${converge.join(' ')} | delete ${deletion.join(' ')}`);
  });

  test('killed right after each GA create and each deletion step: one accelerator, listener and group per Region; nothing left after delete', async (t) => {
    let name = '';
    await crashRounds(
      t,
      kit,
      { converge, delete: deletion },
      {
        fresh: async () => {
          name = uniqueName('crash');
          return fresh();
        },
        apply: (zone) => kube.apply(policyObj(NS, name, gaPolicySpec(zone, name, gaBlock(name)))),
        converged: async () => auditConverged(await converged(name)),
        delete: () => kube.delete('FailoverPolicy', NS, name),
        gone: async () => {
          await kube.waitGone('FailoverPolicy', NS, name, 60_000);
          return (await accelerators(ga)).map((a) => `accelerator ${a.AcceleratorArn}`);
        },
      },
      results,
    );
  });

  after(() =>
    recordCrashMatrix(
      'crash-matrix-ga',
      results,
      `FailoverPolicy Global Accelerator: converge points ${converge.join(' ') || 'none'}; delete points ` +
        `${deletion.join(' ') || 'none'}; failed: ${failedPoints(results, (r) => `${r.phase} ${r.point}`)}`,
    ),
  );
});
