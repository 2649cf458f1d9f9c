// The pair's overview dashboard (API.md: one multi-region dashboard per RegionPair listing its
// clients): every ClientConnection and FailoverPolicy that references the pair and is permitted
// to, with links to the per-client dashboards. Built at the end of each RegionPair sync from the
// informer caches; the content hash in status means it is only written when the list (or another
// part of its content) changes. Client and policy adds/removes wake the pair (overviewWatches).
import type { ClientConnection, FailoverPolicy, ObjectRef, RegionPair, RegionPairStatus } from '../../api/types.ts';
import { ANNOTATIONS } from '../../api/types.ts';
import { dashboardName } from '../../aws/cloudwatch/names.ts';
import type { OverviewClient, OverviewPolicy } from '../../aws/cloudwatch/overview-dashboard.ts';
import { deleteOverview, desiredOverview, syncOverview } from '../../aws/cloudwatch/overview-sync.ts';
import { type SecondaryWatch, watchOf } from '../../runtime/manager.ts';
import type { ObjectKey } from '../../runtime/reconciler.ts';
import { keyString } from '../../runtime/reconciler.ts';
import { COLLECTIONS, type ControllerDeps } from '../shared/deps.ts';
import { DriftChecks } from '../shared/drift-checks.ts';
import { BY_REGION_PAIR, pairIndexValue } from '../shared/indexes.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { ownerOf, refNamespace, refPermitted } from '../shared/owner.ts';
import { describeError } from '../shared/sync-error.ts';
import { targetOf } from '../shared/target.ts';

export type OverviewStatus = Pick<RegionPairStatus, 'overviewDashboardName' | 'overviewDashboardUrl' | 'overviewHash'>;

// Pairs are few and their reconciles read EC2 anyway; the overview is read back on the first
// reconcile, on reconcile-now, and every 5 minutes, otherwise the hash decides.
const checks = new DriftChecks(300_000);

const refersTo = (ref: ObjectRef | undefined, from: string, pair: RegionPair): boolean =>
  !!ref && ref.name === pair.metadata.name && refNamespace(ref, from) === pair.metadata.namespace;

/** The pair's clients and policies: read from the spec.regionPairRef index, not by scanning every object of the kinds. */
export function overviewMembers(deps: ControllerDeps, pair: RegionPair): { clients: OverviewClient[]; policies: OverviewPolicy[] } {
  const member = (o: { metadata: { namespace: string; deletionTimestamp?: string } }, ref: ObjectRef | undefined) =>
    !o.metadata.deletionTimestamp && refersTo(ref, o.metadata.namespace, pair) && refPermitted(pair, o.metadata.namespace);
  const referencing = pairIndexValue(pair);
  const clients = deps.manager
    .cache<ClientConnection>('ClientConnection')
    .byIndex(BY_REGION_PAIR, referencing)
    .filter((c) => member(c, c.spec.regionPairRef))
    .map((c) => ({
      name: c.metadata.name,
      namespace: c.metadata.namespace,
      displayName: c.spec.client.displayName,
      side: c.spec.side,
      region: pair.spec[c.spec.side].region,
      dashboardName: dashboardName(ownerOf(c, deps)),
    }));
  const policies = deps.manager
    .cache<FailoverPolicy>('FailoverPolicy')
    .byIndex(BY_REGION_PAIR, referencing)
    .filter((p) => member(p, p.spec.regionPairRef))
    .map((p) => ({
      name: p.metadata.name,
      namespace: p.metadata.namespace,
      ...(p.status?.healthCheckIds && { healthCheckIds: p.status.healthCheckIds }),
      ...(p.status?.database?.replica && { replica: { region: p.status.database.replica.region, identifier: p.status.database.replica.identifier } }),
      ...(p.status?.globalAccelerator?.arn && { globalAccelerator: { arn: p.status.globalAccelerator.arn } }),
    }));
  return { clients, policies };
}

