// Drives the failover state machine (failover-machine.ts) against AWS and Kubernetes:
// observe → decide → (record the step in status first) → run the actions in order → again,
// while the machine asks for an immediate re-run. A failed step write stops the pass: no
// action runs whose step is not recorded.

import type { DBInstance } from '@aws-sdk/client-rds';
import type { FailoverPolicy, FailoverPolicyStatus } from '../../api/types.ts';
import { ANNOTATIONS } from '../../api/types.ts';
import type { LagSample } from '../../aws/cloudwatch/replica-lag.ts';
import { OutcomeUnknownError } from '../../aws/middleware.ts';
import { fence, unfence } from '../../aws/rds/fence.ts';
import { applyWriterSettings, createCrossRegionReplica, deleteWithFinalSnapshot, promote, ReplicaConflictError } from '../../aws/rds/instances.ts';
import { readMetricSeries } from '../../aws/rds/metric-reads.ts';
import { type InstanceRef, type InstanceView, observeInstanceWithAnswer } from '../../aws/rds/observe.ts';
import type { Owner } from '../../aws/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { describeError, SyncError } from '../shared/sync-error.ts';
import { placementError, withInstances } from './database-report.ts';
import type { PolicyDns } from './dns.ts';
import {
  type Blocked,
  type Decision,
  decide,
  type FailoverAction,
  type LagPoint,
  type MachineSpec,
  type MachineStatus,
  type Observations,
  type RegionHealth,
  refsToObserve,
} from './failover-machine.ts';
import { plannedChangeOf, type ReadyCondition, stepIndex } from './failover-ready.ts';
import { PLANNED_REASONS } from './failover-steps.ts';
import type { FailbackTiming } from './failover-trigger.ts';
import { runFenceSweeps, sweepsFor } from './fence-sweep.ts';
import { settingsOf } from './placement.ts';
import { type ResolvedPolicy, sideOfRegion } from './resolve.ts';
import { readConnectionSecret, type SecretPolicy, writeConnectionSecret } from './secret.ts';

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

export interface DatabaseRun {
  deps: ControllerDeps;
  r: ResolvedPolicy;
  obj: FailoverPolicy;
  owner: Owner;
  ctx: SyncContext;
  dns: PolicyDns;
  health: Record<string, RegionHealth | undefined>;
  /** Writes the machine's fields into the object's status now (the step record). */
  persist(m: MachineStatus): Promise<void>;
  /** The operator's failback timing (flags); the machine's defaults when absent. */
  failback?: FailbackTiming;
}

export interface DatabaseResult {
  status: MachineStatus;
  failoverReady: ReadyCondition;
  lagSeconds?: number;
  requeueAfterMs?: number;
  /** The pass stopped on this error; `status` is what was recorded before it. */
  error?: unknown;
  /** A wanted failover or failback is held (see Decision.blocked). */
  blocked?: Blocked;
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
  const res = await runPass(run);
  // Fence groups left by earlier retires and unfences, whatever this pass did (fence-sweep.ts).
  const sweep = await runFenceSweeps(run, res.status.fenceSweep);
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
  let d: Decision | undefined;
  let obs: Observations | undefined;
  // What the last round read, and under which refs: still true when that round changed nothing.
  let unchanged: { key: string; obs: Observations } | undefined;
  // A recorded step whose write waits for the next one (see recordPlan).
  let unwritten = false;
  let yielded = false;
  const answers: Answers = new Map();
  const lag: LagMemo = {};
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const key = observationKey(spec, status);
    obs = unchanged?.key === key ? { ...unchanged.obs, now: nowOf(run) } : await observe(run, spec, status, silent, answers, lag);
    d = decide({ spec, status, obs, ...(run.failback && { failback: run.failback }) });
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
    if (plan.write || sweeps) await run.persist(d.status);
    unwritten = plan.defer && !sweeps;
    for (const a of d.actions) if (!skipSilent(run, a, silent)) await execute(run, a, answers);
    // An action changed AWS: its instance's answer is stale now.
    if (d.actions.some((a) => a.type !== 'recordStep')) answers.clear();
    unchanged = d.actions.every((a) => a.type === 'recordStep') ? { key, obs } : undefined;
    // The promote is out: the rest of this failover waits for AWS. Other policies' failovers
    // queued behind this worker take it first; this one comes back at once, at the queue's end.
    yielded = d.actions.some((a) => a.type === 'promote');
    if (d.events.some((e) => e.reason === 'FailoverCompleted') && d.status.lastFailover) {
      run.deps.metrics.failoversTotal.inc({
        namespace: run.obj.metadata.namespace,
        name: run.obj.metadata.name,
        kind: d.status.lastFailover.reason ?? 'Unknown',
      });
    }
    status = d.status;
    if (d.requeueAfterMs !== 0 || yielded) break;
  }
  if (!d || !obs) throw new Error('runDatabase: no decision');
  // A step was just recorded (or the pass yielded): the next pass follows at once.
  const requeue = d.requeueAfterMs === 0 ? NEXT_PASS_MS : d.requeueAfterMs;
  const held = placementError(spec, status, obs);
  return {
    status: withInstances(status, obs, run.obj.status?.database?.instances),
    ...(held && { error: held }),
    failoverReady: d.failoverReady,
    ...(obs.lag && { lagSeconds: obs.lag.seconds }),
    ...(requeue !== undefined && { requeueAfterMs: requeue }),
    ...(d.blocked && { blocked: d.blocked }),
  };
}

