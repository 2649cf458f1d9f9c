// FailoverPolicy status: where traffic and the writer are, the failover running or last done, drills.
import type { CommonStatus, Health } from './common.ts';
import type { DatabaseInstanceStatus, RolloutStatus } from './failover-policy-database.ts';
import type { GlobalAcceleratorStatus } from './failover-policy-ga.ts';

export type FailoverPhase = 'Healthy' | 'FailingOver' | 'FailedOver' | 'FailingBack' | 'Degraded';

/** The most steps kept per failover or drill (the schema's maxItems); a failover records 8, Triggered … Completed. */
export const MAX_STEP_MARKS = 16;

/** One step of a failover or drill and when it was recorded: what `multiregion timeline` draws. */
export interface StepMark {
  step: string;
  at: string;
  /** health of the region traffic leaves, and of the one it moves to, when the step was recorded */
  fromHealth?: Health;
  toHealth?: Health;
}

export interface FailoverRecord {
  startedAt?: string;
  completedAt?: string;
  rtoSeconds?: number;
  rpoSeconds?: number;
  reason?: string;
  from?: string;
  to?: string;
  /** state-machine step last completed: recorded before the next begins */
  step?: string;
  fencing?: string;
  /** when `step` was recorded */
  stepAt?: string;
  fromIdentifier?: string;
  toIdentifier?: string;
  /** why promotion went ahead without a confirmed fence or a known RPO: `Policy` (spec.failover.promoteWhenFenceUnconfirmed) or `Annotation <value>` */
  dataLossAccepted?: string;
  /** every step recorded so far, oldest first */
  steps?: StepMark[];
}

export interface FailoverPolicyStatus extends CommonStatus {
  activeRegion?: string;
  phase?: FailoverPhase;
  health?: { primary?: Health; secondary?: Health; since?: string; primarySince?: string; secondarySince?: string };
  healthCheckIds?: { primary?: string; secondary?: string };
  database?: {
    writer?: { region: string; identifier: string };
    replica?: { region: string; identifier: string; lagSeconds?: number };
    rollout?: RolloutStatus;
    instances?: DatabaseInstanceStatus[];
  };
  lastFailover?: FailoverRecord;
  inProgress?: FailoverRecord;
  history?: Array<{ at: string; from?: string; to?: string; phase: string; reason: string }>;
  /** content hash of the CloudWatch alarms last put */
  alarmsHash?: string;
  /** the last multiregion.dev/accept-data-loss value consumed: a value is used once */
  acceptedDataLoss?: string;
  /** start times (ISO) of the automatic failbacks of the last 24 h, for the cooldown and the cap */
  failbackAttempts?: string[];
  lastDrill?: {
    startedAt?: string;
    completedAt?: string;
    result?: string;
    rtoSeconds?: number;
    rpoSeconds?: number;
    message?: string;
    /** OnDemand (the drill-now annotation) or Schedule */
    reason?: string;
    /** last value of the drill-now annotation handled: a value starts one drill */
    trigger?: string;
    /** the drill's steps, oldest first */
    steps?: StepMark[];
    /** Dns or Switchover (absent: Dns, recorded before the type existed) */
    type?: 'Dns' | 'Switchover';
    /** Switchover: each direction as the failover machine completed it */
    directions?: DrillDirection[];
    /** Switchover: the writer when the drill ended (a failed drill names where it left the writer) */
    writer?: { region: string; identifier: string };
  };
  /** the Route 53 change of the failover records that is not INSYNC yet; cleared once it is */
  dnsChange?: { id: string; submittedAt: string };
  /** the drill running now: each pass looks once and requeues, so no worker waits for DNS */
  drillInProgress?: DrillProgress;
  /** fence groups still to delete once their instance no longer needs them (controllers/failover-policy/fence-sweep.ts) */
  fenceSweep?: FenceSweepEntry[];
  globalAccelerator?: GlobalAcceleratorStatus;
  /** what was changed outside the controller and put back (Global Accelerator dials, endpoints) */
  drift?: string[];
}

/** One direction of a Switchover drill: a planned switchover the failover machine ran and completed. */
export interface DrillDirection {
  from: string;
  to: string;
  fromIdentifier?: string;
  toIdentifier?: string;
  startedAt?: string;
  completedAt?: string;
  rtoSeconds?: number;
  rpoSeconds?: number;
  /** the machine's steps of this direction (Triggered … Completed) */
  steps?: StepMark[];
}

/** One instance whose deny-all fence group is still to delete. */
export interface FenceSweepEntry {
  region: string;
  identifier: string;
  /** when it was recorded */
  since: string;
  attempts: number;
  /** not looked at again before this */
  nextAttemptAt: string;
  /** why the last attempt left the group */
  message?: string;
}

export interface DrillProgress {
  /** Dns (absent: Dns) or Switchover (then `switchover` holds its state; step and standby are the Dns drill's) */
  type?: 'Dns' | 'Switchover';
  startedAt: string;
  /** OnDemand or Schedule */
  reason: string;
  trigger?: string;
  /** Dns: ShadowWritten (the shadow pair points at the active side) or Switched (its PRIMARY points at the standby) */
  step?: 'ShadowWritten' | 'Switched';
  /** when `step` was recorded */
  stepAt: string;
  /** the side the shadow PRIMARY is switched to */
  standby?: 'primary' | 'secondary';
  /** the Route 53 change of `step` while it is not INSYNC */
  changeId?: string;
  /** Switched: when the answer checks began; the answer timeout counts from here */
  answerSince?: string;
  /** replica lag at the switch */
  rpoSeconds?: number;
  /** what the next pass looks for */
  waitingFor?: string;
  /** the steps recorded so far, oldest first */
  steps?: StepMark[];
  /** Switchover: the state the next pass continues from */
  switchover?: SwitchoverDrillState;
}

/**
 * A Switchover drill in progress. `activeRegion` is the override the failover machine honours
 * instead of spec.failover (as if Manual with this activeRegion) while the drill runs.
 */
export interface SwitchoverDrillState {
  /** SwitchingOver (to the standby), SwitchingBack (home again), Ending (settling on a known writer after a failure or abandonment) */
  phase: 'SwitchingOver' | 'SwitchingBack' | 'Ending';
  /** the region active when the drill started, where it ends */
  home: string;
  /** the standby's region the drill switches to */
  away: string;
  /** the region the failover machine is to make active now */
  activeRegion: string;
  /** when the current phase began: a direction completed after it belongs to it */
  phaseAt: string;
  directions?: DrillDirection[];
  /** Ending: why the drill ends early (Failed or Abandoned) */
  failure?: { result: 'Failed' | 'Abandoned'; message: string };
}
