import type { FailoverPolicy } from '../../api/types.ts';
import { validateFailoverPolicy } from '../../api/validate.ts';
import type { Flags } from '../../flags.ts';
import type { KubeObject } from '../../runtime/kube-object.ts';
import { keyString, type ObjectKey } from '../../runtime/reconciler.ts';
import { COLLECTIONS, type ControllerDeps } from '../shared/deps.ts';
import { makeReconcile } from '../shared/lifecycle.ts';
import { refNamespace } from '../shared/owner.ts';
import { DnsKit } from './dns.ts';
import { finalizeFailoverPolicy } from './finalize.ts';
import { HealthBoard } from './health-board.ts';
import { type PolicyKit, syncFailoverPolicy } from './sync.ts';

/** Registers the reconciler and starts the health loop; returns the loop's stop function. */
export function registerFailoverPolicy(
  deps: ControllerDeps,
  flags: Pick<Flags, 'healthObserveIntervalMs'> & Partial<Pick<Flags, 'driftIntervalMs' | 'healthPeriodSeconds'>>,
): () => Promise<void> {
  const board = new HealthBoard(deps.aws, (key) => deps.manager.enqueue('FailoverPolicy', key), deps.logger.child({ component: 'health-observer' }), deps.now, {
    intervalMs: flags.healthObserveIntervalMs,
    ...(flags.healthPeriodSeconds !== undefined && { periodSeconds: flags.healthPeriodSeconds }),
  });
  const kit: PolicyKit = { dns: new DnsKit(), board, ...(flags.driftIntervalMs !== undefined && { driftIntervalMs: flags.driftIntervalMs }) };
  deps.manager.register({
    kind: 'FailoverPolicy',
    path: COLLECTIONS.FailoverPolicy,
    reconcile: makeReconcile<FailoverPolicy>(deps, {
      kind: 'FailoverPolicy',
      path: COLLECTIONS.FailoverPolicy,
      validate: (obj) => validateFailoverPolicy(obj.spec),
      sync: (obj, ctx) => syncFailoverPolicy(deps, kit, obj, ctx),
      finalize: (obj, ctx) => finalizeFailoverPolicy(deps, kit, obj, ctx),
      forget: (key) => {
        board.unwatch(keyString(key));
        deps.metrics.forgetObject(key.namespace, key.name);
      },
    }),
    // A pair's allowedNamespaces or regions changed: its policies look again.
    watchesFor: [{ path: COLLECTIONS.RegionPair, kind: 'RegionPair', map: (pair) => policiesOf(deps, pair) }],
  });
  return board.start(flags.healthObserveIntervalMs);
}

function policiesOf(deps: ControllerDeps, pair: KubeObject): ObjectKey[] {
  const ns = pair.metadata.namespace ?? '';
  return deps.manager
    .listCached('FailoverPolicy')
    .map((o) => o as unknown as FailoverPolicy)
    .filter((p) => p.spec.regionPairRef?.name === pair.metadata.name && refNamespace(p.spec.regionPairRef, p.metadata.namespace) === ns)
    .map((p) => ({ namespace: p.metadata.namespace, name: p.metadata.name }));
}
