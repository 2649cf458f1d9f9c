// Bad input. Schema/CEL rejections are the admission corpus of crd-admission.test.ts (counted
// here, not repeated). This file covers what only AWS can tell — nonexistent VPC, subnet of
// another VPC, nonexistent adopted TGW, unassumable role — plus unknown fields and an object
// deleted while it is being created.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { FaultProxy, queryError } from '../env/fault-proxy.ts';
import { seedVpc } from '../env/seed.ts';
import { getStack, repoRoot, type Stack } from '../env/stack.ts';
import { condition, Kube, uniqueName } from '../integration/helpers.ts';
import { CANARY, census, keepLogs, leaks, pairObj, pairSpec, REGIONS, record, seedBoth, side } from './harness.ts';

const NS = 'rel-bad';
const OTHER = 'arn:aws:iam::222222222222:role/multiregion';
let stack: Stack;
let kube: Kube;
let proxy: FaultProxy;
let ctrl: ControllerProcess | undefined;
const tally = { badInputsTried: 0, badInputsRejected: 0, crashes: 0, leaks: 0 };

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  await kube.purge('RegionPair', NS);
  await stack.resetMoto();
  proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: proxy.endpoint,
    args: ['--leader-elect=false'],
    env: { AWS_SECRET_ACCESS_KEY: CANARY.secretKey, AWS_SESSION_TOKEN: CANARY.sessionToken },
  });
});
after(async () => {
  if (ctrl && ctrl.proc.exitCode !== null) tally.crashes++;
  const corpus = (readFileSync(join(repoRoot, 'test', 'integration', 'crd-admission.test.ts'), 'utf8').match(/kind: 'rp'/g) ?? []).length;
  record({ file: 'bad-input', ...tally, note: `plus ${corpus} RegionPair admission cases run by test/integration/crd-admission.test.ts` });
  if (ctrl) keepLogs('bad-input', ctrl.logs());
  await kube.purge('RegionPair', NS);
  await ctrl?.stop();
  await proxy.stop();
  await stack.stop();
});

