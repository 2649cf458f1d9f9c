// The Manager against a real kube-apiserver, with a reconcile that only records its calls:
// which changes wake a key (create, spec, reconcile-now) and which must not (status, labels,
// other annotations), how failures are retried, the periodic drift check, and a shutdown that
// hands the lease over only once the cancelled reconciles have ended.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import type { LeaseSpec } from '../../src/runtime/lease.ts';
import { Manager } from '../../src/runtime/manager.ts';
import { type ObjectKey, TerminalError } from '../../src/runtime/reconciler.ts';
import { waitFor } from '../env/ports.ts';
import {
  cleanupWidgets,
  createNamespace,
  createWidget,
  deleteWidget,
  patchWidget,
  sharedOrPrivateCluster,
  sleep,
  type TestCluster,
  testLogger,
  uniqueName,
  type Widget,
  widgets,
} from './runtime-fixtures.ts';

/** Long enough for an enqueued key to reach a worker many times over (they take milliseconds). */
const QUIET_MS = 700;
const KIND = 'Widget';
/** The runtime knows no annotation names: the caller hands it the ones that carry commands. */
const RECONCILE_NOW = 'example.com/reconcile-now';
/** An index the caller defines (as the controllers index spec.regionPairRef): widgets by spec.owner. */
const BY_OWNER = 'spec.owner';
const ownerOf = (w: Widget): string[] => (typeof w.spec?.owner === 'string' ? [w.spec.owner] : []);

let cluster: TestCluster;
let ns: string;
let manager: Manager;
/** Start times of every reconcile, by object name. */
const calls = new Map<string, number[]>();
const callCount = (name: string) => calls.get(name)?.length ?? 0;

function recordingReconcile(mgr: () => Manager, log: Map<string, number[]>) {
  return async (key: ObjectKey) => {
    log.set(key.name, [...(log.get(key.name) ?? []), Date.now()]);
    // Like a real reconcile: an object that is gone needs nothing more.
    if (!mgr().getCached<Widget>(KIND, key)) return;
    if (key.name.startsWith('fail-')) throw new Error('AWS said no');
    if (key.name.startsWith('terminal-')) throw new TerminalError('spec.size must be even', 'InvalidSpec');
  };
}

before(async () => {
  cluster = await sharedOrPrivateCluster();
  ns = await createNamespace(cluster.kc, 'rt-manager');
  manager = new Manager({
    kc: cluster.kc,
    logger: testLogger(),
    leaderElection: { enabled: false },
    queueBackoff: { baseMs: 100, maxMs: 5_000, jitter: 0 },
    commandAnnotations: [RECONCILE_NOW],
  });
  manager.register({ kind: KIND, path: widgets(ns), reconcile: recordingReconcile(() => manager, calls) });
  manager.cache<Widget>(KIND).addIndex(BY_OWNER, ownerOf);
  await manager.start();
  assert.ok(await manager.waitForSync(10_000), 'informers synced');
});

after(async () => {
  await manager?.stop(1_000);
  if (cluster && ns) await cleanupWidgets(cluster.kc, ns);
  await cluster?.stop();
});

const waitCalls = (name: string, n: number, ms = 5_000) =>
  waitFor(`${n} reconciles of ${name} (have ${callCount(name)})`, async () => callCount(name) >= n, ms, 20);

/** Waits until the manager's cache holds `obj`'s resourceVersion, i.e. the informer saw the change. */
const waitCached = (obj: Widget) =>
  waitFor(
    `cache at ${obj.metadata.resourceVersion}`,
    async () => manager.getCached<Widget>(KIND, { namespace: ns, name: obj.metadata.name })?.metadata.resourceVersion === obj.metadata.resourceVersion,
    5_000,
    20,
  );

test('a new object is reconciled', async () => {
  await createWidget(cluster.kc, ns, 'plain');
  await waitCalls('plain', 1);
});

