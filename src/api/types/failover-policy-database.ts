// FailoverPolicy spec.database: the writer, its cross-region replica, where replicas are placed, and the
// connection Secret (with the status parts that report them).
import type { LabelSelector } from './access-policy.ts';

export interface DatabaseSpec {
  engine: string;
  primary: { region: string; instanceIdentifier: string; roleArn?: string };
  replica: { region: string; instanceIdentifier: string; instanceClass?: string; kmsKeyId?: string; roleArn?: string };
  maxReplicaLagSeconds?: number;
  connectionSecret: ConnectionSecretSpec;
  /** per region: how a replica created there is placed (first replica and every re-seed); wins over replica.instanceClass/kmsKeyId */
  placement?: DatabasePlacement[];
  /** set on a writer a failover promotes (default 7) */
  backupRetentionDays?: number;
}

export interface DatabasePlacement {
  region: string;
  dbSubnetGroupName?: string;
  vpcSecurityGroupIds?: string[];
  kmsKeyId?: string;
  multiAZ?: boolean;
  instanceClass?: string;
  storageType?: string;
  parameterGroupName?: string;
  optionGroupName?: string;
}

/** status.database.instances[]: one instance as AWS reported it this pass. */
export interface DatabaseInstanceStatus {
  region: string;
  identifier: string;
  role: 'writer' | 'replica';
  status?: string;
  instanceClass?: string;
  encrypted?: boolean;
  multiAZ?: boolean;
  backupRetentionDays?: number;
}

/** Keys the controller writes into the connection Secret (before `keys` renames them). */
export const CONNECTION_SECRET_KEYS = ['host', 'port', 'region', 'role', 'engine'] as const;
export type ConnectionSecretKey = (typeof CONNECTION_SECRET_KEYS)[number];
export interface WorkloadRef {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
}
export interface ConnectionSecretSpec {
  name: string;
  /** renames of the written keys, e.g. {host: DATABASE_HOST} */
  keys?: Partial<Record<ConnectionSecretKey, string>>;
  /** rolled like `kubectl rollout restart` after the Secret's data changes (policy's namespace) */
  restartWorkloads?: WorkloadRef[];
  restartSelector?: LabelSelector;
}
/** status.database.rollout: the last Secret revision the workloads were rolled for. */
export interface RolloutStatus {
  revision: string;
  /** "Deployment/api": restarted for this revision, or carrying it already */
  restarted?: string[];
  /** "Deployment/api: why": not restarted yet, retried */
  failed?: string[];
  at?: string;
}
