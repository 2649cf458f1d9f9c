// spec.globalAccelerator: one accelerator per policy (created with our tags, or adopted by ARN), its
// listener, and one endpoint group per side whose traffic dial follows the active region (active
// 100, standby 0; a planned switch may step, see global-accelerator-dials.ts). Called by sync.ts
// after the records and the database. A Global Accelerator error never stops DNS or the database:
// it is reported in its own condition and retried like theirs.
//
// A pass reads GA only when it has something to do: no accelerator recorded yet, a change still
// deploying (IN_PROGRESS), a new generation, dials that must move, a shift step due, or a drift
// check (first pass of this process, multiregion.dev/reconcile-now, once per drift interval).
// Otherwise status is carried over: the health board's frequent wake-ups make no GA call.

import type { FailoverPolicy, GaGroupSpec, GlobalAcceleratorSpec, GlobalAcceleratorStatus, Health } from '../../api/types.ts';
import { ANNOTATIONS } from '../../api/types.ts';
import { findOwnedAccelerator } from '../../aws/global-accelerator/accelerator.ts';
import type { EndpointGroupSpec } from '../../aws/global-accelerator/endpoint-groups.ts';
import { type GaGroupState, type GaState, readAcceleratorState } from '../../aws/global-accelerator/state.ts';
import { syncGlobalAccelerator } from '../../aws/global-accelerator/sync.ts';
import { teardownAccelerator } from '../../aws/global-accelerator/teardown.ts';
import type { Owner } from '../../aws/types.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { DriftChecks } from '../shared/drift-checks.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { describeError, SyncError } from '../shared/sync-error.ts';
import type { Dials } from './ga-shift.ts';
import { planPolicyDials } from './global-accelerator-dials.ts';
import { type ResolvedPolicy, SIDES } from './resolve.ts';

/** While a change deploys (IN_PROGRESS), the accelerator is looked at again this soon. */
export const GA_DEPLOY_POLL_MS = 3_000;
/** While a shift runs, the receiving group's health is read this often: an unhealthy side is rolled back within seconds, not at the next step. */
export const SHIFT_HEALTH_POLL_MS = 5_000;
const DEFAULT_DRIFT_INTERVAL_MS = 5 * 60_000;

export interface GaPassInput {
  deps: ControllerDeps;
  r: ResolvedPolicy;
  obj: FailoverPolicy;
  owner: Owner;
  ctx: SyncContext;
  /** The region traffic should go to now (the records' side, or the machine's active region). */
  activeRegion: string | undefined;
  /** A failover forced by health (PrimaryUnhealthy): the dials move at once, never stepwise. */
  emergency: boolean;
  /** The manager's drift interval. */
  driftIntervalMs?: number;
}

export interface GaPassResult {
  /** undefined: status.globalAccelerator is removed. */
  status?: GlobalAcceleratorStatus;
  /** Changed outside the controller and put back in this pass (undefined: status.drift kept as it was). */
  drift?: string[];
  condition?: ConditionInput;
  error?: unknown;
  requeueAfterMs?: number;
}

interface Memo {
  generation: number | undefined;
}

/** Per registered controller (the PolicyKit object): drift-check timing and what the last full pass saw. */
const memos = new WeakMap<object, { drift: DriftChecks; seen: Map<string, Memo> }>();
function memoOf(kit: object, intervalMs: number) {
  let m = memos.get(kit);
  if (!m) memos.set(kit, (m = { drift: new DriftChecks(intervalMs), seen: new Map() }));
  return m;
}

/** Pure: a group's health as status shows it. */
export function groupHealth(g: GaGroupState | undefined): Health {
  if (!g || g.endpoints.length === 0) return 'Unknown';
  if (g.healthy) return 'Healthy';
  return g.endpoints.some((e) => e.health === 'UNHEALTHY') ? 'Unhealthy' : 'Unknown';
}

/** Pure: the AWS layer's group spec of one side. */
export function groupSpec(region: string, g: GaGroupSpec, dial: number | undefined): EndpointGroupSpec {
  return {
    region,
    endpoints: g.endpoints.map((e) => ({
      id: e.id,
      ...(e.weight !== undefined && { weight: e.weight }),
      ...(e.clientIpPreservation !== undefined && { clientIpPreservation: e.clientIpPreservation }),
    })),
    ...(g.healthCheck && { healthCheck: g.healthCheck }),
    ...(g.portOverrides && { portOverrides: g.portOverrides }),
    ...(dial !== undefined && { dial }),
  };
}

