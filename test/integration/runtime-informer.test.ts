// The supervised Informer against a real kube-apiserver of this file's own (it is restarted):
// list + watch deliver add/update/delete, the cache is frozen, a silent watch is restarted by
// the watchdog, and an apiserver restart is survived.
//
// How the 410 is forced: the apiserver is killed (SIGKILL; a SIGTERMed one keeps serving its
// open watches for seconds, so they would simply deliver what happens meanwhile), and while it
// is down the test changes and deletes objects straight in etcd and compacts etcd at its
// current revision. The informer's resourceVersion is then older than the new watch cache's
// starting point (which alone gives "too old resource version" 410 after any restart on
// 1.34) and than the compacted revision, so the resumed watch must be answered with 410 Gone
// and only a relist can bring the changes made while the apiserver was down.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { Informer, type InformerOptions } from '../../src/runtime/informer.ts';
import type { Kube } from '../env/kube.ts';
import { waitFor } from '../env/ports.ts';
import {
  createNamespace,
  createWidget,
  deleteWidget,
  GROUP,
  patchWidget,
  privateCluster,
  type TestCluster,
  testLogger,
  type Widget,
  widgets,
} from './runtime-fixtures.ts';

let cluster: TestCluster & { kube: Kube };
before(async () => {
  cluster = await privateCluster();
});
after(async () => cluster?.stop());

interface Seen {
  type: 'add' | 'update' | 'delete';
  obj: Widget;
  old?: Widget;
}

function startInformer(t: TestContext, o: Partial<InformerOptions> & { path: string }): { informer: Informer<Widget>; seen: Seen[] } {
  const informer = new Informer<Widget>({ kc: cluster.kc, kind: 'Widget', logger: testLogger(), ...o });
  const seen: Seen[] = [];
  informer.on({
    onAdd: (obj) => seen.push({ type: 'add', obj }),
    onUpdate: (obj, old) => seen.push({ type: 'update', obj, old }),
    onDelete: (obj) => seen.push({ type: 'delete', obj }),
  });
  informer.start();
  t.after(() => informer.stop());
  return { informer, seen };
}

const saw = (seen: Seen[], type: Seen['type'], name: string, also: (s: Seen) => boolean = () => true) =>
  seen.some((s) => s.type === type && s.obj.metadata.name === name && also(s));

const waitSeen = (seen: Seen[], type: Seen['type'], name: string, also?: (s: Seen) => boolean, ms = 10_000) =>
  waitFor(`${type} of ${name}`, async () => saw(seen, type, name, also), ms, 50);

test('list delivers existing objects, the watch delivers add, update and delete', async (t) => {
  const ns = await createNamespace(cluster.kc, 'rt-informer');
  await createWidget(cluster.kc, ns, 'listed');
  const { informer, seen } = startInformer(t, { path: widgets(ns) });
  await waitFor('informer synced', async () => informer.hasSynced(), 10_000, 50);
  assert.ok(saw(seen, 'add', 'listed'), 'the initial list is delivered as adds');

  await createWidget(cluster.kc, ns, 'watched', { size: 1 });
  await waitSeen(seen, 'add', 'watched');
  await patchWidget(cluster.kc, ns, 'watched', { spec: { size: 2 } });
  await waitSeen(seen, 'update', 'watched', (s) => s.obj.spec?.size === 2 && s.old?.spec?.size === 1);
  await deleteWidget(cluster.kc, ns, 'watched');
  await waitSeen(seen, 'delete', 'watched');

  assert.equal(informer.get(`${ns}/watched`), undefined);
  assert.equal(informer.get(`${ns}/listed`)?.spec?.size, 1);
  assert.deepEqual(informer.keys(), [`${ns}/listed`]);
});

test('cached objects and the objects handlers receive cannot be mutated', async (t) => {
  const ns = await createNamespace(cluster.kc, 'rt-informer');
  await createWidget(cluster.kc, ns, 'frozen', { size: 1, zones: ['a'] });
  const { informer, seen } = startInformer(t, { path: widgets(ns) });
  await waitFor('informer synced', async () => informer.hasSynced(), 10_000, 50);

  const cached = informer.get(`${ns}/frozen`);
  assert.ok(cached);
  assert.throws(() => {
    (cached.spec as Record<string, unknown>).size = 99;
  }, TypeError);
  assert.throws(() => {
    (cached.spec as { zones: string[] }).zones.push('b');
  }, TypeError);
  assert.throws(() => {
    cached.metadata.labels = { mutated: 'yes' };
  }, TypeError);
  const fromList = informer.list()[0];
  assert.ok(fromList && Object.isFrozen(fromList.metadata));
  const handed = seen.find((s) => s.obj.metadata.name === 'frozen')?.obj;
  assert.ok(handed && Object.isFrozen(handed.spec));

  const again = informer.get(`${ns}/frozen`);
  assert.equal(again?.spec?.size, 1);
  assert.deepEqual(again?.spec?.zones, ['a']);
  assert.equal(again?.metadata.labels, undefined);
});

