// The Manager ties the runtime together (controller-runtime's Manager): one informer per
// watched collection, one work queue per kind, workers only while this replica leads, periodic
// drift checks, and a shutdown that stops taking work, lets in-flight reconciles finish for a
// grace period, cancels the rest and waits for them to end (at most the renew deadline),
// then releases the lease and stops the informers. `cache<T>(kind)` is the typed read side of
// the informers, with named indexes registered before start (controller-runtime's IndexField).
import { jittered, sleep } from './backoff.ts';
import type { IndexFunc } from './cache-index.ts';
import { type FleetCoordinator, fleetViewOf } from './fleet-lease.ts';
import { Informer } from './informer.ts';
import { type KubeObject, type KubeObjectLike, objectKey, objectPath } from './kube-object.ts';
import { DEFAULT_RENEW_DEADLINE_MS, LeaderElector } from './leader.ts';
import type { KindCache, ManagerOptions, Registration } from './manager-types.ts';
import { OwnWrites, withOwnWrites } from './own-writes.ts';
import { anyChange, shouldEnqueueUpdate } from './predicates.ts';
import { keyString, type ObjectKey, parseKey, TerminalError } from './reconciler.ts';
import { type WorkerPool, WorkQueue } from './workqueue.ts';

// The Manager's options and registrations live beside it; these names stay importable from here.
export { type KindCache, type ManagerOptions, type Registration, type SecondaryWatch, watchOf } from './manager-types.ts';

/** `/apis/g/v/plural` → `/apis/g/v/namespaces/<ns>/plural` (and `/api/v1/x` likewise). */
export function namespacedPath(collectionPath: string, namespace: string): string {
  const i = collectionPath.lastIndexOf('/');
  return `${collectionPath.slice(0, i)}/namespaces/${encodeURIComponent(namespace)}${collectionPath.slice(i)}`;
}

interface Controller {
  reg: Registration;
  queue: WorkQueue;
  /** Keys whose last reconcile wrote the object, until the informer brings that version back. */
  writes: OwnWrites;
  pool?: WorkerPool;
  driftTimer?: NodeJS.Timeout;
}

interface Source {
  kind: string;
  informer: Informer;
}

export class Manager {
  private readonly controllers = new Map<string, Controller>();
  private readonly sources = new Map<string, Source>();
  /** Indexes registered before start, by kind, then by index name. */
  private readonly indexes = new Map<string, Map<string, IndexFunc<KubeObject>>>();
  /** Aborted when the current leadership term ends; reconciles get its signal. */
  private term: AbortController | undefined;
  private elector: LeaderElector | undefined;
  /** Settles once the fleet lease of the last term is given up (after its reconciles ended). */
  private fleetRetired: Promise<void> = Promise.resolve();
  private started = false;
  private stopping = false;

  constructor(private readonly o: ManagerOptions) {}

  register(reg: Registration): void {
    if (this.started) throw new Error(`register ${reg.kind}: the manager has already started`);
    if (this.controllers.has(reg.kind)) throw new Error(`kind ${reg.kind} is already registered`);
    const m = this.o.metrics;
    const queue = new WorkQueue({
      backoff: this.o.queueBackoff,
      onDepth: (d) => m?.workqueueDepth.set({ kind: reg.kind }, d),
      onRetry: () => m?.workqueueRetriesTotal.inc({ kind: reg.kind }),
    });
    this.controllers.set(reg.kind, { reg, queue, writes: new OwnWrites() });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // Own informers first, so a kind's informer carries the kind's name even when another
    // kind also watches that path.
    for (const c of this.controllers.values()) this.source(c.reg.path, c.reg.kind);
    for (const c of this.controllers.values()) this.wire(c);
    // Before any informer lists, so no object is ever cached without its index entries.
    for (const [kind, byName] of this.indexes) {
      const informer = this.sourceOf(kind).informer;
      for (const [name, fn] of byName) informer.addIndex(name, fn);
    }
    for (const s of this.sources.values()) s.informer.start();
    for (const c of this.controllers.values()) this.scheduleDrift(c);

    const le = this.o.leaderElection;
    if (!le.enabled) return this.startWorking();
    if (!le.namespace || !le.name) throw new Error('leader election needs a namespace and a lease name');
    this.elector = new LeaderElector({
      kc: this.o.kc,
      logger: this.o.logger,
      namespace: le.namespace,
      name: le.name,
      identity: le.identity,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      onStartedLeading: () => this.startWorking(),
      onStoppedLeading: () => this.stopWorking('leadership lost'),
    });
    this.elector.start();
  }

