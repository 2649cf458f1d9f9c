// What one FailoverPolicy status write costs the apiserver and etcd, by the size of the status:
// a measurement tool, not part of `make bench`. It starts its own kube-apiserver + etcd, stores
// the given policy (as the bench writes it with BENCH_FAILOVER_LOG=<prefix>: <prefix>.policy.0.json),
// then sends N status merge patches that flip one field, as the controller's writes do, for the
// policy's full status, a minimal one, and the full one without its failover records; and, with
// --no-cel, the same against the CRD without its x-kubernetes-validations rules.
//
//   node --import tsx test/bench/status-patch-cost.ts <policy.json> [N=300] [--no-cel]
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest, MERGE_PATCH } from '../../src/runtime/kube-request.ts';
import { startKube } from '../env/kube.ts';
import { installCrds } from '../env/stack.ts';
import { stackCpu } from './process-cpu.ts';

const [file, n = '300'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!file) throw new Error('usage: status-patch-cost.ts <policy.json> [N] [--no-cel]');
const N = Number(n);
const policy = JSON.parse(readFileSync(file, 'utf8')) as { spec: unknown; status: Record<string, unknown> };
const CRD = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/failoverpolicies.multiregion.dev';
const BASE = '/apis/multiregion.dev/v1alpha1/namespaces/cost/failoverpolicies';

const kube = await startKube();
const kc = new KubeConfig();
kc.loadFromFile(kube.kubeconfigPath);
try {
  await installCrds(kc);
  if (process.argv.includes('--no-cel')) {
    const crd = await kubeRequest<{ spec: unknown }>(kc, { method: 'GET', path: CRD });
    const strip = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      delete (node as Record<string, unknown>)['x-kubernetes-validations'];
      for (const v of Object.values(node)) strip(v);
    };
    strip(crd.spec);
    await kubeRequest(kc, { method: 'PUT', path: CRD, body: crd });
    await new Promise((r) => setTimeout(r, 3_000)); // the apiserver reloads the CRD's validators
  }
  await kubeRequest(kc, { method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cost' } } });
  const { history: _h, lastFailover: _l, inProgress: _i, ...withoutRecords } = policy.status;
  const variants: Array<[string, Record<string, unknown>]> = [
    ['full status', policy.status],
    ['minimal status', { phase: 'Healthy', activeRegion: 'us-east-1' }],
    ['without failover records', withoutRecords],
  ];
  for (const [label, status] of variants) {
    const name = label.replaceAll(' ', '-');
    const write = (body: Record<string, unknown>) =>
      kubeRequest(kc, {
        method: 'PATCH',
        path: `${BASE}/${name}/status`,
        query: { fieldManager: 'multiregion-controller' },
        contentType: MERGE_PATCH,
        body: { status: body },
      });
    await kubeRequest(kc, {
      method: 'POST',
      path: BASE,
      body: { apiVersion: 'multiregion.dev/v1alpha1', kind: 'FailoverPolicy', metadata: { name }, spec: policy.spec },
    });
    await write(status);
    const size = JSON.stringify(await kubeRequest(kc, { method: 'GET', path: `${BASE}/${name}` })).length;
    const before = stackCpu();
    const t0 = Date.now();
    for (let i = 0; i < N; i++) await write({ phase: i % 2 ? 'FailingOver' : 'Healthy' });
    const after = stackCpu();
    const ms = (part: string) => ((((after[part] ?? 0) - (before[part] ?? 0)) / N) * 1000).toFixed(2);
    console.log(
      `${label.padEnd(26)} object ${size} B: apiserver ${ms('apiserver')} ms, etcd ${ms('etcd')} ms of CPU, ${((Date.now() - t0) / N).toFixed(2)} ms ` +
        `wall per write`,
    );
  }
} finally {
  await kube.stop();
}
