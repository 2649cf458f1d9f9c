// What every reconciler is handed by main.ts.
import type { KubeConfig } from '@kubernetes/client-node';
import { type AnyKind, collectionPath, KINDS } from '../../api/types.ts';
import type { AwsClients } from '../../aws/types.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Manager } from '../../runtime/manager.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import type { StatusWriter } from '../../runtime/status.ts';

export interface ControllerDeps {
  kc: KubeConfig;
  aws: AwsClients;
  /** The `multiregion.dev/cluster` tag value: --fleet-id, which defaults to --cluster-id. */
  clusterId: string;
  /** A fleet (docs/multi-cluster.md): ownership tags name the fleet's id for an object, not this cluster's uid (owner.ts). */
  sharedByFleet?: boolean;
  logger: Logger;
  events: EventRecorder;
  status: StatusWriter;
  metrics: Metrics;
  manager: Manager;
  now?: () => Date;
  /** How long a create left in doubt blocks a second one (default planner.ts CREATE_IN_DOUBT_WINDOW_MS). */
  createPendingWindowMs?: number;
  /** --require-access-policy: objects act only within the AccessPolicies covering their namespace (access-gate.ts). */
  requireAccessPolicy?: boolean;
}

/** Collection path of each kind (all namespaces), from the API's one list of kinds. */
export const COLLECTIONS = Object.fromEntries(KINDS.map((k) => [k.kind, collectionPath(k)])) as Readonly<Record<AnyKind['kind'], string>>;