test('a watch that stays silent past stallMs is restarted, and keeps delivering afterwards', async (t) => {
  // An empty namespace: no event and (well before the apiserver's ~1 min bookmarks) no
  // bookmark, and far below client-node's own 30 s idle timeout, so only our watchdog fires.
  const ns = await createNamespace(cluster.kc, 'rt-informer');
  const { informer, seen } = startInformer(t, { path: widgets(ns), stallMs: 1_500 });
  await waitFor('two stall restarts', async () => (informer.stats().restartsByCause.stall ?? 0) >= 2, 10_000, 100);
  const stats = informer.stats();
  assert.equal(stats.restartsByCause.timeout, undefined, 'client-node idle timeout must not be what fired');
  assert.equal(stats.relists, 0, 'a stall resumes the watch from its resourceVersion, no relist');

  await createWidget(cluster.kc, ns, 'after-stall');
  await waitSeen(seen, 'add', 'after-stall');
});

test('apiserver restart: the watch resumes, 410 Gone relists, changes made while it was down arrive (in the indexes too)', async (t) => {
  const { kube, kc } = cluster;
  const ns = await createNamespace(kc, 'rt-informer');
  await createWidget(kc, ns, 'survivor', { size: 1 });
  await createWidget(kc, ns, 'doomed');
  const { informer, seen } = startInformer(t, { path: widgets(ns), backoff: { baseMs: 100, maxMs: 1_000 } });
  await waitFor('informer synced', async () => informer.hasSynced() && informer.size() === 2, 10_000, 50);
  // Added to the filled cache: what is there is indexed at once, the relist must rebuild it.
  informer.addIndex('spec.size', (w) => [String(w.spec?.size)]);
  const sized = (size: number) => informer.indexKeys('spec.size', String(size)).sort();
  assert.deepEqual(sized(1), [`${ns}/doomed`, `${ns}/survivor`]);
  const etcd = argvValue(processWith(`--data-dir=${join(kube.dir, 'etcd')}`), '--listen-client-urls');
  const certDir = `--cert-dir=${join(kube.dir, 'certs')}`;
  const apiserverPid = processWith(certDir).pid;

  // Killed rather than only SIGTERMed: a terminating apiserver keeps serving open watches for
  // seconds, which would deliver the etcd changes below without any 410.
  const restarted = kube.restartApiserver(2_000);
  process.kill(apiserverPid, 'SIGKILL');
  await waitFor('apiserver process gone', async () => !existsSync(`/proc/${apiserverPid}`), 10_000, 20);
  const key = (name: string) => `/registry/${GROUP}/widgets/${ns}/${name}`;
  const stored = await etcdGet(etcd, key('survivor'));
  const changed = { ...stored, spec: { size: 42 }, metadata: { ...stored.metadata, generation: (stored.metadata.generation ?? 1) + 1 } };
  await etcdCall(etcd, 'kv/put', { key: b64(key('survivor')), value: b64(JSON.stringify(changed)) });
  await etcdCall(etcd, 'kv/deleterange', { key: b64(key('doomed')) });
  const rev = (await etcdCall<{ header: { revision: string } }>(etcd, 'kv/range', { key: b64('/'), limit: 1 })).header.revision;
  await etcdCall(etcd, 'kv/compaction', { revision: rev, physical: true });
  assert.throws(() => processWith(certDir), 'the changes above were made while no apiserver ran');
  assert.equal(saw(seen, 'update', 'survivor'), false);
  await restarted;

  await waitSeen(seen, 'update', 'survivor', (s) => s.obj.spec?.size === 42 && s.old?.spec?.size === 1, 30_000);
  await waitSeen(seen, 'delete', 'doomed', undefined, 5_000);
  const stats = informer.stats();
  assert.ok((stats.restartsByCause.gone ?? 0) >= 1, `expected a 410 restart, got ${JSON.stringify(stats)}`);
  assert.ok(stats.relists >= 1, `expected a relist, got ${JSON.stringify(stats)}`);

  // The relist moved survivor from size 1 to 42 and dropped doomed, as no watch event told it.
  assert.deepEqual(sized(1), []);
  assert.deepEqual(sized(42), [`${ns}/survivor`]);
  assert.equal(informer.byIndex('spec.size', '42')[0], informer.get(`${ns}/survivor`), 'the index resolves to the cached object');

  await createWidget(kc, ns, 'after-restart');
  await waitSeen(seen, 'add', 'after-restart');
  assert.deepEqual(informer.keys().sort(), [`${ns}/after-restart`, `${ns}/survivor`]);
  assert.deepEqual(sized(1), [`${ns}/after-restart`], 'the watch after the relist keeps the index');
});

interface Proc {
  pid: number;
  argv: string[];
}

/** The process of this file's cluster whose argv holds `arg` (kube.ts keeps the handles private). */
function processWith(arg: string): Proc {
  for (const entry of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.includes(arg)) return { pid: Number(entry), argv };
  }
  throw new Error(`no process with ${arg}`);
}

const argvValue = (p: Proc, flag: string): string => {
  const hit = p.argv.find((a) => a.startsWith(`${flag}=`));
  if (!hit) throw new Error(`process ${p.pid} has no ${flag}`);
  return hit.slice(flag.length + 1);
};

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** etcd's JSON gateway (/v3/...), which etcd serves on its client URL by default. */
async function etcdCall<T = unknown>(endpoint: string, op: string, body: unknown): Promise<T> {
  const res = await fetch(`${endpoint}/v3/${op}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`etcd ${op}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function etcdGet(endpoint: string, key: string): Promise<Widget> {
  const r = await etcdCall<{ kvs?: Array<{ value: string }> }>(endpoint, 'kv/range', { key: b64(key) });
  const value = r.kvs?.[0]?.value;
  if (!value) throw new Error(`etcd has no ${key}`);
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Widget;
}
