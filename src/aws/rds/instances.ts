// RDS DB instances of a failover pair: the writer, its cross-region read replica, and the
// ex-writers a failover leaves behind. Nothing here decides *when* to act — that is the
// failover state machine's job; these functions only make each action safe to repeat.
import type { DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { errorCode, isAlreadyExists, isNotFound } from '../errors.ts';
import { rdsSdk } from '../sdk.ts';
import { isOwnedBy, ownershipTags, ownsForDelete, TAG_PREFIX, tagsToMap, toRdsTags } from '../tags.ts';
import type { Owner } from '../types.ts';

/** Written by promote() just before it calls PromoteReadReplica. */
export const PROMOTE_REQUESTED_TAG = `${TAG_PREFIX}promote-requested-at`;
/**
 * The failover a fence or a promote of ours was for, as the caller describes it: written on the
 * old writer with the fence's first tags (fence.ts, FENCE_TAGS.failover) and on the standby with
 * the promote's request mark. Opaque to this layer.
 */
export const FAILOVER_MARK_TAG = `${TAG_PREFIX}failover`;

/** The instance, or undefined when RDS says it does not exist. */
export async function describeInstance(rds: RDSClient, identifier: string): Promise<DBInstance | undefined> {
  try {
    const out = await rds.send(new rdsSdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    return out.DBInstances?.find((i) => i.DBInstanceIdentifier === identifier);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const MAX_PAGES = 100;

/** Every instance of the region, following Marker pages (a repeated marker ends the walk). */
export async function describeAllInstances(rds: RDSClient): Promise<DBInstance[]> {
  const out: DBInstance[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await rds.send(new rdsSdk.DescribeDBInstancesCommand({ MaxRecords: 100, Marker: marker }));
    out.push(...(res.DBInstances ?? []));
    if (!res.Marker || seen.has(res.Marker)) break;
    seen.add(res.Marker);
    marker = res.Marker;
  }
  return out;
}

/**
 * Instances carrying this owner's tags, oldest first (so repeated calls pick the same one).
 * DescribeDBInstances has no tag filter: the check is done on each instance's TagList.
 * This is how a replica is found again after a crash between the create call and the status write.
 */
export async function findByOwnerTag(rds: RDSClient, owner: Owner): Promise<DBInstance[]> {
  const all = await describeAllInstances(rds);
  return all.filter((i) => isOwnedBy(i.TagList, owner)).sort((a, b) => (a.InstanceCreateTime?.getTime() ?? 0) - (b.InstanceCreateTime?.getTime() ?? 0));
}

export interface CrossRegionReplicaRequest {
  /** ARN of the writer in the other region (cross-region sources must be given by ARN). */
  sourceArn: string;
  sourceRegion: string;
  /** Deterministic: recorded in status before the call, so a restart looks for this name first. */
  identifier: string;
  instanceClass?: string;
  /** A key of the replica's region; required when the source is encrypted. */
  kmsKeyId?: string;
  dbSubnetGroupName?: string;
  vpcSecurityGroupIds?: string[];
  multiAZ?: boolean;
  storageType?: string;
  /** Parameter and option groups are regional: names of groups in the replica's region. */
  parameterGroupName?: string;
  optionGroupName?: string;
  owner: Owner;
  /**
   * The spec names this identifier: an existing replica of the same source is adopted even
   * without our tags (never deleted by us). Otherwise an untagged instance is someone else's.
   */
  adoptExisting?: boolean;
}

export type ReplicaOutcome = 'Created' | 'FoundOwned' | 'Adopted';

export type ReplicaConflict = 'NotOwned' | 'NotAReplica' | 'SourceMismatch';

/** An instance with the requested name exists but is not one we may treat as this replica. */
export class ReplicaConflictError extends Error {
  constructor(
    readonly identifier: string,
    readonly conflict: ReplicaConflict,
    detail: string,
  ) {
    super(`DB instance ${identifier}: ${detail}`);
    this.name = 'ReplicaConflictError';
  }
}

/**
 * Creates the cross-region read replica of `sourceArn`, or returns the one already there.
 * CreateDBInstanceReadReplica has no idempotency token, so the name is looked up first and
 * DBInstanceAlreadyExists is answered by looking again (some emulators accept a second create
 * with the same name and silently replace the instance, which the look-up first avoids).
 */
export async function createCrossRegionReplica(rds: RDSClient, req: CrossRegionReplicaRequest): Promise<{ instance: DBInstance; outcome: ReplicaOutcome }> {
  if (arnRegion(req.sourceArn) !== req.sourceRegion) {
    throw new Error(`source ${req.sourceArn} is not in ${req.sourceRegion}: a cross-region replica needs the source's ARN`);
  }
  const existing = await describeInstance(rds, req.identifier);
  if (existing) return { instance: existing, outcome: acceptExisting(existing, req) };
  try {
    const out = await rds.send(
      new rdsSdk.CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: req.identifier,
        // By ARN: the SDK sees the other region in it and presigns the source-region request
        // (PreSignedUrl) that encrypted cross-region replicas need; there is no SourceRegion input.
        SourceDBInstanceIdentifier: req.sourceArn,
        ...(req.instanceClass && { DBInstanceClass: req.instanceClass }),
        ...(req.kmsKeyId && { KmsKeyId: req.kmsKeyId }),
        ...(req.dbSubnetGroupName && { DBSubnetGroupName: req.dbSubnetGroupName }),
        ...(req.vpcSecurityGroupIds?.length && { VpcSecurityGroupIds: req.vpcSecurityGroupIds }),
        ...(req.multiAZ !== undefined && { MultiAZ: req.multiAZ }),
        ...(req.storageType && { StorageType: req.storageType }),
        ...(req.parameterGroupName && { DBParameterGroupName: req.parameterGroupName }),
        ...(req.optionGroupName && { OptionGroupName: req.optionGroupName }),
        Tags: toRdsTags(ownershipTags(req.owner)),
      }),
    );
    if (!out.DBInstance) throw new Error('CreateDBInstanceReadReplica returned no DB instance');
    return { instance: out.DBInstance, outcome: 'Created' };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const raced = await describeInstance(rds, req.identifier);
    if (!raced) throw err;
    return { instance: raced, outcome: acceptExisting(raced, req) };
  }
}

/** Same source, and either our tags or an adoption the spec asked for. */
export function acceptExisting(i: DBInstance, req: Pick<CrossRegionReplicaRequest, 'identifier' | 'sourceArn' | 'owner' | 'adoptExisting'>): ReplicaOutcome {
  const owned = isOwnedBy(i.TagList, req.owner);
  if (!owned && !req.adoptExisting) {
    throw new ReplicaConflictError(
      req.identifier,
      'NotOwned',
      "exists without this policy's ownership tags; choose another identifier or adopt it by naming it in the spec",
    );
  }
  const source = i.ReadReplicaSourceDBInstanceIdentifier;
  if (!source) throw new ReplicaConflictError(req.identifier, 'NotAReplica', 'exists but is not a read replica');
  if (!sameInstance(source, req.sourceArn)) {
    throw new ReplicaConflictError(req.identifier, 'SourceMismatch', `replicates ${source}, not ${req.sourceArn}`);
  }
  return owned ? 'FoundOwned' : 'Adopted';
}

/** `arn:aws:rds:<region>:<account>:db:<id>` → region. */
export function arnRegion(arn: string): string | undefined {
  return arn.startsWith('arn:') ? arn.split(':')[3] : undefined;
}

/** A replica's source is reported as an ARN (cross-region) or a bare identifier (same region). */
export function sameInstance(a: string, b: string): boolean {
  if (a === b) return true;
  const idOf = (s: string): string => (s.startsWith('arn:') ? (s.split(':db:')[1] ?? s) : s);
  const ra = arnRegion(a);
  const rb = arnRegion(b);
  return idOf(a) === idOf(b) && (ra === undefined || rb === undefined || ra === rb);
}

/**
 * Marks the instance with PROMOTE_REQUESTED_TAG, then calls PromoteReadReplica. The mark lets a
 * restart tell "the call may have reached AWS" (mark present: wait, never call again) from "it
 * certainly did not" (no mark: call now). A definite refusal (HTTP 4xx) removes the mark again;
 * an ambiguous failure (timeout, 5xx) keeps it. An instance already promoting or promoted
 * answers InvalidDBInstanceState: that counts as done.
 */
export async function promote(rds: RDSClient, identifier: string, now: Date = new Date(), known?: DBInstance, mark?: string): Promise<DBInstance> {
  // `known`: the caller's own DescribeDBInstances answer of this pass; read again only without one.
  const before = known?.DBInstanceIdentifier === identifier ? known : await describeInstance(rds, identifier);
  const arn = before?.DBInstanceArn;
  if (!before || !arn) throw new Error(`DB instance ${identifier} not found: nothing to promote`);
  // `mark`: the failover this promote is for (FAILOVER_MARK_TAG), in the same call as the request mark.
  const marks = [{ Key: PROMOTE_REQUESTED_TAG, Value: now.toISOString() }, ...(mark !== undefined ? [{ Key: FAILOVER_MARK_TAG, Value: mark }] : [])];
  await rds.send(new rdsSdk.AddTagsToResourceCommand({ ResourceName: arn, Tags: marks }));
  let instance: DBInstance | undefined;
  try {
    instance = (await rds.send(new rdsSdk.PromoteReadReplicaCommand({ DBInstanceIdentifier: identifier }))).DBInstance;
  } catch (err) {
    if (isInvalidState(err)) instance = await describeInstance(rds, identifier);
    const promoting = instance && (isStandaloneWriter(instance) || PROMOTING_STATES.has(instance.DBInstanceStatus ?? ''));
    if (!promoting) {
      // ownership: removes only the marks this call added just above, nothing of the instance's own.
      if (definitelyRefused(err)) await rds.send(new rdsSdk.RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: marks.map((t) => t.Key) }));
      throw err;
    }
  }
  return instance ?? before;
}

