import { createHash } from 'node:crypto';
import { ANNOTATIONS, type AnyKind, type ObjectRef, type RegionPair } from '../../api/types.ts';
import type { Owner } from '../../aws/types.ts';

/** Whose resources these are: one cluster's, or a fleet's (docs/multi-cluster.md), whose members share them. */
export interface OwnershipScope {
  /** The `multiregion.dev/cluster` tag value: --fleet-id (which defaults to --cluster-id). */
  clusterId: string;
  /** A fleet: the same object in every member's cluster is one owner, whatever its uid there. */
  sharedByFleet?: boolean;
}

/**
 * The owner written into (and looked for in) AWS tags. In a fleet the uid tag cannot be the
 * object's own uid: each member's cluster gives its copy another one, and a member that takes
 * over must find what another created. It is then the fleet's id for the object (fleetUid).
 */
export function ownerOf(obj: AnyKind, scope: string | OwnershipScope, suffixKind?: string): Owner {
  const { clusterId, sharedByFleet } = typeof scope === 'string' ? { clusterId: scope, sharedByFleet: false } : scope;
  return {
    clusterId,
    kind: suffixKind ?? obj.kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    uid: sharedByFleet ? fleetUid(obj, clusterId) : (obj.metadata.uid ?? ''),
    userTags: obj.spec.tags,
  };
}

const UID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The same in every member: the `multiregion.dev/fleet-uid` annotation when it holds a uid (how a
 * single-cluster install keeps the resources it made: the annotation names the uid they are
 * tagged with; anything else there is refused), else one derived from the fleet id, kind, namespace and name. In a fleet an
 * object's name is its identity: the GitOps copies in each cluster are one object.
 */
export function fleetUid(obj: AnyKind, fleetId: string): string {
  const given = obj.metadata.annotations?.[ANNOTATIONS.fleetUid]?.trim().toLowerCase();
  if (given) {
    if (!UID_SHAPE.test(given))
      throw new Error(`annotation ${ANNOTATIONS.fleetUid}: "${given}" is not a uid (8-4-4-4-12 hex digits, as metadata.uid); fix or remove it`);
    return given;
  }
  const h = createHash('sha256').update(`${fleetId}/${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
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