  /**
   * Stops taking work, waits up to `graceMs` for in-flight reconciles, cancels the rest, and
   * releases the lease once they have ended or the renew deadline has passed.
   */
  async stop(graceMs = this.o.shutdownGraceMs ?? 15_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const c of this.controllers.values()) clearTimeout(c.driftTimer);
    const drained = await Promise.all([...this.controllers.values()].map((c) => c.queue.shutDown({ drainMs: graceMs })));
    if (drained.includes(false)) this.o.logger.warn('shutdown grace period over: cancelling in-flight reconciles', { graceMs });
    this.stopWorking('shutting down');
    await this.waitForCancelled();
    await this.fleetRetired;
    await this.elector?.stop();
    await Promise.all([...this.sources.values()].map((s) => s.informer.stop()));
  }

  /**
   * A cancelled reconcile may still be inside a call when its signal fires. Releasing the lease
   * then would let the next leader start on the same objects beside it, so the lease (still
   * renewed meanwhile) is held until they end, but no longer than the renew deadline: a
   * reconcile that ignores its signal must not keep the controller from shutting down, and its
   * mutating AWS calls are refused by then anyway.
   */
  private async waitForCancelled(): Promise<void> {
    const boundMs = this.o.leaderElection.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    const ended = await Promise.all([...this.controllers.values()].map((c) => c.queue.waitIdle(boundMs)));
    if (ended.includes(false)) this.o.logger.warn('cancelled reconciles still running after the renew deadline; handing the lease over anyway', { boundMs });
  }

  isLeader(): boolean {
    return this.term !== undefined;
  }

  /** All informers have listed once (readiness). False before start(): there are none yet. */
  hasSynced(): boolean {
    return this.started && [...this.sources.values()].every((s) => s.informer.hasSynced());
  }

  /** Keys of every kind ready and waiting for a worker: work is queued behind the running passes. */
  backlog(): number {
    let n = 0;
    for (const c of this.controllers.values()) n += c.queue.len();
    return n;
  }

  /** Kinds whose informer is stalled beyond its watchdog (liveness). */
  stalledInformers(): string[] {
    return [...this.sources.values()].filter((s) => s.informer.isStalled()).map((s) => s.kind);
  }

  /** Wakes a key of any registered kind, e.g. the ClientConnections of a changed RegionPair. */
  enqueue(kind: string, key: ObjectKey | string): void {
    const c = this.controllers.get(kind);
    if (!c) throw new Error(`enqueue: unknown kind ${kind}`);
    c.queue.add(typeof key === 'string' ? key : keyString(key));
  }

  /**
   * The typed cache of a kind (registered or watched). It may be taken before start, to add
   * indexes; reads need the informers, so they work from start on.
   */
  cache<T extends KubeObjectLike>(kind: string): KindCache<T> {
    // The one place the runtime takes the caller's word for the type of what the kind's path serves.
    const informer = () => this.sourceOf(kind).informer as unknown as Informer<T>;
    return {
      get: (key) => informer().get(typeof key === 'string' ? key : keyString(key)),
      list: (namespace) => informer().list(namespace),
      byIndex: (name, value) => informer().byIndex(name, value),
      indexKeys: (name, value) => informer().indexKeys(name, value).map(parseKey),
      addIndex: (name, fn) => this.addIndex(kind, name, fn),
    };
  }

  /** The cached object (registered kind or secondary-watch kind), if cached: `cache(kind).get`. */
  getCached<T extends KubeObjectLike = KubeObject>(kind: string, key: ObjectKey | string): T | undefined {
    return this.cache<T>(kind).get(key);
  }

  /** Every cached object of a kind: `cache(kind).list()`. */
  listCached<T extends KubeObjectLike = KubeObject>(kind: string): T[] {
    return this.cache<T>(kind).list();
  }

  async waitForSync(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.hasSynced()) {
      if (signal?.aborted || Date.now() >= deadline) return false;
      await sleep(50, signal);
    }
    return true;
  }

  private addIndex<T extends KubeObjectLike>(kind: string, name: string, fn: IndexFunc<T>): void {
    if (this.started) throw new Error(`index ${name} on ${kind}: indexes are added before the manager starts`);
    const byName = this.indexes.get(kind) ?? new Map<string, IndexFunc<KubeObject>>();
    if (byName.has(name)) throw new Error(`index ${name} on ${kind} is already registered`);
    // Stored untyped beside the other kinds' indexes; the informer of `kind` only hands it `T`s.
    byName.set(name, fn as unknown as IndexFunc<KubeObject>);
    this.indexes.set(kind, byName);
  }

  private sourceOf(kind: string): Source {
    for (const s of this.sources.values()) if (s.kind === kind) return s;
    throw new Error(`no informer for kind ${kind}`);
  }

  private source(path: string, kind: string, clusterScoped = false): Source {
    let s = this.sources.get(path);
    if (!s) {
      const m = this.o.metrics;
      const informer = new Informer({
        kc: this.o.kc,
        path: this.o.namespace && !clusterScoped ? namespacedPath(path, this.o.namespace) : path,
        kind,
        logger: this.o.logger,
        stallMs: this.o.stallMs,
        onRestart: (cause) => m?.informerRestartsTotal.inc({ kind, cause }),
      });
      s = { kind, informer };
      this.sources.set(path, s);
    }
    return s;
  }

  /** Informer handlers only enqueue keys: no I/O, nothing that can throw past the informer. */
  private wire(c: Controller): void {
    const { kind, path } = c.reg;
    const own = this.source(path, kind);
    const countObjects = () => this.o.metrics?.managedObjects.set({ kind }, own.informer.size());
    own.informer.on({
      onAdd: (obj) => {
        countObjects();
        c.writes.seen(objectKey(obj), obj.metadata.resourceVersion);
        c.queue.add(objectKey(obj));
      },
      onUpdate: (obj, old) => {
        // A reconcile held back for its own write runs now, even when the write was status only.
        const resumed = c.writes.seen(objectKey(obj), obj.metadata.resourceVersion);
        if (resumed || shouldEnqueueUpdate(obj, old, this.o.commandAnnotations)) c.queue.add(objectKey(obj));
      },
      onDelete: (obj) => {
        countObjects();
        c.writes.seen(objectKey(obj), undefined);
        c.queue.add(objectKey(obj));
      },
    });
    for (const w of c.reg.watchesFor ?? []) {
      const src = this.source(w.path, w.kind ?? w.path, w.clusterScoped);
      const wake = (obj: KubeObject) => {
        for (const k of w.map(obj)) c.queue.add(keyString(k));
      };
      const predicate = w.predicate ?? anyChange;
      src.informer.on({ onAdd: wake, onDelete: wake, onUpdate: (obj, old) => predicate(obj, old) && wake(obj) });
    }
  }

  private scheduleDrift(c: Controller): void {
    const every = this.o.driftIntervalMs ?? 300_000;
    c.driftTimer = setTimeout(
      () => {
        const informer = this.sources.get(c.reg.path)?.informer;
        for (const key of informer?.keys() ?? []) c.queue.add(key);
        this.scheduleDrift(c);
      },
      jittered(every, 0.1),
    );
    c.driftTimer.unref();
  }

  private startWorking(): void {
    if (this.stopping || this.term) return;
    const term = new AbortController();
    this.term = term;
    this.o.metrics?.leader.set(1);
    void (async () => {
      // Competed for while the caches sync; the previous term's lease must be given up first.
      if (this.o.fleet) {
        await this.fleetRetired;
        if (term.signal.aborted) return;
        this.o.fleet.start(() => this.fleetChanged());
      }
      // Reconciling from a partial cache would treat missing objects as deleted.
      while (!(await this.waitForSync(60_000, term.signal))) {
        if (term.signal.aborted) return;
        this.o.logger.warn('informers not synced yet; workers wait');
      }
      for (const c of this.controllers.values()) {
        // A new term reconciles everything: the previous leader may have left work half done.
        for (const key of this.sources.get(c.reg.path)?.informer.keys() ?? []) c.queue.add(key);
        c.pool = c.queue.run(c.reg.concurrency ?? this.o.concurrency ?? 4, (key) => this.process(c, key, term.signal));
      }
      this.o.logger.info('workers started', { kinds: [...this.controllers.keys()] });
    })();
  }

  private stopWorking(why: string): void {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    this.o.metrics?.leader.set(0);
    for (const c of this.controllers.values()) {
      c.pool?.stop();
      c.pool = undefined;
    }
    term.abort(new Error(why));
    this.o.logger.info('workers stopped', { why });
    if (this.o.fleet) this.fleetRetired = this.retireFleet(this.o.fleet, this.fleetRetired);
  }

  /**
   * Gives the fleet lease up once the cancelled reconciles have ended (no longer than the renew
   * deadline, as for the Lease): another member must not start beside a call still in flight.
   */
  private async retireFleet(fleet: FleetCoordinator, previous: Promise<void>): Promise<void> {
    await previous;
    await this.waitForCancelled();
    await fleet.stop();
  }

  /** The fleet lease changed hands, or this member started or stopped acting: every object says so (and the acting member works). */
  private fleetChanged(): void {
    if (!this.term) return;
    for (const c of this.controllers.values()) {
      for (const key of this.sources.get(c.reg.path)?.informer.keys() ?? []) c.queue.add(key);
    }
  }

  /** One reconcile, and its outcome mapped onto the queue and the metrics. Never throws. */
  private async process(c: Controller, key: string, termSignal: AbortSignal): Promise<void> {
    if (termSignal.aborted) return;
    // The cache does not show this key's last write yet: the pass would work from the state before it.
    const wait = c.writes.waitFor(key);
    if (wait !== undefined) {
      c.queue.addAfter(key, wait);
      return;
    }
    // A member of a fleet: the acting one's reconciles also end when it stops acting.
    const fleet = this.o.fleet?.state();
    const signal = fleet?.signal ? AbortSignal.any([termSignal, fleet.signal]) : termSignal;
    const fleetView = fleet && fleetViewOf(fleet);
    const kind = c.reg.kind;
    const { namespace, name } = parseKey(key);
    const log = this.o.logger.child({ kind, namespace, name });
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    const own = this.sources.get(c.reg.path)?.informer;
    // Writes name the object under the kind's collection; a registration may give that collection
    // already namespaced (watching one namespace), so both spellings count.
    const paths = [objectPath(c.reg.path, namespace, name), `${c.reg.path.replace(/\/+$/, '')}/${encodeURIComponent(name)}`].flatMap((p) => [p, `${p}/status`]);
    const wrote = (rv: string) => {
      // The watch may have brought the write back before its answer arrived.
      if (own?.get(key)?.metadata.resourceVersion !== rv) c.writes.wrote(key, rv);
    };
    try {
      const res = await withOwnWrites(paths, wrote, () => c.reg.reconcile({ namespace, name }, { signal, ...(fleetView && { fleet: fleetView }) }));
      if (signal.aborted) return;
      c.queue.forget(key);
      // When the key comes back, and why not sooner: what a missing pass is diagnosed from.
      log.debug('reconciled', { requeueAfterMs: res?.requeueAfterMs ?? null, ms: Math.round(elapsed()) });
      if (res?.requeueAfterMs && res.requeueAfterMs > 0) {
        const counted = res.requeueFrom === undefined ? 0 : Math.max(0, performance.now() - res.requeueFrom);
        c.queue.addAfter(key, Math.max(1, res.requeueAfterMs - counted));
        this.o.metrics?.recordReconcile(kind, 'requeue', elapsed());
      } else {
        this.o.metrics?.recordReconcile(kind, 'success', elapsed());
      }
    } catch (err) {
      if (signal.aborted) {
        log.debug('reconcile abandoned', { err });
        return;
      }
      if (err instanceof TerminalError) {
        c.queue.forget(key);
        this.o.metrics?.recordReconcile(kind, 'error', elapsed(), err.reason);
        log.warn('reconcile failed; not retrying until the object changes', { reason: err.reason, err });
      } else {
        c.queue.addRateLimited(key);
        this.o.metrics?.recordReconcile(kind, 'error', elapsed(), errorReason(err));
        log.warn('reconcile failed; retrying with backoff', { retries: c.queue.numRequeues(key), err });
      }
    }
  }
}

/** A low-cardinality label for an error: its name (ThrottlingException, KubeApiError, Error…). */
function errorReason(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name ? name : 'Unknown';
}