export interface WriterSettings {
  backupRetentionDays: number;
  /** Absent: left as it is. */
  multiAZ?: boolean;
}

/** Whether the instance has these settings, applied or accepted and pending (PendingModifiedValues). */
export function hasWriterSettings(i: Pick<DBInstance, 'BackupRetentionPeriod' | 'MultiAZ' | 'PendingModifiedValues'>, want: WriterSettings): boolean {
  const retention = i.PendingModifiedValues?.BackupRetentionPeriod ?? i.BackupRetentionPeriod;
  const multiAZ = i.PendingModifiedValues?.MultiAZ ?? i.MultiAZ;
  return retention === want.backupRetentionDays && (want.multiAZ === undefined || multiAZ === want.multiAZ);
}

/**
 * Gives a writer a failover promoted its production settings, at once (ApplyImmediately): the
 * backup retention (a source of read replicas needs automated backups) and Multi-AZ. Sends only
 * what differs from `known` (this pass's DescribeDBInstances answer), and nothing when it all
 * matches already, so a repeat after a crash changes nothing twice.
 */
export async function applyWriterSettings(rds: RDSClient, identifier: string, want: WriterSettings, known?: DBInstance): Promise<'Modified' | 'Unchanged'> {
  const now = known?.DBInstanceIdentifier === identifier ? known : await describeInstance(rds, identifier);
  if (!now) throw new Error(`DB instance ${identifier} not found: cannot set its backup retention`);
  if (hasWriterSettings(now, want)) return 'Unchanged';
  const retention = now.PendingModifiedValues?.BackupRetentionPeriod ?? now.BackupRetentionPeriod;
  const multiAZ = now.PendingModifiedValues?.MultiAZ ?? now.MultiAZ;
  await rds.send(
    new rdsSdk.ModifyDBInstanceCommand({
      DBInstanceIdentifier: identifier,
      ...(retention !== want.backupRetentionDays && { BackupRetentionPeriod: want.backupRetentionDays }),
      ...(want.multiAZ !== undefined && multiAZ !== want.multiAZ && { MultiAZ: want.multiAZ }),
      ApplyImmediately: true,
    }),
  );
  return 'Modified';
}