/** Pure: status.globalAccelerator from what GA returned. */
export function statusOf(state: GaState, regions: Record<'primary' | 'secondary', string>, adopted: boolean, listenerArn?: string): GlobalAcceleratorStatus {
  const listener = (listenerArn && state.listeners.find((l) => l.arn === listenerArn)) || state.listeners[0];
  const group = (region: string) => listener?.groups.find((g) => g.region === region);
  const dials: GlobalAcceleratorStatus['dials'] = {};
  const health: NonNullable<GlobalAcceleratorStatus['health']> = {};
  for (const side of SIDES) {
    const g = group(regions[side]);
    if (g) dials[side] = g.dial;
    health[side] = groupHealth(g);
  }
  return {
    arn: state.arn,
    ...(adopted && { adopted: true }),
    ...(listener && { listenerArn: listener.arn }),
    ...(state.dnsName && { dnsName: state.dnsName }),
    ...(state.dualStackDnsName && { dualStackDnsName: state.dualStackDnsName }),
    ipAddresses: state.ipAddresses,
    status: state.status,
    dials,
    health,
  };
}

/**
 * Pure: which of a pass's changes were drift — a dial AWS had otherwise than status recorded us
 * setting it (a dial moved by a switch is not drift), or anything else changed while the spec's
 * generation is the one the last full pass converged.
 */
export function driftOf(
  changes: string[],
  regions: Record<'primary' | 'secondary', string>,
  recorded: GlobalAcceleratorStatus['dials'],
  wanted: Record<string, number>,
  sameGeneration: boolean,
): string[] {
  return changes.filter((c) => {
    if (/: create/.test(c) || c.startsWith('accelerator: create')) return false;
    const dial = /^endpoint group ([a-z0-9-]+): TrafficDialPercentage/.exec(c);
    if (dial) {
      const side = SIDES.find((s) => regions[s] === dial[1]);
      return side !== undefined && recorded?.[side] === wanted[dial[1] as string];
    }
    return sameGeneration;
  });
}

function sidesRegions(r: ResolvedPolicy): Record<'primary' | 'secondary', string> {
  const { primary, secondary } = r.regions;
  if (!primary || !secondary)
    throw new SyncError(
      'spec.globalAccelerator needs the region of both sides: set spec.dns.primary.region and spec.dns.secondary.region, spec.regionPairRef, or spec.database',
      'GlobalAcceleratorRegionUnknown',
      'spec.globalAccelerator',
      true,
    );
  return { primary, secondary };
}

const gaCondition = (error: string | undefined): ConditionInput =>
  error === undefined
    ? { type: 'GlobalAcceleratorSynced', status: 'True', reason: 'ReconcileSuccess', message: 'The last pass over the Global Accelerator succeeded.' }
    : { type: 'GlobalAcceleratorSynced', status: 'False', reason: 'ReconcileError', message: `${error} DNS and the database go on independently.` };

/** One pass over the policy's accelerator (see the file's comment). */
export async function syncPolicyAccelerator(kit: object, i: GaPassInput): Promise<GaPassResult> {
  const spec = i.r.spec.globalAccelerator;
  const prev = i.obj.status?.globalAccelerator;
  if (!spec) {
    if (prev?.arn && !prev.adopted) return removedFromSpec(i, prev);
    // The condition of an earlier spec would otherwise stay behind, stale.
    const had = i.obj.status?.conditions?.some((c) => c.type === 'GlobalAcceleratorSynced');
    return had
      ? { condition: { type: 'GlobalAcceleratorSynced', status: 'True', reason: 'NotConfigured', message: 'spec.globalAccelerator is not set.' } }
      : {};
  }
  try {
    return await converge(kit, i, spec, prev);
  } catch (err) {
    if (i.ctx.signal.aborted) throw err;
    return { ...(prev && { status: prev }), error: err, condition: gaCondition(describeError(err).message) };
  }
}

