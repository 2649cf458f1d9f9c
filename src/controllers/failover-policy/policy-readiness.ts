// What a FailoverPolicy pass says of itself: each half's own condition, where traffic goes
// without a database, FailoverReady for DNS only, and the Ready condition (sync.ts builds them).
import type { Health } from '../../api/types.ts';
import type { Side } from '../../aws/route53/records.ts';
import { type ConditionInput, ready } from '../../runtime/conditions.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import type { PolicyDns } from './dns.ts';
import type { Blocked, MachineStatus } from './failover-machine.ts';
import { pendingMessage, type ReadyCondition } from './failover-ready.ts';
import { type ResolvedPolicy, sideOfRegion } from './resolve.ts';

/** One half's own condition: each says whether its last pass reached AWS, whatever the other did. */
export function halfCondition(type: 'DnsSynced' | 'DatabaseSynced', what: string, error: string | undefined): ConditionInput {
  return error === undefined
    ? { type, status: 'True', reason: 'ReconcileSuccess', message: `The last pass over ${what} succeeded.` }
    : { type, status: 'False', reason: 'ReconcileError', message: `${error} The other half goes on independently.` };
}

/** Without a database the spec (Manual) decides; Automatic leaves the switch to Route 53's own failover. */
export function dnsOnlyActiveSide(r: ResolvedPolicy, _health: Record<Side, { state: Health }>): Side {
  if (r.spec.failover.mode !== 'Manual') return 'primary';
  return sideOfRegion(r, r.spec.failover.activeRegion) ?? 'primary';
}

/** Where traffic goes: the active side, or for Automatic where Route 53 answers when the primary is down. */
export function dnsOnlyActiveRegion(r: ResolvedPolicy, active: Side, health: Record<Side, { state: Health }>): string | undefined {
  if (r.spec.failover.mode === 'Automatic' && health.primary.state === 'Unhealthy' && health.secondary.state !== 'Unhealthy') return r.regions.secondary;
  return r.regions[active];
}

export function dnsReadiness(dns: PolicyDns, active: Side, health: Record<Side, { state: Health }>): ReadyCondition {
  const standby: Side = active === 'primary' ? 'secondary' : 'primary';
  const f = (reason: string, message: string): ReadyCondition => ({ type: 'FailoverReady', status: 'False', reason, message });
  if (dns.state.conflict) return f('RecordConflict', `the records cannot be written: ${dns.state.conflict}`);
  if (dns.state.pendingChange) return f('RecordsPending', pendingMessage(dns.state.pendingChange.id));
  if (!dns.state.recordsInPlace) return f('RecordsMissing', 'the failover DNS records are not all in place');
  if (!dns.state.healthChecksInPlace) return f('HealthChecksMissing', 'the health checks are not all attached to the records');
  if (health[standby].state !== 'Healthy') return f('StandbyUnhealthy', `health of the ${standby} side is ${health[standby].state}`);
  return { type: 'FailoverReady', status: 'True', reason: 'StandbyReady', message: `the ${standby} side is healthy and both records are in place` };
}

/** `gaOnly`: no spec.dns, so the accelerator's deployment stands where the records would (its status, if known). */
export function readyCondition(
  ctx: SyncContext,
  dns: PolicyDns,
  m: MachineStatus,
  conflict: string | undefined,
  blocked: Blocked | undefined,
  gaOnly?: { status: string | undefined },
): ConditionInput {
  if (conflict) return ready.unavailable(`The failover records were not written: ${conflict}`, 'RecordConflict');
  // Said first: a held failover is what the operator must act on.
  if (blocked) return ready.unavailable(`${blocked.message}.`, blocked.reason);
  if (ctx.plan.dryRun) return ready.creating('Dry run: nothing is changed; see status.plannedChanges.');
  if (dns.state.pendingChange) return ready.creating(`Waiting for Route 53 to apply the failover records: ${pendingMessage(dns.state.pendingChange.id)}.`);
  if (!dns.state.recordsInPlace) return ready.creating('Writing the failover records.');
  if (m.inProgress) return ready.unavailable(`A ${m.inProgress.reason} to ${m.inProgress.to} is running (step ${m.inProgress.step}).`, 'FailoverInProgress');
  if (m.phase === 'Degraded') return ready.unavailable('The database pair needs attention; see the Warning events and status.history.', 'Degraded');
  if (gaOnly && gaOnly.status !== 'DEPLOYED') return ready.creating(`Waiting for the Global Accelerator to deploy (now ${gaOnly.status ?? 'not created'}).`);
  if (gaOnly)
    return ready.available(`No spec.dns: the Global Accelerator carries the traffic${m.activeRegion ? `; its dials send it to ${m.activeRegion}` : ''}.`);
  return ready.available(`Records and health checks are in place${m.activeRegion ? `; ${m.activeRegion} serves traffic` : ''}.`);
}

export function shallowNote(sides: Side[]): string {
  return (
    `the ${sides.join(' and ')} health check requests /, which answers while the database or ` +
    `other dependencies are down; point spec.dns.<side>.healthCheck.path at a deep health endpoint.`
  );
}