/** AWS answered and said no: the call did not take effect. */
function definitelyRefused(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

function isInvalidState(err: unknown): boolean {
  const c = errorCode(err);
  return c === 'InvalidDBInstanceState' || c === 'InvalidDBInstanceStateFault';
}

/** Whether promote() got as far as marking the instance (its call may have reached AWS). */
export function promoteRequested(i: DBInstance): boolean {
  return tagsToMap(i.TagList)[PROMOTE_REQUESTED_TAG] !== undefined;
}

/** What a replica goes through while RDS promotes it (it reboots once). */
const PROMOTING_STATES = new Set(['modifying', 'rebooting', 'backing-up', 'configuring-log-exports']);

/**
 * True once the instance takes writes on its own: AWS clears ReadReplicaSourceDBInstanceIdentifier
 * when it promotes a replica, and the status returns to `available` after `modifying` /
 * `rebooting` (often `backing-up` in between).
 */
export function isStandaloneWriter(i: DBInstance): boolean {
  return i.DBInstanceStatus === 'available' && !i.ReadReplicaSourceDBInstanceIdentifier;
}

/** A read replica that is up: what FailoverReady needs from the standby. */
export function isAvailableReplica(i: DBInstance): boolean {
  return i.DBInstanceStatus === 'available' && !!i.ReadReplicaSourceDBInstanceIdentifier;
}

export type DeleteOutcome = 'Deleting' | 'AlreadyDeleting' | 'Gone';

/**
 * Deletes a standalone instance, always through a final snapshot: an ex-writer may hold the
 * only copy of writes the failover did not carry over. Refuses without a snapshot name.
 * Automated backups are kept too (DeleteAutomatedBackups false).
 */
export async function deleteWithFinalSnapshot(rds: RDSClient, identifier: string, snapshotId: string, owner: Owner): Promise<DeleteOutcome> {
  if (!snapshotId.trim()) throw new Error(`refusing to delete DB instance ${identifier} without a final snapshot name`);
  const now = await describeInstance(rds, identifier);
  if (!now) return 'Gone';
  if (now.DBInstanceStatus === 'deleting') return 'AlreadyDeleting';
  // Read again right before the delete: only an instance with our cluster id and uid goes.
  if (!ownsForDelete(now.TagList, owner)) throw new Error(`refusing to delete DB instance ${identifier}: it does not carry our ownership tags`);
  if (now.DeletionProtection) {
    throw new Error(`DB instance ${identifier} has deletion protection on: turn it off to let the controller delete it`);
  }
  try {
    await rds.send(
      new rdsSdk.DeleteDBInstanceCommand({
        DBInstanceIdentifier: identifier,
        SkipFinalSnapshot: false,
        FinalDBSnapshotIdentifier: snapshotId,
        DeleteAutomatedBackups: false,
      }),
    );
    return 'Deleting';
  } catch (err) {
    if (isNotFound(err)) return 'Gone';
    throw err;
  }
}
