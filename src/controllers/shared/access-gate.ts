// Tenant boundaries, the wiring half: with --require-access-policy each kind's reconciler asks
// this gate, before any AWS call (deletes included), whether its object stays inside the
// AccessPolicies covering its namespace. Policies and Namespace labels come from informer
// caches (synced before any worker starts, so a missing policy is never a cache race), and a
// change to either wakes the objects it can concern.
import { ACCESS_POLICY_KIND, type AccessPolicy, type AnyKind, collectionPath } from '../../api/types.ts';
import type { KubeObject } from '../../runtime/kube-object.ts';
import type { SecondaryWatch } from '../../runtime/manager.ts';
import type { ObjectKey } from '../../runtime/reconciler.ts';
import { type AccessDecision, decideAccess, denialMessage, type ResourceUse } from './access.ts';
import type { ControllerDeps } from './deps.ts';

export const ACCESS_POLICIES_PATH = collectionPath(ACCESS_POLICY_KIND);
export const NAMESPACES_PATH = '/api/v1/namespaces';
const NAMESPACE_KIND = 'Namespace';

export interface AccessHooks<T extends AnyKind> {
  /** The Synced message when `obj` may not act (lifecycle.ts then makes no AWS call); undefined when it may. */
  accessDenied?: (obj: T) => string | undefined;
  /** Informers on AccessPolicies and Namespaces that wake this kind's objects. */
  watches: SecondaryWatch[];
}

/** The decision for one object from what the caches hold now. */
export function accessDecision<T extends AnyKind>(deps: ControllerDeps, obj: T, uses: ResourceUse[]): AccessDecision {
  const policies = deps.manager.listCached<KubeObject>(ACCESS_POLICY_KIND.kind) as unknown as AccessPolicy[];
  const name = obj.metadata.namespace;
  const ns = deps.manager.getCached<KubeObject>(NAMESPACE_KIND, { namespace: '', name });
  return decideAccess(policies, { name, ...(ns && { labels: ns.metadata.labels ?? {} }) }, uses);
}

/**
 * The gate for one kind; nothing (no check, no extra informers) without --require-access-policy.
 * `usesOf` lists every AWS resource the object's spec names (the kind's own access-uses.ts).
 */
export function accessHooks<T extends AnyKind>(deps: ControllerDeps, kind: T['kind'], usesOf: (obj: T) => ResourceUse[]): AccessHooks<T> {
  if (!deps.requireAccessPolicy) return { watches: [] };
  const keysOf = (namespace?: string): ObjectKey[] =>
    deps.manager
      .listCached<KubeObject>(kind)
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .map((o) => ({ namespace: o.metadata.namespace ?? '', name: o.metadata.name }));
  return {
    accessDenied: (obj) => {
      const d = accessDecision(deps, obj, usesOf(obj));
      return d.allowed ? undefined : denialMessage(d);
    },
    watches: [
      // Any policy change may widen or narrow any namespace (selectors): every object looks again.
      // Policies are few and change rarely; the next pass of each object applies the new fence.
      { path: ACCESS_POLICIES_PATH, kind: ACCESS_POLICY_KIND.kind, clusterScoped: true, map: () => keysOf() },
      // A namespace's labels decide selector policies: their change wakes that namespace's objects.
      {
        path: NAMESPACES_PATH,
        kind: NAMESPACE_KIND,
        clusterScoped: true,
        map: (ns) => keysOf(ns.metadata.name),
        predicate: (obj, old) => JSON.stringify(obj.metadata.labels ?? {}) !== JSON.stringify(old.metadata.labels ?? {}),
      },
    ],
  };
}
