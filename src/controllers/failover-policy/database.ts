// Drives the failover state machine (failover-machine.ts) against AWS and Kubernetes:
// observe → decide → (record the step in status first) → run the actions in order → again,
// while the machine asks for an immediate re-run. A failed step write stops the pass: no
// action runs whose step is not recorded.

import type { DBInstance } from '@aws-sdk/client-rds';
import type { FailoverPolicyStatus } from '../../api/types.ts';
import { OutcomeUnknownError } from '../../aws/middleware.ts';
import { prepareFence } from '../../aws/rds/fence.ts';
import type { InstanceRef } from '../../aws/rds/observe.ts';
import { execute, skipSilent } from './database-actions.ts';
import { type LagMemo, observe, secretDecides } from './database-observe.ts';
import { placementError, withInstances } from './database-report.ts';
import { type Answers, answerKey, type DatabaseRun, nowOf } from './database-run.ts';
import { type Blocked, type Decision, decide, type MachineSpec, type MachineStatus, type Observations, refsToObserve } from './failover-machine.ts';
import type { ReadyCondition } from './failover-ready.ts';
import { PLANNED_REASONS } from './failover-steps.ts';
import { prepareWriterFence } from './fence-prep.ts';
import { runFenceSweeps, sweepsFor } from './fence-sweep.ts';
import type { ResolvedPolicy } from './resolve.ts';
import { onlyObservedDiffer } from './status-waits.ts';

export { lagDecides } from './database-observe.ts';
// The pass's parts live beside it; these names stay importable from here.
export type { DatabaseRun } from './database-run.ts';

/** Decide/act rounds in one reconcile; a failover needs about eight, the rest waits for a requeue. */
export const MAX_ROUNDS = 12;

export const MACHINE_KEYS = [
  'activeRegion',
  'phase',
  'database',
  'inProgress',
  'lastFailover',
  'history',
  'acceptedDataLoss',
  'failbackAttempts',
  'fenceSweep',
] as const;

export interface DatabaseResult {
  status: MachineStatus;
  failoverReady: ReadyCondition;
  lagSeconds?: number;
  requeueAfterMs?: number;
  /** The pass stopped on this error; `status` is what was recorded before it. */
  error?: unknown;
  /** A wanted failover or failback is held (see Decision.blocked). */
  blocked?: Blocked;
  /** The pass ended on its PromoteReadReplica (stored before the call) and comes back at once. */
  yielded?: boolean;
  /** The recorded writer as this pass's last round read it (no change made since). */
  writerInstance?: DBInstance;
  /**
   * When the last round decided (performance.now()): its requeue counts from there, so a timer
   * the machine set from its observation (unhealthyForSeconds) is not pushed back by the rest of
   * the pass (ReconcileResult.requeueFrom).
   */
  decidedAt?: number;
}

export function machineStatusOf(st: FailoverPolicyStatus | undefined): MachineStatus {
  const out: Record<string, unknown> = {};
  for (const k of MACHINE_KEYS) if (st?.[k] !== undefined) out[k] = structuredClone(st[k]);
  return out as MachineStatus;
}

export function machineSpecOf(r: ResolvedPolicy): MachineSpec {
  const database = r.spec.database;
  if (!database) throw new Error('machineSpecOf: the policy has no database');
  return { database, failover: r.spec.failover, deletionPolicy: r.spec.deletionPolicy };
}

export async function runDatabase(run: DatabaseRun): Promise<DatabaseResult> {
  // A policy with a database may have to fence: ready now, not by the first fence of an outage.
  prepareFence();
  const res = await runPass(run);
  // Fence groups left by earlier retires and unfences, whatever this pass did (fence-sweep.ts).
  const sweep = await runFenceSweeps(run, res.status.fenceSweep);
  // The writer's own fence group, ready before an outage asks for it.
  if (run.fenceGroups && res.error === undefined) await prepareWriterFence(run, res.status, res.writerInstance, run.fenceGroups);
  const status = { ...res.status };
  if (sweep.list.length > 0) status.fenceSweep = sweep.list;
  else delete status.fenceSweep;
  const requeue = [res.requeueAfterMs, sweep.requeueAfterMs].filter((x): x is number => x !== undefined);
  return { ...res, status, ...(requeue.length > 0 && { requeueAfterMs: Math.min(...requeue) }) };
}

