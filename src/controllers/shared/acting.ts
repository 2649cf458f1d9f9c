// The `Acting` condition of a fleet member's objects (docs/multi-cluster.md): whether this
// cluster's controller acts for the fleet, and if not, who does. Pure.
import { FINALIZER } from '../../api/types.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import type { FleetView } from '../../runtime/fleet-lease.ts';

export const ACTING = 'Acting';
export const ActingReason = { Acting: 'Acting', Standby: 'Standby' } as const;

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

export function actingCondition(f: FleetView, o: { deleting?: boolean } = {}): ConditionInput {
  if (f.acting) {
    return {
      type: ACTING,
      status: 'True',
      reason: ActingReason.Acting,
      message: `This member (${f.self}) holds the fleet lease, term ${f.term ?? '?'}: it makes the changes in AWS for the fleet.`,
    };
  }
  const who =
    f.holder === undefined
      ? 'the fleet lease has not been read yet'
      : f.holder === ''
        ? `the fleet lease is free (given up in term ${f.term ?? '?'}); this member takes it on its next try`
        : `${f.holder} holds the fleet lease, term ${f.term ?? '?'}; this member takes over if it goes unrenewed for ${seconds(f.leaseDurationMs)}`;
  const problem = f.problem ? ` Now ${f.problem}: check this member's network path and IAM to the lease table.` : '';
  const deleting = o.deleting
    ? ` The ${FINALIZER} finalizer stays until this member acts (the acting member deletes what ` +
      `its own copy of this object made); to let this copy go without that, remove the finalizer.`
    : '';
  return {
    type: ACTING,
    status: 'False',
    reason: ActingReason.Standby,
    message: `Standby: ${who}. This member makes no change in AWS while it stands by.${problem}${deleting}`,
  };
}
