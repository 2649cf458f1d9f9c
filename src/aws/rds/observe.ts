// Read-only views of DB instances for the failover state machine: plain data, so the machine
// stays pure and its tests need no AWS. A region that does not answer is reported as such
// (reachable: false) instead of throwing: for a failover, "cannot see it" is an observation.
// The read is shared with every other observer of the same region (instance-reads.ts): one
// DescribeDBInstances for all of them, sent after each of them asked.
import type { DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { ownsForDelete, tagsToMap } from '../tags.ts';
import type { Owner } from '../types.ts';
import { describeError, FENCE_TAGS, fenceStateOf, isRegionUnreachable } from './fence.ts';
import { readInstance } from './instance-reads.ts';
import { isAvailableReplica, isStandaloneWriter, promoteRequested } from './instances.ts';

export interface InstanceRef {
  region: string;
  identifier: string;
}

export interface InstanceView extends InstanceRef {
  /** The region's RDS API answered. When false, every other field is unknown. */
  reachable: boolean;
  exists: boolean;
  status?: string;
  /** writer: takes writes on its own; replica: an available read replica; other: neither (yet). */
  role?: 'writer' | 'replica' | 'other';
  /** A replica's source as RDS reports it (an ARN for cross-region replicas). */
  sourceArn?: string;
  arn?: string;
  endpoint?: { host: string; port: number };
  /** Carries this policy's ownership tags with its uid (created by us, so ours to delete: the same check as the delete). */
  owned?: boolean;
  /** Made unable to take writes (deny-all security groups, stopped) or gone. */
  fenced?: boolean;
  fenceReason?: string;
  /** Our fence tags are on it: its security groups were swapped (or a swap began). */
  fenceTagged?: boolean;
  /** promote() marked it: PromoteReadReplica may have reached AWS, so it is never sent again. */
  promoteRequested?: boolean;
  /** The failover a fence or a promote of ours was for (FENCE_TAGS.failover), as its caller wrote it. */
  failoverMark?: string;
  /** StorageEncrypted: a cross-region replica of it needs a KMS key of the replica's region. */
  encrypted?: boolean;
  instanceClass?: string;
  multiAZ?: boolean;
  backupRetentionDays?: number;
  /** Accepted by ModifyDBInstance but not applied yet (PendingModifiedValues). */
  pending?: { backupRetentionDays?: number; multiAZ?: boolean };
}

export async function observeInstance(rds: RDSClient, ref: InstanceRef, owner: Owner): Promise<InstanceView> {
  return (await observeInstanceWithAnswer(rds, ref, owner)).view;
}

/** The view, and the DescribeDBInstances answer it came from (for an action of the same pass). */
export async function observeInstanceWithAnswer(rds: RDSClient, ref: InstanceRef, owner: Owner): Promise<{ view: InstanceView; instance?: DBInstance }> {
  try {
    const instance = await readInstance(rds, ref.identifier);
    return { view: toInstanceView(ref, instance, owner), ...(instance && { instance }) };
  } catch (err) {
    if (isRegionUnreachable(err)) return { view: { ...ref, reachable: false, exists: false, fenceReason: describeError(err) } };
    throw err;
  }
}

/** Pure: one DescribeDBInstances answer (undefined = not found) as the machine sees it. */
export function toInstanceView(ref: InstanceRef, i: DBInstance | undefined, owner: Owner): InstanceView {
  const fence = fenceStateOf(i, ref.identifier);
  if (!i) return { ...ref, reachable: true, exists: false, fenced: true, fenceReason: fence.reason };
  const host = i.Endpoint?.Address;
  const port = i.Endpoint?.Port ?? i.DbInstancePort;
  const tags = tagsToMap(i.TagList);
  return {
    ...ref,
    reachable: true,
    exists: true,
    ...(i.DBInstanceStatus && { status: i.DBInstanceStatus }),
    role: isStandaloneWriter(i) ? 'writer' : isAvailableReplica(i) ? 'replica' : 'other',
    ...(i.ReadReplicaSourceDBInstanceIdentifier && { sourceArn: i.ReadReplicaSourceDBInstanceIdentifier }),
    ...(i.DBInstanceArn && { arn: i.DBInstanceArn }),
    ...(host && port !== undefined && { endpoint: { host, port } }),
    owned: ownsForDelete(i.TagList, owner),
    fenced: fence.fenced,
    fenceReason: fence.reason,
    fenceTagged: tags[FENCE_TAGS.from] !== undefined,
    promoteRequested: promoteRequested(i),
    ...(tags[FENCE_TAGS.failover] !== undefined && { failoverMark: tags[FENCE_TAGS.failover] }),
    ...settingsOf(i),
  };
}

/** What the status and the promoted writer's settings step read of an instance. */
function settingsOf(i: DBInstance): Partial<InstanceView> {
  const p = i.PendingModifiedValues;
  const pending = {
    ...(p?.BackupRetentionPeriod !== undefined && { backupRetentionDays: p.BackupRetentionPeriod }),
    ...(p?.MultiAZ !== undefined && { multiAZ: p.MultiAZ }),
  };
  return {
    ...(i.StorageEncrypted !== undefined && { encrypted: i.StorageEncrypted }),
    ...(i.DBInstanceClass && { instanceClass: i.DBInstanceClass }),
    ...(i.MultiAZ !== undefined && { multiAZ: i.MultiAZ }),
    ...(i.BackupRetentionPeriod !== undefined && { backupRetentionDays: i.BackupRetentionPeriod }),
    ...(Object.keys(pending).length > 0 && { pending }),
  };
}
