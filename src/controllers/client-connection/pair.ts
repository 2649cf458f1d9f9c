// The RegionPair a ClientConnection points at, as the informer cache holds it: found, allowed to
// be used from the client's namespace (API.md: allowedNamespaces), and far enough along (its side
// has a Transit Gateway and our route table) for the client to be wired in.
import { DEFAULTS } from '../../api/defaults.ts';
import type { ClientConnection, RegionPair, RegionSideSpec, SideStatus } from '../../api/types.ts';
import type { Manager } from '../../runtime/manager.ts';
import type { ObjectKey } from '../../runtime/reconciler.ts';
import { BY_REGION_PAIR, pairIndexValue } from '../shared/indexes.ts';
import { refNamespace, refPermitted } from '../shared/owner.ts';
import { SyncError } from '../shared/sync-error.ts';

export const pairKeyOf = (c: ClientConnection): ObjectKey => ({
  namespace: refNamespace(c.spec.regionPairRef, c.metadata.namespace),
  name: c.spec.regionPairRef.name,
});

export interface PairSide {
  pair: RegionPair;
  side: RegionSideSpec;
  /** Set once the pair has made its side's TGW and route table. */
  ready?: { transitGatewayId: string; routeTableId: string; status: SideStatus };
  logGroupName: string;
  flowLogsEnabled: boolean;
}

/**
 * Throws (terminal: the RegionPair watch wakes the client when the pair changes) when the pair
 * is missing or not permitted. Must run before any AWS call: a tenant referencing someone else's
 * network gets nothing done in AWS at all.
 */
export function resolvePair(manager: Manager, c: ClientConnection): PairSide {
  const key = pairKeyOf(c);
  const pair = manager.cache<RegionPair>('RegionPair').get(key);
  if (!pair) {
    throw new SyncError(
      `RegionPair ${key.namespace}/${key.name} does not exist. Create it or fix spec.regionPairRef.`,
      'RegionPairNotFound',
      'spec.regionPairRef',
      true,
    );
  }
  if (!refPermitted(pair, c.metadata.namespace)) {
    throw new SyncError(
      `RegionPair ${key.namespace}/${key.name} does not allow references from namespace ${c.metadata.namespace}. ` +
        `Its owner must add "${c.metadata.namespace}" to its spec.allowedNamespaces; nothing is done in AWS until then.`,
      'RefNotPermitted',
      'spec.regionPairRef',
      true,
    );
  }
  return pairSide(pair, c.spec.side);
}

export function pairSide(pair: RegionPair, side: 'primary' | 'secondary'): PairSide {
  const st = pair.status?.[side];
  const out: PairSide = {
    pair,
    side: pair.spec[side],
    logGroupName: pair.spec.flowLogs?.logGroupName ?? DEFAULTS.flowLogs.logGroupName,
    flowLogsEnabled: pair.spec.flowLogs?.enabled === true,
  };
  if (st?.transitGatewayId && st.routeTableId && !pair.metadata.deletionTimestamp) {
    out.ready = { transitGatewayId: st.transitGatewayId, routeTableId: st.routeTableId, status: st };
  }
  return out;
}

/** The clients a RegionPair change concerns (for the secondary watch): an index read, not a scan of every client. */
export function clientsOf(manager: Manager, pair: RegionPair): ObjectKey[] {
  return manager.cache<ClientConnection>('ClientConnection').indexKeys(BY_REGION_PAIR, pairIndexValue(pair));
}

/** What of a RegionPair its clients use: spec, the sides' IDs, being deleted. Not its overview hash. */
export function pairChangedForClients(a: RegionPair, b: RegionPair): boolean {
  if (a.metadata.generation !== b.metadata.generation || a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp) return true;
  return (['primary', 'secondary'] as const).some(
    (s) => a.status?.[s]?.transitGatewayId !== b.status?.[s]?.transitGatewayId || a.status?.[s]?.routeTableId !== b.status?.[s]?.routeTableId,
  );
}
