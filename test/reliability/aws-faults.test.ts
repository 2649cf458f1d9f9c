// AWS faults against one RegionPair: a throttling storm, 500/503 and connection resets on
// random calls, and creates whose answer is lost after AWS applied them. Each run must reach
// Ready with exactly one of everything, and delete without leaving anything.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CREATE_IN_DOUBT_WINDOW_MS } from '../../src/controllers/shared/planner.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { FaultProxy, type FaultRule } from '../env/fault-proxy.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { condition, Kube, uniqueName } from '../integration/helpers.ts';
import { CANARY, census, duplicates, expectedPerRegion, keepLogs, leaks, pairObj, pairSpec, REGIONS, record, seedBoth } from './harness.ts';

const NS = 'rel-aws';
let stack: Stack;
let kube: Kube;
let proxy: FaultProxy;
let ctrl: ControllerProcess | undefined;
const tally = { duplicates: 0, leaks: 0, faults: {} as Record<string, number> };

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
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
  for (const [k, v] of Object.entries(proxy.injected)) tally.faults[k] = (tally.faults[k] ?? 0) + v;
  record({ file: 'aws-faults', ...tally });
  if (ctrl) keepLogs('aws-faults', ctrl.logs());
  await ctrl?.stop();
  await proxy.stop();
  await stack.stop();
});
beforeEach(async () => {
  for (const [k, v] of Object.entries(proxy.injected)) tally.faults[k] = (tally.faults[k] ?? 0) + v;
  for (const k of Object.keys(proxy.injected)) delete proxy.injected[k];
  proxy.clear();
  proxy.calls.length = 0;
  await kube.purge('RegionPair', NS);
  await stack.resetMoto();
});

/** Converge under the rules, check one of everything, delete, check nothing left. */
async function convergeAndDelete(label: string, rules: () => void, lift?: () => void): Promise<void> {
  const [east, west] = await seedBoth(stack.motoEndpoint);
  rules();
  const name = uniqueName(label);
  await kube.apply(pairObj(NS, name, pairSpec(east, west)));
  await readyWithinWindows(name);
  lift?.();
  const dup: string[] = [];
  for (const r of REGIONS)
    dup.push(...duplicates(await census(stack.motoEndpoint, r, { owner: `${NS}/${name}` }), expectedPerRegion(r)).map((d) => `${r} ${d}`));
  tally.duplicates += dup.length;
  const creates = Object.entries(
    Object.groupBy(
      proxy.calls.filter((c) => /^Create/.test(c.operation)),
      (c) => `${c.operation}@${c.region}`,
    ),
  ).map(([k, v]) => `${k}×${v!.length}`);
  await kube.delete('RegionPair', NS, name);
  await kube.waitGone('RegionPair', NS, name, 120_000);
  const left: string[] = [];
  for (const r of REGIONS) left.push(...leaks(await census(stack.motoEndpoint, r)).map((d) => `${r} ${d}`));
  tally.leaks += left.length;
  assert.deepEqual(dup, [], `no duplicate resources (create calls seen by AWS: ${creates.join(' ')})`);
  assert.deepEqual(left, [], 'nothing left after delete');
  assert.equal(ctrl!.proc.exitCode, null, 'the controller is still running');
}

/**
 * Ready within the time the faults allow. A create the proxy failed with a 500, a 503 or a reset
 * never reached AWS and has no known outcome: what it names is not created again before the
 * create-pending window ends (CREATE_IN_DOUBT_WINDOW_MS, by design, as crossplane-runtime). Random
 * faults hit creates in turn, each with a window of its own (a clean-clone CI run had three), so
 * the time allowed is a minute of work plus one window per create the proxy answered itself, and
 * one more. The count also takes in the storm's throttled creates, whose answer is definite (no
 * window): there the budget is larger than needed, never smaller.
 */
async function readyWithinWindows(name: string): Promise<void> {
  const failedCreates = () => proxy.calls.filter((c) => /^Create/.test(c.operation) && c.forwardedAt === undefined).length;
  const budgetMs = () => 60_000 + (failedCreates() + 1) * CREATE_IN_DOUBT_WINDOW_MS;
  const t0 = Date.now();
  for (;;) {
    const o = await kube.get('RegionPair', NS, name);
    if (o && condition(o, 'Ready')?.status === 'True') return;
    if (Date.now() - t0 > budgetMs())
      assert.fail(`RegionPair ${name} not Ready after ${Math.round((Date.now() - t0) / 1000)} s, with ${failedCreates()} creates failed by the proxy`);
    await sleep(1_000);
  }
}

/** A rule that applies to a random share of the matching calls. */
function sometimes(share: number, rule: FaultRule, seed: number): FaultRule {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const base = rule.operation;
  return {
    ...rule,
    operation: { test: (op: string) => (typeof base === 'string' ? base === op : !base || base.test(op)) && rnd() < share } as unknown as RegExp,
  };
}

describe('AWS faults', () => {
  test('throttling storm: half of the EC2 calls throttled for 20 s, then converges', async () => {
    const stormEnds = Date.now() + 20_000;
    await convergeAndDelete('storm', () => {
      proxy.add(sometimes(0.5, { service: 'ec2', kind: 'throttle', operation: { test: () => Date.now() < stormEnds } as unknown as RegExp }, 7));
    });
    const ec2Calls = proxy.calls.filter((c) => c.service === 'ec2' && c.at < stormEnds);
    const throttled = ec2Calls.filter((c) => c.status === 503).length;
    console.log(
      `# throttling storm: ${throttled}/${ec2Calls.length} EC2 calls during the 20 s ` +
        `storm throttled (${((100 * throttled) / Math.max(1, ec2Calls.length)).toFixed(0)}%)`,
    );
    assert.ok(throttled > 0, 'the storm throttled something');
  });

  test('500, 503 and connection resets on random calls: converges and deletes cleanly', async () => {
    await convergeAndDelete(
      'flaky',
      () => {
        proxy.add(sometimes(0.1, { kind: 'error500' }, 11));
        proxy.add(sometimes(0.1, { kind: 'error503' }, 13));
        proxy.add(sometimes(0.1, { kind: 'reset' }, 17));
      },
      () => proxy.clear(),
    );
    assert.ok((proxy.injected.error500 ?? 0) + (proxy.injected.error503 ?? 0) + (proxy.injected.reset ?? 0) > 0, 'faults were injected');
  });

  test('every create applied but its answer lost (once per operation): no duplicates', async () => {
    const creates = [
      'CreateTransitGateway',
      'CreateTransitGatewayRouteTable',
      'CreateTransitGatewayVpcAttachment',
      'CreateTransitGatewayPeeringAttachment',
      'CreateTransitGatewayRoute',
      'CreateRoute',
      'CreateFlowLogs',
    ];
    await convergeAndDelete('lost', () => {
      for (const operation of creates) proxy.add({ service: 'ec2', operation, kind: 'applyThenDrop', times: 1 });
      proxy.add({ service: 'logs', operation: 'CreateLogGroup', kind: 'applyThenDrop', times: 1 });
    });
    assert.ok((proxy.injected.applyThenDrop ?? 0) >= creates.length, `lost answers: ${proxy.injected.applyThenDrop}`);
  });
});