/** The smallest requeue the queue takes as "again" (0 means "not again"): the key goes to the queue's end. */
export const NEXT_PASS_MS = 1;

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

function nowOf(run: DatabaseRun): string {
  return (run.deps.now?.() ?? new Date()).toISOString();
}

/** Fence and unfence of a region that did not answer this pass wait for the next pass (the machine re-emits them). */
function skipSilent(run: DatabaseRun, a: FailoverAction, silent: Map<string, string>): boolean {
  if ((a.type !== 'fence' && a.type !== 'unfence') || !silent.has(a.region)) return false;
  run.ctx.log.debug('not sent: the region did not answer earlier in this pass', { action: a.type, region: a.region });
  return true;
}

/** DescribeDBInstances answers of this pass by region/identifier: the fence and the promote use them instead of reading again. */
type Answers = Map<string, DBInstance>;
const answerKey = (ref: InstanceRef): string => `${ref.region}/${ref.identifier}`;

/** The standby's ReplicaLag as this pass read it (by region/identifier), for the rounds that decide nothing on it. */
interface LagMemo {
  key?: string;
  series?: LagSample[];
}

/**
 * Whether a round's decision may depend on the standby's lag read now. Not in a running unplanned
 * failover past its RPO guard: the guard judged the lag from before the outage at Triggered, and
 * only a planned switchover waits for lag 0 after the fence. Such a round takes the lag this pass
 * already read (for FailoverReady's message and status): one GetMetricData less per failover.
 */
export function lagDecides(status: MachineStatus): boolean {
  const ip = status.inProgress;
  return !ip || PLANNED_REASONS.has(ip.reason) || stepIndex(ip.step) < stepIndex('LagChecked');
}

