// What the image ships: `npm run build` output in dist/, run with plain node (no tsx), as the
// Dockerfile's ENTRYPOINT does, with the image's environment (its NODE_OPTIONS, jemalloc preloaded:
// test/env/image-env.ts) — `--help`, then the controller against the real stack.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startController } from '../env/controller.ts';
import { imageEnvironmentHere } from '../env/image-env.ts';
import { seedVpc } from '../env/seed.ts';
import { getStack, repoRoot, type Stack } from '../env/stack.ts';
import { Kube, uniqueName } from './helpers.ts';

const NS = 'dist-tests';
const entry = join(repoRoot, 'dist', 'main.js');
let stack: Stack;

before(async () => {
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'pipe' });
  stack = await getStack();
});
after(async () => stack?.stop());

test('dist/main.js --help prints the usage and exits 0; a bad flag exits 2 naming it', () => {
  assert.ok(existsSync(entry), 'npm run build produced dist/main.js');
  const out = execFileSync(process.execPath, [entry, '--help'], { encoding: 'utf8' });
  assert.match(out, /--cluster-id/);
  let code = 0;
  let err = '';
  try {
    execFileSync(process.execPath, [entry, '--cluster-id=x', '--bogus'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    code = (e as { status: number }).status;
    err = String((e as { stderr: string }).stderr);
  }
  assert.equal(code, 2);
  assert.match(err, /bogus/);
});

test('the compiled controller, with the image environment, reconciles against the real apiserver and moto, and stops cleanly on SIGTERM', async () => {
  const kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  await stack.resetMoto();
  const [east, west] = await Promise.all([
    seedVpc({ endpoint: stack.motoEndpoint }, 'us-east-1', '10.0.0.0/16'),
    seedVpc({ endpoint: stack.motoEndpoint }, 'us-west-2', '10.1.0.0/16'),
  ]);
  const ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: stack.motoEndpoint,
    entry,
    args: [`--leader-election-namespace=${NS}`],
    env: imageEnvironmentHere(),
  });
  try {
    // ld.so only warns when it cannot preload: the library must really be mapped.
    assert.match(readFileSync(`/proc/${ctrl.proc.pid}/maps`, 'utf8'), /libjemalloc\.so\.2/, 'the controller runs on jemalloc, as in the image');
    const name = uniqueName('dist');
    await kube.apply({
      apiVersion: 'multiregion.dev/v1alpha1',
      kind: 'RegionPair',
      metadata: { name, namespace: NS, annotations: { 'multiregion.dev/dry-run': 'true' } },
      spec: {
        primary: { region: 'us-east-1', vpcAttachments: [{ vpcId: east.vpcId, subnetIds: east.subnetIds }], cidrs: ['10.0.0.0/16'] },
        secondary: { region: 'us-west-2', vpcAttachments: [{ vpcId: west.vpcId, subnetIds: west.subnetIds }], cidrs: ['10.1.0.0/16'] },
      },
    });
    const o = await kube.waitCondition('RegionPair', NS, name, 'Synced', 'True', 'DryRun', 60_000);
    assert.ok((o.status.plannedChanges as unknown[]).length > 0);
    await kube.purge('RegionPair', NS);
  } finally {
    assert.equal(await ctrl.stop(), 0, ctrl.logs().slice(-2000));
  }
});
