// The one reconcile every kind shares (controllers/shared/lifecycle.ts) against a real apiserver:
// the finalizer is stored before any work, a deleted object keeps it until its cleanup reports
// done, a pass writes its status once (and not at all when nothing changed), a paused object is
// left alone, and errors show as Synced=False. The kind's own work (validate, sync, finalize) is
// a script each test writes; everything around it is real: the manager's cache, the finalizer
// and status patches, Events, the CRD's validation.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { ANNOTATIONS, type Condition, collectionPath, FINALIZER, type RegionPair, type RegionPairStatus } from '../../src/api/types.ts';
import { type AwsClientsHandle, createAwsClients } from '../../src/aws/clients.ts';
import { COLLECTIONS } from '../../src/controllers/shared/deps.ts';
import { type FieldError, type FinalizeResult, type KindHandler, makeReconcile, type SyncResult } from '../../src/controllers/shared/lifecycle.ts';
import { SyncError } from '../../src/controllers/shared/sync-error.ts';
import { ready } from '../../src/runtime/conditions.ts';
import { EventRecorder } from '../../src/runtime/events.ts';
import { isNotFound, kubeRequest, MERGE_PATCH } from '../../src/runtime/kube-request.ts';
import { Manager } from '../../src/runtime/manager.ts';
import { Metrics } from '../../src/runtime/metrics.ts';
import { type Reconcile, TerminalError } from '../../src/runtime/reconciler.ts';
import { type StatusTarget, type StatusWriteOptions, StatusWriter } from '../../src/runtime/status.ts';
import { waitFor } from '../env/ports.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { createNamespace, testLogger } from './runtime-fixtures.ts';

/** The real writer, counting the writes that reached the apiserver (it skips unchanged ones). */
class CountingStatusWriter extends StatusWriter {
  writes = 0;
  override async write(path: string, obj: StatusTarget, status: Record<string, unknown>, o?: StatusWriteOptions): Promise<boolean> {
    const wrote = await super.write(path, obj, status, o);
    if (wrote) this.writes++;
    return wrote;
  }
}

interface Script {
  validate?(obj: RegionPair): FieldError[];
  sync?(obj: RegionPair): Promise<SyncResult<RegionPairStatus>>;
  finalize?(obj: RegionPair): Promise<FinalizeResult<RegionPairStatus>>;
}

let stack: Stack;
let ns: string;
let manager: Manager;
let aws: AwsClientsHandle;
let status: CountingStatusWriter;
let reconcile: Reconcile;
let script: Script = {};
/** `sync <name>` / `finalize <name>`, in call order. */
const calls: string[] = [];

const handler: KindHandler<RegionPair> = {
  kind: 'RegionPair',
  path: COLLECTIONS.RegionPair,
  validate: (obj) => script.validate?.(obj) ?? [],
  async sync(obj) {
    calls.push(`sync ${obj.metadata.name}`);
    return script.sync ? script.sync(obj) : { status: {}, conditions: [ready.available()] };
  },
  async finalize(obj) {
    calls.push(`finalize ${obj.metadata.name}`);
    return script.finalize ? script.finalize(obj) : { done: true };
  },
};

before(async () => {
  stack = await getStack();
  ns = await createNamespace(stack.kc, 'lifecycle');
  const logger = testLogger();
  // Watches only this file's namespace; its own reconcile does nothing, the tests run passes themselves.
  manager = new Manager({ kc: stack.kc, logger, leaderElection: { enabled: false }, namespace: ns, commandAnnotations: [] });
  manager.register({ kind: 'RegionPair', path: COLLECTIONS.RegionPair, reconcile: async () => {} });
  aws = createAwsClients({ endpointUrl: stack.motoEndpoint });
  status = new CountingStatusWriter(stack.kc);
  const deps = {
    kc: stack.kc,
    aws,
    clusterId: 'lifecycle-test',
    logger,
    events: new EventRecorder({ kc: stack.kc, logger }),
    status,
    metrics: new Metrics(),
    manager,
  };
  reconcile = makeReconcile<RegionPair>(deps, handler);
  await manager.start();
  assert.ok(await manager.waitForSync(20_000), 'cache synced');
});

after(async () => {
  await manager?.stop(1_000);
  aws?.destroy();
  if (ns) {
    const list = await kubeRequest<{ items: RegionPair[] }>(stack.kc, { method: 'GET', path: pairs() });
    for (const p of list.items) await patch(p.metadata.name, { metadata: { finalizers: null } }).catch(() => {});
    await kubeRequest(stack.kc, { method: 'DELETE', path: pairs() }).catch(() => {});
  }
  await stack?.stop();
});

beforeEach(() => {
  script = {};
});

const pairs = (name?: string) => `${collectionPath({ plural: 'regionpairs' }, ns)}${name ? `/${name}` : ''}`;

const side = (region: string, id: string, cidr: string) => ({
  region,
  vpcAttachments: [{ vpcId: `vpc-0${id}`, subnetIds: [`subnet-0${id}`], routeTableIds: [`rtb-0${id}`] }],
  cidrs: [cidr],
});

