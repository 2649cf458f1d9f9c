// spec.database.connectionSecret (issue 17, application cutover) against a real kube-apiserver:
// key renames, the workloads to roll and their selector are admitted when well formed, and each
// invalid variant is refused with a message naming the field (server-side dry runs).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiException, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { getStack, loadYamlObjects, repoRoot, type Stack } from '../env/stack.ts';
import { Kube } from './helpers.ts';

type Obj = KubernetesObject & { spec: Record<string, any> };
const NS = 'crd-conn-secret';
let stack: Stack;
let api: KubernetesObjectApi;

const example = (): Obj => {
  const o = loadYamlObjects(join(repoRoot, 'examples', 'failover-policy.yaml'))[0] as Obj;
  o.metadata = { name: 'orders', namespace: NS };
  return o;
};

before(async () => {
  stack = await getStack();
  api = KubernetesObjectApi.makeApiClient(stack.kc);
  await new Kube(stack.kc).ensureNamespace(NS);
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

const withSecret = (cs: Record<string, unknown>): Obj => {
  const o = example();
  o.spec.database.connectionSecret = { name: 'orders-db', ...cs };
  return o;
};

test('renames, listed workloads and a selector are admitted as written', async () => {
  const cs = {
    keys: { host: 'DATABASE_HOST', port: 'DATABASE_PORT', region: 'host' },
    restartWorkloads: [
      { kind: 'Deployment', name: 'api' },
      { kind: 'StatefulSet', name: 'api' },
      { kind: 'DaemonSet', name: 'agent' },
    ],
    restartSelector: { matchLabels: { app: 'orders' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
  };
  const created = (await api.create(withSecret(cs), undefined, 'All')) as Obj;
  assert.deepEqual(created.spec.database.connectionSecret, { name: 'orders-db', ...cs });
});

const cases: Array<{ reason: string; cs: Record<string, unknown>; field: string; message: RegExp }> = [
  { reason: 'an unknown key renamed', cs: { keys: { password: 'PW' } }, field: 'spec.database.connectionSecret.keys', message: /only the written keys/ },
  {
    reason: 'two keys renamed to one name',
    cs: { keys: { host: 'DB', port: 'DB' } },
    field: 'spec.database.connectionSecret.keys',
    message: /same name/,
  },
  {
    reason: 'a rename onto a key that keeps its name',
    cs: { keys: { host: 'port' } },
    field: 'spec.database.connectionSecret.keys',
    message: /same name/,
  },
  {
    reason: 'a target that is no Secret key',
    cs: { keys: { host: 'DATABASE HOST' } },
    field: 'spec.database.connectionSecret.keys.host',
    message: /should match/,
  },
  { reason: 'a target of ..', cs: { keys: { host: '..' } }, field: 'spec.database.connectionSecret.keys[host]', message: /may not be \. or \.\./ },
  {
    reason: 'a workload kind that cannot be rolled',
    cs: { restartWorkloads: [{ kind: 'Job', name: 'x' }] },
    field: 'spec.database.connectionSecret.restartWorkloads[0].kind',
    message: /Unsupported value/,
  },
  {
    reason: 'the same workload twice',
    cs: {
      restartWorkloads: [
        { kind: 'Deployment', name: 'api' },
        { kind: 'Deployment', name: 'api' },
      ],
    },
    field: 'spec.database.connectionSecret.restartWorkloads[1]',
    message: /Duplicate value/,
  },
  {
    reason: 'more than 20 workloads',
    cs: { restartWorkloads: Array.from({ length: 21 }, (_, i) => ({ kind: 'Deployment', name: `w${i}` })) },
    field: 'spec.database.connectionSecret.restartWorkloads',
    message: /must have at most 20 items/,
  },
  {
    reason: 'a workload name that is no object name',
    cs: { restartWorkloads: [{ kind: 'Deployment', name: 'Api_1' }] },
    field: 'spec.database.connectionSecret.restartWorkloads[0].name',
    message: /should match/,
  },
  {
    reason: 'an empty selector (every workload)',
    cs: { restartSelector: { matchLabels: {} } },
    field: 'spec.database.connectionSecret.restartSelector',
    message: /empty selector would restart every workload/,
  },
  {
    reason: 'In without values',
    cs: { restartSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } },
    field: 'spec.database.connectionSecret.restartSelector.matchExpressions[0]',
    message: /In and NotIn need values/,
  },
];

for (const c of cases) {
  test(`connectionSecret refused: ${c.reason} (${c.field})`, async () => {
    const message = await rejection(withSecret(c.cs));
    assert.ok(message !== undefined, 'admitted');
    assert.ok(message.includes(c.field), `message does not name ${c.field}: ${message}`);
    assert.match(message, c.message);
  });
}
