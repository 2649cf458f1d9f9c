// What one round of a database pass reads: the instances refsToObserve names, the standby's lag,
// the source's WAL lag in a planned switchover, the connection Secret and the DNS state.

import { ANNOTATIONS } from '../../api/types.ts';
import type { LagSample } from '../../aws/cloudwatch/replica-lag.ts';
import { readMetricSeries } from '../../aws/rds/metric-reads.ts';
import { type InstanceRef, type InstanceView, observeInstanceWithAnswer, toInstanceView } from '../../aws/rds/observe.ts';
import { type Answers, answerKey, type DatabaseRun, nowOf, secretPolicyOf } from './database-run.ts';
import { type LagPoint, type MachineSpec, type MachineStatus, type Observations, refsToObserve } from './failover-machine.ts';
import { stepIndex } from './failover-ready.ts';
import { PLANNED_REASONS } from './failover-steps.ts';
import { readConnectionSecret } from './secret.ts';

/** The standby's ReplicaLag as this pass read it (by region/identifier), for the rounds that decide nothing on it. */
export interface LagMemo {
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

/**
 * Whether a round's decision may depend on the connection Secret: in steady state (it is kept
 * naming the writer) and from Promoted on (it is pointed at the new one). From Triggered to
 * PromoteRequested nothing decides on it, and not reading it there saves an apiserver GET per
 * round exactly when many policies fail over at once.
 */
export function secretDecides(status: MachineStatus): boolean {
  const ip = status.inProgress;
  return !ip || stepIndex(ip.step) >= stepIndex('Promoted');
}

export async function observe(
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
  const secretRead = secretDecides(status) ? readConnectionSecret(deps.kc, secretPolicyOf(obj), cs.name, run.ctx.signal, cs.keys) : Promise.resolve(undefined);
  secretRead.catch(() => undefined);
  const view = async (ref: InstanceRef): Promise<InstanceView> => {
    const why = silent.get(ref.region);
    if (why !== undefined) return { ...ref, reachable: false, exists: false, fenceReason: why };
    // Read earlier in this pass (or left so by our own action) and not changed by us since: a
    // round after the fence reads neither the fenced writer nor the untouched standby again.
    const known = answers.get(answerKey(ref));
    if (known) return toInstanceView(ref, known, owner);
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
