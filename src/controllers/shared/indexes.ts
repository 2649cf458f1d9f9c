// The cache indexes the controllers read instead of scanning a kind: which FailoverPolicies and
// ClientConnections reference a RegionPair. A RegionPair event (its clients and policies to wake)
// and the pair's overview then touch only the objects that name it, not every object of the kind.
import type { ClientConnection, FailoverPolicy, ObjectRef } from '../../api/types.ts';
import type { Manager } from '../../runtime/manager.ts';
import { keyString } from '../../runtime/reconciler.ts';
import { refNamespace } from './owner.ts';

/** Index of FailoverPolicies and ClientConnections by the `namespace/name` of the RegionPair they reference. */
export const BY_REGION_PAIR = 'spec.regionPairRef';

/** The index value of a RegionPair: its key. */
export const pairIndexValue = (pair: { metadata: { namespace?: string; name: string } }): string =>
  keyString({ namespace: pair.metadata.namespace ?? '', name: pair.metadata.name });

/** The key of the pair an object references (a ref without a namespace means the object's own); none without a ref. */
export function regionPairRefOf(obj: { metadata: { namespace: string }; spec?: { regionPairRef?: ObjectRef } }): string[] {
  const ref = obj.spec?.regionPairRef;
  return ref?.name ? [keyString({ namespace: refNamespace(ref, obj.metadata.namespace), name: ref.name })] : [];
}

/** Adds the indexes to the manager; before it starts. */
export function registerIndexes(manager: Manager): void {
  manager.cache<FailoverPolicy>('FailoverPolicy').addIndex(BY_REGION_PAIR, regionPairRefOf);
  manager.cache<ClientConnection>('ClientConnection').addIndex(BY_REGION_PAIR, regionPairRefOf);
}
