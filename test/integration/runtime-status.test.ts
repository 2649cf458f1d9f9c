// StatusWriter, finalizers and the EventRecorder against real objects on a real apiserver:
// an unchanged status costs no request and no watch event, observedGeneration follows the
// generation, finalizer patches are conditional on the resourceVersion (409 when stale), and
// repeated Events bump one Event's count instead of piling up.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { EventRecorder } from '../../src/runtime/events.ts';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../../src/runtime/finalizers.ts';
import { Informer } from '../../src/runtime/informer.ts';
import { isConflict, isNotFound, kubeRequest } from '../../src/runtime/kube-request.ts';
import { StatusWriter } from '../../src/runtime/status.ts';
import { waitFor } from '../env/ports.ts';
import { TcpProxy } from '../env/tcp-proxy.ts';
import {
  ALL_WIDGETS,
  cleanupWidgets,
  createNamespace,
  createWidget,
  deleteWidget,
  getWidget,
  patchWidget,
  sharedOrPrivateCluster,
  sleep,
  type TestCluster,
  testLogger,
  type Widget,
  widgets,
} from './runtime-fixtures.ts';

const FINALIZER = 'multiregion.dev/cleanup';
const OTHER_FINALIZER = 'example.com/other';

let cluster: TestCluster;
let ns: string;
let informer: Informer<Widget>;
/** resourceVersions of every watch update, by object name. */
const updates = new Map<string, string[]>();

before(async () => {
  cluster = await sharedOrPrivateCluster();
  ns = await createNamespace(cluster.kc, 'rt-status');
  informer = new Informer<Widget>({ kc: cluster.kc, path: widgets(ns), kind: 'Widget', logger: testLogger() });
  informer.on({
    onUpdate: (obj) => updates.set(obj.metadata.name, [...(updates.get(obj.metadata.name) ?? []), obj.metadata.resourceVersion!]),
  });
  informer.start();
  await waitFor('informer synced', async () => informer.hasSynced(), 10_000, 50);
});

after(async () => {
  await informer?.stop();
  if (cluster && ns) await cleanupWidgets(cluster.kc, ns);
  await cluster?.stop();
});

