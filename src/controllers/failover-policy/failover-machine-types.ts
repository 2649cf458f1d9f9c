// The failover state machine's vocabulary (failover-machine.ts): its steps, the status fields it
// owns, what it observes, and the actions, events and decision it returns.
import type { DefaultedFailoverPolicySpec } from '../../api/defaults.ts';
import type { FailoverPhase, FailoverPolicyStatus, FailoverRecord, FenceSweepEntry, Health } from '../../api/types.ts';
import type { InstanceRef, InstanceView } from '../../aws/rds/observe.ts';
import type { ReadyCondition } from './failover-ready.ts';
import type { FailbackTiming } from './failover-trigger.ts';
import type { ReplicaSettings } from './placement.ts';

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
  /** What the connection Secret holds now (undefined: no Secret yet; not read from Triggered to PromoteRequested, see secretDecides). */
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
  | {
      type: 'fence';
      region: string;
      identifier: string;
      /** The failover's mark, written with the fence's first tags (failover-mark.ts). */
      mark?: string;
    }
  | { type: 'unfence'; region: string; identifier: string }
  | {
      type: 'promote';
      region: string;
      identifier: string;
      /** For the promote's one Event: the RPO and how the old writer was fenced. */
      why?: string;
      /** The failover's mark, written with the promote's request mark (failover-mark.ts). */
      mark?: string;
    }
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
