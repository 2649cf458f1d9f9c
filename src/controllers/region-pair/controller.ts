import type { RegionPair } from '../../api/types.ts';
import { accessHooks } from '../shared/access-gate.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { COLLECTIONS } from '../shared/deps.ts';
import { makeReconcile } from '../shared/lifecycle.ts';
import { routineReadAgeMs } from '../shared/routine-pass.ts';
import { regionPairUses } from './access-uses.ts';
import { finalizeRegionPair } from './finalize.ts';
import { overviewWatches } from './overview.ts';
import { syncRegionPair } from './sync.ts';
import { validateRegionPair } from './validate.ts';

export interface RegionPairOptions {
  /** The manager's drift interval: paces how often unchanged TGW route tables are read back. */
  driftIntervalMs?: number;
}

export function registerRegionPair(deps: ControllerDeps, o: RegionPairOptions = {}): void {
  const access = accessHooks<RegionPair>(deps, 'RegionPair', regionPairUses);
  deps.manager.register({
    kind: 'RegionPair',
    path: COLLECTIONS.RegionPair,
    reconcile: makeReconcile<RegionPair>(deps, {
      kind: 'RegionPair',
      path: COLLECTIONS.RegionPair,
      validate: validateRegionPair,
      sync: (obj, ctx) => syncRegionPair(deps, obj, ctx, o.driftIntervalMs),
      finalize: (obj, ctx) => finalizeRegionPair(deps, obj, ctx),
      ...(access.accessDenied && { accessDenied: access.accessDenied }),
      // A drift wave over many pairs shares one read of each list per region (routine-pass.ts).
      ...(o.driftIntervalMs !== undefined && { routineReadAgeMs: routineReadAgeMs(o.driftIntervalMs) }),
    }),
    // Clients and policies coming, going or changing wake the pair to rebuild its overview.
    watchesFor: [...overviewWatches(deps), ...access.watches],
  });
}