/** PATCHes of widgets/status the apiserver has served, from its own /metrics. */
async function statusPatchesServed(): Promise<number> {
  const ctx = new RequestContext(`${cluster.kc.getCurrentCluster()!.server}/metrics`, HttpMethod.GET);
  await cluster.kc.applySecurityAuthentication(ctx);
  const res = await new IsomorphicFetchHttpLibrary().send(ctx).toPromise();
  assert.equal(res.httpStatusCode, 200);
  let n = 0;
  for (const line of (await res.body.text()).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    if (line.includes('resource="widgets"') && line.includes('subresource="status"') && line.includes('verb="PATCH"')) {
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return n;
}

const conditions = (status: 'True' | 'False') => [
  { type: 'Ready', status, reason: status === 'True' ? 'Available' : 'Creating', message: 'test', lastTransitionTime: '2026-01-01T00:00:00Z' },
];

test('StatusWriter sets observedGeneration, and writes nothing when nothing changed', async () => {
  const writer = new StatusWriter(cluster.kc, 'runtime-tests');
  const created = await createWidget(cluster.kc, ns, 'status');
  assert.equal(await writer.write(ALL_WIDGETS, created, { conditions: conditions('False') }), true);
  const first = await getWidget(cluster.kc, ns, 'status');
  assert.deepEqual(first.status, { conditions: conditions('False'), observedGeneration: 1 });
  await waitFor('informer saw the status', async () => informer.get(`${ns}/status`)?.metadata.resourceVersion === first.metadata.resourceVersion, 5_000, 20);

  // The same status again, from the cached (frozen) object as a reconcile would pass it.
  const cached = informer.get(`${ns}/status`)!;
  const patchesBefore = await statusPatchesServed();
  const eventsBefore = updates.get('status')?.length ?? 0;
  assert.equal(await writer.write(ALL_WIDGETS, cached, { conditions: conditions('False') }), false);
  await sleep(500);
  assert.equal((await getWidget(cluster.kc, ns, 'status')).metadata.resourceVersion, first.metadata.resourceVersion);
  assert.equal(updates.get('status')?.length ?? 0, eventsBefore, 'no watch event');
  assert.equal(await statusPatchesServed(), patchesBefore, 'no PATCH reached the apiserver');

  // A new generation with the same conditions still needs a write: observedGeneration moves.
  const edited = await patchWidget(cluster.kc, ns, 'status', { spec: { size: 2 } });
  assert.equal(await writer.write(ALL_WIDGETS, edited, { conditions: conditions('False') }), true);
  assert.equal((await getWidget(cluster.kc, ns, 'status')).status?.observedGeneration, 2);
  // The apiserver counts a request just after answering it.
  await waitFor('one more status PATCH counted', async () => (await statusPatchesServed()) === patchesBefore + 1, 3_000, 100);
});

test('StatusWriter with optimisticLock fails with 409 on a stale object', async () => {
  const writer = new StatusWriter(cluster.kc, 'runtime-tests');
  const stale = await createWidget(cluster.kc, ns, 'status-lock');
  await patchWidget(cluster.kc, ns, 'status-lock', { metadata: { labels: { moved: 'on' } } });
  await assert.rejects(writer.write(ALL_WIDGETS, stale, { conditions: conditions('True') }, { optimisticLock: true }), isConflict);
  assert.equal((await getWidget(cluster.kc, ns, 'status-lock')).status, undefined);
});

test('finalizers are added and removed conditionally on the resourceVersion', async () => {
  const path = ALL_WIDGETS;
  const created = await createWidget(cluster.kc, ns, 'fin');
  const withF = await addFinalizer(cluster.kc, path, created, FINALIZER);
  assert.ok(hasFinalizer(withF, FINALIZER));
  assert.notEqual(withF.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.equal(await addFinalizer(cluster.kc, path, withF, FINALIZER), withF, 'already present: no call');

  // A decision made on the old object would drop our finalizer with its list: refused.
  await assert.rejects(addFinalizer(cluster.kc, path, created, OTHER_FINALIZER), isConflict);
  assert.deepEqual((await getWidget(cluster.kc, ns, 'fin')).metadata.finalizers, [FINALIZER]);

  await deleteWidget(cluster.kc, ns, 'fin');
  const deleting = await getWidget(cluster.kc, ns, 'fin');
  assert.ok(deleting.metadata.deletionTimestamp, 'the finalizer holds the object');
  await assert.rejects(removeFinalizer(cluster.kc, path, withF, FINALIZER), isConflict, 'stale since the delete');
  await removeFinalizer(cluster.kc, path, deleting, FINALIZER);
  await assert.rejects(getWidget(cluster.kc, ns, 'fin'), isNotFound, 'gone once the last finalizer is removed');
});

interface CoreEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  involvedObject: { uid?: string; kind?: string; name?: string };
  source?: { component?: string };
}

test('repeated Events are aggregated into one Event whose count goes up', async () => {
  const obj = await createWidget(cluster.kc, ns, 'evented');
  const recorder = new EventRecorder({ kc: cluster.kc, logger: testLogger(), instance: 'runtime-tests' });
  for (let i = 0; i < 3; i++) await recorder.normal(obj, 'TransitGatewayCreated', 'created tgw-0123');
  // Concurrent repeats must not race their own create.
  await Promise.all([recorder.warning(obj, 'ReconcileError', 'AWS said no'), recorder.warning(obj, 'ReconcileError', 'AWS said no')]);
  await recorder.normal(obj, 'TransitGatewayCreated', 'created tgw-4567');

  const list = await kubeRequest<{ items: CoreEvent[] }>(cluster.kc, {
    method: 'GET',
    path: `/api/v1/namespaces/${ns}/events`,
    query: { fieldSelector: 'involvedObject.name=evented' },
  });
  const summary = list.items.map((e) => `${e.type}/${e.reason}/${e.message}/${e.count}`).sort();
  assert.deepEqual(summary, [
    'Normal/TransitGatewayCreated/created tgw-0123/3',
    'Normal/TransitGatewayCreated/created tgw-4567/1',
    'Warning/ReconcileError/AWS said no/2',
  ]);
  for (const e of list.items) {
    assert.equal(e.involvedObject.uid, obj.metadata.uid);
    assert.equal(e.involvedObject.kind, 'Widget');
    assert.equal(e.source?.component, 'multiregion-controller');
  }
});

test('Events wait while work waits for a worker, and never longer than their limit', async () => {
  const obj = await createWidget(cluster.kc, ns, 'deferred');
  let busy = true;
  const recorder = new EventRecorder({ kc: cluster.kc, logger: testLogger(), instance: 'runtime-tests', deferWhile: () => busy, maxDeferMs: 3_000 });
  const reasons = async (): Promise<string[]> => {
    const list = await kubeRequest<{ items: (CoreEvent & { metadata: { creationTimestamp: string; name: string } })[] }>(cluster.kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/events`,
      query: { fieldSelector: 'involvedObject.name=deferred' },
    });
    return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).map((e) => e.reason);
  };
  const first = recorder.normal(obj, 'First', 'held while busy');
  const second = recorder.warning(obj, 'Second', 'held behind the first');
  await sleep(500);
  assert.deepEqual(await reasons(), [], 'nothing written while work waits');
  busy = false;
  await Promise.all([first, second]);
  assert.deepEqual((await reasons()).sort(), ['First', 'Second'], 'written once no work waits');

  busy = true;
  const started = Date.now();
  await recorder.normal(obj, 'Third', 'busy all along');
  const waited = Date.now() - started;
  assert.ok(waited >= 2_900 && waited < 6_000, `written after its limit although work still waits (${waited} ms)`);
  assert.deepEqual((await reasons()).sort(), ['First', 'Second', 'Third']);

  // Bounded: past maxHeld an Event is dropped (and logged), not kept in memory.
  const small = new EventRecorder({ kc: cluster.kc, logger: testLogger(), instance: 'runtime-tests', deferWhile: () => busy, maxDeferMs: 60_000, maxHeld: 2 });
  const pending = [small.normal(obj, 'Kept1', 'a'), small.normal(obj, 'Kept2', 'b'), small.normal(obj, 'Dropped', 'c')];
  await pending[2];
  busy = false;
  await Promise.all(pending);
  assert.deepEqual((await reasons()).sort(), ['First', 'Kept1', 'Kept2', 'Second', 'Third']);
});

test('an Event write that hangs is given up after its timeout, and a repeat chained behind it is not held', async () => {
  const obj = await createWidget(cluster.kc, ns, 'hung');
  const proxy = new TcpProxy(cluster.kc.getCurrentCluster()!.server);
  await proxy.start();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: cluster.kc.clusters.map((c) => ({ ...c, server: `https://${proxy.address}` })),
    users: cluster.kc.users,
    contexts: cluster.kc.contexts,
    currentContext: cluster.kc.currentContext,
  });
  const recorder = new EventRecorder({ kc, logger: testLogger(), instance: 'runtime-tests', writeTimeoutMs: 1_000 });
  try {
    proxy.block();
    const started = Date.now();
    const hung = recorder.normal(obj, 'Hung', 'written while the apiserver does not answer');
    // The same Event again: it waits for the first write, to bump the count instead of racing it.
    const behind = recorder.normal(obj, 'Hung', 'written while the apiserver does not answer');
    // Both give up while the apiserver still does not answer: each write waits its own timeout, no longer.
    const given = await Promise.race([Promise.all([hung, behind]).then(() => 'given up'), sleep(6_000).then(() => 'still waiting')]);
    assert.equal(given, 'given up', 'the writes are given up while blocked');
    assert.ok(Date.now() - started >= 2_000, 'each waited its timeout');
    proxy.unblock();
    proxy.dropConnections();
    await recorder.normal(obj, 'After', 'recorded once the apiserver answers again');
  } finally {
    await proxy.stop();
  }
  const list = await kubeRequest<{ items: CoreEvent[] }>(cluster.kc, {
    method: 'GET',
    path: `/api/v1/namespaces/${ns}/events`,
    query: { fieldSelector: 'involvedObject.name=hung' },
  });
  assert.ok(
    list.items.some((e) => e.reason === 'After'),
    `the Event after the outage is written: ${list.items.map((e) => e.reason).join(',')}`,
  );
});