describe('bad input', () => {
  test('AWS-only mistakes: Synced=False naming the field, a Warning event, no crash, bounded retries', async () => {
    const [east, west] = await seedBoth(stack.motoEndpoint);
    const stranger = await seedVpc({ endpoint: stack.motoEndpoint }, 'us-east-1', '10.9.0.0/16');
    proxy.add({
      service: 'sts',
      operation: 'AssumeRole',
      kind: 'respond',
      response: queryError('AccessDenied', 'User is not authorized to perform: sts:AssumeRole'),
    });
    const cases = [
      { label: 'novpc', field: 'spec.primary.vpcAttachments[0].vpcId', spec: pairSpec({ ...east, vpcId: 'vpc-0123456789abcdef0' }, west) },
      { label: 'foreignsubnet', field: 'spec.primary.vpcAttachments[0].subnetIds', spec: pairSpec({ ...east, subnetIds: [stranger.subnetIds[0]!] }, west) },
      {
        label: 'notgw',
        field: 'spec.primary.transitGateway.id',
        spec: { ...pairSpec(east, west), primary: side('us-east-1', east, { transitGateway: { id: 'tgw-0123456789abcdef0' } }) },
      },
      { label: 'norole', field: 'spec.secondary.roleArn', spec: { ...pairSpec(east, west), secondary: side('us-west-2', west, { roleArn: OTHER }) } },
    ].map((c) => ({ ...c, name: uniqueName(c.label) }));
    tally.badInputsTried += cases.length;
    await Promise.all(cases.map((c) => kube.apply(pairObj(NS, c.name, c.spec))));
    const problems: string[] = [];
    for (const c of cases) {
      const o = await kube.waitCondition('RegionPair', NS, c.name, 'Synced', 'False', undefined, 60_000);
      const synced = condition(o, 'Synced')!;
      const evs = await kube.events(NS, c.name);
      const ok =
        synced.message.includes(c.field) && /^[A-Z][A-Za-z0-9]+$/.test(synced.reason) && evs.some((e) => e.type === 'Warning' && e.reason === synced.reason);
      if (ok) tally.badInputsRejected++;
      else problems.push(`${c.label}: ${synced.reason}: ${synced.message} (events ${evs.map((e) => e.reason).join(',')})`);
    }
    // Bounded retries: calls over 10 s once every case has failed at least once.
    const from = proxy.calls.length;
    await sleep(10_000);
    const window = proxy.calls.slice(from);
    const creates = window.filter((c) => /^(Create|Accept|Associate)/.test(c.operation)).length;
    console.log(`# bad input: ${window.length} AWS calls in 10 s for ${cases.length} failing objects (${creates} creates)`);
    assert.deepEqual(problems, [], 'each failure names its field, with a Warning event');
    assert.ok(window.length <= 40 * cases.length, `a retry storm: ${window.length} calls in 10 s`);
    assert.equal(ctrl!.proc.exitCode, null, 'the controller is still running');
    await kube.purge('RegionPair', NS);
    proxy.clear();
  });

  test('unknown fields: server-side apply rejects them (Strict names the field), a plain create prunes them', async () => {
    const name = uniqueName('unknown');
    const [east, west] = await seedBoth(stack.motoEndpoint);
    const obj = pairObj(NS, name, { ...pairSpec(east, west), bogusField: 1, primary: { ...side('us-east-1', east), tgwId: 'x' } });
    const path = `/apis/multiregion.dev/v1alpha1/namespaces/${NS}/regionpairs`;
    const reject = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: Error) => e.message,
      );
    tally.badInputsTried += 2;
    for (const fieldValidation of ['Strict', 'Ignore']) {
      // Apply builds a typed patch from the schema: an undeclared field fails whatever fieldValidation says.
      const msg = await reject(
        kubeRequest(stack.kc, {
          method: 'PATCH',
          path: `${path}/${name}`,
          query: { fieldManager: 'tests', fieldValidation, dryRun: 'All' },
          contentType: 'application/apply-patch+yaml',
          body: obj,
        }),
      );
      assert.ok(msg, `apply with fieldValidation=${fieldValidation} was admitted`);
      assert.match(msg, /bogusField|tgwId/, msg);
      tally.badInputsRejected++;
    }
    tally.badInputsTried++;
    const strictCreate = await reject(kubeRequest(stack.kc, { method: 'POST', path, query: { fieldValidation: 'Strict', dryRun: 'All' }, body: obj }));
    assert.match(strictCreate ?? 'admitted', /unknown field "spec\.(bogusField|primary\.tgwId)"/);
    tally.badInputsRejected++;
    const lax = await kubeRequest<{ spec: Record<string, any> }>(stack.kc, {
      method: 'POST',
      path,
      query: { fieldValidation: 'Ignore', dryRun: 'All' },
      body: obj,
    });
    assert.equal(lax.spec.bogusField, undefined, 'unknown field pruned');
    assert.equal(lax.spec.primary.tgwId, undefined, 'nested unknown field pruned');
  });

  test('deleted right after apply, and deleted mid-create: nothing leaks in AWS', async () => {
    for (const delayMs of [0, 300, 1500]) {
      await stack.resetMoto();
      const [east, west] = await seedBoth(stack.motoEndpoint);
      const name = uniqueName(`early${delayMs}`);
      tally.badInputsTried++;
      await kube.apply(pairObj(NS, name, pairSpec(east, west)));
      await sleep(delayMs);
      await kube.delete('RegionPair', NS, name);
      await kube.waitGone('RegionPair', NS, name, 90_000);
      // A create still in flight when the object went would show up now.
      await sleep(3000);
      const left: string[] = [];
      for (const r of REGIONS) left.push(...leaks(await census(stack.motoEndpoint, r)).map((d) => `${r} ${d}`));
      tally.leaks += left.length;
      assert.deepEqual(left, [], `deleted after ${delayMs} ms: leaks`);
      tally.badInputsRejected++;
    }
    assert.equal(ctrl!.proc.exitCode, null);
  });
});
