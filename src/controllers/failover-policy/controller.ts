import type { FailoverPolicy } from '../../api/types.ts';
import { validateFailoverPolicy } from '../../api/validate.ts';
import type { Flags } from '../../flags.ts';
import type { KubeObject } from '../../runtime/kube-object.ts';
import { keyString, type ObjectKey } from '../../runtime/reconciler.ts';
import { accessHooks } from '../shared/access-gate.ts';
import { COLLECTIONS, type ControllerDeps } from '../shared/deps.ts';
import { BY_REGION_PAIR, pairIndexValue } from '../shared/indexes.ts';
import { makeReconcile } from '../shared/lifecycle.ts';
import { failoverPolicyUses } from './access-uses.ts';
import { DnsKit } from './dns.ts';
import { DEFAULT_SWITCHOVER_TIMING } from './drill-switchover.ts';
import { DEFAULT_FAILBACK_TIMING } from './failover-trigger.ts';
import { FenceGroups } from './fence-prep.ts';
import { finalizeFailoverPolicy } from './finalize.ts';
import { HealthBoard } from './health-board.ts';
import { type PolicyKit, syncFailoverPolicy } from './sync.ts';

/** Registers the reconciler and starts the health loop; returns the loop's stop function. */
export function registerFailoverPolicy(
  deps: ControllerDeps,
  flags: Pick<Flags, 'healthObserveIntervalMs'> &
    Partial<Pick<Flags, 'driftIntervalMs' | 'healthPeriodSeconds' | 'failbackStablePeriodMs' | 'failbackCooldownMs' | 'drillCatchUpTimeoutMs'>>,
): () => Promise<void> {
  const board = new HealthBoard(deps.aws, (key) => deps.manager.enqueue('FailoverPolicy', key), deps.logger.child({ component: 'health-observer' }), deps.now, {
    intervalMs: flags.healthObserveIntervalMs,
    ...(flags.healthPeriodSeconds !== undefined && { periodSeconds: flags.healthPeriodSeconds }),
  });
  const kit: PolicyKit = {
    dns: new DnsKit(),
    board,
    fenceGroups: new FenceGroups(),
    ...(flags.driftIntervalMs !== undefined && { driftIntervalMs: flags.driftIntervalMs }),
    failback: {
      stableMs: flags.failbackStablePeriodMs ?? DEFAULT_FAILBACK_TIMING.stableMs,
      cooldownMs: flags.failbackCooldownMs ?? DEFAULT_FAILBACK_TIMING.cooldownMs,
    },
    switchoverDrill: { ...DEFAULT_SWITCHOVER_TIMING, ...(flags.drillCatchUpTimeoutMs !== undefined && { catchUpTimeoutMs: flags.drillCatchUpTimeoutMs }) },
  };
  const access = accessHooks<FailoverPolicy>(deps, 'FailoverPolicy', failoverPolicyUses);
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
        kit.dns.forget(keyString(key));
        deps.metrics.forgetObject(key.namespace, key.name);
      },
      ...(access.accessDenied && {
        // A denied policy's health checks are no longer read either: no AWS call is made for it.
        accessDenied: (obj: FailoverPolicy) => {
          const denied = access.accessDenied?.(obj);
          if (denied !== undefined) board.unwatch(keyString({ namespace: obj.metadata.namespace, name: obj.metadata.name }));
          return denied;
        },
      }),
    }),
    // A pair's allowedNamespaces or regions changed: its policies look again.
    watchesFor: [{ path: COLLECTIONS.RegionPair, kind: 'RegionPair', map: (pair) => policiesOf(deps, pair) }, ...access.watches],
  });
  return board.start(flags.healthObserveIntervalMs);
}

/** The policies whose spec.regionPairRef names `pair`: an index read, not a scan of every policy. */
function policiesOf(deps: ControllerDeps, pair: KubeObject): ObjectKey[] {
  return deps.manager.cache<FailoverPolicy>('FailoverPolicy').indexKeys(BY_REGION_PAIR, pairIndexValue(pair));
}
