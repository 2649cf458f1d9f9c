// `make release` end to end with the real tools, as docs/release.md tells a user to run it:
// the chart pushed to an OCI registry on loopback (go-containerregistry's, built from its Go
// module) and installed from there with a server-side dry run against the test apiserver; the
// CLI's npm tarball installed with `npm install -g` into a temporary prefix, whose
// `multiregion` runs `version` and `status`, and whose controller entry serves its version on
// /metrics.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startController } from '../env/controller.ts';
import { type OciRegistry, startOciRegistry } from '../env/oci-registry.ts';
import { getStack, repoRoot, type Stack } from '../env/stack.ts';
import { helmBin, run } from '../unit/packaging-tools.ts';
import { Kube, type Obj } from './helpers.ts';

const NS = 'release-test';
const CHART = 'multiregion-controller';
const VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

let stack: Stack;
let kube: Kube;
let registry: OciRegistry;
let dir: string;
let releaseDir: string;
/** helm keeps its registry config and caches here, not in the user's home. */
let helmEnv: NodeJS.ProcessEnv;

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  registry = await startOciRegistry();
  dir = mkdtempSync(join(tmpdir(), 'mrc-release-'));
  releaseDir = join(dir, 'release');
  helmEnv = { ...process.env, HELM_CACHE_HOME: join(dir, 'helm-cache'), HELM_CONFIG_HOME: join(dir, 'helm-config'), HELM_DATA_HOME: join(dir, 'helm-data') };
});

after(async () => {
  await kube?.purge('RegionPair', NS).catch(() => {});
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await stack?.stop();
});

