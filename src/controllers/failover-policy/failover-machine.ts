// The database half of a FailoverPolicy as a pure state machine: (spec, status, observations)
// in; new status, actions, events and a requeue delay out. No I/O, no clock: `obs.now` is the
// time. The reconciler runs it in a loop:
//   decide → when actions[0] is recordStep, write the returned status first (and stop if the
//          write fails) → execute the actions in order → observe again → decide …
// until it asks for a requeue later. A failover moves at most one step per call, and each
// step is recorded in status before the work of the next one starts, so a restart resumes at
// the recorded step. Once PromoteRequested is recorded, PromoteReadReplica reaches AWS at most
// once: a re-run waits for the instance to be a standalone writer (see failover-steps.ts). The
// promote's tag on the replica records that step too, so its status write may follow the call
// (database.ts, promoteWriteWaits; failover-steps.ts, resumePromotion).
//
// Steps: Triggered → LagChecked → Fenced | FenceUnconfirmed → PromoteRequested → Promoted
//        → SecretWritten → DnsSwitched → (WriterConfigRequested, see promoted-writer.ts) → Completed.
// Before PromoteRequested a withdrawn trigger aborts (and the old writer is unfenced); after it,
// the only way is forward.
import type { FailoverPhase } from '../../api/types.ts';
import type { InstanceRef } from '../../aws/rds/observe.ts';
import type { Decision, HistoryEntry, MachineInput, MachineSpec, MachineStatus, Work } from './failover-machine-types.ts';
import { rebuildFromMark } from './failover-mark.ts';
import {
  failoverReadiness,
  finalSnapshotIdentifier,
  homeRegion,
  otherRegion,
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
import { spendIdleAcceptance, startIfTriggered } from './failover-trigger.ts';
import { missingReplicaKey, replicaSettings } from './placement.ts';

// The machine's types live beside it; they stay importable from here.
export type * from './failover-machine-types.ts';

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
  // A failover whose record lives in AWS only so far (failover-mark.ts) goes on from there.
  if (rebuildFromMark(w)) return advance(w);
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
      const why = !writer?.reachable ? 'does not answer' : `is ${writer.exists ? writer.role : 'missing'}`;
      w.events.push({
        type: 'Warning',
        reason: 'DnsSwitchHeld',
        message: `DNS serves ${obs.dns.activeRegion}; not moving it to ${s.activeRegion}: its writer ${writer?.identifier ?? ''} ${why}`,
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
  // An encrypted writer and no key for the region: no create that AWS must refuse (database-report.ts says why).
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
  // A failover's start is dated when it started: the pass that records it may come later (failover-mark.ts).
  const at = ip && w.transition === ip.reason ? ip.startedAt : w.obs.now;
  const entry: HistoryEntry = { at, phase, reason, ...(from && { from }), ...(to && { to }) };
  w.s.history = [...(w.s.history ?? []), entry].slice(-HISTORY_MAX);
}
