// Where the traffic dials should be in this pass: the active region's group at 100 and the
// standby's at 0, or — for a planned switch with spec.globalAccelerator.shift — the step of a
// gradual shift that ga-shift.ts (the pure planner) says is due. Which region is active, and
// whether the switch was an emergency, come from the records and the failover machine (gaTarget).
import type { GlobalAcceleratorSpec, GlobalAcceleratorStatus, Health } from '../../api/types.ts';
import type { Side } from '../../aws/route53/records.ts';
import type { MachineStatus } from './failover-machine.ts';
import { type Dials, fromStatusShift, planDials, toStatusShift } from './ga-shift.ts';
import { type ResolvedPolicy, SIDES } from './resolve.ts';

export interface DialPlan {
  /** Region → dial percentage. */
  dials: Record<string, number>;
  /** A gradual shift running, or the last one rolled back (status.globalAccelerator.shift). */
  shift?: NonNullable<GlobalAcceleratorStatus['shift']>;
  /** When the next shift step is due (or its health is looked at again). */
  requeueAfterMs?: number;
  /** What happened, for the Event. */
  note: string;
}

export interface DialInput {
  spec: GlobalAcceleratorSpec;
  prev: GlobalAcceleratorStatus | undefined;
  regions: Record<Side, string>;
  activeRegion: string;
  emergency: boolean;
  /** The dials as they stand (the ones this controller last set; AWS's when none are recorded). */
  current: Dials;
  /** Health of each side's endpoint group. */
  health: Partial<Record<Side, Health>>;
  now: Date;
}

/** Pure: the dials of this pass. */
export function planPolicyDials(i: DialInput): DialPlan {
  const sideOf = (region: string): Side | undefined => SIDES.find((s) => i.regions[s] === region);
  const active = sideOf(i.activeRegion) ?? 'primary';
  const plan = planDials({
    active,
    planned: !i.emergency,
    ...(i.spec.shift && { steps: i.spec.shift.steps }),
    ...(i.spec.shift?.stepSeconds !== undefined && { stepSeconds: i.spec.shift.stepSeconds }),
    current: i.current,
    receivingHealth: i.health[active] ?? 'Unknown',
    ...(i.prev?.shift && { shift: fromStatusShift(i.prev.shift, sideOf) }),
    now: i.now,
  });
  return {
    dials: { [i.regions.primary]: plan.dials.primary, [i.regions.secondary]: plan.dials.secondary },
    ...(plan.shift && { shift: toStatusShift(plan.shift, (s) => i.regions[s]) }),
    ...(plan.requeueAfterMs !== undefined && { requeueAfterMs: plan.requeueAfterMs }),
    note: plan.note ?? `${i.activeRegion} is the active region${i.emergency ? ' (failover: dials moved at once)' : ''}`,
  };
}

/** Reasons of planned switches (a gradual shift may apply); anything else moves the dials at once. */
const PLANNED = new Set(['ManualSwitch', 'PlannedSwitchover', 'Failback']);

/**
 * Pure: the region the dials follow and whether the switch is an emergency. With a database, GA
 * follows the records (the same switch moves both; the machine's activeRegion changes only at
 * Completed); without one, the active region the DNS half works out (Automatic: health decides,
 * so every move is a failover; Manual: the operator's switch is planned).
 */
export function gaTarget(r: ResolvedPolicy, m: MachineStatus, recordsSide: Side | undefined): { activeRegion: string | undefined; emergency: boolean } {
  const activeRegion = (r.spec.database && recordsSide && r.regions[recordsSide]) || m.activeRegion;
  const reason = m.inProgress?.reason ?? m.lastFailover?.reason;
  const emergency = r.spec.database ? !PLANNED.has(reason ?? '') : r.spec.failover.mode !== 'Manual';
  return { activeRegion, emergency };
}
