// Leader election between two Managers in one process, on a real Lease with short timings
// (3 s lease, 2 s renew deadline, 0.5 s retry): only the leader reconciles, a leader that
// stops hands the lease over at once, and a leader that is cut off (a crash, or a network
// partition: it can't renew and it can't release) loses its workers at the renew deadline
// while the other takes over only after the lease expired. Every reconcile records its
// in-flight window, so the tests can check that no key was ever worked on by both at once.

import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { sleep as abortableSleep } from '../../src/runtime/backoff.ts';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import type { LeaseSpec } from '../../src/runtime/lease.ts';
import { Manager } from '../../src/runtime/manager.ts';
import { keyString, type ObjectKey, type ReconcileContext } from '../../src/runtime/reconciler.ts';
import { waitFor } from '../env/ports.ts';
import {
  cleanupWidgets,
  createNamespace,
  createWidget,
  sharedOrPrivateCluster,
  sleep,
  type TestCluster,
  testLogger,
  uniqueName,
  widgets,
  withServer,
} from './runtime-fixtures.ts';

const LEASE = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };
const KEYS = ['w-1', 'w-2', 'w-3'];

let cluster: TestCluster;
let ns: string;
const running: Manager[] = [];

before(async () => {
  cluster = await sharedOrPrivateCluster();
  ns = await createNamespace(cluster.kc, 'rt-leader');
  for (const name of KEYS) await createWidget(cluster.kc, ns, name);
});

after(async () => {
  await Promise.all(running.map((m) => m.stop(500)));
  if (cluster && ns) await cleanupWidgets(cluster.kc, ns);
  await cluster?.stop();
});

interface Window {
  key: string;
  start: number;
  end?: number;
}

interface Replica {
  id: string;
  manager: Manager;
  windows: Window[];
}

/** A manager whose reconcile keeps every key busy (50 ms of work, again 100 ms later). */
function replica(id: string, lease: string, kc: KubeConfig = cluster.kc): Replica {
  const windows: Window[] = [];
  const manager = new Manager({
    kc,
    logger: testLogger(),
    leaderElection: { enabled: true, namespace: ns, name: lease, identity: id, ...LEASE },
    commandAnnotations: [],
  });
  manager.register({
    kind: 'Widget',
    path: widgets(ns),
    reconcile: async (key: ObjectKey, ctx?: ReconcileContext) => {
      const w: Window = { key: keyString(key), start: Date.now() };
      windows.push(w);
      await abortableSleep(50, ctx?.signal);
      w.end = Date.now();
      return { requeueAfterMs: 100 };
    },
  });
  running.push(manager);
  return { id, manager, windows };
}

const firstStart = (r: Replica, after = 0): number | undefined => r.windows.find((w) => w.start >= after)?.start;

/** No key had a window of `a` overlapping a window of `b`. */
function assertNoOverlap(a: Replica, b: Replica): void {
  for (const x of a.windows) {
    for (const y of b.windows) {
      if (x.key !== y.key) continue;
      const overlap = x.start < (y.end ?? Infinity) && y.start < (x.end ?? Infinity);
      assert.ok(!overlap, `${x.key} reconciled by ${a.id} [${x.start}, ${x.end}] and ${b.id} [${y.start}, ${y.end}] at once`);
    }
  }
}