async function observe(
  run: DatabaseRun,
  spec: MachineSpec,
  status: MachineStatus,
  silent: Map<string, string>,
  answers: Answers,
  lagMemo: LagMemo,
): Promise<Observations> {
  const { deps, r, owner, obj } = run;
  const refs = refsToObserve(spec, status);
  // Independent of the instances: read beside them, not after.
  const cs = spec.database.connectionSecret;
  const secretRead = readConnectionSecret(deps.kc, secretPolicyOf(obj), cs.name, run.ctx.signal, cs.keys);
  secretRead.catch(() => undefined);
  const view = async (ref: InstanceRef): Promise<InstanceView> => {
    const why = silent.get(ref.region);
    if (why !== undefined) return { ...ref, reachable: false, exists: false, fenceReason: why };
    const { view: v, instance } = await observeInstanceWithAnswer(deps.aws.rds(r.targetIn(ref.region)), ref, owner);
    if (instance) answers.set(answerKey(ref), instance);
    else answers.delete(answerKey(ref));
    if (!v.reachable) silent.set(ref.region, v.fenceReason ?? `RDS in ${ref.region} did not answer`);
    return v;
  };
  // The standby's lag is read beside the instances (one round trip, not two); it counts only
  // if the standby exists. A region whose CloudWatch does not answer gives no lag: unknown,
  // which blocks promotion. Nor is a region that did not answer earlier in this pass asked again
  // (its lag would not count anyway: the standby there reads unreachable), so one pass waits out
  // a dead region's request timeout once, not once per round.
  const standbyKey = refs.standby && answerKey(refs.standby);
  const reuseLag = !lagDecides(status) && lagMemo.key !== undefined && lagMemo.key === standbyKey;
  const lagRead =
    !refs.standby || silent.has(refs.standby.region)
      ? Promise.resolve([])
      : reuseLag
        ? Promise.resolve(lagMemo.series ?? [])
        : readSeries(run, 'ReplicaLag', refs.standby).then((series) => {
            lagMemo.key = standbyKey;
            lagMemo.series = series;
            return series;
          });
  const [writer, standby, exWriter, series] = await Promise.all([
    view(refs.writer),
    refs.standby && view(refs.standby),
    refs.exWriter && view(refs.exWriter),
    lagRead,
  ]);
  let lag: Observations['lag'];
  let lagHistory: Observations['lagHistory'];
  if (standby?.reachable && standby.exists) {
    lagHistory = series.map(point);
    lag = newestPoint(lagHistory);
  }
  const sourceWalLag = await walLagAfterFence(run, spec, status, writer);
  const secret = await secretRead;
  const active = run.dns.state.activeSide;
  return {
    now: nowOf(run),
    health: run.health,
    writer,
    ...(standby && { standby }),
    ...(exWriter && { exWriter }),
    ...(lag && { lag }),
    ...(lagHistory && lagHistory.length > 0 && { lagHistory }),
    ...(sourceWalLag && { sourceWalLag }),
    ...(obj.metadata.annotations?.[ANNOTATIONS.acceptDataLoss] !== undefined && { acceptDataLoss: obj.metadata.annotations[ANNOTATIONS.acceptDataLoss] }),
    dns: {
      recordsInPlace: run.dns.state.recordsInPlace,
      healthChecksInPlace: run.dns.state.healthChecksInPlace,
      ...(active && r.regions[active] && { activeRegion: r.regions[active] }),
      ...(run.dns.state.pendingChange && { pendingChange: run.dns.state.pendingChange.id }),
      ...(run.dns.state.error !== undefined && { error: run.dns.state.error }),
    },
    ...(secret && { secret }),
  };
}

function readSeries(run: DatabaseRun, metric: 'ReplicaLag' | 'OldestReplicationSlotLag', ref: InstanceRef): Promise<LagSample[]> {
  // Shared with the other policies reading the same region's metrics (metric-reads.ts).
  const cw = run.deps.aws.cloudwatch(run.r.targetIn(ref.region));
  return readMetricSeries(cw, metric, ref.identifier).catch(() => []);
}

const point = (p: LagSample): LagPoint => ({ seconds: p.seconds, at: p.at.toISOString() });

function newestPoint(points: LagPoint[]): LagPoint | undefined {
  return points.reduce<LagPoint | undefined>((best, p) => (!best || p.at > best.at ? p : best), undefined);
}

/** Only where it is used: a planned Postgres switchover waiting after the fence (see failover-rpo.ts). */
async function walLagAfterFence(run: DatabaseRun, spec: MachineSpec, status: MachineStatus, writer: InstanceView): Promise<Observations['sourceWalLag']> {
  const ip = status.inProgress;
  if (ip?.step !== 'Fenced' || !PLANNED_REASONS.has(ip.reason) || !/postgres/i.test(spec.database.engine) || !writer.reachable) return undefined;
  const newest = newestPoint((await readSeries(run, 'OldestReplicationSlotLag', writer)).map(point));
  return newest && { megabytes: newest.seconds, at: newest.at };
}

