// TGW flow logs: a log group with retention in each side's region (created first: a flow log
// to a missing group fails delivery), then one flow log per TGW into it.
import type { FlowLogsSpec } from '../../api/types.ts';
import { flowLog } from '../../aws/ec2/flow-logs.ts';
import { logGroup, retentionProblem } from '../../aws/logs/log-group.ts';
import type { AwsClients, Owner } from '../../aws/types.ts';
import { ensure } from '../shared/ensure.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { SyncError } from '../shared/sync-error.ts';
import type { SideState } from './side.ts';

export async function syncFlowLogs(
  aws: AwsClients,
  owner: Owner,
  st: SideState,
  fl: FlowLogsSpec & { logGroupName: string; retentionDays: number },
  ctx: SyncContext,
): Promise<void> {
  const problem = retentionProblem(fl.retentionDays);
  if (problem) throw new SyncError(problem, 'InvalidRetention', 'spec.flowLogs.retentionDays', true);
  if (!st.tgw) return;
  const region = st.spec.region;
  const g = await ensure(
    logGroup(aws.logs(st.target)),
    { owner, name: fl.logGroupName, retentionDays: fl.retentionDays },
    ctx.plan,
    { resource: 'LogGroup', region, detail: fl.logGroupName },
    (o) => `log group ${o.name}`,
    // A second CreateLogGroup of the name fails with AlreadyExists and is adopted (log-group.ts).
    { repeatable: true },
  );
  if (g.observed) st.status.logGroupArn = g.observed.arn;
  const f = await ensure(
    flowLog(st.ec2),
    {
      owner,
      side: st.side,
      transitGatewayId: st.tgw.id,
      logGroupName: fl.logGroupName,
      ...(fl.deliveryRoleArn && { deliveryRoleArn: fl.deliveryRoleArn }),
      ...(fl.trafficType && { trafficType: fl.trafficType }),
    },
    ctx.plan,
    { resource: 'FlowLog', region, detail: `${st.tgw.id} → ${fl.logGroupName}` },
    (o) => `flow log ${o.id}`,
  ).catch((err) => {
    if (err instanceof Error && /InvalidFlowLogSpec/.test(err.message))
      throw new SyncError(err.message, 'InvalidFlowLogSpec', 'spec.flowLogs', true, { cause: err });
    throw err;
  });
  if (f.observed) {
    st.status.flowLogId = f.observed.id;
    if (f.observed.deliverLogsStatus === 'FAILED') {
      ctx.warn(
        'FlowLogDeliveryFailed',
        `flow log ${f.observed.id} in ${region} cannot deliver: ${f.observed.deliverLogsError ?? 'check spec.flowLogs.deliveryRoleArn'}`,
      );
    }
  }
  if (f.created === false && !f.observed && !ctx.plan.dryRun) st.drift.push(`${st.side}: flow log missing`);
}
