import type { RegionPair } from '../../api/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { COLLECTIONS } from '../shared/deps.ts';
import { makeReconcile } from '../shared/lifecycle.ts';
import { finalizeRegionPair } from './finalize.ts';
import { overviewWatches } from './overview.ts';
import { syncRegionPair } from './sync.ts';
import { validateRegionPair } from './validate.ts';

export function registerRegionPair(deps: ControllerDeps): void {
  deps.manager.register({
    kind: 'RegionPair',
    path: COLLECTIONS.RegionPair,
    reconcile: makeReconcile<RegionPair>(deps, {
      kind: 'RegionPair',
      path: COLLECTIONS.RegionPair,
      validate: validateRegionPair,
      sync: (obj, ctx) => syncRegionPair(deps, obj, ctx),
      finalize: (obj, ctx) => finalizeRegionPair(deps, obj, ctx),
    }),
    // Clients and policies coming, going or changing wake the pair to rebuild its overview.
    watchesFor: overviewWatches(deps),
  });
}
