// The contract between the runtime and the per-kind controllers (controller-runtime's Reconciler).
import type { FleetView } from './fleet-lease.ts';

export interface ObjectKey {
  namespace: string;
  name: string;
}

export const keyString = (k: ObjectKey): string => `${k.namespace}/${k.name}`;

export function parseKey(s: string): ObjectKey {
  const i = s.indexOf('/');
  return { namespace: s.slice(0, i), name: s.slice(i + 1) };
}

export interface ReconcileResult {
  /** Reconcile this key again after the delay even on success (e.g. waiting on AWS state). */
  requeueAfterMs?: number;
  /**
   * When the delay started counting (performance.now()), if not at the pass's end: a deadline the
   * pass computed from what it observed (a timer of the object's own) is not pushed back by the
   * rest of the pass, however long that took.
   */
  requeueFrom?: number;
}

export interface ReconcileContext {
  /**
   * Aborted when this replica stops being the leader or the shutdown grace period ran out: the
   * result no longer counts, and no further AWS change should be started. Check it (or pass it
   * to SDK calls as abortSignal) before each mutating step.
   */
  signal: AbortSignal;
  /** A member of a fleet (fleet-lease.ts): whether it acts, and who does. Absent for a single cluster. */
  fleet?: FleetView;
}

/**
 * Returning means success (backoff for the key resets). Throwing means "retry with backoff".
 * Throwing a TerminalError means "don't retry until the object changes".
 */
export type Reconcile = (key: ObjectKey, ctx?: ReconcileContext) => Promise<ReconcileResult | void>;

export class TerminalError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}