/** Never fails the pair's sync: the network matters more than its dashboard (a warning Event says why). */
export async function syncPairOverview(deps: ControllerDeps, pair: RegionPair, status: RegionPairStatus, ctx: SyncContext): Promise<OverviewStatus> {
  const prev: OverviewStatus = {
    ...(pair.status?.overviewDashboardName && { overviewDashboardName: pair.status.overviewDashboardName }),
    ...(pair.status?.overviewDashboardUrl && { overviewDashboardUrl: pair.status.overviewDashboardUrl }),
    ...(pair.status?.overviewHash && { overviewHash: pair.status.overviewHash }),
  };
  const { clients, policies } = overviewMembers(deps, pair);
  const desired = desiredOverview(ownerOf(pair, deps), {
    pairName: pair.metadata.name,
    pairNamespace: pair.metadata.namespace,
    regions: { primary: pair.spec.primary.region, secondary: pair.spec.secondary.region },
    transitGatewayIds: {
      ...(status.primary?.transitGatewayId && { primary: status.primary.transitGatewayId }),
      ...(status.secondary?.transitGatewayId && { secondary: status.secondary.transitGatewayId }),
    },
    ...(status.peering?.attachmentId && { peeringAttachmentId: status.peering.attachmentId }),
    clients,
    policies,
  });
  const key = keyString({ namespace: pair.metadata.namespace, name: pair.metadata.name });
  const token = pair.metadata.annotations?.[ANNOTATIONS.reconcileNow];
  const verify = checks.due(key, token, ctx.now.getTime());
  try {
    const r = await syncOverview(deps.aws.cloudwatch(targetOf(pair.spec.primary)), desired, { lastHash: prev.overviewHash, verify, mutate: ctx.plan.mutate });
    if (verify && !ctx.plan.dryRun) checks.checked(key, token, ctx.now.getTime());
    if (ctx.plan.dryRun) return prev;
    return { overviewDashboardName: desired.name, overviewDashboardUrl: desired.url, overviewHash: r.hash };
  } catch (err) {
    ctx.warn(
      'OverviewDashboardFailed',
      `The overview dashboard ${desired.name} could not be written; the network is unaffected: ${describeError(err).message}`,
    );
    return prev;
  }
}

/** Part of the RegionPair's deletion: the overview goes with the pair. */
export async function finalizePairOverview(deps: ControllerDeps, pair: RegionPair, ctx: SyncContext): Promise<void> {
  await deleteOverview(deps.aws.cloudwatch(targetOf(pair.spec.primary)), ownerOf(pair, deps), { mutate: ctx.plan.mutate });
  checks.forget(keyString({ namespace: pair.metadata.namespace, name: pair.metadata.name }));
}

/** What the overview watches read of a ClientConnection or a FailoverPolicy. */
interface Member {
  metadata: { namespace?: string; name: string; generation?: number; deletionTimestamp?: string };
  spec?: { regionPairRef?: ObjectRef; side?: string; client?: { displayName?: string } };
  status?: FailoverPolicy['status'];
}

const pairOf = (o: Member): ObjectKey | undefined => {
  const ref = o.spec?.regionPairRef;
  return ref ? { namespace: refNamespace(ref, o.metadata.namespace ?? ''), name: ref.name } : undefined;
};

/**
 * What wakes a pair to rebuild its overview: a client or policy appearing, going, or changing
 * what the overview shows. A reference moved to another pair also wakes the old one (the map
 * only sees the new object). Enqueueing from a predicate is a side effect, so it cannot throw.
 */
export function overviewWatches(deps: ControllerDeps): SecondaryWatch[] {
  const map = (o: Member): ObjectKey[] => {
    const k = pairOf(o);
    return k ? [k] : [];
  };
  const predicate = (a: Member, b: Member): boolean => {
    const before = pairOf(b);
    const after = pairOf(a);
    if (before && (!after || keyString(before) !== keyString(after))) {
      try {
        deps.manager.enqueue('RegionPair', before);
      } catch {
        // Not registered: nothing to wake.
      }
    }
    return (
      keyString(before ?? { namespace: '', name: '' }) !== keyString(after ?? { namespace: '', name: '' }) ||
      a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
      a.spec?.side !== b.spec?.side ||
      a.spec?.client?.displayName !== b.spec?.client?.displayName ||
      JSON.stringify(a.status?.healthCheckIds ?? {}) !== JSON.stringify(b.status?.healthCheckIds ?? {}) ||
      JSON.stringify(a.status?.database?.replica ?? {}) !== JSON.stringify(b.status?.database?.replica ?? {}) ||
      a.status?.globalAccelerator?.arn !== b.status?.globalAccelerator?.arn
    );
  };
  return [
    watchOf<Member>({ path: COLLECTIONS.ClientConnection, kind: 'ClientConnection', map, predicate }),
    watchOf<Member>({ path: COLLECTIONS.FailoverPolicy, kind: 'FailoverPolicy', map, predicate }),
  ];
}
