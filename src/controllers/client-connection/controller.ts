import type { ClientConnection, RegionPair } from '../../api/types.ts';
import { validateClientAgainstPair, validateClientConnection } from '../../api/validate.ts';
import type { KubeObject } from '../../runtime/kube-object.ts';
import { watchOf } from '../../runtime/manager.ts';
import { keyString } from '../../runtime/reconciler.ts';
import { accessHooks } from '../shared/access-gate.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { COLLECTIONS } from '../shared/deps.ts';
import { DriftChecks, PartRetries } from '../shared/drift-checks.ts';
import { type FieldError, makeReconcile } from '../shared/lifecycle.ts';
import { refPermitted } from '../shared/owner.ts';
import { routineReadAgeMs } from '../shared/routine-pass.ts';
import { clientConnectionUses } from './access-uses.ts';
import { finalizeClientConnection } from './finalize.ts';
import { clientsOf, pairChangedForClients, pairKeyOf } from './pair.ts';
import { syncClientConnection } from './sync.ts';

export interface ClientConnectionOptions {
  /** The manager's drift interval: how often an unchanged client is read back from AWS. */
  driftIntervalMs: number;
}

export function registerClientConnection(deps: ControllerDeps, o: ClientConnectionOptions): void {
  const t = { drift: new DriftChecks(o.driftIntervalMs), queryRetries: new PartRetries(o.driftIntervalMs), driftIntervalMs: o.driftIntervalMs };
  const access = accessHooks<ClientConnection>(deps, 'ClientConnection', clientConnectionUses);
  deps.manager.register({
    kind: 'ClientConnection',
    path: COLLECTIONS.ClientConnection,
    reconcile: makeReconcile<ClientConnection>(deps, {
      kind: 'ClientConnection',
      path: COLLECTIONS.ClientConnection,
      validate: (obj) => validateClient(deps, obj),
      sync: (obj, ctx) => syncClientConnection(deps, t, obj, ctx),
      finalize: (obj, ctx) => finalizeClientConnection(deps, obj, ctx),
      forget: (key) => {
        t.drift.forget(keyString(key));
        t.queryRetries.succeeded(keyString(key));
      },
      ...(access.accessDenied && { accessDenied: access.accessDenied }),
      // A drift wave over many clients shares one read of each list per region (routine-pass.ts).
      routineReadAgeMs: routineReadAgeMs(o.driftIntervalMs),
    }),
    // A RegionPair change (its side's IDs, its spec, allowedNamespaces) re-enqueues its clients;
    // its own status writes (e.g. the overview hash) don't.
    watchesFor: [
      watchOf<RegionPair>({ path: COLLECTIONS.RegionPair, kind: 'RegionPair', map: (pair) => clientsOf(deps.manager, pair), predicate: pairChangedForClients }),
      ...access.watches,
    ],
  });
}

/** The spec alone, and against the pair — only when the pair may be used from here at all. */
function validateClient(deps: ControllerDeps, obj: ClientConnection): FieldError[] {
  const issues = validateClientConnection(obj.spec);
  const pair = deps.manager.getCached<KubeObject>('RegionPair', pairKeyOf(obj)) as RegionPair | undefined;
  if (pair && refPermitted(pair, obj.metadata.namespace)) issues.push(...validateClientAgainstPair(obj.spec, pair.spec));
  return issues;
}
