// Which informer updates wake the reconciler (controller-runtime's GenerationChanged predicate
// plus the command annotations). Status-only writes — including our own — and unrelated
// annotation or label edits don't, which keeps the controller from reconciling in a loop on
// its own status updates. Periodic drift checks catch anything this filters out.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from './kube-object.ts';

/** Annotations that carry a command for the controller; any change to their value wakes it. */
export const COMMAND_ANNOTATIONS: readonly string[] = [
  'multiregion.dev/reconcile-now',
  'multiregion.dev/paused',
  'multiregion.dev/dry-run',
  'multiregion.dev/drill-now',
  // break-glass for one blocked failover: a blocked failover waits for it, so setting it must wake the reconcile at once
  'multiregion.dev/accept-data-loss',
];

export type UpdatePredicate = (newObj: KubeObject, oldObj: KubeObject) => boolean;

export function shouldEnqueueUpdate(newObj: KubeObject, oldObj: KubeObject, commandAnnotations: readonly string[] = COMMAND_ANNOTATIONS): boolean {
  const n = newObj.metadata;
  const o = oldObj.metadata;
  if (n.generation !== o.generation) return true;
  if (n.deletionTimestamp !== o.deletionTimestamp) return true;
  if (!isDeepStrictEqual(n.finalizers ?? [], o.finalizers ?? [])) return true;
  return commandAnnotations.some((a) => n.annotations?.[a] !== o.annotations?.[a]);
}

/** For watches of other kinds (a RegionPair seen by ClientConnections): any stored change counts. */
export const anyChange: UpdatePredicate = (n, o) => n.metadata.resourceVersion !== o.metadata.resourceVersion;
