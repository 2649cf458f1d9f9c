// Deleting a FailoverPolicy (deletionPolicy Delete): our records and registry record, every
// health check of ours, the alarms, the fence groups no instance needs any more. Database instances stay: the writer holds the data, and a
// replica is cheap to keep until an operator decides (deleting one is an explicit act).
import type { FailoverPolicy, FailoverPolicyStatus } from '../../api/types.ts';
import { deleteFailoverAlarms } from '../../aws/cloudwatch/failover-alarms.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { FinalizeResult, SyncContext } from '../shared/lifecycle.ts';
import { ownerOf } from '../shared/owner.ts';
import { describeError } from '../shared/sync-error.ts';
import { PolicyDns } from './dns.ts';
import { shadowTarget } from './drill.ts';
import { finalizeFenceSweeps } from './fence-sweep.ts';
import { finalizeAccelerator } from './global-accelerator.ts';
import { type ResolvedPolicy, ROUTE53_REGION, resolvePolicy } from './resolve.ts';
import { type PolicyKit, syncFailoverPolicy } from './sync.ts';

const WAIT_FOR_FAILOVER_MS = 5_000;
const FENCE_SWEEP_WAIT_MS = 30_000;

export async function finalizeFailoverPolicy(
  deps: ControllerDeps,
  kit: PolicyKit,
  obj: FailoverPolicy,
  ctx: SyncContext,
): Promise<FinalizeResult<FailoverPolicyStatus>> {
  const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
  let r: ResolvedPolicy;
  try {
    r = resolvePolicy(deps, obj);
  } catch (err) {
    // Never allowed to use the pair: nothing was created in AWS, so there is nothing to delete.
    if (describeError(err).reason === 'RefNotPermitted' && !obj.status?.healthCheckIds?.primary && !obj.status?.healthCheckIds?.secondary) {
      kit.board.unwatch(key);
      return { done: true };
    }
    throw err;
  }
  // Deleting the records and checks mid-failover would leave the old writer fenced with nothing
  // promoted and no name to reach either: the failover first runs to its end (or is aborted the
  // usual way, before promotion: activeRegion set back, or the region healthy again).
  if (obj.status?.inProgress && r.spec.database) {
    const res = await syncFailoverPolicy(deps, kit, obj, ctx);
    if (res.partialError !== undefined) throw res.partialError;
    const ip = res.status.inProgress;
    if (ip) {
      return {
        done: false,
        status: res.status,
        message:
          `Waiting for the ${ip.reason} to ${ip.to} (step ${ip.step}) to end before deleting the ` +
          `records; before promotion it can be aborted (Manual: set spec.failover.activeRegion back).`,
        requeueAfterMs: Math.min(res.requeueAfterMs ?? WAIT_FOR_FAILOVER_MS, WAIT_FOR_FAILOVER_MS),
      };
    }
    obj.status = { ...obj.status, ...res.status };
  }
  const owner = ownerOf(obj, deps);
  // The accelerator first: its deletion takes several passes (each step waits for DEPLOYED by requeue).
  const ga = await finalizeAccelerator({ deps, r, obj, owner, ctx });
  if (ga) return ga;
  await new PolicyDns(deps, kit.dns, r, obj, owner, ctx).remove();
  // A drill cut short by the deletion leaves no shadow records behind.
  if (obj.status?.drillInProgress && r.spec.dns)
    await kit.dns.recordsFor(deps.aws.route53(r.route53)).remove(shadowTarget(r, owner), { mutate: ctx.plan.mutate });
  if (obj.status?.alarmsHash || r.spec.alarms) {
    const db = r.spec.database;
    const regions = [
      ...new Set([r.regions.primary, r.regions.secondary, db?.primary.region, db?.replica.region, ROUTE53_REGION].filter((x): x is string => !!x)),
    ];
    await deleteFailoverAlarms((region) => deps.aws.cloudwatch(r.targetIn(region)), owner, regions, { mutate: ctx.plan.mutate });
  }
  if (r.spec.database) {
    // Our fence groups (fence-sweep.ts): a retired ex-writer RDS is still deleting holds the deletion until it is gone.
    const db = r.spec.database;
    const sweep = await finalizeFenceSweeps({ deps, r, owner, ctx }, [...new Set([db.primary.region, db.replica.region])]);
    if (sweep.waiting) return { done: false, message: `Waiting to delete fence groups: ${sweep.waiting}.`, requeueAfterMs: FENCE_SWEEP_WAIT_MS };
  }
  kit.board.unwatch(key);
  return { done: !ctx.plan.dryRun };
}
