// Which passes are routine drift checks. A pass over an object that nothing has changed since
// this process last reconciled it (same generation, same multiregion.dev/reconcile-now value)
// and that is Ready and Synced may take AWS's shared lists as old as one drift wave
// (withSharedReadAge): one list read at the start of the wave serves every object in it. Any
// other pass (the first of this process, a spec change, a reconcile-now, a failing or unready
// object) reads the lists fresh, within their few-second window.
import { ANNOTATIONS, type AnyKind, type Condition } from '../../api/types.ts';

/**
 * The age a routine pass accepts, from the manager's drift interval: most of one interval, so a
 * list read at the start of a wave (objects fall due within ±10 % of it) serves the whole wave
 * but never the next one. A change made by someone else is seen within 1.8 drift intervals.
 */
export function routineReadAgeMs(driftIntervalMs: number): number {
  return Math.round(driftIntervalMs * 0.8);
}

type Key = { namespace?: string; name: string };
const keyOf = (k: Key): string => `${k.namespace ?? ''}/${k.name}`;
const tokenOf = (obj: AnyKind): string => `${obj.metadata.generation ?? 0}/${obj.metadata.annotations?.[ANNOTATIONS.reconcileNow] ?? ''}`;

const isTrue = (conds: readonly Condition[] | undefined, type: string, gen: number): boolean =>
  (conds ?? []).some((c) => c.type === type && c.status === 'True' && (c.observedGeneration === undefined || c.observedGeneration === gen));

export class RoutinePasses {
  private readonly seen = new Map<string, string>();

  /** Whether this pass over `obj` is a routine drift check (see above). */
  isRoutine(key: Key, obj: AnyKind): boolean {
    if (this.seen.get(keyOf(key)) !== tokenOf(obj)) return false;
    const gen = obj.metadata.generation ?? 0;
    const status = obj.status as { observedGeneration?: number; conditions?: Condition[] } | undefined;
    if (status?.observedGeneration !== undefined && status.observedGeneration !== gen) return false;
    return isTrue(status?.conditions, 'Ready', gen) && isTrue(status?.conditions, 'Synced', gen);
  }

  /** A pass over `obj` ended without error: the next one with the same token may be routine. */
  passed(key: Key, obj: AnyKind): void {
    this.seen.set(keyOf(key), tokenOf(obj));
  }

  forget(key: Key): void {
    this.seen.delete(keyOf(key));
  }
}
