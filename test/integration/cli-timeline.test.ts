// `multiregion timeline` as a user runs it (a child process with a kubeconfig) against the real
// apiserver: a FailoverPolicy whose status holds a recorded failover, written through the
// status subresource the way the controller writes it. The apiserver's schema is part of the
// test: step marks it did not know would be pruned, and the drawing would lose its steps.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { collectionPath, KINDS } from '../../src/api/types.ts';
import { kubeRequest, MERGE_PATCH } from '../../src/runtime/kube-request.ts';
import { getStack, repoRoot, type Stack } from '../env/stack.ts';
import { byClass, parseXml, textOf } from '../unit/xml-check.ts';
import { Kube, uniqueName } from './helpers.ts';

const NS = 'cli-timeline';
let stack: Stack;
let kube: Kube;

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args, `--kubeconfig=${stack.kubeconfigPath}`], {
    cwd: repoRoot,
    timeout: 60_000,
  });
}

const T0 = Date.parse('2026-05-04T10:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
const STEPS: Array<[string, number]> = [
  ['Triggered', 0],
  ['LagChecked', 1],
  ['Fenced', 8],
  ['PromoteRequested', 9],
  ['Promoted', 70],
  ['SecretWritten', 72],
  ['DnsSwitched', 90],
  ['Completed', 95],
];

const policy = (name: string) => ({
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'FailoverPolicy',
  metadata: { name, namespace: NS },
  spec: {
    dns: {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      recordName: `${name}.example.com`,
      primary: { region: 'us-east-1', target: { ips: ['198.51.100.10'] } },
      secondary: { region: 'us-west-2', target: { ips: ['203.0.113.20'] } },
    },
    drill: { schedule: '0 3 1 */3 *', timeZone: 'Europe/Berlin' },
  },
});

const recordedStatus = {
  activeRegion: 'us-west-2',
  phase: 'FailedOver',
  health: { primary: 'Unhealthy', secondary: 'Healthy', primarySince: at(-60), secondarySince: at(-3600) },
  lastFailover: {
    startedAt: at(0),
    completedAt: at(95),
    rtoSeconds: 95,
    rpoSeconds: 4,
    reason: 'PrimaryUnhealthy',
    from: 'us-east-1',
    to: 'us-west-2',
    step: 'Completed',
    fencing: 'Confirmed: security groups replaced',
    steps: STEPS.map(([step, s]) => ({ step, at: at(s), fromHealth: 'Unhealthy', toHealth: 'Healthy' })),
  },
};

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
});
after(async () => {
  await kube.purge('FailoverPolicy', NS).catch(() => {});
  await stack.stop();
});

test('timeline -o svg draws the recorded failover from status: it parses, the steps are there in order, RTO and RPO are marked', async () => {
  const name = uniqueName('tl');
  await kube.apply(policy(name));
  const fp = KINDS.find((k) => k.kind === 'FailoverPolicy')!;
  await kubeRequest(stack.kc, {
    method: 'PATCH',
    path: `${collectionPath(fp, NS)}/${name}/status`,
    contentType: MERGE_PATCH,
    body: { status: recordedStatus },
  });
  const stored = await kube.get('FailoverPolicy', NS, name);
  assert.equal(stored?.status?.lastFailover?.steps?.length, STEPS.length, 'the CRD keeps the step marks');
  assert.equal(stored?.spec?.drill?.timeZone, 'Europe/Berlin', 'the CRD keeps drill.timeZone');

  const { stdout: svg } = await cli('timeline', name, '-n', NS, '-o', 'svg');
  const root = parseXml(svg);
  assert.equal(root.name, 'svg');
  assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
  assert.deepEqual(
    byClass(root, 'step').map((g) => [g.attrs['data-step'], g.attrs['data-at']]),
    STEPS.map(([step, s]) => [step, at(s)]),
  );
  assert.deepEqual(
    byClass(root, 'lane').map((g) => g.attrs['data-lane']),
    ['health us-east-1 (from)', 'health us-west-2 (to)', 'fence', 'promote', 'Secret', 'DNS'],
  );
  assert.equal(textOf(byClass(byClass(root, 'rto')[0]!, 'measure-label')[0]!), 'RTO 95s');
  assert.match(textOf(byClass(byClass(root, 'rpo')[0]!, 'measure-label')[0]!), /^RPO 4s /);

  const { stdout: text } = await cli('timeline', name, '-n', NS);
  assert.match(text, new RegExp(`^FailoverPolicy ${NS}/${name}: PrimaryUnhealthy us-east-1 → us-west-2\\nRTO 95s, RPO 4s`));
});

test('timeline of a policy with nothing recorded, or a bad argument, fails with a message (exit 1 and 2)', async () => {
  const name = uniqueName('tl-empty');
  await kube.apply(policy(name));
  await assert.rejects(cli('timeline', name, '-n', NS, 'drill'), (e: { code?: number; stderr?: string }) => {
    assert.equal(e.code, 1);
    assert.match(e.stderr ?? '', new RegExp(`error: FailoverPolicy ${NS}/${name} has no recorded drill yet`));
    return true;
  });
  await assert.rejects(cli('timeline', name, '-n', NS, '-o', 'json'), (e: { code?: number; stderr?: string }) => {
    assert.equal(e.code, 2);
    assert.match(e.stderr ?? '', /--output: "json" is not one of text, svg for timeline/);
    return true;
  });
});
