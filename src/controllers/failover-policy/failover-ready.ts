// FailoverReady ("the standby could take over now") and the small facts the failover state
// machine's files share: which region is home, how healthy a region is, whether a lag sample
// can be trusted, the deterministic names it records before creating anything, step order and
// wait times. Imports from failover-machine.ts are types only, so there is no import cycle.
import type { PlannedChange } from '../../api/types.ts';
import { sameInstance } from '../../aws/rds/instances.ts';
import type { InstanceRef } from '../../aws/rds/observe.ts';
import type { FailoverAction, FailoverStep, MachineSpec, MachineStatus, Observations, RegionHealth, Work } from './failover-machine.ts';
import { missingReplicaKey } from './placement.ts';

/** A lag datapoint older than this says nothing about now (RDS publishes every minute). */
export const LAG_MAX_AGE_MS = 5 * 60_000;

export interface ReadyCondition {
  type: 'FailoverReady';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export const ReadyReason = {
  Ready: 'StandbyReady',
  InProgress: 'FailoverInProgress',
  ReplicaMissing: 'ReplicaMissing',
  StandbyRegionUnreachable: 'StandbyRegionUnreachable',
  StandbyIsWriter: 'StandbyIsWriter',
  ReplicaNotAvailable: 'ReplicaNotAvailable',
  ReplicaSourceMismatch: 'ReplicaSourceMismatch',
  ReplicaLagUnknown: 'ReplicaLagUnknown',
  ReplicaLagInvalid: 'ReplicaLagInvalid',
  ReplicaLagTooHigh: 'ReplicaLagTooHigh',
  StandbyUnhealthy: 'StandbyUnhealthy',
  RecordsMissing: 'RecordsMissing',
  RecordsPending: 'RecordsPending',
  HealthChecksMissing: 'HealthChecksMissing',
} as const;

interface Cause {
  status: 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * Every cause that stops the standby from taking over now. The condition's reason is the first
 * (the order is the order in which an operator fixes them); its message lists them all.
 */
export function failoverReadiness(spec: MachineSpec, status: MachineStatus, obs: Observations): ReadyCondition {
  const causes = readinessCauses(spec, status, obs);
  const first = causes[0];
  if (!first) {
    const standby = status.database?.replica;
    return {
      type: 'FailoverReady',
      status: 'True',
      reason: ReadyReason.Ready,
      message:
        `replica ${standby?.identifier} in ${standby?.region} is ${obs.lag?.seconds}s behind (max ` +
        `${spec.database.maxReplicaLagSeconds}s), its region is healthy, records and health checks are in place`,
    };
  }
  return { type: 'FailoverReady', status: first.status, reason: first.reason, message: causes.map((c) => c.message).join('; ') };
}

export function readinessCauses(spec: MachineSpec, status: MachineStatus, obs: Observations): Cause[] {
  const out: Cause[] = [];
  const add = (s: Cause['status'], reason: string, message: string): void => void out.push({ status: s, reason, message });
  const max = spec.database.maxReplicaLagSeconds;
  if (status.inProgress)
    add('False', ReadyReason.InProgress, `a ${status.inProgress.reason} to ${status.inProgress.to} is running (step ${status.inProgress.step})`);
  const ref = status.database?.replica;
  const v = obs.standby;
  const standbyRegion = ref?.region ?? otherRegion(spec, status.database?.writer?.region ?? spec.database.primary.region);
  if (!ref) add('False', ReadyReason.ReplicaMissing, `no replica recorded in ${standbyRegion}; the controller creates one`);
  else if (!v?.reachable) add('Unknown', ReadyReason.StandbyRegionUnreachable, `RDS in ${ref.region} did not answer`);
  else if (!v.exists) {
    // Held before its create (placement.ts): say what it waits for, not only that it is missing.
    const held = missingReplicaKey(spec, ref.region, obs.writer);
    add('False', ReadyReason.ReplicaMissing, `replica ${ref.identifier} does not exist in ${ref.region} yet${held ? `: it waits for ${held.field}` : ''}`);
  } else if (v.role === 'writer')
    add('False', ReadyReason.StandbyIsWriter, `${ref.identifier} in ${ref.region} takes writes itself: it is no longer a replica (two writers?)`);
  else if (v.role !== 'replica') add('False', ReadyReason.ReplicaNotAvailable, `replica ${ref.identifier} is ${v.status ?? 'not available'}`);
  else if (obs.writer?.arn && v.sourceArn && !sameInstance(v.sourceArn, obs.writer.arn)) {
    add('False', ReadyReason.ReplicaSourceMismatch, `${ref.identifier} replicates ${v.sourceArn}, not the writer ${obs.writer.arn}`);
  }
  // False, not Unknown: with no lag the RPO guard holds, so the standby cannot take over now.
  if (!lagFresh(obs)) add('False', ReadyReason.ReplicaLagUnknown, `no ReplicaLag datapoint in the last ${LAG_MAX_AGE_MS / 60_000} minutes`);
  else if (!lagValid(obs.lag)) add('False', ReadyReason.ReplicaLagInvalid, `ReplicaLag reads ${obs.lag?.seconds}: replication is stopped or broken`);
  else if ((obs.lag?.seconds ?? 0) > max) add('False', ReadyReason.ReplicaLagTooHigh, `replica lag ${obs.lag?.seconds}s exceeds maxReplicaLagSeconds ${max}`);
  const h = healthOf(obs, standbyRegion);
  if (h.state !== 'Healthy') add('False', ReadyReason.StandbyUnhealthy, `health of ${standbyRegion} is ${h.state}`);
  if (obs.dns.pendingChange) add('False', ReadyReason.RecordsPending, pendingMessage(obs.dns.pendingChange));
  else if (!obs.dns.recordsInPlace) add('False', ReadyReason.RecordsMissing, 'the failover DNS records are not all in place');
  if (!obs.dns.healthChecksInPlace) add('False', ReadyReason.HealthChecksMissing, 'the health checks are not all attached to the records');
  return out;
}

/** Records written but not applied yet: they are not in place until Route 53 says INSYNC. */
export function pendingMessage(changeId: string): string {
  return `the failover DNS records were written; Route 53 change ${changeId} is not INSYNC yet`;
}

export function healthOf(obs: Observations, region: string): RegionHealth {
  return obs.health[region] ?? { state: 'Unknown' };
}

/** How long a region has been in its current health state (0 when `since` is unknown). */
export function heldForMs(h: RegionHealth, nowMs: number): number {
  const since = h.since ? Date.parse(h.since) : Number.NaN;
  return Number.isFinite(since) ? Math.max(0, nowMs - since) : 0;
}

/** A lag that means something: MySQL and MariaDB publish -1 when replication is stopped. */
export function lagValid(lag: { seconds: number } | undefined): boolean {
  return !!lag && Number.isFinite(lag.seconds) && lag.seconds >= 0;
}

export function lagFresh(obs: Observations): boolean {
  if (!obs.lag) return false;
  const at = Date.parse(obs.lag.at);
  return Number.isFinite(at) && Date.parse(obs.now) - at <= LAG_MAX_AGE_MS;
}

/** The other region of the pair. */
export function otherRegion(spec: MachineSpec, region: string): string {
  return region === spec.database.primary.region ? spec.database.replica.region : spec.database.primary.region;
}

/**
 * Where traffic belongs when nothing is wrong. Automatic mode: spec.failover.activeRegion (the
 * preferred region) or the database primary's region; Manual mode: the database primary's
 * region (only used to name phases; in Manual mode the spec's activeRegion decides).
 */
export function homeRegion(spec: MachineSpec): string {
  if (spec.failover.mode === 'Automatic' && spec.failover.activeRegion) return spec.failover.activeRegion;
  return spec.database.primary.region;
}

export function specWriter(spec: MachineSpec): InstanceRef {
  return { region: spec.database.primary.region, identifier: spec.database.primary.instanceIdentifier };
}

export function specReplica(spec: MachineSpec): InstanceRef {
  return { region: spec.database.replica.region, identifier: spec.database.replica.instanceIdentifier };
}

/** `20250101t030405`: sortable, allowed in DB instance and snapshot identifiers. */
export function compactTime(iso: string): string {
  return iso
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '')
    .replace(/Z$/, '')
    .toLowerCase();
}

/**
 * Name of a replica re-created in `region` after a failover: the spec's name for that region
 * plus the failover's completion time. Deterministic (recorded in status before the create, and
 * the same on every retry) and never equal to the fenced ex-writer still holding the old name.
 */
export function reseedIdentifier(spec: MachineSpec, region: string, completedAt: string): string {
  const base = region === spec.database.primary.region ? spec.database.primary.instanceIdentifier : spec.database.replica.instanceIdentifier;
  const suffix = `-${compactTime(completedAt)}`;
  return tidyIdentifier(base.slice(0, 63 - suffix.length)) + suffix;
}

/** Final snapshot name of a retired ex-writer: 255 chars allowed, deterministic per failover. */
export function finalSnapshotIdentifier(identifier: string, completedAt: string): string {
  return `${tidyIdentifier(identifier)}-final-${compactTime(completedAt)}`;
}

/** RDS identifiers: no trailing hyphen, no two hyphens in a row. */
function tidyIdentifier(s: string): string {
  return s.toLowerCase().replace(/-{2,}/g, '-').replace(/-+$/, '');
}

export function writeSecret(spec: MachineSpec, region: string, endpoint: { host: string; port: number }): FailoverAction {
  return { type: 'writeSecret', name: spec.database.connectionSecret.name, data: { host: endpoint.host, port: String(endpoint.port), region, role: 'writer' } };
}

export function secretMatches(obs: Observations, region: string, host: string): boolean {
  return obs.secret?.region === region && obs.secret.host === host;
}

export function sameRef(a: InstanceRef | undefined, b: InstanceRef | undefined): boolean {
  return !!a && !!b && a.region === b.region && a.identifier === b.identifier;
}

export const WAIT = { aws: 15_000, lag: 30_000, fence: 15_000 } as const;
/** A region back from an outage often flaps: fail back only after it held Healthy this long (the default of --failback-stable-period). */
export const FAILBACK_STABLE_MS = 10 * 60_000;

export function requeue(w: Work, ms: number): void {
  w.requeueAfterMs = w.requeueAfterMs === undefined ? ms : Math.min(w.requeueAfterMs, ms);
}

const ORDER: readonly FailoverStep[] = [
  'Triggered',
  'LagChecked',
  'Fenced',
  'FenceUnconfirmed',
  'PromoteRequested',
  'Promoted',
  'SecretWritten',
  'DnsSwitched',
  'WriterConfigRequested',
  'Completed',
];

export function stepIndex(step: FailoverStep): number {
  return ORDER.indexOf(step);
}

/**
 * The one description of each action's change, used the same in dry-run (status.plannedChanges)
 * and for real (the Planner's Events and create-pending record); recordStep changes nothing.
 */
export function plannedChangeOf(a: FailoverAction): PlannedChange | undefined {
  switch (a.type) {
    case 'recordStep':
      return undefined;
    case 'createReplica':
      return { action: 'Create', resource: 'DBInstanceReadReplica', region: a.region, detail: `${a.identifier}: read replica of ${a.sourceArn}` };
    case 'fence':
      return { action: 'Update', resource: 'DBInstance', region: a.region, detail: `${a.identifier}: fence (deny-all security group, reboot)` };
    case 'unfence':
      return { action: 'Update', resource: 'DBInstance', region: a.region, detail: `${a.identifier}: unfence (restore its security groups)` };
    case 'promote':
      return { action: 'Promote', resource: 'DBInstance', region: a.region, detail: a.identifier };
    case 'retireInstance':
      return { action: 'Delete', resource: 'DBInstance', region: a.region, detail: `${a.identifier}, after final snapshot ${a.finalSnapshotIdentifier}` };
    case 'configureWriter':
      return {
        action: 'Update',
        resource: 'DBInstance',
        region: a.region,
        detail: `${a.identifier}: backup retention ${a.backupRetentionDays} days${a.multiAZ === undefined ? '' : `, Multi-AZ ${a.multiAZ}`}`,
      };
    case 'writeSecret':
      return { action: 'Put', resource: `secret/${a.name}`, region: a.data.region, detail: `host ${a.data.host}` };
    case 'switchDns':
      return { action: 'Update', resource: 'Route53FailoverRecords', region: a.activeRegion, detail: `send traffic to ${a.activeRegion}` };
  }
}

/** Dry-run: what the actions would change, for status.plannedChanges. */
export function toPlannedChanges(actions: readonly FailoverAction[]): PlannedChange[] {
  return actions.flatMap((a) => plannedChangeOf(a) ?? []);
}
