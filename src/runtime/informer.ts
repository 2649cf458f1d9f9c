// A supervised informer: LIST, then WATCH from the list's resourceVersion, keeping an in-memory
// cache and calling handlers. It owns the failure modes client-node leaves to the caller:
// watches that end or fail are resumed from the last resourceVersion with backoff, 410 Gone
// (HTTP or in-stream) relists and reconciles the cache, a watch that goes silent is aborted
// by a watchdog, handler exceptions are caught, and cached objects are stripped of what nobody
// reads (managedFields) and frozen, so they can be handed out without a copy and nobody can
// mutate the cache through a reference. Named indexes (cache-index.ts) change with the store,
// before any handler hears of the change, so a handler reading an index sees the new state.
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { type BackoffOptions, backoffDelay, sleep } from './backoff.ts';
import { CacheIndexes, type IndexFunc, NAMESPACE_INDEX } from './cache-index.ts';
import { deepFreeze, type KubeObject, type KubeObjectLike, objectKey } from './kube-object.ts';
import { httpStatusOf, kubeRequest } from './kube-request.ts';
import type { Logger } from './logger.ts';

/**
 * Why a watch ended: `closed` (server ended it, e.g. timeoutSeconds), `timeout` (client-node's
 * inactivity timer), `error`, `stall` (our watchdog), `gone` (410: relist follows).
 */
export type RestartCause = 'closed' | 'timeout' | 'error' | 'stall' | 'gone';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(obj: T, old: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  kc: KubeConfig;
  /** Collection path, e.g. `/apis/example.com/v1/widgets` or `/api/v1/namespaces/ns/secrets`. */
  path: string;
  /** Name used in logs and metrics. */
  kind: string;
  logger: Logger;
  /** Abort and restart a watch that delivered no event and no bookmark for this long (default 5 min). */
  stallMs?: number;
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  backoff?: Partial<BackoffOptions>;
  onRestart?: (cause: RestartCause) => void;
}

interface ListResponse<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

interface WatchEnd {
  cause: RestartCause | 'stopped';
  events: number;
  err?: unknown;
}

/** How a watch ended, from the error client-node passed to its done callback. */
export function watchEndCause(err: unknown): RestartCause {
  if (!err) return 'closed';
  const status = (err as { statusCode?: number }).statusCode ?? httpStatusOf(err);
  if (status === 410) return 'gone';
  if ((err as { name?: string }).name === 'TimeoutError') return 'timeout';
  return 'error';
}

/** An in-stream ERROR event carries a Status; 410 means our resourceVersion is too old. */
export const errorEventCause = (status: unknown): RestartCause => ((status as { code?: unknown } | undefined)?.code === 410 ? 'gone' : 'error');

export type CacheChange<T> = { type: 'add'; obj: T } | { type: 'update'; obj: T; old: T } | { type: 'delete'; obj: T };

/**
 * What handlers must hear when the cache is replaced by a relist: deletes for objects that
 * vanished (their final state is the cached one), adds for new ones, updates for changed ones.
 */
export function cacheChanges<T extends KubeObjectLike>(previous: ReadonlyMap<string, T>, fresh: ReadonlyMap<string, T>): CacheChange<T>[] {
  const out: CacheChange<T>[] = [];
  for (const [key, old] of previous) if (!fresh.has(key)) out.push({ type: 'delete', obj: old });
  for (const [key, obj] of fresh) {
    const old = previous.get(key);
    if (!old) out.push({ type: 'add', obj });
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) out.push({ type: 'update', obj, old });
  }
  return out;
}

/** Annotation kubectl's client-side apply keeps a full copy of the object in; nobody here reads it. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What the cache keeps of an object: everything but `metadata.managedFields` (server-side apply
 * bookkeeping, often larger than the object itself), the deprecated `metadata.selfLink` and
 * kubectl's last-applied-configuration annotation (another copy of the object). Nothing reads
 * them, and every write is a patch (merge patch or apply) that never sends them back, so
 * dropping them loses nothing. Kept: spec, status and the metadata writes need (uid,
 * resourceVersion, generation, labels, other annotations, finalizers, ownerReferences, timestamps).
 */
export function stripForCache<T extends KubeObjectLike>(obj: T): T {
  const {
    managedFields: _managedFields,
    selfLink: _selfLink,
    ...metadata
  } = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown; selfLink?: unknown };
  const annotations = metadata.annotations;
  if (annotations && LAST_APPLIED_ANNOTATION in annotations) {
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...rest } = annotations;
    if (Object.keys(rest).length > 0) metadata.annotations = rest;
    else delete metadata.annotations;
  }
  return { ...obj, metadata };
}

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 30_000, jitter: 0.2 };
/** A watch that ended sooner than this without delivering anything counts as a failure. */
const MIN_HEALTHY_WATCH_MS = 1_000;