async function converge(kit: object, i: GaPassInput, spec: GlobalAcceleratorSpec, prev: GlobalAcceleratorStatus | undefined): Promise<GaPassResult> {
  const regions = sidesRegions(i.r);
  const key = i.obj.metadata.uid ?? `${i.obj.metadata.namespace}/${i.obj.metadata.name}`;
  const memo = memoOf(kit, i.driftIntervalMs ?? DEFAULT_DRIFT_INTERVAL_MS);
  const now = i.ctx.now.getTime();
  const activeRegion = i.activeRegion ?? regions.primary;
  const recorded = recordedDials(prev);
  const planWith = (current: Dials, health: GlobalAcceleratorStatus['health']) =>
    planPolicyDials({ spec, prev, regions, activeRegion, emergency: i.emergency, current, health: health ?? {}, now: i.ctx.now });

  // What status says is enough to know that nothing is to be done: no GA call at all.
  const token = i.obj.metadata.annotations?.[ANNOTATIONS.reconcileNow];
  const seen = memo.seen.get(key);
  if (recorded && prev?.arn && prev.status === 'DEPLOYED' && !memo.drift.due(key, token, now) && seen?.generation === i.obj.metadata.generation) {
    const plan = planWith(recorded, prev.health);
    const unchanged = SIDES.every((s) => plan.dials[regions[s]] === recorded[s]) && JSON.stringify(plan.shift) === JSON.stringify(prev.shift);
    if (unchanged && plan.requeueAfterMs === undefined) return { status: prev, condition: gaCondition(undefined) };
  }
  const driftCheck = memo.drift.due(key, token, now);

  const ga = i.deps.aws.globalAccelerator(i.r.targetIn(regions.primary));
  const arn = spec.acceleratorArn ?? prev?.arn;
  // Fresh health (and AWS's dials when none are recorded) before a step of a shift is decided.
  const before = arn ? await readAcceleratorState(ga, arn) : undefined;
  const seenNow = before ? statusOf(before, regions, !!spec.acceleratorArn) : undefined;
  const current: Dials = recorded ?? {
    primary: seenNow?.dials?.primary ?? (activeRegion === regions.primary ? 100 : 0),
    secondary: seenNow?.dials?.secondary ?? (activeRegion === regions.secondary ? 100 : 0),
  };
  const plan = planWith(current, seenNow?.health ?? prev?.health);
  const wanted = plan.dials;

  const res = await syncGlobalAccelerator(
    ga,
    {
      owner: i.owner,
      ...(spec.acceleratorArn
        ? { adoptArn: spec.acceleratorArn }
        : {
            create: {
              name: spec.create?.name ?? i.obj.metadata.name,
              ipAddressType: spec.create?.ipAddressType ?? 'IPV4',
              enabled: spec.create?.enabled ?? true,
              ...(spec.create?.flowLogs && { flowLogs: { s3Bucket: spec.create.flowLogs.s3Bucket, s3Prefix: spec.create.flowLogs.s3Prefix ?? '' } }),
            },
          }),
      ...(prev?.arn && !prev.adopted && !spec.acceleratorArn && { knownArn: prev.arn }),
      listener: {
        protocol: spec.listener.protocol,
        portRanges: spec.listener.portRanges.map((p) => ({ fromPort: p.from, toPort: p.to })),
        ...(spec.listener.clientAffinity && { clientAffinity: spec.listener.clientAffinity }),
      },
      groups: SIDES.map((s) => groupSpec(regions[s], spec[s], wanted[regions[s]])),
    },
    i.ctx.plan.mutate,
  );
  if (!res.accelerator) {
    // Dry run before the accelerator exists: plannedChanges lists the creates.
    return { ...(prev && { status: prev }), condition: gaCondition(undefined) };
  }
  const state = res.changes.length === 0 && before?.arn === res.accelerator.arn ? before : await readAcceleratorState(ga, res.accelerator.arn);
  if (!state) throw new Error(`accelerator ${res.accelerator.arn} vanished during the pass; it is looked at again`);
  const sameGeneration = seen ? seen.generation === i.obj.metadata.generation : i.obj.status?.observedGeneration === i.obj.metadata.generation;
  const drift = driftOf(res.changes, regions, prev?.dials, wanted, sameGeneration && !!prev?.arn);
  if (!i.ctx.plan.dryRun) {
    if (drift.length > 0) i.ctx.warn('DriftRepaired', `Global Accelerator changed outside the controller and put back: ${drift.join('; ')}`);
    const moved = res.changes.filter((c) => c.includes('TrafficDialPercentage') && !drift.includes(c));
    if (plan.shift?.rolledBack && !prev?.shift?.rolledBack) i.ctx.warn('ShiftRolledBack', plan.note);
    else if (moved.length > 0) i.ctx.normal('TrafficDialsMoved', `${plan.note}: ${moved.join('; ')}`);
    memo.drift.checked(key, token, now);
    memo.seen.set(key, { generation: i.obj.metadata.generation });
  }
  const status: GlobalAcceleratorStatus = { ...statusOf(state, regions, !!spec.acceleratorArn, res.listenerArn), ...(plan.shift && { shift: plan.shift }) };
  const shifting = plan.shift && !plan.shift.rolledBack;
  const requeues = [state.status !== 'DEPLOYED' ? GA_DEPLOY_POLL_MS : undefined, plan.requeueAfterMs, shifting ? SHIFT_HEALTH_POLL_MS : undefined].filter(
    (x): x is number => x !== undefined,
  );
  return {
    status,
    ...(driftCheck || drift.length > 0 ? { drift } : {}),
    condition: gaCondition(undefined),
    ...(requeues.length > 0 && { requeueAfterMs: Math.min(...requeues) }),
  };
}

