// The `multiregion` CLI as a user runs it (a child process with a kubeconfig) against the real
// apiserver, with the real controller answering its dry-run requests.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { type SeededVpc, seedVpc } from '../env/seed.ts';
import { getStack, repoRoot, type Stack } from '../env/stack.ts';
import { Kube, type Obj, uniqueName } from './helpers.ts';

const NS = 'cli-tests';
let stack: Stack;
let kube: Kube;
let ctrl: ControllerProcess;
let east: SeededVpc;
let west: SeededVpc;

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args, `--kubeconfig=${stack.kubeconfigPath}`], {
    cwd: repoRoot,
    timeout: 120_000,
  });
}

const pairObj = (name: string, annotations: Record<string, string> = {}): Obj => ({
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'RegionPair',
  metadata: { name, namespace: NS, annotations },
  spec: {
    primary: {
      region: 'us-east-1',
      vpcAttachments: [{ vpcId: east.vpcId, subnetIds: east.subnetIds, routeTableIds: [east.routeTableId] }],
      cidrs: ['10.0.0.0/16'],
    },
    secondary: {
      region: 'us-west-2',
      vpcAttachments: [{ vpcId: west.vpcId, subnetIds: west.subnetIds, routeTableIds: [west.routeTableId] }],
      cidrs: ['10.1.0.0/16'],
    },
  },
});

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  await stack.resetMoto();
  [east, west] = await Promise.all([
    seedVpc({ endpoint: stack.motoEndpoint }, 'us-east-1', '10.0.0.0/16'),
    seedVpc({ endpoint: stack.motoEndpoint }, 'us-west-2', '10.1.0.0/16'),
  ]);
  ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: stack.motoEndpoint });
});
after(async () => {
  await ctrl?.stop();
  await kube.purge('RegionPair', NS).catch(() => {});
  await stack.stop();
});

describe('multiregion CLI', () => {
  const name = uniqueName('cli');

  test('plan on a dry-run pair prints the TransitGateway creates and leaves dry-run on', async () => {
    await kube.apply(pairObj(name, { 'multiregion.dev/dry-run': 'true' }));
    const { stdout } = await cli('plan', 'rp', name, '-n', NS, '--timeout=90s');
    const creates = stdout.split('\n').filter((l) => /^\s+\+ Create TransitGateway\b/.test(l));
    assert.equal(creates.length, 2, stdout);
    assert.ok(creates.some((l) => l.includes('us-east-1')) && creates.some((l) => l.includes('us-west-2')), stdout);
    assert.match(stdout, new RegExp(`^RegionPair ${NS}/${name}: \\d+ planned changes`));
    const o = await kube.get('RegionPair', NS, name);
    assert.equal(o?.metadata.annotations?.['multiregion.dev/dry-run'], 'true', 'an object already in dry-run stays so');
  });

  test('status lists the pair with its dry-run flag and Synced reason', async () => {
    const { stdout } = await cli('status', '-n', NS);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    assert.match(header!, /^NAME\s+KIND\s+READY\s+SYNCED\s+ACTIVE\s+PHASE\s+HEALTH\s+LAG\s+FAILOVERREADY\s+DIALS$/);
    const row = rows.find((r) => r.startsWith(`${NS}/${name} [dry-run]`));
    assert.ok(row, stdout);
    assert.match(row!, /RegionPair\s+.*True \(DryRun\)/);
  });

  test('plan on a converged pair: nothing to create, and dry-run is removed afterwards', async () => {
    await kube.mergePatch({ kind: 'RegionPair', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/dry-run': null } } });
    await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 120_000);
    const { stdout, stderr } = await cli('plan', 'regionpair', name, '-n', NS, '--timeout=90s');
    assert.doesNotMatch(stdout, /Create TransitGateway/);
    assert.match(stderr, /dry-run on/);
    assert.match(stderr, /dry-run removed/);
    const o = await kube.get('RegionPair', NS, name);
    assert.equal(o?.metadata.annotations?.['multiregion.dev/dry-run'], undefined);
  });

  test('status -A finds it from any namespace; it is now Ready', async () => {
    const { stdout } = await cli('status', '-A');
    const row = stdout.split('\n').find((r) => r.startsWith(`${NS}/${name} `));
    assert.ok(row, stdout);
    assert.match(row!, /RegionPair\s+True\s/);
  });

  test('errors go to stderr with exit code 1', async () => {
    await assert.rejects(
      cli('plan', 'rp', 'does-not-exist', '-n', NS),
      (e: { code?: number; stderr?: string }) => e.code === 1 && /error: .*404/.test(e.stderr ?? ''),
    );
    await assert.rejects(cli('failover', 'x', '-n', NS), (e: { code?: number; stderr?: string }) => e.code === 2 && /--to REGION/.test(e.stderr ?? ''));
  });

  test('-o json and -o yaml print the objects as a v1 List; -o wide adds columns', async () => {
    const json = JSON.parse((await cli('status', '-n', NS, '-o', 'json')).stdout) as {
      kind: string;
      items: Array<{ kind: string; metadata: { name: string } }>;
    };
    assert.equal(json.kind, 'List');
    assert.ok(json.items.some((o) => o.kind === 'RegionPair' && o.metadata.name === name));
    const yaml = parse((await cli('status', '-n', NS, '-o', 'yaml')).stdout) as typeof json;
    assert.deepEqual(
      yaml.items.map((o) => o.metadata.name),
      json.items.map((o) => o.metadata.name),
    );
    const wide = (await cli('status', '-n', NS, '-o', 'wide')).stdout;
    assert.match(wide.split('\n')[0] ?? '', /REGIONS\s+PAIR\s+LASTFAILOVER\s+ACCELERATOR\s+MESSAGE$/);
    assert.match(wide, /us-east-1,us-west-2/);
  });

  test('--context picks a context of the kubeconfig; an unknown one, or a bad -o, is a usage error (exit 2)', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(stack.kubeconfigPath);
    const { stdout } = await cli('status', '-n', NS, '--context', kc.getCurrentContext());
    assert.match(stdout, new RegExp(`${NS}/${name} `));
    await assert.rejects(
      cli('status', '--context', 'nope'),
      (e: { code?: number; stderr?: string }) => e.code === 2 && /no context "nope"/.test(e.stderr ?? ''),
    );
    await assert.rejects(cli('status', '-o', 'xml'), (e: { code?: number; stderr?: string }) => e.code === 2 && /--output/.test(e.stderr ?? ''));
  });
});
