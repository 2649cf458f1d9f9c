// The database half of a FailoverPolicy as a pure state machine: (spec, status, observations)
// in; new status, actions, events and a requeue delay out. No I/O, no clock: `obs.now` is the
// time. The reconciler runs it in a loop:
//   decide → when actions[0] is recordStep, write the returned status first (and stop if the
//          write fails) → execute the actions in order → observe again → decide …
// until it asks for a requeue later. A failover moves at most one step per call, and each
// step is recorded in status before the work of the next one starts, so a restart resumes at
// the recorded step. Once PromoteRequested is recorded, PromoteReadReplica reaches AWS at most
// once: a re-run waits for the instance to be a standalone writer (see failover-steps.ts).
//
// Steps: Triggered → LagChecked → Fenced | FenceUnconfirmed → PromoteRequested → Promoted
//        → SecretWritten → DnsSwitched → (WriterConfigRequested, see promoted-writer.ts) → Completed.
// Before PromoteRequested a withdrawn trigger aborts (and the old writer is unfenced); after it,
// the only way is forward.
import type { DefaultedFailoverPolicySpec } from '../../api/defaults.ts';
import type { FailoverPhase, FailoverPolicyStatus, FailoverRecord, FenceSweepEntry, Health } from '../../api/types.ts';
import type { InstanceRef, InstanceView } from '../../aws/rds/observe.ts';
import {
  failoverReadiness,
  finalSnapshotIdentifier,
  homeRegion,
  otherRegion,
  type ReadyCondition,
  requeue,
  reseedIdentifier,
  sameRef,
  secretMatches,
  specReplica,
  specWriter,
  stepIndex,
  WAIT,
  writeSecret,
} from './failover-ready.ts';
import { twoStandaloneInstances } from './failover-recovery.ts';
import { advance } from './failover-steps.ts';
import { type FailbackTiming, spendIdleAcceptance, startIfTriggered } from './failover-trigger.ts';
import { missingReplicaKey, type ReplicaSettings, replicaSettings } from './placement.ts';

export type FailoverStep =
  | 'Triggered'
  | 'LagChecked'
  | 'Fenced'
  | 'FenceUnconfirmed'
  | 'PromoteRequested'
  | 'Promoted'
  | 'SecretWritten'
  | 'DnsSwitched'
  | 'WriterConfigRequested'
  | 'Completed';

/** Labels of status writes that must land before the actions that follow them. */
export type RecordedStep = FailoverStep | 'ReplicaRequested' | 'Aborted' | 'FenceConfirmedLate' | 'WriterRecovered';

/** PlannedSwitchover and Failback start with the old writer healthy: they wait for lag 0. */
export type TriggerReason = 'PrimaryUnhealthy' | 'ManualSwitch' | 'PlannedSwitchover' | 'Failback';

/** inProgress as the machine writes it. stepAt/fromIdentifier/toIdentifier need CRD schema fields. */
export interface FailoverProgress extends FailoverRecord {
  startedAt: string;
  from: string;
  to: string;
  reason: TriggerReason;
  step: FailoverStep;
  /** When `step` was recorded: lag samples for a planned switchover must be newer than the fence. */
  stepAt?: string;
  fromIdentifier?: string;
  toIdentifier?: string;
}

export interface CompletedFailover extends FailoverRecord {
  fromIdentifier?: string;
  toIdentifier?: string;
}

export type HistoryEntry = NonNullable<FailoverPolicyStatus['history']>[number];

/** The status fields this machine owns; the reconciler merges them into the object's status. */
export interface MachineStatus {
  activeRegion?: string;
  phase?: FailoverPhase;
  database?: FailoverPolicyStatus['database'];
  inProgress?: FailoverProgress;
  lastFailover?: CompletedFailover;
  history?: HistoryEntry[];
  /** The last accept-data-loss annotation value used: each value lets one blocked failover go on. */
  acceptedDataLoss?: string;
  /** Start times of the automatic failbacks of the last 24 h (cooldown and cap). */
  failbackAttempts?: string[];
  /** Fence groups still to delete: carried through untouched, kept by fence-sweep.ts. */
  fenceSweep?: FenceSweepEntry[];
}

export type MachineSpec = Pick<DefaultedFailoverPolicySpec, 'failover' | 'deletionPolicy'> & {
  database: NonNullable<DefaultedFailoverPolicySpec['database']>;
};

export interface RegionHealth {
  state: Health;
  /** When this state began: Automatic mode needs it (flap damping); unknown counts as "just now". */
  since?: string;
}