export class Informer<T extends KubeObjectLike = KubeObject> {
  private store = new Map<string, T>();
  private readonly indexes: CacheIndexes<T>;
  private resourceVersion: string | undefined;
  private synced = false;
  private started = false;
  private readonly stopper = new AbortController();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly watcher: Watch;
  private readonly stallMs: number;
  private readonly backoff: BackoffOptions;
  private lastProgressAt = Date.now();
  private done: Promise<void> = Promise.resolve();
  private readonly counts = { restarts: 0, relists: 0, byCause: {} as Partial<Record<RestartCause, number>> };

  constructor(private readonly o: InformerOptions) {
    this.watcher = new Watch(o.kc);
    this.stallMs = o.stallMs ?? 5 * 60_000;
    this.backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
    this.indexes = new CacheIndexes<T>((index, key, err) => this.o.logger.error('index function threw', { kind: o.kind, index, key, err }));
  }

  /** Adds a named index (the objects already cached are indexed at once). */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.indexes.add(name, fn, this.store);
  }

  /** Adds a set of handlers; each is called synchronously, and a throw is logged, never propagated. */
  on(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.lastProgressAt = Date.now();
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.done;
  }

  /** True once the first LIST has filled the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Cached objects, all or one namespace's (frozen: clone before changing them). */
  list(namespace?: string): T[] {
    return namespace === undefined ? [...this.store.values()] : this.byIndex(NAMESPACE_INDEX, namespace);
  }

  /** Keys of the objects the index `name` holds under `value`; nothing else is looked at. */
  indexKeys(name: string, value: string): string[] {
    return this.indexes.keys(name, value);
  }

  /** The cached objects (frozen, not copies) the index `name` holds under `value`. */
  byIndex(name: string, value: string): T[] {
    const out: T[] = [];
    for (const key of this.indexes.keys(name, value)) {
      const obj = this.store.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  keys(): string[] {
    return [...this.store.keys()];
  }

  /** The cached object for `namespace/name` (frozen), if any. */
  get(key: string): T | undefined {
    return this.store.get(key);
  }

  size(): number {
    return this.store.size;
  }

  /**
   * No list, watch connection or event for two watchdog periods: restarting didn't help (the
   * apiserver is unreachable, or the loop is stuck). Used by /healthz.
   */
  isStalled(now = Date.now()): boolean {
    return this.started && !this.stopper.signal.aborted && now - this.lastProgressAt > 2 * this.stallMs;
  }

  stats(): { restarts: number; relists: number; restartsByCause: Partial<Record<RestartCause, number>> } {
    return { restarts: this.counts.restarts, relists: this.counts.relists, restartsByCause: { ...this.counts.byCause } };
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    let needList = true;
    let failures = 0;
    while (!signal.aborted) {
      if (needList) {
        try {
          await this.relist();
          needList = false;
        } catch (err) {
          if (signal.aborted) break;
          this.o.logger.warn('informer list failed', { kind: this.o.kind, err });
          await sleep(backoffDelay(failures++, this.backoff), signal);
          continue;
        }
      }
      const startedAt = Date.now();
      const end = await this.watchOnce();
      if (end.cause === 'stopped') break;
      this.countRestart(end);
      if (end.cause === 'gone') {
        needList = true;
        continue;
      }
      const shortAndEmpty = end.events === 0 && Date.now() - startedAt < MIN_HEALTHY_WATCH_MS;
      if (end.cause === 'error' || shortAndEmpty) await sleep(backoffDelay(failures++, this.backoff), signal);
      else failures = 0;
    }
  }

  private countRestart(end: WatchEnd): void {
    const cause = end.cause as RestartCause;
    this.counts.restarts++;
    this.counts.byCause[cause] = (this.counts.byCause[cause] ?? 0) + 1;
    // Watches end every few minutes by design; only the unexpected endings are worth a warning.
    const quiet = cause === 'closed' || cause === 'timeout';
    this.o.logger[quiet ? 'debug' : 'warn']('watch restarting', { kind: this.o.kind, cause, err: end.err });
    try {
      this.o.onRestart?.(cause);
    } catch (err) {
      this.o.logger.error('informer restart callback threw', { kind: this.o.kind, err });
    }
  }

  /** Lists every page, swaps the cache, and tells handlers what changed since the last cache. */
  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let listRv: string | undefined;
    do {
      const page: ListResponse<T> = await kubeRequest<ListResponse<T>>(this.o.kc, {
        method: 'GET',
        path: this.o.path,
        query: { limit: this.o.pageSize ?? 500, continue: cont, labelSelector: this.o.labelSelector, fieldSelector: this.o.fieldSelector },
        signal: AbortSignal.any([this.stopper.signal, AbortSignal.timeout(60_000)]),
      });
      // List items of built-in kinds come without apiVersion/kind; events need them.
      const kind = page.kind?.replace(/List$/, '');
      for (const item of page.items ?? []) items.push(stripForCache({ ...item, apiVersion: item.apiVersion ?? page.apiVersion, kind: item.kind ?? kind }));
      cont = page.metadata?.continue || undefined;
      listRv = page.metadata?.resourceVersion;
    } while (cont);

    if (this.synced) this.counts.relists++;
    const previous = this.store;
    const fresh = new Map<string, T>();
    for (const item of items) fresh.set(objectKey(item), deepFreeze(item));
    this.store = fresh;
    this.indexes.replace(fresh);
    this.resourceVersion = listRv;
    this.synced = true;
    this.lastProgressAt = Date.now();

    for (const c of cacheChanges(previous, fresh)) {
      if (c.type === 'update') this.dispatch('onUpdate', c.obj, c.old);
      else this.dispatch(c.type === 'add' ? 'onAdd' : 'onDelete', c.obj);
    }
  }

  private watchOnce(): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve) => {
      let settled = false;
      let events = 0;
      let controller: AbortController | undefined;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (cause: WatchEnd['cause'], err?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        this.stopper.signal.removeEventListener('abort', onStop);
        controller?.abort();
        resolve({ cause, events, err });
      };
      const onStop = () => finish('stopped');
      const armWatchdog = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => finish('stall'), this.stallMs);
      };
      if (this.stopper.signal.aborted) return finish('stopped');
      this.stopper.signal.addEventListener('abort', onStop, { once: true });
      armWatchdog();

      const query = {
        allowWatchBookmarks: true,
        resourceVersion: this.resourceVersion,
        // Like client-go: the server ends each watch after 5–10 min, spread so replicas don't align.
        timeoutSeconds: Math.floor(300 + Math.random() * 300),
        labelSelector: this.o.labelSelector,
        fieldSelector: this.o.fieldSelector,
      };
      const onEvent = (type: string, obj: unknown) => {
        if (settled) return;
        events++;
        this.lastProgressAt = Date.now();
        armWatchdog();
        const end = this.applyEvent(type, obj);
        if (end) finish(end.cause, end.err);
      };
      const onDone = (err: unknown) => finish(watchEndCause(err), err ?? undefined);
      this.watcher.watch(this.o.path, query, onEvent, onDone).then(
        (c) => {
          controller = c;
          if (settled) c.abort();
          else this.lastProgressAt = Date.now(); // connected
        },
        (err: unknown) => finish('error', err),
      );
    });
  }

  /** Applies one watch event to the cache; returns how the watch must end, if it must. */
  private applyEvent(type: string, raw: unknown): Pick<WatchEnd, 'cause' | 'err'> | undefined {
    if (type === 'ERROR') {
      const status = raw as { code?: number; message?: string } | undefined;
      const err = new Error(`watch ERROR event: ${status?.code ?? '?'} ${status?.message ?? ''}`.trim());
      return { cause: errorEventCause(raw), err };
    }
    const obj = raw as T | undefined;
    if (!obj?.metadata?.name) return undefined;
    if (obj.metadata.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (type === 'BOOKMARK') return undefined;

    const key = objectKey(obj);
    const frozen = deepFreeze(stripForCache(obj));
    const old = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.indexes.delete(key);
      this.dispatch('onDelete', frozen);
    } else if (type === 'ADDED' || type === 'MODIFIED') {
      this.store.set(key, frozen);
      this.indexes.set(key, frozen);
      if (old) this.dispatch('onUpdate', frozen, old);
      else this.dispatch('onAdd', frozen);
    }
    return undefined;
  }

  private dispatch(which: 'onAdd' | 'onDelete', obj: T): void;
  private dispatch(which: 'onUpdate', obj: T, old: T): void;
  private dispatch(which: keyof InformerHandlers<T>, obj: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        if (which === 'onUpdate') h.onUpdate?.(obj, old as T);
        else h[which]?.(obj);
      } catch (err) {
        this.o.logger.error('informer handler threw', { kind: this.o.kind, handler: which, name: obj.metadata.name, namespace: obj.metadata.namespace, err });
      }
    }
  }
}
