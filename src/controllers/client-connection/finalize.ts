// Deleting a ClientConnection (deletionPolicy Delete): its routes (only CIDRs it programmed),
// then its dashboard, alarms and saved queries (found by their deterministic names). An object
// that never got past RefNotPermitted recorded nothing and costs no AWS call here either.
import type { ClientConnection, ClientConnectionStatus, RegionPair } from '../../api/types.ts';
import { deleteClientObservability } from '../../aws/cloudwatch/client-observability.ts';
import { callContextOf } from '../../aws/errors.ts';
import type { AwsTarget } from '../../aws/types.ts';
import type { KubeObject } from '../../runtime/kube-object.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { FinalizeResult, SyncContext } from '../shared/lifecycle.ts';
import { ownerOf, refPermitted } from '../shared/owner.ts';
import { describeError } from '../shared/sync-error.ts';
import { targetOf } from '../shared/target.ts';
import { pairKeyOf } from './pair.ts';
import { removeStaleRoutes } from './routes.ts';

export async function finalizeClientConnection(deps: ControllerDeps, obj: ClientConnection, ctx: SyncContext): Promise<FinalizeResult<ClientConnectionStatus>> {
  const st = obj.status ?? {};
  const target = targetFor(deps, obj);
  if (!target) return { done: !ctx.plan.dryRun };

  const ec2Of = (region: string) => deps.aws.ec2(region === target.region ? target : { region });
  await removeStaleRoutes(ec2Of, st.routes ?? [], undefined, ctx);

  try {
    await deleteClientObservability(deps.aws.cloudwatch(target), deps.aws.logs(target), ownerOf(obj, deps), { mutate: ctx.plan.mutate });
  } catch (err) {
    // Dashboard and alarms were deleted when the first error is a Logs one. Saved queries this
    // client never recorded creating are not worth blocking the deletion for (the emulator
    // cannot even list them); ones it did record are retried.
    if (callContextOf(err)?.service !== 'logs' || Object.keys(st.queryDefinitionIds ?? {}).length > 0) throw err;
    ctx.warn(
      'QueryDefinitionsNotChecked',
      `Could not list saved Logs Insights queries to delete; none were recorded as created: ${describeError(err).message}`,
    );
  }
  return { done: !ctx.plan.dryRun };
}

/**
 * Where the client's resources live: the pair's side (with its role) when the pair is there and
 * permitted; else the region recorded in status, with the controller's own credentials; nothing
 * when the client never recorded anything (e.g. it was never permitted).
 */
function targetFor(deps: ControllerDeps, obj: ClientConnection): AwsTarget | undefined {
  const st = obj.status ?? {};
  const pair = deps.manager.getCached<KubeObject>('RegionPair', pairKeyOf(obj)) as RegionPair | undefined;
  const recorded = st.region !== undefined || st.observabilityHash !== undefined || (st.routes ?? []).length > 0;
  if (pair && refPermitted(pair, obj.metadata.namespace)) {
    const side = pair.spec[obj.spec.side];
    // A pair side that never got a route table never saw a sync of this client.
    if (!recorded && !pair.status?.[obj.spec.side]?.routeTableId) return undefined;
    return targetOf(side);
  }
  return recorded && st.region ? { region: st.region } : undefined;
}