export interface Observations {
  now: string;
  /** Keyed by region (the reconciler maps dns.primary/secondary to their regions). */
  health: Record<string, RegionHealth | undefined>;
  /** refsToObserve().writer, .standby, .exWriter as observeInstance() saw them. */
  writer?: InstanceView;
  standby?: InstanceView;
  exWriter?: InstanceView;
  /** ReplicaLag of the standby (CloudWatch, its region): the newest datapoint. */
  lag?: LagPoint;
  /** Every ReplicaLag datapoint of the last minutes (any order): the RPO of an unplanned failover is the lag from before the outage. */
  lagHistory?: LagPoint[];
  /**
   * Postgres: the old writer's OldestReplicationSlotLag (MB of WAL its cross-region replica has not
   * received), newest datapoint. After the fence it reaching 0 shows the replica has every write,
   * even while ReplicaLag keeps growing because the fenced writer is idle.
   */
  sourceWalLag?: { megabytes: number; at: string };
  /** The multiregion.dev/accept-data-loss annotation's value, if set. */
  acceptDataLoss?: string;
  dns: {
    recordsInPlace: boolean;
    healthChecksInPlace: boolean;
    /** region the records send traffic to */
    activeRegion?: string;
    /** The records were written in a Route 53 change that is not INSYNC yet: its id. */
    pendingChange?: string;
    /** Route 53's control plane failed this pass: what it said (its data plane still answers by health). */
    error?: string;
  };
  /** What the connection Secret holds now (undefined: no Secret yet). */
  secret?: { region?: string; host?: string };
}

export interface LagPoint {
  seconds: number;
  at: string;
}

export interface SecretData {
  host: string;
  port: string;
  region: string;
  role: 'writer';
}

export type FailoverAction =
  | { type: 'recordStep'; step: RecordedStep }
  | ({
      type: 'createReplica';
      region: string;
      identifier: string;
      sourceRegion: string;
      sourceArn: string;
      /** The spec names this identifier: an existing replica of the writer may be adopted. */
      adoptExisting: boolean;
    } & ReplicaSettings)
  | { type: 'fence'; region: string; identifier: string }
  | { type: 'unfence'; region: string; identifier: string }
  | { type: 'promote'; region: string; identifier: string }
  | { type: 'writeSecret'; name: string; data: SecretData }
  | { type: 'switchDns'; activeRegion: string }
  | { type: 'retireInstance'; region: string; identifier: string; finalSnapshotIdentifier: string }
  | { type: 'configureWriter'; region: string; identifier: string; backupRetentionDays: number; multiAZ?: boolean };

export interface MachineEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface Decision {
  status: MachineStatus;
  actions: FailoverAction[];
  events: MachineEvent[];
  /** 0: run again at once (a step was recorded); undefined: nothing to wait for. */
  requeueAfterMs?: number;
  failoverReady: ReadyCondition;
  /** A failover (or failback) is wanted but held: why, and what the operator can do. */
  blocked?: Blocked;
}

export interface Blocked {
  reason: string;
  message: string;
}

export interface MachineInput {
  spec: MachineSpec;
  status: MachineStatus;
  obs: Observations;
  /** The operator's failback timing (flags); the defaults when absent. */
  failback?: FailbackTiming;
}

/** Mutable while one decide() runs; never the caller's objects. */
export interface Work {
  spec: MachineSpec;
  s: MachineStatus & { database: { writer: InstanceRef; replica?: InstanceRef & { lagSeconds?: number } }; activeRegion: string };
  obs: Observations;
  nowMs: number;
  /** Absent: the defaults (FAILBACK_STABLE_MS, FAILBACK_COOLDOWN_MS). */
  failback?: FailbackTiming;
  actions: FailoverAction[];
  events: MachineEvent[];
  requeueAfterMs?: number;
  degraded?: boolean;
  blocked?: Blocked;
  /** Why the phase changes in this call, for status.history. */
  transition?: string;
}

export const HISTORY_MAX = 10;

/** The instances the reconciler must observe before calling decide(). */
export function refsToObserve(spec: MachineSpec, status: MachineStatus): { writer: InstanceRef; standby?: InstanceRef; exWriter?: InstanceRef } {
  const writer = status.database?.writer ?? specWriter(spec);
  const standby = status.database?.replica ?? (sameRef(writer, specWriter(spec)) ? specReplica(spec) : undefined);
  const ip = status.inProgress;
  const ex =
    ip && stepIndex(ip.step) >= stepIndex('Promoted')
      ? { region: ip.from, identifier: ip.fromIdentifier }
      : { region: status.lastFailover?.from, identifier: status.lastFailover?.fromIdentifier };
  // Never the current writer, whatever status says: fencing it would take the application down.
  const exWriter =
    ex.region && ex.identifier && !sameRef({ region: ex.region, identifier: ex.identifier }, writer)
      ? { region: ex.region, identifier: ex.identifier }
      : undefined;
  return { writer, ...(standby && { standby }), ...(exWriter && { exWriter }) };
}

