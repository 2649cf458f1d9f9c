// spec.drill of the FailoverPolicy CRD against a real kube-apiserver: the type and the window
// default as documented, a Switchover drill is admitted with a database and refused without one,
// and windowMinutes is bounded (server-side dry runs: nothing is left behind).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiException, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { getStack, loadYamlObjects, repoRoot, type Stack } from '../env/stack.ts';

type Obj = KubernetesObject & { spec: Record<string, any> };
let stack: Stack;
let api: KubernetesObjectApi;
const NS = 'crd-drill';

const example = (drill: Record<string, unknown> | undefined): Obj => {
  const o = loadYamlObjects(join(repoRoot, 'examples', 'failover-policy.yaml'))[0] as Obj;
  o.metadata = { name: `drill-${randomBytes(3).toString('hex')}`, namespace: NS };
  if (drill) o.spec.drill = drill;
  else delete o.spec.drill;
  return o;
};

before(async () => {
  stack = await getStack();
  api = KubernetesObjectApi.makeApiClient(stack.kc);
  try {
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  } catch (e) {
    if (!(e instanceof ApiException) || e.code !== 409) throw e;
  }
});
after(async () => stack?.stop());

function messageOf(e: ApiException<unknown>): string {
  return (typeof e.body === 'string' ? (JSON.parse(e.body) as { message: string }) : (e.body as { message: string })).message;
}

async function rejection(o: Obj): Promise<string | undefined> {
  try {
    await api.create(o, undefined, 'All');
    return undefined;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    assert.equal(e.code, 422, `expected 422 Invalid, got ${e.code}: ${String(e.body)}`);
    return messageOf(e);
  }
}

test('drill.type defaults to Dns and windowMinutes to 60', async () => {
  const created = (await api.create(example({ schedule: '0 3 1 */3 *' }), undefined, 'All')) as Obj;
  assert.equal(created.spec.drill.type, 'Dns');
  assert.equal(created.spec.drill.windowMinutes, 60);
});

test('a Switchover drill with a database, a time zone and a window is admitted as written', async () => {
  const drill = { type: 'Switchover', schedule: '0 3 1 */3 *', timeZone: 'Europe/Berlin', windowMinutes: 90 };
  const created = (await api.create(example(drill), undefined, 'All')) as Obj;
  assert.deepEqual(created.spec.drill, drill);
});

test('a Switchover drill without spec.database is refused, naming drill.type', async () => {
  const o = example({ type: 'Switchover', schedule: '0 3 * * *' });
  delete o.spec.database;
  const msg = await rejection(o);
  assert.ok(msg, 'refused');
  assert.match(msg, /spec\.drill\.type/);
  assert.match(msg, /needs spec\.database/);
  const dns = example({ type: 'Dns', schedule: '0 3 * * *' });
  delete dns.spec.database;
  assert.equal(await rejection(dns), undefined, 'a Dns drill needs no database');
});

const cases: Array<{ reason: string; drill: Record<string, unknown>; field: string; message: RegExp }> = [
  { reason: 'unknown type', drill: { type: 'Failover' }, field: 'spec.drill.type', message: /Unsupported value/ },
  { reason: 'window of 0 minutes', drill: { type: 'Switchover', windowMinutes: 0 }, field: 'spec.drill.windowMinutes', message: /greater than or equal to 1/ },
  { reason: 'window over a day', drill: { type: 'Switchover', windowMinutes: 1441 }, field: 'spec.drill.windowMinutes', message: /less than or equal to 1440/ },
];

for (const c of cases) {
  test(`refused: ${c.reason}`, async () => {
    const msg = await rejection(example(c.drill));
    assert.ok(msg, 'refused');
    assert.ok(msg.includes(c.field), `${msg} names ${c.field}`);
    assert.match(msg, c.message);
  });
}
