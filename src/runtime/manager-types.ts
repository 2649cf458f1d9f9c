// What a caller gives the Manager (manager.ts) and gets back: its options, one registration per
// kind with the other collections that wake it, and the typed read side of a kind's informer.
import type { KubeConfig } from '@kubernetes/client-node';
import type { BackoffOptions } from './backoff.ts';
import type { IndexFunc } from './cache-index.ts';
import type { FleetCoordinator } from './fleet-lease.ts';
import type { KubeObject, KubeObjectLike } from './kube-object.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { ObjectKey, Reconcile } from './reconciler.ts';

/**
 * Another collection whose changes wake keys of the registering kind. `T` is the type of the
 * watched objects as the caller knows it from the path; `watchOf` turns a typed watch into one a
 * registration lists.
 */
export interface SecondaryWatch<T extends KubeObjectLike = KubeObject> {
  /** Collection path; shares the informer of any other registration watching the same path. */
  path: string;
  /** Name for logs, metrics and cache() (defaults to the path). */
  kind?: string;
  /** Keys of the registering kind that depend on `obj`. */
  map: (obj: T) => ObjectKey[];
  /** Which updates count (default: any stored change, status included). */
  predicate?: (newObj: T, oldObj: T) => boolean;
  /** A cluster-scoped collection (e.g. Namespaces): watched whole even when the manager watches one namespace. */
  clusterScoped?: boolean;
}

/** A watch of typed objects, for a registration's `watchesFor`: the runtime hands `map` what the path serves. */
export const watchOf = <T extends KubeObjectLike>(w: SecondaryWatch<T>): SecondaryWatch => w as unknown as SecondaryWatch;

/**
 * The typed read side of one kind's informer: the cache's own objects, deeply frozen and shared
 * (a caller that changes one must `structuredClone` it first; a write to it throws). `T` is the
 * kind's type as the caller knows it: the runtime stores whatever the apiserver serves at the path.
 */
export interface KindCache<T extends KubeObjectLike> {
  get(key: ObjectKey | string): T | undefined;
  /** Every cached object, or one namespace's (read from the built-in namespace index). */
  list(namespace?: string): T[];
  /** The objects the index `name` holds under `value`; no other object is looked at. */
  byIndex(name: string, value: string): T[];
  /** Keys of the objects the index `name` holds under `value`. */
  indexKeys(name: string, value: string): ObjectKey[];
  /**
   * Registers a named index (before start): `fn` gives the values an object is found under, e.g.
   * the key of the object it references. The informer keeps it current on add, update, delete
   * and relist.
   */
  addIndex(name: string, fn: IndexFunc<T>): void;
}

export interface Registration {
  kind: string;
  /** Collection path of the kind, e.g. `/apis/example.com/v1/widgets`. */
  path: string;
  reconcile: Reconcile;
  watchesFor?: SecondaryWatch[];
  /** Workers for this kind (default: the manager's concurrency). */
  concurrency?: number;
}

export interface ManagerOptions {
  kc: KubeConfig;
  logger: Logger;
  metrics?: Metrics;
  leaderElection: {
    enabled: boolean;
    namespace?: string;
    name?: string;
    identity?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** Every key is reconciled at least this often (±10 %), catching drift made outside Kubernetes. */
  driftIntervalMs?: number;
  concurrency?: number;
  /** How long stop() waits for in-flight reconciles before abandoning them. */
  shutdownGraceMs?: number;
  /** Informer watchdog (see Informer). */
  stallMs?: number;
  queueBackoff?: Partial<BackoffOptions>;
  /** Watch only this namespace (list/watch rights in one namespace suffice). */
  namespace?: string;
  /**
   * Annotations that carry a command (e.g. "reconcile now"): any change to their value wakes the
   * object's own reconciler, although annotation-only updates otherwise don't. Required, so a
   * caller cannot forget its commands by leaving them out.
   */
  commandAnnotations: readonly string[];
  /**
   * One controller per regional cluster, one acting (fleet-lease.ts): competed for while this
   * replica leads its cluster. Reconciles of a member that does not act get `fleet.acting`
   * false; those of the acting member get a signal that is also aborted when it stops acting.
   */
  fleet?: FleetCoordinator;
}
