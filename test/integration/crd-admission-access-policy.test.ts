// The AccessPolicy CRD against a real kube-apiserver: cluster-scoped, the example is admitted,
// and each invalid variant is refused with a message naming the field (server-side dry runs,
// so nothing is left behind). The three managed kinds: crd-admission.test.ts.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiException, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import { getStack, loadYamlObjects, repoRoot, type Stack } from '../env/stack.ts';

type Obj = KubernetesObject & { spec: Record<string, any> };
let stack: Stack;
let api: KubernetesObjectApi;
const example = (): Obj => loadYamlObjects(join(repoRoot, 'examples', 'access-policy.yaml'))[0] as Obj;

before(async () => {
  stack = await getStack();
  api = KubernetesObjectApi.makeApiClient(stack.kc);
});
after(async () => stack?.stop());

async function rejection(o: Obj): Promise<string | undefined> {
  try {
    await api.create(o, undefined, 'All');
    return undefined;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    assert.equal(e.code, 422, `expected 422 Invalid, got ${e.code}: ${String(e.body)}`);
    return (typeof e.body === 'string' ? (JSON.parse(e.body) as { message: string }) : (e.body as { message: string })).message;
  }
}

test('AccessPolicy is cluster-scoped and examples/access-policy.yaml is admitted as written', async () => {
  const crd = await kubeRequest<{ spec: { scope: string } }>(stack.kc, {
    method: 'GET',
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/accesspolicies.multiregion.dev',
  });
  assert.equal(crd.spec.scope, 'Cluster');
  const obj = example();
  const created = (await api.create(obj, undefined, 'All')) as Obj;
  assert.deepEqual(created.spec, obj.spec);
  assert.equal(created.metadata?.namespace, undefined);
});

const cases: Array<{ reason: string; change: (s: Record<string, any>) => void; field: string; message: RegExp }> = [
  {
    reason: 'covers no namespace',
    change: (s) => {
      delete s.namespaces;
      delete s.namespaceSelector;
    },
    field: 'spec',
    message: /set namespaces, namespaceSelector or both/,
  },
  {
    reason: 'an empty namespace list and no selector',
    change: (s) => {
      s.namespaces = [];
      delete s.namespaceSelector;
    },
    field: 'spec',
    message: /set namespaces, namespaceSelector or both/,
  },
  {
    reason: 'In without values',
    change: (s) => (s.namespaceSelector = { matchExpressions: [{ key: 'team', operator: 'In' }] }),
    field: 'spec.namespaceSelector.matchExpressions[0]',
    message: /In and NotIn need values/,
  },
  { reason: 'malformed account', change: (s) => (s.accounts = ['1111']), field: 'spec.accounts[0]', message: /should match/ },
  { reason: 'malformed namespace', change: (s) => (s.namespaces = ['Apps_1']), field: 'spec.namespaces[0]', message: /should match/ },
  { reason: 'zone id with its prefix', change: (s) => (s.hostedZones = [{ id: '/hostedzone/Z1' }]), field: 'spec.hostedZones[0].id', message: /should match/ },
  { reason: 'db entry without region', change: (s) => (s.dbInstances = [{ identifiers: ['a-*'] }]), field: 'spec.dbInstances[0].region', message: /Required/ },
  {
    reason: 'upper-case identifier glob',
    change: (s) => (s.dbInstances = [{ region: 'us-east-1', identifiers: ['Orders-*'] }]),
    field: 'spec.dbInstances[0].identifiers[0]',
    message: /should match/,
  },
];

for (const c of cases) {
  test(`AccessPolicy refused: ${c.reason} (${c.field})`, async () => {
    const obj = example();
    c.change(obj.spec);
    const message = await rejection(obj);
    assert.ok(message !== undefined, 'admitted');
    assert.ok(message.includes(c.field), `message does not name ${c.field}: ${message}`);
    assert.match(message, c.message);
  });
}