test('status, label and unrelated annotation changes do not wake the reconciler', async () => {
  await waitCalls('plain', 1);
  const before = callCount('plain');
  for (const change of [
    { sub: 'status', body: { status: { phase: 'Ready' } } },
    { sub: '', body: { metadata: { labels: { team: 'network' } } } },
    { sub: '', body: { metadata: { annotations: { 'example.com/note': 'hello' } } } },
  ]) {
    const stored = await patchWidget(cluster.kc, ns, 'plain', change.body, change.sub);
    await waitCached(stored);
  }
  await sleep(QUIET_MS);
  assert.equal(callCount('plain'), before, 'no reconcile for changes that leave the generation alone');
});

test("getCached and listCached hand out the cache's own frozen objects, without managedFields", async () => {
  const stored = await createWidget(cluster.kc, ns, 'shared-read');
  assert.ok((stored.metadata as { managedFields?: unknown }).managedFields, 'the apiserver sends managedFields');
  await waitCached(stored);
  const key = { namespace: ns, name: 'shared-read' };
  const a = manager.getCached<Widget>(KIND, key)!;
  assert.equal(manager.getCached<Widget>(KIND, key), a, 'no copy per read');
  assert.ok(manager.listCached<Widget>(KIND).includes(a), 'listCached returns the same object');
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.metadata) && Object.isFrozen(a.spec), 'deeply frozen');
  assert.equal((a.metadata as { managedFields?: unknown }).managedFields, undefined, 'managedFields stripped');
  assert.equal(a.metadata.uid, stored.metadata.uid);
  assert.equal(a.metadata.resourceVersion, stored.metadata.resourceVersion);
  assert.throws(() => {
    (a.metadata as { finalizers?: string[] }).finalizers = ['x'];
  }, TypeError);
  const mine = structuredClone(a);
  mine.metadata.finalizers = ['x'];
  assert.equal(a.metadata.finalizers, undefined, 'a clone is the way to change it');
});

test('cache<T>(kind): typed reads, a namespace list, and an index that follows add, update and delete', async () => {
  const cache = manager.cache<Widget>(KIND);
  const names = (list: Widget[]) => list.map((w) => w.metadata.name).sort();
  for (const [name, owner] of [
    ['idx-a', 'alice'],
    ['idx-b', 'alice'],
    ['idx-c', 'bob'],
  ] as const) {
    await waitCached(await createWidget(cluster.kc, ns, name, { size: 1, owner }));
  }
  assert.deepEqual(names(cache.byIndex(BY_OWNER, 'alice')), ['idx-a', 'idx-b']);
  assert.deepEqual(names(cache.byIndex(BY_OWNER, 'bob')), ['idx-c']);
  assert.deepEqual(cache.indexKeys(BY_OWNER, 'bob'), [{ namespace: ns, name: 'idx-c' }]);
  const a = cache.byIndex(BY_OWNER, 'alice').find((w) => w.metadata.name === 'idx-a');
  assert.equal(a, cache.get({ namespace: ns, name: 'idx-a' }), 'the index hands out the cached object itself, no copy');
  assert.ok(a && Object.isFrozen(a.spec), 'still deeply frozen');
  assert.equal(cache.get(`${ns}/idx-a`), a, 'a string key reads the same object');
  assert.ok(names(cache.list(ns)).includes('idx-c'));
  assert.deepEqual(cache.list('no-such-namespace'), []);

  // An update that changes the owner moves the widget from one value to the other.
  await waitCached(await patchWidget(cluster.kc, ns, 'idx-a', { spec: { owner: 'bob' } }));
  assert.deepEqual(names(cache.byIndex(BY_OWNER, 'alice')), ['idx-b']);
  assert.deepEqual(names(cache.byIndex(BY_OWNER, 'bob')), ['idx-a', 'idx-c']);

  await deleteWidget(cluster.kc, ns, 'idx-c');
  await waitFor('idx-c gone from the cache', async () => cache.get({ namespace: ns, name: 'idx-c' }) === undefined, 5_000, 20);
  assert.deepEqual(names(cache.byIndex(BY_OWNER, 'bob')), ['idx-a']);
  assert.throws(() => cache.addIndex('late', ownerOf), /before the manager starts/);
  assert.throws(() => cache.byIndex('spec.size', '1'), /no index named spec.size/);
});

