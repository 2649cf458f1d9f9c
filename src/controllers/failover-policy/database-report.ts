// What a database pass reports beyond the machine's own status: the instances as AWS showed them
// (status.database.instances, from the pass's own DescribeDBInstances answers: no extra call),
// and a placement problem that holds a replica create (Synced=False naming the field).
import type { DatabaseInstanceStatus } from '../../api/types.ts';
import type { InstanceView } from '../../aws/rds/observe.ts';
import { SyncError } from '../shared/sync-error.ts';
import type { MachineSpec, MachineStatus, Observations } from './failover-machine.ts';
import { sameRef } from './failover-ready.ts';
import { missingReplicaKey, missingReseedKey } from './placement.ts';

/**
 * The writer and the standby as this pass read them. An instance whose region did not answer
 * keeps what the last pass read of it: not knowing now is no change.
 */
export function instancesStatus(status: MachineStatus, obs: Observations, prev: readonly DatabaseInstanceStatus[] = []): DatabaseInstanceStatus[] {
  const out: DatabaseInstanceStatus[] = [];
  const one = (v: InstanceView | undefined, role: DatabaseInstanceStatus['role']): void => {
    if (!v) return;
    if (!v.reachable) {
      const last = prev.find((p) => p.region === v.region && p.identifier === v.identifier && p.role === role);
      if (last) out.push(last);
      return;
    }
    if (!v.exists) return;
    out.push({
      region: v.region,
      identifier: v.identifier,
      role,
      ...(v.status && { status: v.status }),
      ...(v.instanceClass && { instanceClass: v.instanceClass }),
      ...(v.encrypted !== undefined && { encrypted: v.encrypted }),
      ...(v.multiAZ !== undefined && { multiAZ: v.multiAZ }),
      ...(v.backupRetentionDays !== undefined && { backupRetentionDays: v.backupRetentionDays }),
    });
  };
  const writer = status.database?.writer;
  const replica = status.database?.replica;
  one(writer && sameRef(obs.writer, writer) ? obs.writer : undefined, 'writer');
  one(replica && sameRef(obs.standby, replica) ? obs.standby : undefined, 'replica');
  return out;
}

/** The machine's status with status.database.instances from this pass's reads. */
export function withInstances(status: MachineStatus, obs: Observations, prev?: readonly DatabaseInstanceStatus[]): MachineStatus {
  if (!status.database) return status;
  const instances = instancesStatus(status, obs, prev);
  const database = { ...status.database };
  if (instances.length > 0) database.instances = instances;
  else delete database.instances;
  return { ...status, database };
}

/**
 * A placement problem found before any create: the standby the machine wants cannot be created
 * (an encrypted writer, no KMS key for the standby's region: the machine holds the create), or the
 * re-seed after a failover could not be (no key for the writer's own region). Terminal until the
 * spec changes; the other work of the pass went on.
 */
export function placementError(spec: MachineSpec, status: MachineStatus, obs: Observations): SyncError | undefined {
  if (status.inProgress) return undefined;
  const replica = status.database?.replica;
  const standbyMissing = !!replica && !!obs.standby && sameRef(obs.standby, replica) && obs.standby.reachable && !obs.standby.exists;
  const problem =
    (standbyMissing && replica ? missingReplicaKey(spec, replica.region, obs.writer) : undefined) ?? missingReseedKey(spec, obs.writer, replica?.region);
  return problem && new SyncError(problem.message, problem.reason, problem.field, true);
}