export function decide({ spec, status, obs, failback }: MachineInput): Decision {
  const s = structuredClone(status);
  const refs = refsToObserve(spec, s);
  const database = { ...s.database, writer: refs.writer, ...(refs.standby && { replica: { ...s.database?.replica, ...refs.standby } }) };
  if (database.replica && obs.lag && obs.standby && sameRef(obs.standby, database.replica)) database.replica.lagSeconds = obs.lag.seconds;
  const w: Work = {
    spec,
    s: { ...s, database, activeRegion: s.activeRegion ?? refs.writer.region },
    obs,
    nowMs: Date.parse(obs.now),
    ...(failback && { failback }),
    actions: [],
    events: [],
  };

  if (w.s.inProgress) advance(w);
  else steady(w);

  const phase = phaseOf(w);
  // The first Healthy of a new object is not a transition worth a history line.
  if (phase !== status.phase && (status.phase !== undefined || phase !== 'Healthy')) pushHistory(w, phase);
  w.s.phase = phase;
  // One status write, first, covers every step recorded in this call.
  const recorded = w.actions.filter((a) => a.type === 'recordStep');
  const actions = [...recorded.slice(-1), ...w.actions.filter((a) => a.type !== 'recordStep')];
  return {
    status: w.s,
    actions,
    events: w.events,
    ...(w.requeueAfterMs !== undefined && { requeueAfterMs: w.requeueAfterMs }),
    failoverReady: failoverReadiness(spec, w.s, obs),
    ...(w.blocked && { blocked: w.blocked }),
  };
}

/** No failover running: keep the replica, the fences and the Secret right, and watch the triggers. */
function steady(w: Work): void {
  const { s, obs, spec } = w;
  if (twoStandaloneInstances(w)) return;
  ensureReplica(w);
  keepExWriterFenced(w);

  const writer = obs.writer;
  if (writer?.reachable && !writer.exists) {
    w.degraded = true;
    w.events.push({ type: 'Warning', reason: 'WriterMissing', message: `writer ${writer.identifier} does not exist in ${writer.region}` });
  }
  if (writer?.role === 'writer' && writer.endpoint && !secretMatches(obs, writer.region, writer.endpoint.host)) {
    w.actions.push(writeSecret(spec, writer.region, writer.endpoint));
  }
  if (obs.dns.activeRegion !== undefined && obs.dns.activeRegion !== s.activeRegion) {
    // Never toward a region whose writer cannot be seen taking writes: with status lost while
    // that region is down, status names the spec's primary, and following it would send the
    // application to a dead region.
    if (writer?.reachable && writer.role === 'writer' && writer.region === s.activeRegion) {
      w.actions.push({ type: 'switchDns', activeRegion: s.activeRegion });
    } else {
      w.events.push({
        type: 'Warning',
        reason: 'DnsSwitchHeld',
        message: `DNS serves ${obs.dns.activeRegion}; not moving it to ${s.activeRegion}: its writer ${writer?.identifier ?? ''} ${!writer?.reachable ? 'does not answer' : `is ${writer.exists ? writer.role : 'missing'}`}`,
      });
      requeue(w, WAIT.aws);
    }
  }
  startIfTriggered(w);
  // The current writer must never stay fenced: an aborted failover left our fence on it. Unless a
  // failover starts now: the fence is then its own (a fleet member taking over from one that
  // fenced and stopped has no status of that failover, docs/multi-cluster.md), and lifting it
  // would let the old writer take writes until it is fenced again.
  if (writer?.reachable && writer.exists && writer.fenceTagged && !s.inProgress) {
    w.actions.push({ type: 'unfence', region: writer.region, identifier: writer.identifier });
    w.events.push({
      type: 'Warning',
      reason: 'WriterFenced',
      message: `writer ${writer.identifier} carries our fence but no failover is running: restoring its security groups`,
    });
    requeue(w, WAIT.aws);
  }
  spendIdleAcceptance(w);
}