test('a spec change (new generation) is reconciled', async () => {
  const before = callCount('plain');
  const stored = await patchWidget(cluster.kc, ns, 'plain', { spec: { size: 3 } });
  assert.equal(stored.metadata.generation, 2);
  await waitCalls('plain', before + 1);
});

test('setting or changing a command annotation is reconciled', async () => {
  for (const value of ['1', '2']) {
    const before = callCount('plain');
    const stored = await patchWidget(cluster.kc, ns, 'plain', { metadata: { annotations: { [RECONCILE_NOW]: value } } });
    assert.equal(stored.metadata.generation, 2, 'an annotation leaves the generation alone');
    await waitCalls('plain', before + 1);
  }
});

test('a failing reconcile is retried with growing delays', async () => {
  await createWidget(cluster.kc, ns, 'fail-1');
  // Backoff 100, 200, 400, 800 ms (no jitter): five calls within ~1.5 s.
  await waitCalls('fail-1', 5, 8_000);
  const t = calls.get('fail-1')!;
  const gaps = t.slice(1, 5).map((at, i) => at - t[i]!);
  assert.ok(gaps[0]! >= 90, `first retry after the base delay, gaps ${gaps.join(', ')}`);
  for (let i = 1; i < gaps.length; i++) {
    assert.ok(gaps[i]! >= gaps[i - 1]! * 1.6, `each retry waits about twice as long: gaps ${gaps.join(', ')} ms`);
  }
  // Once the object is gone the reconcile succeeds: the retries stop. The retry already
  // scheduled (1.6 s) may still fire once; nothing may come after it.
  await deleteWidget(cluster.kc, ns, 'fail-1');
  const atDelete = callCount('fail-1');
  await sleep(2_000);
  const settled = callCount('fail-1');
  assert.ok(settled - atDelete <= 2, `after the delete: ${settled - atDelete} reconciles`);
  await sleep(QUIET_MS);
  assert.equal(callCount('fail-1'), settled, 'a success ends the retries');
});

test('a TerminalError is not retried until the object changes', async () => {
  await createWidget(cluster.kc, ns, 'terminal-1');
  await waitCalls('terminal-1', 1);
  // An ordinary error would have been retried after 100 and 300 ms by now.
  await sleep(QUIET_MS);
  assert.equal(callCount('terminal-1'), 1);
  await patchWidget(cluster.kc, ns, 'terminal-1', { spec: { size: 4 } });
  await waitCalls('terminal-1', 2);
  await sleep(QUIET_MS);
  assert.equal(callCount('terminal-1'), 2);
});

test('the drift interval re-enqueues every cached key without any change', async () => {
  const driftNs = await createNamespace(cluster.kc, 'rt-drift');
  await createWidget(cluster.kc, driftNs, 'steady');
  const driftCalls = new Map<string, number[]>();
  const drifting: Manager = new Manager({
    kc: cluster.kc,
    logger: testLogger(),
    leaderElection: { enabled: false },
    driftIntervalMs: 500,
    commandAnnotations: [],
  });
  drifting.register({ kind: KIND, path: widgets(driftNs), reconcile: recordingReconcile(() => drifting, driftCalls) });
  try {
    await drifting.start();
    await waitFor('4 reconciles of steady', async () => (driftCalls.get('steady')?.length ?? 0) >= 4, 5_000, 20);
    const t = driftCalls.get('steady')!;
    const gaps = t.slice(1, 4).map((at, i) => at - t[i]!);
    // A busy machine delays single reconciles (one gap short, the next long); the mean of the
    // gaps is what the 500 ms ±10 % timer sets, and no gap is anywhere near a tight loop.
    const mean = (t[3]! - t[0]!) / 3;
    assert.ok(mean >= 420 && mean <= 800, `drift checks every 500 ms ±10 %: mean gap ${mean.toFixed(0)} ms (gaps ${gaps.join(', ')})`);
    for (const g of gaps) assert.ok(g >= 250, `no drift check follows the previous one within 250 ms: gaps ${gaps.join(', ')} ms`);
  } finally {
    await drifting.stop(1_000);
    await cleanupWidgets(cluster.kc, driftNs);
  }
});