const readLease = (name: string) =>
  kubeRequest<{ spec: LeaseSpec }>(cluster.kc, { method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}` });

const allKeysBusy = (r: Replica, after: number) => KEYS.every((k) => r.windows.some((w) => w.key === `${ns}/${k}` && w.start >= after));

test('only the leader reconciles; stopping it releases the lease and the other takes over at once', async () => {
  const lease = uniqueName('lease');
  const [a, b] = [replica('replica-a', lease), replica('replica-b', lease)];
  await Promise.all([a.manager.start(), b.manager.start()]);
  await waitFor('a leader', async () => a.manager.isLeader() || b.manager.isLeader(), 10_000, 50);
  const [leader, follower] = a.manager.isLeader() ? [a, b] : [b, a];
  await waitFor('the leader reconciling every key', async () => allKeysBusy(leader, 0), 10_000, 50);
  await sleep(1_500); // several renewals, and many retries by the follower
  assert.equal(follower.manager.isLeader(), false);
  assert.equal(follower.windows.length, 0, 'the follower reconciled nothing');
  assert.equal((await readLease(lease)).spec.holderIdentity, leader.id);

  const stopping = Date.now();
  await leader.manager.stop(2_000);
  await waitFor('the follower reconciling every key', async () => allKeysBusy(follower, stopping), 5_000, 20);
  const takeover = firstStart(follower)! - stopping;
  // Waiting for expiry would take at least 3 s minus one 0.5 s renew period.
  assert.ok(takeover < 2_000, `takeover ${takeover} ms after stop: the lease was not released`);
  assert.equal(leader.windows.filter((w) => w.start >= stopping + 2_000).length, 0, 'the stopped leader did no more work');
  const spec = (await readLease(lease)).spec;
  assert.equal(spec.holderIdentity, follower.id);
  assert.equal(spec.leaseTransitions, 1);
  assertNoOverlap(leader, follower);
});

test('a leader cut off from the apiserver stops at the renew deadline; the other takes over after expiry', async () => {
  const lease = uniqueName('lease');
  const proxy = await startProxy(cluster.kc);
  try {
    // a talks through a proxy the test can cut: it can neither renew nor release.
    const a = replica('replica-a', lease, withServer(cluster.kc, proxy.url));
    const b = replica('replica-b', lease);
    await a.manager.start();
    await waitFor('a leading', async () => a.manager.isLeader(), 10_000, 50);
    await b.manager.start();
    await waitFor('a reconciling every key', async () => allKeysBusy(a, 0), 10_000, 50);
    await sleep(1_000);
    assert.equal(b.windows.length, 0, 'the follower reconciled nothing');

    const cutAt = Date.now();
    proxy.cut();
    await waitFor('a giving up leadership', async () => !a.manager.isLeader(), 5_000, 20);
    const lostAfter = Date.now() - cutAt;
    assert.ok(lostAfter <= LEASE.renewDeadlineMs + 300, `a stopped leading ${lostAfter} ms after the cut`);
    const lastA = Math.max(...a.windows.map((w) => w.end ?? Infinity));
    assert.ok(lastA - cutAt <= LEASE.renewDeadlineMs + 300, 'a finished its last reconcile by the renew deadline');

    await waitFor('b reconciling every key', async () => allKeysBusy(b, cutAt), 10_000, 20);
    const takeover = firstStart(b)! - cutAt;
    // a's last renew was at most one retry period (0.5 s) before the cut; b must wait until
    // that renew is a full lease duration old on its own clock.
    assert.ok(takeover >= LEASE.leaseDurationMs - LEASE.retryPeriodMs, `b took over ${takeover} ms after the cut, before expiry`);
    assert.ok(takeover <= LEASE.leaseDurationMs + 2_000, `b took over only ${takeover} ms after the cut`);
    const spec = (await readLease(lease)).spec;
    assert.equal(spec.holderIdentity, b.id);
    assertNoOverlap(a, b);
  } finally {
    await proxy.close();
  }
});

interface Proxy {
  url: string;
  /** Drops every connection and refuses new ones, like a dead network. */
  cut(): void;
  close(): Promise<void>;
}

/** A TCP pass-through to the apiserver (TLS stays end to end: the cert is for 127.0.0.1). */
async function startProxy(kc: KubeConfig): Promise<Proxy> {
  const target = new URL(kc.getCurrentCluster()!.server);
  const sockets = new Set<Socket>();
  let dead = false;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (dead) return void client.destroy();
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    cut() {
      dead = true;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        dead = true;
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
