// TypeScript shapes of the three kinds. The OpenAPI schemas in ./schemas/ are the other
// half of the contract; test/unit/api-schema.test.ts proves the two agree.
import type { AccessPolicySpec } from './types/access-policy.ts';
import type { ClientConnectionSpec, ClientConnectionStatus } from './types/client-connection.ts';
import type { ObjectMeta } from './types/common.ts';
import type { FailoverPolicySpec } from './types/failover-policy.ts';
import type { FailoverPolicyStatus } from './types/failover-policy-status.ts';
import type { RegionPairSpec, RegionPairStatus } from './types/region-pair.ts';

// The shapes of each kind live in ./types/; every name stays importable from here.
export * from './types/access-policy.ts';
export * from './types/client-connection.ts';
export * from './types/common.ts';
export * from './types/failover-policy.ts';
export * from './types/failover-policy-database.ts';
export * from './types/failover-policy-ga.ts';
export * from './types/failover-policy-status.ts';
export * from './types/region-pair.ts';

export const GROUP = 'multiregion.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const ANNOTATIONS = {
  reconcileNow: 'multiregion.dev/reconcile-now',
  paused: 'multiregion.dev/paused',
  dryRun: 'multiregion.dev/dry-run',
  drillNow: 'multiregion.dev/drill-now',
  /** create-pending protocol: `<resource>=<iso time>` recorded before a create without idempotency token */
  createPending: 'multiregion.dev/create-pending',
  /** break-glass for one blocked failover (RPO unknown or fence unconfirmed); each new value is used once */
  acceptDataLoss: 'multiregion.dev/accept-data-loss',
  /** a fleet's id for this object in AWS tags (docs/multi-cluster.md, migration); default: derived from the fleet id and the object's name */
  fleetUid: 'multiregion.dev/fleet-uid',
} as const;

/**
 * The annotations that carry a command: a change to any of them wakes a reconcile (the generic
 * runtime is handed this list by main.ts). create-pending is not one: the controller writes it
 * itself, and waking on it would loop.
 */
export const COMMAND_ANNOTATIONS: readonly string[] = [
  ANNOTATIONS.reconcileNow,
  ANNOTATIONS.paused,
  ANNOTATIONS.dryRun,
  ANNOTATIONS.drillNow,
  // a blocked failover waits for it, so setting it must wake the reconcile at once
  ANNOTATIONS.acceptDataLoss,
  // a fleet member's resources are found by it: a new value must be looked at at once
  ANNOTATIONS.fleetUid,
];

export const FINALIZER = 'multiregion.dev/finalizer';

export interface AccessPolicy {
  apiVersion: typeof API_VERSION;
  kind: 'AccessPolicy';
  metadata: Omit<ObjectMeta, 'namespace'> & { namespace?: string };
  spec: AccessPolicySpec;
}

/** AccessPolicy is no managed kind (nothing reconciles it, so it is not in KINDS): the controllers only read it. */
export const ACCESS_POLICY_KIND = { kind: 'AccessPolicy', plural: 'accesspolicies', singular: 'accesspolicy', shortNames: ['ap'] } as const;

// ---------------------------------------------------------------- objects
export interface Resource<K extends string, S, St> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  status?: St;
}

export type RegionPair = Resource<'RegionPair', RegionPairSpec, RegionPairStatus>;
export type FailoverPolicy = Resource<'FailoverPolicy', FailoverPolicySpec, FailoverPolicyStatus>;
export type ClientConnection = Resource<'ClientConnection', ClientConnectionSpec, ClientConnectionStatus>;
export type AnyKind = RegionPair | FailoverPolicy | ClientConnection;

export interface KindInfo {
  kind: AnyKind['kind'];
  plural: string;
  singular: string;
  shortNames: string[];
}
export const KINDS: readonly KindInfo[] = [
  { kind: 'RegionPair', plural: 'regionpairs', singular: 'regionpair', shortNames: ['rp'] },
  { kind: 'FailoverPolicy', plural: 'failoverpolicies', singular: 'failoverpolicy', shortNames: ['fp'] },
  { kind: 'ClientConnection', plural: 'clientconnections', singular: 'clientconnection', shortNames: ['cc'] },
];

/** Where the apiserver serves a kind: namespaced when `namespace` is given, all namespaces otherwise. */
export function collectionPath(k: Pick<KindInfo, 'plural'>, namespace?: string): string {
  return namespace ? `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${k.plural}` : `/apis/${API_VERSION}/${k.plural}`;
}
