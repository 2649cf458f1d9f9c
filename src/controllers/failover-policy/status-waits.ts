// A pass that ended on its PromoteReadReplica wrote the step before the call and comes back at
// once. Its end-of-pass status write would only add what every pass reads anew (conditions,
// health, the instances' state, the lag), so it is left to that next pass: one status write less
// per failover while a wave of them shares the apiserver. Anything else that differs from what
// the step write stored (a Route 53 change id, an alarm hash, a drill, the accelerator's state) is
// memory the next pass could not rebuild, and then the pass writes as usual.
import { isDeepStrictEqual } from 'node:util';
import type { FailoverPolicyStatus } from '../../api/types.ts';

/** Fields every pass derives afresh from AWS and the health board; they need no write of their own. */
const OBSERVED: readonly string[] = ['conditions', 'health', 'observedGeneration', 'plannedChanges'];

function remembered(s: FailoverPolicyStatus | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(s ?? {}) };
  for (const k of OBSERVED) delete out[k];
  const db = s?.database;
  if (db) {
    const { instances: _instances, ...rest } = db;
    const replica = rest.replica && (({ lagSeconds: _lag, ...r }) => r)(rest.replica);
    out.database = { ...rest, ...(replica && { replica }) };
  }
  return JSON.parse(JSON.stringify(out));
}

/** Pure: whether `next` differs from the `stored` status only in what the next pass reads anew. */
export function onlyObservedDiffer(stored: FailoverPolicyStatus | undefined, next: FailoverPolicyStatus): boolean {
  return isDeepStrictEqual(remembered(stored), remembered(next));
}
