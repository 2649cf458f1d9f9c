// Health of each side for a policy without spec.dns (Global Accelerator only, issue 18): there
// are no Route 53 checks, so what triggers an automatic failover is the health GA reports for the
// endpoints of each side's group (DescribeEndpointGroup / ListEndpointGroups EndpointDescriptions
// HealthState). Read once per pass with one ListEndpointGroups on the listener status recorded;
// sync.ts requeues at the health-observe cadence so a pass never waits for it. `since` is kept as
// for the Route 53 board (status.health.*Since), so unhealthyForSeconds damps flaps the same way.
import type { FailoverPolicyStatus, Health } from '../../api/types.ts';
import { listEndpointGroups } from '../../aws/global-accelerator/endpoint-groups.ts';
import type { Side } from '../../aws/route53/records.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import type { ReadyCondition } from './failover-ready.ts';
import { type ResolvedPolicy, SIDES, sideOfRegion } from './resolve.ts';

export type SideHealth = Record<Side, { state: Health; since: string }>;

/**
 * Pure: one group's health as the failover reads it. GA sends a group's traffic to its healthy
 * endpoints, so one HEALTHY endpoint is enough for the region to serve (Healthy); the region is
 * down only when every endpoint is UNHEALTHY. INITIAL (checks not settled), no endpoints, or no
 * group at all: Unknown, which never starts a failover. (status.globalAccelerator.health is
 * stricter, every endpoint HEALTHY, because a shift's receiving side must be whole.)
 */
export function endpointGroupHealth(states: readonly string[] | undefined): Health {
  if (!states || states.length === 0) return 'Unknown';
  if (states.includes('HEALTHY')) return 'Healthy';
  return states.every((s) => s === 'UNHEALTHY') ? 'Unhealthy' : 'Unknown';
}

/** Pure: `since` carried over from status while the state stays the same, `now` when it changes. */
export function withSince(states: Record<Side, Health>, prev: FailoverPolicyStatus['health'], now: string): SideHealth {
  const one = (side: Side) => {
    const state = states[side];
    const prevSince = side === 'primary' ? prev?.primarySince : prev?.secondarySince;
    return { state, since: prev?.[side] === state && prevSince ? prevSince : now };
  };
  return { primary: one('primary'), secondary: one('secondary') };
}

/**
 * Each side's group health from GA, read this pass. Unknown for both before the accelerator's
 * listener is recorded, and when the read fails (the error is returned for the GA condition):
 * data nobody can see never counts towards unhealthyForSeconds.
 */
export async function readGaSideHealth(
  deps: ControllerDeps,
  r: ResolvedPolicy,
  status: FailoverPolicyStatus | undefined,
  ctx: Pick<SyncContext, 'now' | 'signal'>,
): Promise<{ health: SideHealth; error?: unknown }> {
  const unknown: Record<Side, Health> = { primary: 'Unknown', secondary: 'Unknown' };
  const now = ctx.now.toISOString();
  const listenerArn = status?.globalAccelerator?.listenerArn;
  const home = r.regions.primary;
  if (!listenerArn || !home) return { health: withSince(unknown, status?.health, now) };
  try {
    const groups = await listEndpointGroups(deps.aws.globalAccelerator(r.targetIn(home)), listenerArn);
    const states = { ...unknown };
    for (const side of SIDES) {
      const g = groups.find((x) => x.EndpointGroupRegion === r.regions[side]);
      states[side] = endpointGroupHealth(g?.EndpointDescriptions?.map((e) => e.HealthState ?? 'INITIAL'));
    }
    return { health: withSince(states, status?.health, now) };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return { health: withSince(unknown, status?.health, now), error: err };
  }
}

/**
 * Pure: where traffic goes for a policy with neither dns nor a database (GA only): Manual, the
 * spec's activeRegion; Automatic, the secondary once the primary has been Unhealthy for
 * unhealthyForSeconds while the secondary is not, and the primary again as soon as it is not
 * Unhealthy (as Route 53 failover records would). `waitMs`: when the damping ends.
 */
export function gaOnlyActiveSide(
  spec: { mode: string; activeSide: Side | undefined; unhealthyForSeconds: number },
  health: SideHealth,
  nowMs: number,
): { side: Side; waitMs?: number } {
  if (spec.mode === 'Manual') return { side: spec.activeSide ?? 'primary' };
  const p = health.primary;
  if (p.state !== 'Unhealthy' || health.secondary.state === 'Unhealthy') return { side: 'primary' };
  const left = Date.parse(p.since) + spec.unhealthyForSeconds * 1000 - nowMs;
  return left <= 0 ? { side: 'secondary' } : { side: 'primary', waitMs: left };
}

/** GA only (no dns, no database): the active side from the spec (Manual) or the groups' health (Automatic). */
export function gaOnlyPick(r: ResolvedPolicy, health: SideHealth, nowMs: number): { side: Side; waitMs?: number } {
  const f = r.spec.failover;
  return gaOnlyActiveSide({ mode: f.mode, activeSide: sideOfRegion(r, f.activeRegion), unhealthyForSeconds: f.unhealthyForSeconds }, health, nowMs);
}

/** Pure: FailoverReady of a GA-only policy: the standby's endpoints are what a switch would send traffic to. */
export function gaReadiness(active: Side, health: Record<Side, { state: Health }>): ReadyCondition {
  const standby: Side = active === 'primary' ? 'secondary' : 'primary';
  const state = health[standby].state;
  return state === 'Healthy'
    ? { type: 'FailoverReady', status: 'True', reason: 'StandbyReady', message: `the ${standby} side's Global Accelerator endpoints are healthy` }
    : { type: 'FailoverReady', status: 'False', reason: 'StandbyUnhealthy', message: `the ${standby} side's Global Accelerator endpoints are ${state}` };
}