/** A replica of the writer in the other region: recorded (deterministic name) before it is created. */
function ensureReplica(w: Work): void {
  const { s, obs, spec } = w;
  const writerRef = s.database.writer;
  if (!s.database.replica) {
    const region = otherRegion(spec, writerRef.region);
    const identifier = reseedIdentifier(spec, region, s.lastFailover?.completedAt ?? obs.now);
    s.database.replica = { region, identifier };
    w.actions.push({ type: 'recordStep', step: 'ReplicaRequested' });
    w.events.push({
      type: 'Normal',
      reason: 'ReplicaRequested',
      message: `re-creating the standby replica ${identifier} in ${region} from ${writerRef.identifier}`,
    });
    requeue(w, 0);
    return; // observed again before the create, under the recorded name
  }
  const standby = obs.standby;
  if (!standby || !sameRef(standby, s.database.replica)) return;
  if (!standby.reachable) return;
  if (standby.exists) {
    if (standby.role === 'other') requeue(w, WAIT.lag);
    return;
  }
  const writer = obs.writer;
  if (!writer?.arn || writer.role !== 'writer') return; // only a standalone writer can be a source
  // An encrypted writer and no key for the region: no create that AWS must refuse (database.ts says why).
  if (missingReplicaKey(spec, s.database.replica.region, writer)) return requeue(w, WAIT.lag);
  const named = sameRef(s.database.replica, specReplica(spec));
  w.actions.push({
    type: 'createReplica',
    region: s.database.replica.region,
    identifier: s.database.replica.identifier,
    sourceRegion: writer.region,
    sourceArn: writer.arn,
    ...replicaSettings(spec, s.database.replica.region),
    adoptExisting: named,
  });
  requeue(w, WAIT.lag);
}

/** After a failover the ex-writer stays fenced; once redundancy is back it is retired per deletionPolicy. */
function keepExWriterFenced(w: Work): void {
  const { s, obs, spec } = w;
  const ex = obs.exWriter;
  const last = s.lastFailover;
  if (!ex || !last || !ex.reachable || !ex.exists) return;
  if (!ex.fenced) {
    w.actions.push({ type: 'fence', region: ex.region, identifier: ex.identifier });
    w.events.push({
      type: 'Warning',
      reason: 'ExWriterNotFenced',
      message: `ex-writer ${ex.identifier} in ${ex.region} answers and is not fenced: fencing it now`,
    });
    requeue(w, WAIT.fence);
    return;
  }
  if (last.fencing?.startsWith('Unconfirmed')) {
    last.fencing = `Confirmed after the failover at ${obs.now}: ${ex.fenceReason ?? 'fenced'}`;
    w.actions.push({ type: 'recordStep', step: 'FenceConfirmedLate' });
    w.events.push({ type: 'Normal', reason: 'FenceConfirmed', message: `ex-writer ${ex.identifier} in ${ex.region} is fenced now` });
  }
  const redundant = obs.standby?.role === 'replica';
  if (spec.deletionPolicy === 'Delete' && ex.owned && redundant && ex.status !== 'deleting' && last.completedAt) {
    w.actions.push({
      type: 'retireInstance',
      region: ex.region,
      identifier: ex.identifier,
      finalSnapshotIdentifier: finalSnapshotIdentifier(ex.identifier, last.completedAt),
    });
    w.events.push({ type: 'Normal', reason: 'RetiringExWriter', message: `deleting ex-writer ${ex.identifier} in ${ex.region} after a final snapshot` });
  }
}

function phaseOf(w: Work): FailoverPhase {
  const { s, spec } = w;
  if (w.degraded) return 'Degraded';
  const home = homeRegion(spec);
  if (s.inProgress) return s.inProgress.to === home ? 'FailingBack' : 'FailingOver';
  if (s.activeRegion === home) return 'Healthy';
  const failbackWanted = spec.failover.mode === 'Manual' ? spec.failover.activeRegion === home : spec.failover.failback === 'Automatic';
  return failbackWanted ? 'FailingBack' : 'FailedOver';
}

function pushHistory(w: Work, phase: FailoverPhase): void {
  const ip = w.s.inProgress;
  const firstWarning = w.events.find((e) => e.type === 'Warning')?.reason;
  const reason = w.transition ?? (phase === 'Degraded' ? firstWarning : undefined) ?? 'Recovered';
  const from = ip?.from ?? w.s.lastFailover?.from;
  const to = ip?.to ?? w.s.activeRegion;
  const entry: HistoryEntry = { at: w.obs.now, phase, reason, ...(from && { from }), ...(to && { to }) };
  w.s.history = [...(w.s.history ?? []), entry].slice(-HISTORY_MAX);
}
