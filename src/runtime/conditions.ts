// Condition math, pure: Kubernetes conditions change lastTransitionTime only when their status
// flips, so `kubectl wait` and alerting can trust it. Structurally identical to api.Condition.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** A condition as a reconciler states it; time and generation are filled in by setCondition. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/** Stable CamelCase reasons of the two conditions every kind has. */
export const Reason = {
  // Ready
  Available: 'Available',
  Creating: 'Creating',
  Deleting: 'Deleting',
  Unavailable: 'Unavailable',
  // Synced
  ReconcileSuccess: 'ReconcileSuccess',
  ReconcileError: 'ReconcileError',
  Paused: 'Paused',
  DryRun: 'DryRun',
} as const;

/** Kubernetes metav1.Time: RFC 3339 with second precision. */
export function toKubeTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Returns a new list with `cond` set. lastTransitionTime moves to `now` only when the status of
 * that type changes (or the type is new); reason, message and observedGeneration always follow.
 * The input list is not modified, and order is kept (new types go last).
 */
export function setCondition(list: readonly Condition[] | undefined, cond: ConditionInput, generation: number | undefined, now: Date): Condition[] {
  const current = list ?? [];
  const prev = current.find((c) => c.type === cond.type);
  const next: Condition = {
    type: cond.type,
    status: cond.status,
    reason: cond.reason,
    message: cond.message,
    lastTransitionTime: prev && prev.status === cond.status ? prev.lastTransitionTime : toKubeTime(now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  return prev ? current.map((c) => (c === prev ? next : c)) : [...current, next];
}

/** setCondition for several conditions at once. */
export function setConditions(
  list: readonly Condition[] | undefined,
  conds: readonly ConditionInput[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  return conds.reduce<Condition[]>((acc, c) => setCondition(acc, c, generation, now), [...(list ?? [])]);
}

export function getCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

export function isConditionTrue(list: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(list, type)?.status === 'True';
}

/** Same conditions, every field equal, in any order. */
export function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  return x.every((c) => {
    const d = y.find((e) => e.type === c.type);
    return (
      d !== undefined &&
      d.status === c.status &&
      d.reason === c.reason &&
      d.message === c.message &&
      d.lastTransitionTime === c.lastTransitionTime &&
      d.observedGeneration === c.observedGeneration
    );
  });
}

/** `Ready`: whether everything the object describes exists and converged. */
export const ready = {
  available: (message = 'All resources are available.'): ConditionInput => ({ type: 'Ready', status: 'True', reason: Reason.Available, message }),
  creating: (message: string): ConditionInput => ({ type: 'Ready', status: 'False', reason: Reason.Creating, message }),
  deleting: (message: string): ConditionInput => ({ type: 'Ready', status: 'False', reason: Reason.Deleting, message }),
  unavailable: (message: string, reason: string = Reason.Unavailable): ConditionInput => ({ type: 'Ready', status: 'False', reason, message }),
};

/** `Synced`: whether the last reconcile reached the outside world without error. */
export const synced = {
  success: (message = 'The last reconcile succeeded.'): ConditionInput => ({ type: 'Synced', status: 'True', reason: Reason.ReconcileSuccess, message }),
  error: (message: string, reason: string = Reason.ReconcileError): ConditionInput => ({ type: 'Synced', status: 'False', reason, message }),
  /** `message` says how the object was paused and how to resume: only the caller knows its API. */
  paused: (message: string): ConditionInput => ({ type: 'Synced', status: 'False', reason: Reason.Paused, message }),
  /** `message` says where the planned changes are shown: only the caller knows its status fields. */
  dryRun: (message: string): ConditionInput => ({ type: 'Synced', status: 'True', reason: Reason.DryRun, message }),
};