async function runPass(run: DatabaseRun): Promise<DatabaseResult> {
  try {
    return await runRounds(run);
  } catch (err) {
    if (run.ctx.signal.aborted) throw err;
    // Whatever was recorded stays recorded: the machine resumes from the stored step.
    const failoverReady: ReadyCondition = {
      type: 'FailoverReady',
      status: 'Unknown',
      reason: 'DatabaseError',
      message: 'the last pass over the database failed; see DatabaseSynced',
    };
    // A call whose answer was lost is no AWS trouble to wait out: the next pass reads what it did.
    const requeueAfterMs = err instanceof OutcomeUnknownError ? 1_000 : RETRY_MS;
    return { status: machineStatusOf(run.obj.status), failoverReady, error: err, requeueAfterMs };
  }
}

/** A failed database pass is looked at again this soon. */
const RETRY_MS = 15_000;

async function runRounds(run: DatabaseRun): Promise<DatabaseResult> {
  const spec = machineSpecOf(run.r);
  // A region whose RDS API did not answer is not asked again in this pass: each round would
  // otherwise wait out the request timeout once more while the failover has steps to take.
  const silent = new Map<string, string>();
  let status = machineStatusOf(run.obj.status);
  // The machine's fields as status holds them (the pass's start, then each write).
  let stored = status;
  let d: Decision | undefined;
  let obs: Observations | undefined;
  // What the last round read, and under which refs: still true when that round changed nothing.
  let unchanged: Reads | undefined;
  // A recorded step whose write waits for the next one (see recordPlan).
  let unwritten = false;
  let yielded = false;
  let decidedAt = 0;
  const answers: Answers = new Map();
  const lag: LagMemo = {};
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const key = observationKey(spec, status);
    const reused = unchanged && mayReuse(unchanged, key, status) ? unchanged : undefined;
    obs = reused ? { ...reused.obs, now: nowOf(run) } : await observe(run, spec, status, silent, answers, lag);
    const read: Reads = reused ?? { key, obs, withSecret: secretDecides(status) };
    d = decide({ spec, status, obs, ...(run.failback && { failback: run.failback }) });
    decidedAt = performance.now();
    for (const e of d.events) (e.type === 'Warning' ? run.ctx.warn : run.ctx.normal)(e.reason, e.message);
    if (run.ctx.plan.dryRun) {
      // Every action goes the one way, through the Planner, which lists it and runs nothing.
      for (const a of d.actions) await execute(run, a);
      return { status, failoverReady: d.failoverReady, ...(obs.lag && { lagSeconds: obs.lag.seconds }) };
    }
    const plan = recordPlan(d, unwritten);
    // An instance whose fence group this round's retire or unfence leaves behind is recorded
    // before the call: a crash right after it must not lose the group (fence-sweep.ts).
    const sweeps = sweepsFor(d.actions, d.status.fenceSweep, run.ctx.now);
    if (sweeps) d.status.fenceSweep = sweeps;
    // A promote whose step is left to the next pass (promoteWriteWaits): this round ends the pass.
    const promoteUnrecorded = !sweeps && promoteWriteWaits(d, stored);
    // A fence that writes the failover's mark first: its step is recorded in AWS (failover-mark.ts).
    const fenceRecords = !sweeps && markCarriesStep(d, stored);
    if ((plan.write || sweeps) && !promoteUnrecorded && !fenceRecords) {
      await run.persist(d.status);
      stored = d.status;
    }
    unwritten = (plan.defer || fenceRecords) && !sweeps;
    for (const a of d.actions) {
      if (skipSilent(run, a, silent)) continue;
      const left = await execute(run, a, answers);
      // The instance an action changed is read again, unless the action said how it left it;
      // the others' answers of this pass still hold (nothing of ours changed them).
      if ('identifier' in a) {
        if (left) answers.set(answerKey(a), left);
        else answers.delete(answerKey(a));
      }
    }
    unchanged = d.actions.every((a) => a.type === 'recordStep') ? { ...read, obs } : undefined;
    // The promote is out: the rest of this failover waits for AWS (PROMOTE_FIRST_LOOK_MS).
    yielded = d.actions.some((a) => a.type === 'promote');
    if (d.events.some((e) => e.reason === 'FailoverCompleted') && d.status.lastFailover) {
      run.deps.metrics.failoversTotal.inc({
        namespace: run.obj.metadata.namespace,
        name: run.obj.metadata.name,
        kind: d.status.lastFailover.reason ?? 'Unknown',
      });
    }
    // Status keeps what it holds: the next pass reads the step from the standby's mark.
    status = promoteUnrecorded ? stored : d.status;
    if (d.requeueAfterMs !== 0 || yielded) break;
  }
  if (!d || !obs) throw new Error('runDatabase: no decision');
  // A step was just recorded: the next pass follows at once. After the promote, a moment later.
  const requeue = yielded ? PROMOTE_FIRST_LOOK_MS : d.requeueAfterMs === 0 ? NEXT_PASS_MS : d.requeueAfterMs;
  const held = placementError(spec, status, obs);
  const writer = status.database?.writer;
  const writerInstance = writer && answers.get(answerKey(writer));
  return {
    status: withInstances(status, obs, run.obj.status?.database?.instances),
    ...(held && { error: held }),
    failoverReady: d.failoverReady,
    ...(obs.lag && { lagSeconds: obs.lag.seconds }),
    ...(requeue !== undefined && { requeueAfterMs: requeue, decidedAt }),
    ...(d.blocked && { blocked: d.blocked }),
    ...(yielded && { yielded }),
    ...(writerInstance && { writerInstance }),
  };
}

