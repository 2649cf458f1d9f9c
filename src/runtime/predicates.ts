// Which informer updates wake the reconciler (controller-runtime's GenerationChanged predicate
// plus the command annotations). Status-only writes — including our own — and unrelated
// annotation or label edits don't, which keeps the controller from reconciling in a loop on
// its own status updates. Periodic drift checks catch anything this filters out.
// The runtime knows no annotation names: the caller says which ones carry commands.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from './kube-object.ts';

export type UpdatePredicate = (newObj: KubeObject, oldObj: KubeObject) => boolean;

/** `commandAnnotations`: annotations whose every change of value (set, changed, removed) wakes the reconciler. */
export function shouldEnqueueUpdate(newObj: KubeObject, oldObj: KubeObject, commandAnnotations: readonly string[]): boolean {
  const n = newObj.metadata;
  const o = oldObj.metadata;
  if (n.generation !== o.generation) return true;
  if (n.deletionTimestamp !== o.deletionTimestamp) return true;
  if (!isDeepStrictEqual(n.finalizers ?? [], o.finalizers ?? [])) return true;
  return commandAnnotations.some((a) => n.annotations?.[a] !== o.annotations?.[a]);
}

/** For watches of other kinds (a RegionPair seen by ClientConnections): any stored change counts. */
export const anyChange: UpdatePredicate = (n, o) => n.metadata.resourceVersion !== o.metadata.resourceVersion;