async function execute(run: DatabaseRun, a: FailoverAction, answers: Answers = new Map()): Promise<void> {
  const { deps, r, owner, ctx, obj } = run;
  const rds = (region: string) => deps.aws.rds(r.targetIn(region));
  // Each change is one Planner.apply: listed in dry-run (and not run), otherwise run, with the
  // create's intent recorded first and creates/deletes/promotions reported as Events.
  const change = plannedChangeOf(a);
  if (!change) return;
  switch (a.type) {
    case 'recordStep':
      return;
    case 'createReplica': {
      await ctx.plan.apply(
        change,
        () =>
          createCrossRegionReplica(rds(a.region), {
            sourceArn: a.sourceArn,
            sourceRegion: a.sourceRegion,
            identifier: a.identifier,
            ...settingsOf(a),
            owner,
            adoptExisting: a.adoptExisting,
          }).catch((err: unknown) => {
            if (err instanceof ReplicaConflictError)
              throw new SyncError(err.message, 'ReplicaConflict', 'spec.database.replica.instanceIdentifier', true, { cause: err });
            throw err;
          }),
        (res) => `read replica ${a.identifier} (${res.outcome})`,
      );
      return;
    }
    case 'configureWriter':
      await ctx.plan.apply(change, async () => {
        const want = { backupRetentionDays: a.backupRetentionDays, ...(a.multiAZ !== undefined && { multiAZ: a.multiAZ }) };
        const how = await applyWriterSettings(rds(a.region), a.identifier, want, answers.get(answerKey(a)));
        if (how === 'Modified') ctx.normal('WriterConfigured', `new writer ${a.identifier} in ${a.region}: ${change.detail}`);
      });
      return;
    case 'fence':
      await ctx.plan.apply(change, async () => {
        const instance = answers.get(answerKey(a));
        const res = await fence(rds(a.region), deps.aws.ec2(r.targetIn(a.region)), a.identifier, owner, { ...(instance && { instance }) });
        if (res.confirmed) ctx.normal('Fenced', `old writer ${a.identifier} in ${a.region}: ${res.reason}`);
        else ctx.warn('FencePending', `old writer ${a.identifier} in ${a.region} not fenced yet: ${res.reason}`);
      });
      return;
    case 'unfence':
      await ctx.plan.apply(change, async () => {
        // The fence ends here; its deny-all group, recorded in status.fenceSweep, goes once RDS has detached it.
        const res = await unfence(rds(a.region), a.identifier);
        if (res === 'Restored') ctx.normal('Unfenced', `${a.identifier} in ${a.region} has its security groups back`);
      });
      return;
    case 'promote':
      await ctx.plan.apply(
        change,
        () => promote(rds(a.region), a.identifier, new Date(), answers.get(answerKey(a))),
        () => `replica ${a.identifier}`,
      );
      return;
    case 'writeSecret':
      await ctx.plan.apply(change, async () => {
        const engine = r.spec.database?.engine ?? '';
        const how = await writeConnectionSecret(
          deps.kc,
          secretPolicyOf(obj),
          a.name,
          { ...a.data, engine },
          ctx.signal,
          r.spec.database?.connectionSecret.keys,
        );
        if (how === 'Adopted') ctx.normal('SecretAdopted', `connection Secret ${a.name} (our labels, no owner) now has this FailoverPolicy as its owner`);
        ctx.normal('SecretWritten', `connection Secret ${a.name} names the writer in ${a.data.region}`);
      });
      return;
    case 'switchDns': {
      // The records' own changes go through the Planner inside syncRecords; in dry-run only this is listed.
      if (ctx.plan.dryRun) {
        await ctx.plan.apply(change, async () => undefined);
        return;
      }
      const side = sideOfRegion(r, a.activeRegion);
      if (!side)
        throw new SyncError(`no DNS side serves ${a.activeRegion}: set spec.dns.primary.region / secondary.region`, 'DnsRegionUnknown', 'spec.dns', true);
      try {
        await run.dns.syncRecords(side);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        // The database half goes on: the DNS step is retried, or deferred while Route 53's API is down.
        run.dns.state.error = describeError(err).message;
        ctx.warn('DnsDeferred', `cannot move the records to ${a.activeRegion} now: ${run.dns.state.error}`);
        return;
      }
      if (run.dns.state.conflict)
        throw new SyncError(`cannot move traffic to ${a.activeRegion}: ${run.dns.state.conflict}`, 'RecordConflict', 'spec.dns.recordName');
      ctx.normal('DnsSwitched', `PRIMARY record now serves ${a.activeRegion}`);
      return;
    }
    case 'retireInstance':
      await ctx.plan.apply(
        change,
        // Its deny-all group, recorded in status.fenceSweep, goes once RDS has deleted the instance.
        () => deleteWithFinalSnapshot(rds(a.region), a.identifier, a.finalSnapshotIdentifier, owner),
        () => `ex-writer ${a.identifier} (final snapshot ${a.finalSnapshotIdentifier})`,
      );
      return;
  }
}

/** The policy its connection Secret belongs to (its ownerReference). */
const secretPolicyOf = (obj: FailoverPolicy): SecretPolicy => ({ namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid ?? '' });