/** The smallest requeue the queue takes as "again" (0 means "not again"): the key goes to the queue's end. */
export const NEXT_PASS_MS = 1;

/**
 * The first look after PromoteReadReplica. RDS takes minutes to promote, so a pass at once finds
 * nothing to do but record the step; when many policies fail over together, it would take a
 * worker, the apiserver and AWS from failovers still waiting for their promote. Every promote
 * first, the bookkeeping after: the step is in AWS already (the promote's mark), and any pass
 * before this one (an event, a resync) reads it from there.
 */
export const PROMOTE_FIRST_LOOK_MS = 2_000;

/**
 * When a decision's status is written. A step is recorded before any work that follows it: a
 * decision that records a step and acts, or waits, writes first. One that only records a step
 * and goes straight on (Triggered, Fenced: their work is the next step's) is written together
 * with the next step, in one write instead of two. Nothing reaches AWS in between, so a crash
 * there loses only a step nothing acted on, which the next pass decides again.
 */
export function recordPlan(d: Pick<Decision, 'actions' | 'requeueAfterMs'>, unwritten: boolean): { write: boolean; defer: boolean } {
  const records = d.actions.some((a) => a.type === 'recordStep');
  const acts = d.actions.some((a) => a.type !== 'recordStep');
  const pending = unwritten || records;
  if (!pending) return { write: false, defer: false };
  if (!acts && d.requeueAfterMs === 0) return { write: false, defer: true };
  return { write: true, defer: false };
}

/**
 * Whether a decision that records PromoteRequested and sends the promote may leave the step's
 * status write to the next pass. promote() marks the standby before PromoteReadReplica, and the
 * machine reads that mark as the step (failover-steps.ts, resumePromotion): a pass after the
 * call, or after a crash, goes on from it and never sends the call twice, and a withdrawn
 * trigger no longer aborts. So the write only waits when nothing but the step would change:
 * the old writer's fence confirmed (the next pass records the same from its own reads), no
 * operator's acceptance taken in this pass, nothing else new. One apiserver write less per
 * failover, before its promote, when a wave of them shares the apiserver.
 */
