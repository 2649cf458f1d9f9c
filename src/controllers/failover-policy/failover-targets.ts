// The two instances a running failover (status.inProgress) acts on, as this pass observes them,
// and the fence and promote actions on them: what every step of failover-steps.ts reads.
import type { InstanceRef } from '../../aws/rds/observe.ts';
import type { FailoverAction, FailoverProgress, Observations, Work } from './failover-machine.ts';
import { failoverMarkOf } from './failover-mark.ts';
import { sameRef } from './failover-ready.ts';

export function fromRef(w: Work, ip: FailoverProgress): InstanceRef {
  return { region: ip.from, identifier: ip.fromIdentifier ?? w.s.database.writer.identifier };
}

export function toRef(w: Work, ip: FailoverProgress): InstanceRef {
  return { region: ip.to, identifier: ip.toIdentifier ?? w.s.database.replica?.identifier ?? '' };
}

/** The fence of the old writer, with the failover's mark when it can carry the record (failover-mark.ts). */
export function fenceOf(w: Work, ip: FailoverProgress): FailoverAction {
  const mark = failoverMarkOf(ip);
  return { type: 'fence', ...fromRef(w, ip), ...(mark && { mark }) };
}

/** The promote of the standby, marked as its fence is. */
export function promoteOf(w: Work, ip: FailoverProgress): Extract<FailoverAction, { type: 'promote' }> {
  const mark = failoverMarkOf(ip);
  return { type: 'promote', ...toRef(w, ip), ...(mark && { mark }) };
}

/** The observed standby, when it is the instance this failover promotes. */
export function targetOf(w: Work, ip: FailoverProgress): Observations['standby'] {
  const t = w.obs.standby;
  return t && sameRef(t, toRef(w, ip)) ? t : undefined;
}

/** The old writer's fence as recorded in `fencing`, when this observation confirms it. */
export function confirmedFence(w: Work, ip: FailoverProgress): string | undefined {
  const old = w.obs.writer;
  return old && sameRef(old, fromRef(w, ip)) && old.reachable && old.fenced ? `Confirmed: ${old.fenceReason ?? 'fenced'}` : undefined;
}

/** promote()'s mark is on the standby: PromoteReadReplica may have reached AWS. */
export function promoteMarked(w: Work, ip: FailoverProgress): boolean {
  const t = targetOf(w, ip);
  return !!t && t.reachable && t.exists && t.promoteRequested === true;
}
