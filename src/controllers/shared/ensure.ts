// observe → create | update | nothing, for one external resource, through the Planner.
import type { PlannedChange } from '../../api/types.ts';
import type { ExternalResource } from '../../aws/types.ts';
import type { Planner } from './planner.ts';

export interface Ensured<O> {
  /** undefined only in dry-run when the resource would be created. */
  observed?: O;
  created: boolean;
  /** What differed before this pass updated it (drift, or a spec change). */
  diff?: string[];
}

export async function ensure<S, O>(
  r: ExternalResource<S, O>,
  spec: S,
  plan: Planner,
  what: Omit<PlannedChange, 'action'>,
  describe: (o: O) => string,
  /** See Planner.apply: the create is keyed by a name AWS will not give twice. */
  opts: { repeatable?: boolean } = {},
): Promise<Ensured<O>> {
  const obs = await r.observe(spec);
  if (!obs.exists) {
    const o = await plan.apply({ action: 'Create', ...what }, () => r.create(spec), describe, opts);
    return { observed: o, created: true };
  }
  if (!obs.upToDate && obs.observed !== undefined) {
    const seen = obs.observed;
    await plan.apply({ action: 'Update', ...what, detail: (obs.diff ?? []).join('; ') }, () => r.update(spec, seen));
    return { observed: seen, created: false, diff: obs.diff ?? [] };
  }
  return { observed: obs.observed, created: false };
}
