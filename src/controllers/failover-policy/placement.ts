// Where and how a replica is created in a region (spec.database.placement), and what stops a
// create before it is sent: the writer is encrypted and no KMS key of the target region is given.
// Pure: the machine (ensureReplica) and the reconciler (database-actions.ts, database-report.ts) share these answers.
import type { DatabasePlacement } from '../../api/types.ts';
import type { InstanceView } from '../../aws/rds/observe.ts';
import type { MachineSpec } from './failover-machine.ts';

/** What CreateDBInstanceReadReplica is given for a replica in one region. */
export interface ReplicaSettings {
  instanceClass?: string;
  kmsKeyId?: string;
  dbSubnetGroupName?: string;
  vpcSecurityGroupIds?: string[];
  multiAZ?: boolean;
  storageType?: string;
  parameterGroupName?: string;
  optionGroupName?: string;
}

/** A spec problem found before any AWS call: reported as Synced=False naming `field`, with an Event. */
export interface PlacementProblem {
  reason: string;
  field: string;
  message: string;
}

export function placementOf(spec: MachineSpec, region: string): DatabasePlacement | undefined {
  return spec.database.placement?.find((p) => p.region === region);
}

/** The spec path of one placement field, named by the list's key as `kubectl explain` users write it. */
export const placementField = (region: string, field: keyof DatabasePlacement): string => `spec.database.placement[region=${region}].${field}`;

/**
 * The settings of a replica created in `region`: placement's entry for the region, then (in the
 * replica's region only) the older spec.database.replica.instanceClass / kmsKeyId. Used on every
 * create, the first replica and every re-seed, whatever the replica's name.
 */
export function replicaSettings(spec: MachineSpec, region: string): ReplicaSettings {
  const p = placementOf(spec, region);
  const legacy = region === spec.database.replica.region ? spec.database.replica : undefined;
  const instanceClass = p?.instanceClass ?? legacy?.instanceClass;
  const kmsKeyId = p?.kmsKeyId ?? legacy?.kmsKeyId;
  return {
    ...(instanceClass && { instanceClass }),
    ...(kmsKeyId && { kmsKeyId }),
    ...(p?.dbSubnetGroupName && { dbSubnetGroupName: p.dbSubnetGroupName }),
    ...(p?.vpcSecurityGroupIds?.length && { vpcSecurityGroupIds: [...p.vpcSecurityGroupIds] }),
    ...(p?.multiAZ !== undefined && { multiAZ: p.multiAZ }),
    ...(p?.storageType && { storageType: p.storageType }),
    ...(p?.parameterGroupName && { parameterGroupName: p.parameterGroupName }),
    ...(p?.optionGroupName && { optionGroupName: p.optionGroupName }),
  };
}

/**
 * A cross-region replica of an encrypted writer needs a KMS key of its own region (KMS keys are
 * regional; AWS refuses the create without one). CEL cannot know the writer is encrypted, so this
 * is checked against the writer's StorageEncrypted before the create is sent: never a create that
 * must fail, and never a loop of them.
 */
export function missingReplicaKey(spec: MachineSpec, region: string, writer: InstanceView | undefined): PlacementProblem | undefined {
  if (!writer?.exists || writer.encrypted !== true || writer.region === region) return undefined;
  if (replicaSettings(spec, region).kmsKeyId) return undefined;
  const field = placementField(region, 'kmsKeyId');
  return {
    reason: 'ReplicaKmsKeyMissing',
    field,
    message:
      `the writer ${writer.identifier} in ${writer.region} is encrypted, and a replica in ` +
      `${region} needs a KMS key of ${region}: none is given, so no replica is created there. ` +
      `Set ${field} to a key ARN or alias of ${region}`,
  };
}

/**
 * The same check one failover ahead: after a failover the new standby is re-seeded in the old
 * writer's region, from the promoted replica (encrypted like its writer). Said now, while a
 * standby still protects the writer, so the key can be added before it is needed. Never holds a
 * failover: the re-seed just waits for the key.
 */
export function missingReseedKey(spec: MachineSpec, writer: InstanceView | undefined, standbyRegion: string | undefined): PlacementProblem | undefined {
  if (!writer?.exists || writer.encrypted !== true || !standbyRegion || standbyRegion === writer.region) return undefined;
  if (replicaSettings(spec, writer.region).kmsKeyId) return undefined;
  const field = placementField(writer.region, 'kmsKeyId');
  return {
    reason: 'ReplicaKmsKeyMissing',
    field,
    message:
      `the writer ${writer.identifier} in ${writer.region} is encrypted and no KMS key of ${writer.region} is given: after a failover to ${standbyRegion}, ` +
      `no new standby could be re-seeded in ${writer.region} (the failover itself still goes ahead). Set ${field} to a key ARN or alias of ${writer.region}`,
  };
}

/** The ReplicaSettings fields of a createReplica action, for the create request. */
export function settingsOf(a: ReplicaSettings): ReplicaSettings {
  const keys: Array<keyof ReplicaSettings> = [
    'instanceClass',
    'kmsKeyId',
    'dbSubnetGroupName',
    'vpcSecurityGroupIds',
    'multiAZ',
    'storageType',
    'parameterGroupName',
    'optionGroupName',
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (a[k] !== undefined) out[k] = a[k];
  return out as ReplicaSettings;
}
