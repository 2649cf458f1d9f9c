// Crash matrix for the application cutover (issue 17): the rollout's writes go to the Kubernetes
// API, not AWS, so the crash points are taken from a watch: the controller is SIGKILLed the
// moment the apiserver shows (a) the connection Secret's new revision, before any workload was
// rolled, and (b) the first workload rolled for it, with the others still to do. The next
// process must roll every listed workload exactly once for that revision (the apiserver bumps
// metadata.generation on every pod-template change: generation + 1, never + 2) and miss none.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { waitFor } from '../env/ports.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { DbPolicies, type DbSetup } from '../integration/failover-policy-db-fixtures.ts';
import { Aws, clearPolicies, EAST } from '../integration/failover-policy-fixtures.ts';
import { Kube } from '../integration/helpers.ts';
import { CrashKit, type CrashResult, recordCrashMatrix } from './crash-kit.ts';

const NS = 'rel-crash-rollout';
const WORKLOADS = 12;
const REV = 'multiregion.dev/secret-revision';
let stack: Stack;
let kube: Kube;
let aws: Aws;
let dbs: DbPolicies;
let proxy: FaultProxy;
let kit: CrashKit;
const results: CrashResult[] = [];

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  aws = new Aws(stack.motoEndpoint);
  dbs = new DbPolicies(stack, kube, aws, NS);
  await kube.ensureNamespace(NS);
  proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  kit = new CrashKit({ kubeconfigPath: stack.kubeconfigPath, proxy, label: 'crash-rollout' });
});
after(async () => {
  recordCrashMatrix('crash-matrix-rollout', results, 'SIGKILL after the Secret write and after the first workload patch of a rollout');
  await kit.stop();
  await clearPolicies(kube, NS);
  await proxy.stop();
  aws.destroy();
  await stack.stop();
});

interface Deploy {
  metadata: { name: string; generation: number };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
}
const names = Array.from({ length: WORKLOADS }, (_, i) => `api-${i}`);
const deployments = async (): Promise<Deploy[]> =>
  (await kubeRequest<{ items: Deploy[] }>(stack.kc, { method: 'GET', path: `/apis/apps/v1/namespaces/${NS}/deployments` })).items;
const secretRevision = async (name: string): Promise<string | undefined> =>
  (
    await kubeRequest<{ metadata: { annotations?: Record<string, string> } }>(stack.kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${NS}/secrets/${name}`,
    }).catch(() => undefined)
  )?.metadata.annotations?.['multiregion.dev/revision'];

async function fresh(): Promise<DbSetup> {
  await kit.stop();
  await clearPolicies(kube, NS);
  await kube.purge('Deployment', NS, 'apps/v1');
  await stack.resetMoto();
  for (const name of names)
    await kubeRequest(stack.kc, {
      method: 'POST',
      path: `/apis/apps/v1/namespaces/${NS}/deployments`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: NS },
        spec: {
          selector: { matchLabels: { w: name } },
          template: { metadata: { labels: { w: name } }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] } },
        },
      },
    });
  const s = await dbs.setup({ mode: 'Manual', activeRegion: EAST });
  await kube.mergePatch(
    { kind: 'FailoverPolicy', namespace: NS, name: s.name },
    { spec: { database: { connectionSecret: { restartWorkloads: names.map((name) => ({ kind: 'Deployment', name })) } } } },
  );
  await kit.start();
  // The first revision is only recorded (nothing rolled).
  await waitFor(
    'the first revision recorded',
    async () => {
      const rev = await secretRevision(s.secret);
      return !!rev && (await kube.get('FailoverPolicy', NS, s.name))?.status?.database?.rollout?.revision === rev;
    },
    90_000,
  );
  return s;
}

/** SIGKILLs the controller the first time `hit` holds for a watched object of `path`. */
async function killOn<T>(path: string, hit: (o: T) => boolean): Promise<() => void> {
  const kc = new KubeConfig();
  kc.loadFromFile(stack.kubeconfigPath);
  const victim = kit.ctrl!;
  const req = await new Watch(kc).watch(
    path,
    {},
    (_type, o: T) => {
      if (hit(o)) void victim.kill();
    },
    () => undefined,
  );
  return () => req.abort();
}

async function crashRow(point: 'after the Secret write' | 'after the first workload patch'): Promise<void> {
  const s = await fresh();
  const gens = new Map((await deployments()).map((d) => [d.metadata.name, d.metadata.generation]));
  const stop =
    point === 'after the Secret write'
      ? await killOn<{ metadata: { name: string; annotations?: Record<string, string> } }>(
          `/api/v1/namespaces/${NS}/secrets`,
          (o) => o.metadata.name === s.secret && hasRenamed(o),
        )
      : await killOn<Deploy>(`/apis/apps/v1/namespaces/${NS}/deployments`, (o) => !!o.spec.template.metadata.annotations?.[REV]);
  // The change: keys renamed, so the data (and the revision) change.
  await kube.mergePatch(
    { kind: 'FailoverPolicy', namespace: NS, name: s.name },
    { spec: { database: { connectionSecret: { keys: { host: 'DATABASE_HOST' } } } } },
  );
  await kit.afterKill(`rollout-${point.replace(/ /g, '-')}`, 90_000);
  stop();
  const atKill = (await deployments()).filter((d) => d.spec.template.metadata.annotations?.[REV]).length;
  assert.ok(atKill < WORKLOADS, `killed ${point}: ${atKill} of ${WORKLOADS} rolled when it died (the crash must land mid-rollout)`);

  const revision = (await secretRevision(s.secret))!;
  await waitFor(
    'the rollout finished by the next controller',
    async () => {
      const r = (await kube.get('FailoverPolicy', NS, s.name))?.status?.database?.rollout;
      return r?.revision === revision && r.restarted?.length === WORKLOADS && !r.failed;
    },
    90_000,
  );
  // The old key name the create wrote goes too, even when the kill came between the write and its removal.
  await waitFor(
    'the Secret holds the renamed keys only',
    async () => {
      const sec = await kubeRequest<{ data: Record<string, string> }>(stack.kc, { method: 'GET', path: `/api/v1/namespaces/${NS}/secrets/${s.secret}` });
      return JSON.stringify(Object.keys(sec.data).sort()) === JSON.stringify(['DATABASE_HOST', 'engine', 'port', 'region', 'role']);
    },
    30_000,
  );
  const after = await deployments();
  const duplicates = after.filter((d) => d.metadata.generation > gens.get(d.metadata.name)! + 1).map((d) => `${d.metadata.name} rolled twice`);
  const missed = after.filter((d) => d.spec.template.metadata.annotations?.[REV] !== revision).map((d) => `${d.metadata.name} not rolled`);
  results.push({ point, phase: 'rollout', duplicates, leaks: missed });
  assert.deepEqual(duplicates, [], 'no second restart for the same revision');
  assert.deepEqual(missed, [], 'none missed');
  for (const d of after) assert.equal(d.metadata.generation, gens.get(d.metadata.name)! + 1, d.metadata.name);
}

const hasRenamed = (o: unknown): boolean => !!(o as { data?: Record<string, string> }).data?.DATABASE_HOST;

describe('FailoverPolicy rollout crash matrix', () => {
  test('killed right after the Secret write (before any rollout patch): every workload rolled once by the next process', async () => {
    await crashRow('after the Secret write');
  });
  test('killed right after the first rollout patch: the rest rolled by the next process, none twice', async () => {
    await crashRow('after the first workload patch');
  });
});