/** Short timings, so the renew deadline bounding the shutdown is 2 s. */
const LEASE = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

interface InFlight {
  startedAt?: number;
  cancelledAt?: number;
  endedAt?: number;
}

/**
 * Stops a leading manager while its one reconcile is in flight. The reconcile notices the
 * cancel and needs `afterCancelMs` more to end (its AWS call returning), or never ends.
 * Returns its times, when stop() returned, and the Lease as stop() left it.
 */
async function stopDuringReconcile(afterCancelMs: number | 'never') {
  const leaseNs = await createNamespace(cluster.kc, 'rt-stop');
  const lease = uniqueName('lease');
  await createWidget(cluster.kc, leaseNs, 'busy');
  const seen: InFlight = {};
  let unblock = () => {};
  const never = new Promise<void>((resolve) => (unblock = resolve));
  const stopping: Manager = new Manager({
    kc: cluster.kc,
    logger: testLogger(),
    leaderElection: { enabled: true, namespace: leaseNs, name: lease, identity: 'stopping-replica', ...LEASE },
    commandAnnotations: [],
  });
  stopping.register({
    kind: KIND,
    path: widgets(leaseNs),
    reconcile: async (_key, ctx) => {
      if (seen.startedAt !== undefined) return;
      seen.startedAt = Date.now();
      const signal = ctx!.signal;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      seen.cancelledAt = Date.now();
      await (afterCancelMs === 'never' ? never : sleep(afterCancelMs));
      seen.endedAt = Date.now();
    },
  });
  try {
    await stopping.start();
    await waitFor('the reconcile in flight', async () => seen.startedAt !== undefined, 10_000, 20);
    await stopping.stop(0);
    const stoppedAt = Date.now();
    const { spec } = await kubeRequest<{ spec: LeaseSpec }>(cluster.kc, {
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${leaseNs}/leases/${lease}`,
    });
    return { seen: { ...seen }, stoppedAt, spec, releasedAt: new Date(spec.renewTime!).getTime() };
  } finally {
    unblock();
    await cleanupWidgets(cluster.kc, leaseNs);
  }
}

test('stop hands the lease over only after the cancelled reconcile has ended', async () => {
  const { seen, spec, releasedAt } = await stopDuringReconcile(600);
  assert.equal(spec.holderIdentity, '', 'released, not left to expire');
  assert.ok(seen.cancelledAt !== undefined, 'the reconcile was cancelled');
  assert.ok(seen.endedAt !== undefined, 'stop() returned, the lease released, while the cancelled reconcile still ran');
  assert.ok(releasedAt >= seen.endedAt, `released ${seen.endedAt - releasedAt} ms before the reconcile ended`);
  assert.ok(releasedAt - seen.cancelledAt < LEASE.renewDeadlineMs, 'and without waiting for the whole renew deadline');
});

test('stop hands the lease over at the renew deadline when a cancelled reconcile never ends', async () => {
  const { seen, stoppedAt, spec, releasedAt } = await stopDuringReconcile('never');
  assert.equal(spec.holderIdentity, '', 'released, not left to expire');
  assert.equal(seen.endedAt, undefined);
  const heldFor = releasedAt - seen.cancelledAt!;
  assert.ok(heldFor >= LEASE.renewDeadlineMs - 50, `released ${heldFor} ms after the cancel, before the renew deadline`);
  assert.ok(stoppedAt - seen.cancelledAt! < LEASE.renewDeadlineMs + 1_500, 'stop() does not wait for it beyond the deadline');
});
