import type { AnyKind, ObjectRef, RegionPair } from '../../api/types.ts';
import type { Owner } from '../../aws/types.ts';

export function ownerOf(obj: AnyKind, clusterId: string, suffixKind?: string): Owner {
  return {
    clusterId,
    kind: suffixKind ?? obj.kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    uid: obj.metadata.uid ?? '',
    userTags: obj.spec.tags,
  };
}

/** The namespace a reference points into (same namespace when omitted). */
export const refNamespace = (ref: ObjectRef, from: string): string => ref.namespace ?? from;

/**
 * Whether an object in `fromNamespace` may use `pair` (the Gateway API's allowedRoutes idea):
 * its own namespace always, others only when listed in spec.allowedNamespaces.
 */
export function refPermitted(pair: RegionPair, fromNamespace: string): boolean {
  if (pair.metadata.namespace === fromNamespace) return true;
  return (pair.spec.allowedNamespaces ?? []).includes(fromNamespace);
}
