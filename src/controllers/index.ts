// Registers the cache indexes and the three reconcilers with the manager. Returns a function stopping their extras
// (e.g. the health observer loop) on shutdown.
import type { Flags } from '../flags.ts';
import { registerClientConnection } from './client-connection/controller.ts';
import { registerFailoverPolicy } from './failover-policy/controller.ts';
import { registerRegionPair } from './region-pair/controller.ts';
import type { ControllerDeps } from './shared/deps.ts';
import { registerIndexes } from './shared/indexes.ts';

export function registerControllers(deps: ControllerDeps, flags: Flags): () => Promise<void> {
  // Before the controllers: their lookups (clients and policies of a pair) read these indexes.
  registerIndexes(deps.manager);
  registerRegionPair(deps, { driftIntervalMs: flags.driftIntervalMs });
  registerClientConnection(deps, { driftIntervalMs: flags.driftIntervalMs });
  return registerFailoverPolicy(deps, flags);
}