function createPair(name: string, annotations?: Record<string, string>): Promise<RegionPair> {
  return kubeRequest<RegionPair>(stack.kc, {
    method: 'POST',
    path: pairs(),
    body: {
      apiVersion: 'multiregion.dev/v1alpha1',
      kind: 'RegionPair',
      metadata: { name, namespace: ns, ...(annotations && { annotations }) },
      spec: { primary: side('us-east-1', 'a1b2c3d4e5f60718', '10.0.0.0/16'), secondary: side('us-west-2', 'f9e8d7c6b5a43218', '10.1.0.0/16') },
    },
  });
}

const patch = (name: string, body: unknown) => kubeRequest<RegionPair>(stack.kc, { method: 'PATCH', path: pairs(name), contentType: MERGE_PATCH, body });
const remove = (name: string) => kubeRequest(stack.kc, { method: 'DELETE', path: pairs(name) });

/** The object as the apiserver has it now; undefined once it is gone. */
async function stored(name: string): Promise<RegionPair | undefined> {
  try {
    return await kubeRequest<RegionPair>(stack.kc, { method: 'GET', path: pairs(name) });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** One reconcile pass, once the cache holds what the apiserver holds (passes read the cache, as the workers' do). */
async function pass(name: string): Promise<void> {
  const now = await stored(name);
  await waitFor(
    `cache of ${name} at ${now?.metadata.resourceVersion ?? 'gone'}`,
    async () => manager.cache<RegionPair>('RegionPair').get({ namespace: ns, name })?.metadata.resourceVersion === now?.metadata.resourceVersion,
    10_000,
    20,
  );
  await reconcile({ namespace: ns, name }, { signal: new AbortController().signal });
}

const cond = (o: RegionPair | undefined, type: string): Condition | undefined => o?.status?.conditions?.find((c) => c.type === type);
const ran = (what: string) => calls.filter((c) => c === what).length;

test('the finalizer is stored before sync runs; the pass writes its status once, the next unchanged pass not at all', async () => {
  await createPair('order');
  let finalizersAtSync: string[] | undefined;
  script.sync = async () => {
    finalizersAtSync = (await stored('order'))?.metadata.finalizers;
    return { status: { overviewHash: 'h1' }, conditions: [ready.available()] };
  };
  const writes = status.writes;
  await pass('order');
  assert.deepEqual(finalizersAtSync, [FINALIZER], 'the apiserver held the finalizer when the kind began its work');
  assert.equal(status.writes - writes, 1, 'one status write for the pass');
  const after1 = await stored('order');
  assert.equal(after1?.status?.overviewHash, 'h1');
  assert.equal(after1?.status?.observedGeneration, after1?.metadata.generation);
  assert.equal(cond(after1, 'Synced')?.status, 'True');
  assert.equal(cond(after1, 'Ready')?.status, 'True');

  await pass('order');
  assert.equal(ran('sync order'), 2);
  assert.equal(status.writes - writes, 1, 'nothing changed: no second write');
  assert.equal((await stored('order'))?.metadata.resourceVersion, after1?.metadata.resourceVersion);
});

test('a pass that stored what it needs and comes back at once leaves its status to the next pass; not when it comes back later', async () => {
  await createPair('waits');
  await pass('waits');
  const writes = status.writes;
  const before = await stored('waits');
  script.sync = async () => ({ status: { overviewHash: 'h2' }, conditions: [ready.available()], requeueAfterMs: 1, statusWriteWaits: true });
  await pass('waits');
  assert.equal(status.writes - writes, 0, 'the write waits for the next pass');
  assert.equal((await stored('waits'))?.metadata.resourceVersion, before?.metadata.resourceVersion);
  // The next pass writes what the first one left.
  script.sync = async () => ({ status: { overviewHash: 'h2' }, conditions: [ready.available()] });
  await pass('waits');
  assert.equal(status.writes - writes, 1);
  assert.equal((await stored('waits'))?.status?.overviewHash, 'h2');
  // Not coming back within STATUS_WAIT_MAX_MS (or not at all): written now.
  for (const [i, requeueAfterMs] of [60_000, 0, undefined].entries()) {
    script.sync = async () => ({
      status: { overviewHash: `h3-${i}` },
      conditions: [ready.available()],
      ...(requeueAfterMs !== undefined && { requeueAfterMs }),
      statusWriteWaits: true,
    });
    await pass('waits');
    assert.equal(status.writes - writes, 2 + i, `requeueAfterMs ${requeueAfterMs}: written`);
    assert.equal((await stored('waits'))?.status?.overviewHash, `h3-${i}`);
  }
});

test('a failing sync: Synced=False with the reason, one status write, a Warning Event, and the error rethrown for a retry', async () => {
  await createPair('fails');
  script.sync = async () => {
    throw new Error('AWS said no');
  };
  const writes = status.writes;
  await assert.rejects(pass('fails'), (err: Error) => !(err instanceof TerminalError) && /AWS said no/.test(err.message));
  assert.equal(status.writes - writes, 1);
  const s = await stored('fails');
  assert.equal(cond(s, 'Synced')?.status, 'False');
  assert.equal(cond(s, 'Synced')?.reason, 'ReconcileError');
  assert.match(cond(s, 'Synced')?.message ?? '', /AWS said no/);
  assert.deepEqual(s?.metadata.finalizers, [FINALIZER], 'added before the work that failed');
  await waitFor(
    'a Warning Event about the failure',
    async () => {
      const events = await kubeRequest<{ items: Array<{ type: string; reason: string; involvedObject: { name: string } }> }>(stack.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/events`,
      });
      return events.items.some((e) => e.type === 'Warning' && e.reason === 'ReconcileError' && e.involvedObject.name === 'fails');
    },
    10_000,
    100,
  );

  // A terminal error (a spec the kind cannot act on) is not retried until the object changes.
  script.sync = async () => {
    throw new SyncError('spec.primary.region has no Transit Gateway quota', 'QuotaExceeded', 'spec.primary.region', true);
  };
  await assert.rejects(pass('fails'), TerminalError);
  assert.equal(cond(await stored('fails'), 'Synced')?.reason, 'QuotaExceeded');
});

test('an invalid spec: Synced=False InvalidSpec, terminal, and neither the finalizer nor sync', async () => {
  await createPair('invalid');
  script.validate = () => [{ field: 'spec.primary.cidrs', message: 'overlaps the secondary side' }];
  await assert.rejects(pass('invalid'), TerminalError);
  const s = await stored('invalid');
  assert.equal(cond(s, 'Synced')?.reason, 'InvalidSpec');
  assert.match(cond(s, 'Synced')?.message ?? '', /spec\.primary\.cidrs: overlaps/);
  assert.equal(s?.metadata.finalizers, undefined);
  assert.equal(ran('sync invalid'), 0);
});

test('a paused object: no sync, no finalizer, Synced=False Paused', async () => {
  await createPair('paused', { [ANNOTATIONS.paused]: 'true' });
  await pass('paused');
  const s = await stored('paused');
  assert.equal(ran('sync paused'), 0);
  assert.equal(s?.metadata.finalizers, undefined);
  assert.equal(cond(s, 'Synced')?.status, 'False');
  assert.equal(cond(s, 'Synced')?.reason, 'Paused');
});

test('deleted while paused: the cleanup waits and the finalizer stays until the pause is lifted', async () => {
  await createPair('paused-delete');
  await pass('paused-delete');
  await patch('paused-delete', { metadata: { annotations: { [ANNOTATIONS.paused]: 'true' } } });
  await remove('paused-delete');
  await pass('paused-delete');
  const s = await stored('paused-delete');
  assert.ok(s?.metadata.deletionTimestamp, 'being deleted');
  assert.deepEqual(s?.metadata.finalizers, [FINALIZER]);
  assert.equal(ran('finalize paused-delete'), 0);
  assert.equal(cond(s, 'Synced')?.reason, 'Paused');

  await patch('paused-delete', { metadata: { annotations: { [ANNOTATIONS.paused]: null } } });
  await pass('paused-delete');
  assert.equal(ran('finalize paused-delete'), 1);
  await waitFor('paused-delete gone', async () => (await stored('paused-delete')) === undefined, 10_000, 50);
});

test('deletion: the finalizer goes only after the cleanup reports done; a failed or unfinished cleanup keeps it', async () => {
  await createPair('doomed');
  await pass('doomed');
  await remove('doomed');

  script.finalize = async () => {
    throw new Error('DeleteTransitGateway: throttled');
  };
  await assert.rejects(pass('doomed'), /throttled/);
  let s = await stored('doomed');
  assert.deepEqual(s?.metadata.finalizers, [FINALIZER], 'a failed cleanup keeps the finalizer');
  assert.equal(cond(s, 'Synced')?.status, 'False');

  let finalizersDuringCleanup: string[] | undefined;
  script.finalize = async () => {
    finalizersDuringCleanup = (await stored('doomed'))?.metadata.finalizers;
    return { done: false, message: 'Waiting for the Transit Gateway to be deleted.', requeueAfterMs: 2_000 };
  };
  const writes = status.writes;
  await pass('doomed');
  assert.deepEqual(finalizersDuringCleanup, [FINALIZER]);
  s = await stored('doomed');
  assert.deepEqual(s?.metadata.finalizers, [FINALIZER], 'an unfinished cleanup keeps the finalizer');
  assert.equal(cond(s, 'Ready')?.reason, 'Deleting');
  assert.equal(cond(s, 'Ready')?.message, 'Waiting for the Transit Gateway to be deleted.');
  assert.equal(cond(s, 'Synced')?.status, 'True');
  assert.equal(status.writes - writes, 1, 'one status write for the pass');

  script.finalize = async () => ({ done: true });
  await pass('doomed');
  await waitFor('doomed gone once its cleanup is done', async () => (await stored('doomed')) === undefined, 10_000, 50);
  assert.equal(ran('finalize doomed'), 3);
  assert.equal(ran('sync doomed'), 1, 'no sync once deleting');
});