describe('release artifacts', () => {
  test('make release packs the CLI and the chart, and pushes the chart to the OCI registry', async () => {
    // -o: the npm packages and tools are the run's own (make test installed them first); a
    // release test must not reinstall node_modules under the files running beside it.
    const r = run(
      'make',
      [
        '-o',
        'node_modules/.package-lock.json',
        '-o',
        'tools',
        'release',
        `RELEASE_DIR=${releaseDir}`,
        `CHART_REPO=oci://${registry.host}/charts`,
        'CHART_PLAIN_HTTP=1',
      ],
      {
        env: helmEnv,
        allowFailure: true,
      },
    );
    assert.equal(r.status, 0, `make release failed:\n${r.stdout}\n${r.stderr}`);

    const tarball = join(releaseDir, 'npm', `${CHART}-${VERSION}.tgz`);
    assert.ok(existsSync(tarball), `no CLI tarball at ${tarball}`);
    const files = run('tar', ['tzf', tarball]).stdout.split('\n').filter(Boolean);
    for (const f of [
      'package/package.json',
      'package/npm-shrinkwrap.json',
      'package/LICENSE',
      'package/CHANGELOG.md',
      'package/dist/cli/main.js',
      'package/dist/main.js',
    ]) {
      assert.ok(files.includes(f), `${f} missing from the tarball`);
    }
    assert.deepEqual(
      files.filter((f) => !/^package\/(dist\/.+\.js|package\.json|npm-shrinkwrap\.json|LICENSE|CHANGELOG\.md|README\.md)$/.test(f)),
      [],
      'only the compiled code and the package files ship (no sources, tests or maps)',
    );
    assert.ok(existsSync(join(releaseDir, 'chart', `${CHART}-${VERSION}.tgz`)), 'no packaged chart');

    // The registry itself says what it holds, not helm's word.
    const tags = (await (await fetch(`http://${registry.host}/v2/charts/${CHART}/tags/list`)).json()) as { tags?: string[] };
    assert.deepEqual(tags.tags, [VERSION], `registry tags: ${JSON.stringify(tags)}\n${registry.log()}`);
  });

  test('helm install from the OCI registry passes a server-side dry run and creates nothing', async () => {
    const release = 'mrc-oci';
    const r = run(
      helmBin(),
      [
        'install',
        release,
        `oci://${registry.host}/charts/${CHART}`,
        '--version',
        VERSION,
        '--plain-http',
        '--dry-run=server',
        '--namespace',
        NS,
        '--set',
        'clusterId=release-test',
        '--kubeconfig',
        stack.kubeconfigPath,
      ],
      { env: helmEnv, allowFailure: true },
    );
    assert.equal(r.status, 0, `helm install --dry-run=server failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`Pulled: ${registry.host.replace(/\./g, '\\.')}/charts/${CHART}:${VERSION}`), r.stderr);
    assert.match(r.stdout, /^STATUS: pending-install$/m, r.stdout);
    assert.match(r.stdout, /^kind: Deployment$/m, r.stdout);
    assert.match(
      r.stdout,
      new RegExp(`image: "111111111111\\.dkr\\.ecr\\.us-east-2\\.amazonaws\\.com/${CHART}:${VERSION}"`),
      'the image tag defaults to the chart appVersion',
    );
    assert.match(r.stdout, /WARNING: image\.repository is the chart's placeholder/, 'the install notes say the default image does not exist');
    // A dry run: the apiserver validated the objects and kept none, and helm recorded no release.
    const deployment = await kube.get('Deployment', NS, `${release}-${CHART}`, 'apps/v1');
    assert.equal(deployment, undefined, 'the dry run created the Deployment');
    const list = run(helmBin(), ['list', '--namespace', NS, '--all', '--short', '--kubeconfig', stack.kubeconfigPath], { env: helmEnv });
    assert.equal(list.stdout.trim(), '', `helm recorded a release: ${list.stdout}`);
  });

  describe('npm install -g of the packed tarball', () => {
    let prefix: string;
    const bin = () => join(prefix, 'bin', 'multiregion');

    before(() => {
      prefix = join(dir, 'prefix');
      // --prefer-offline: the dependencies come from npm's cache when `npm ci` put them there
      // (every pinned version, from the shipped npm-shrinkwrap.json), else from the registry.
      run(
        'npm',
        [
          'install',
          '--global',
          '--prefix',
          prefix,
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          join(releaseDir, 'npm', `${CHART}-${VERSION}.tgz`),
        ],
        {
          cwd: dir,
        },
      );
    });

    test('multiregion version prints the package version', () => {
      assert.ok(existsSync(bin()), `npm linked no multiregion into ${prefix}/bin`);
      const r = run(bin(), ['version'], { cwd: dir });
      assert.match(r.stdout, new RegExp(`^multiregion ${VERSION.replace(/\./g, '\\.')} \\(node v\\d+`));
      const json = JSON.parse(run(bin(), ['version', '-o', 'json'], { cwd: dir }).stdout) as { version: string };
      assert.equal(json.version, VERSION);
    });

    test('multiregion status lists an object from the test apiserver', async () => {
      const name = 'release-pair';
      const pair: Obj = {
        apiVersion: 'multiregion.dev/v1alpha1',
        kind: 'RegionPair',
        metadata: { name, namespace: NS },
        spec: {
          primary: {
            region: 'us-east-1',
            vpcAttachments: [{ vpcId: 'vpc-0a1b2c3d4e5f60718', subnetIds: ['subnet-0a1b2c3d4e5f60711'] }],
            cidrs: ['10.0.0.0/16'],
          },
          secondary: {
            region: 'us-west-2',
            vpcAttachments: [{ vpcId: 'vpc-0f9e8d7c6b5a43218', subnetIds: ['subnet-0f9e8d7c6b5a43211'] }],
            cidrs: ['10.1.0.0/16'],
          },
        },
      };
      await kube.apply(pair);
      const r = run(bin(), ['status', '-n', NS, `--kubeconfig=${stack.kubeconfigPath}`], { cwd: dir, allowFailure: true });
      assert.equal(r.status, 0, `multiregion status failed:\n${r.stdout}\n${r.stderr}`);
      const [header, ...rows] = r.stdout.trimEnd().split('\n');
      assert.match(header ?? '', /^NAME\s+KIND\s+READY/);
      assert.ok(
        rows.some((l) => l.startsWith(`${NS}/${name} `) && l.includes('RegionPair')),
        r.stdout,
      );
    });

    test('the packaged controller says its version with --version and on /metrics', async () => {
      const entry = join(prefix, 'lib', 'node_modules', CHART, 'dist', 'main.js');
      const v = run(process.execPath, [entry, '--version'], { cwd: dir });
      assert.equal(v.stdout, `multiregion-controller ${VERSION}\n`);
      // Watching a namespace with nothing in it: this controller only has to serve /metrics.
      const ctrl = await startController({
        kubeconfigPath: stack.kubeconfigPath,
        awsEndpoint: stack.motoEndpoint,
        entry,
        args: ['--leader-elect=false', '--watch-namespace=release-idle'],
      });
      try {
        const metrics = await (await fetch(ctrl.metricsUrl)).text();
        const line = metrics.split('\n').find((l) => l.startsWith('multiregion_build_info{'));
        assert.ok(line, `no multiregion_build_info on /metrics:\n${metrics.slice(0, 2000)}`);
        assert.match(line, new RegExp(`version="${VERSION.replace(/\./g, '\\.')}"`));
        assert.match(line, new RegExp(`node_version="${process.version}"`));
        assert.match(line, / 1$/);
      } finally {
        await ctrl.stop();
      }
    });
  });
});