export function promoteWriteWaits(d: Pick<Decision, 'actions' | 'status'>, stored: MachineStatus): boolean {
  const [, promote] = d.actions;
  if (kindsOf(d) !== 'recordStep:PromoteRequested,promote' || promote?.type !== 'promote') return false;
  const ip = d.status.inProgress;
  if (ip?.step !== 'PromoteRequested' || !ip.fencing?.startsWith('Confirmed:')) return false;
  // Not in status at all yet: the promote's own mark carries the failover (failover-mark.ts).
  if (!stored.inProgress) return promote.mark !== undefined && onlyObservedDiffer(withoutFailover(stored), withoutFailover(d.status));
  return onlyObservedDiffer(withoutStep(stored), withoutStep(d.status));
}

/**
 * Whether the write of LagChecked, the step before the fence, may wait: an unplanned failover's
 * fence writes the failover's mark on the old writer before it swaps anything, and a pass that
 * finds that mark with no failover in status rebuilds it at this step (failover-mark.ts). So a
 * crash after the fence loses nothing: the fence is found, and the failover goes on (or is
 * aborted and unfenced) as if status had held it. Only when nothing else is new: no failover was
 * in status before (the trigger is this pass's), no acceptance taken, nothing else changed.
 */
export function markCarriesStep(d: Pick<Decision, 'actions' | 'status'>, stored: MachineStatus): boolean {
  const [, fence] = d.actions;
  if (kindsOf(d) !== 'recordStep:LagChecked,fence' || fence?.type !== 'fence' || fence.mark === undefined) return false;
  return !stored.inProgress && d.status.inProgress?.step === 'LagChecked' && onlyObservedDiffer(withoutFailover(stored), withoutFailover(d.status));
}

const kindsOf = (d: Pick<Decision, 'actions'>): string => d.actions.map((a) => (a.type === 'recordStep' ? `recordStep:${a.step}` : a.type)).join(',');

/** What a failover's start adds to status (its record, its phase, its history line): rebuilt from its marks. */
function withoutFailover(m: MachineStatus): FailoverPolicyStatus {
  const { inProgress: _ip, phase: _phase, history: _history, ...rest } = m;
  return rest as FailoverPolicyStatus;
}

/** The fields resumePromotion rebuilds from AWS: the step, its time, its marks, the fencing. */
function withoutStep(m: MachineStatus): FailoverPolicyStatus {
  const ip = m.inProgress;
  if (!ip) return m as FailoverPolicyStatus;
  const { step: _step, stepAt: _at, steps: _steps, fencing: _fencing, ...rest } = ip;
  return { ...m, inProgress: rest } as FailoverPolicyStatus;
}

/** One round's reads, kept for the next round when that round changed nothing. */
export interface Reads {
  key: string;
  obs: Observations;
  /** The connection Secret was read (secretDecides of that round's status). */
  withSecret: boolean;
}

/**
 * Whether a round may take the reads of the round before (which only recorded a step): taken for
 * the same instances (observationKey), and with the Secret if this round decides on it. Reads
 * without the Secret (a failover's trigger rounds) never stand in for a round that needs it, such
 * as steady state after a failover aborted at Triggered.
 */
export function mayReuse(prev: Pick<Reads, 'key' | 'withSecret'>, key: string, status: MachineStatus): boolean {
  return prev.key === key && (prev.withSecret || !secretDecides(status));
}

/**
 * What an observation was taken for: the instances refsToObserve names and whether the WAL lag
 * is read. A round after one that changed nothing in AWS or Kubernetes (it only recorded a step)
 * reuses the reads when this is the same: they are the same pass's, milliseconds old.
 */
export function observationKey(spec: MachineSpec, status: MachineStatus): string {
  const ip = status.inProgress;
  const wal = ip?.step === 'Fenced' && PLANNED_REASONS.has(ip.reason);
  const refs = refsToObserve(spec, status);
  const at = (r: InstanceRef | undefined) => r && `${r.region}/${r.identifier}`;
  return JSON.stringify([at(refs.writer), at(refs.standby), at(refs.exWriter), wal]);
}