/** The dials status recorded for both sides, if it has both. */
function recordedDials(prev: GlobalAcceleratorStatus | undefined): Dials | undefined {
  const d = prev?.dials;
  return d?.primary !== undefined && d.secondary !== undefined ? { primary: d.primary, secondary: d.secondary } : undefined;
}

/** spec.globalAccelerator removed: our accelerator goes the way deletion takes it (adopted ones are only forgotten). */
async function removedFromSpec(i: GaPassInput, prev: GlobalAcceleratorStatus): Promise<GaPassResult> {
  try {
    const step = await teardownStep(i, prev);
    if (step.done) return {};
    return { status: { ...prev, teardown: step.step }, requeueAfterMs: GA_DEPLOY_POLL_MS, condition: gaCondition(undefined) };
  } catch (err) {
    if (i.ctx.signal.aborted) throw err;
    return { status: prev, error: err, condition: gaCondition(describeError(err).message) };
  }
}

/** One non-blocking step of deleting our accelerator (teardown.ts); the caller requeues until done. */
export async function teardownStep(i: Pick<GaPassInput, 'deps' | 'r' | 'owner' | 'ctx'>, prev: GlobalAcceleratorStatus) {
  const region = i.r.regions.primary ?? i.r.regions.secondary;
  const ga = i.deps.aws.globalAccelerator(region ? i.r.targetIn(region) : {});
  const step = await teardownAccelerator(ga, i.owner, prev.arn as string, i.ctx.plan.mutate);
  if (i.ctx.plan.dryRun) return { ...step, done: true };
  return step;
}

/**
 * Deletion (deletionPolicy Delete; Orphan never gets here): our accelerator is disabled, then its
 * groups, listener and itself deleted, each step once the last is DEPLOYED — by requeue, never by
 * waiting. An adopted accelerator is left as it is, dials included. Undefined: nothing (left) to do.
 */
export async function finalizeAccelerator(
  i: Pick<GaPassInput, 'deps' | 'r' | 'obj' | 'owner' | 'ctx'>,
): Promise<{ done: false; status: FailoverPolicy['status']; message: string; requeueAfterMs: number } | undefined> {
  const spec = i.r.spec.globalAccelerator;
  const prev = i.obj.status?.globalAccelerator;
  if (spec?.acceleratorArn || prev?.adopted) return undefined;
  let arn = prev?.arn;
  if (!arn && spec) {
    // Created but the status write was lost (a crash right after the create): found by our tags.
    const region = i.r.regions.primary ?? i.r.regions.secondary;
    const ga = i.deps.aws.globalAccelerator(region ? i.r.targetIn(region) : {});
    arn = (await findOwnedAccelerator(ga, i.owner))?.AcceleratorArn;
  }
  if (!arn) return undefined;
  const step = await teardownStep(i, { ...prev, arn });
  if (step.done) return undefined;
  return {
    done: false,
    status: { ...i.obj.status, globalAccelerator: { ...prev, arn, teardown: step.step } },
    message: `Deleting the Global Accelerator: ${step.message}.`,
    requeueAfterMs: GA_DEPLOY_POLL_MS,
  };
}
