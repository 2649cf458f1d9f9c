// The client's CloudWatch side (dashboard, alarms, saved Logs Insights queries) through the
// aws/cloudwatch module, with its content hash kept in status: a resync whose desired state
// hashes the same as status.observabilityHash makes no CloudWatch call at all unless a drift
// check is due (then it reads, compares, and still writes nothing when nothing differs).
//
// Saved query definitions are reported on their own condition, QueryDefinitionsSynced: they are
// a convenience next to the dashboard, so their failure must not hold back the dashboard, the
// alarms or the routes (Ready). On AWS, PutQueryDefinition/DescribeQueryDefinitions work; the
// moto emulator used by the tests (5.2.x) does not implement them (HTML 500), and the failure is
// shown there exactly as AWS errors would be.

import type { DefaultedClientConnectionSpec } from '../../api/defaults.ts';
import type { ClientConnectionStatus } from '../../api/types.ts';
import { type DesiredClientObservability, desiredClientObservability, syncClientObservability } from '../../aws/cloudwatch/client-observability.ts';
import { dashboardName } from '../../aws/cloudwatch/names.ts';
import { syncQueryDefinitions } from '../../aws/cloudwatch/query-definitions.ts';
import { callContextOf } from '../../aws/errors.ts';
import type { AwsClients, AwsTarget, Owner } from '../../aws/types.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { describeError } from '../shared/sync-error.ts';

export interface ObservabilityInput {
  owner: Owner;
  pairOwner: Owner;
  spec: DefaultedClientConnectionSpec;
  target: AwsTarget;
  accountId: string;
  transitGatewayId: string;
  logGroupName: string;
  previous: ClientConnectionStatus;
  /** The previous QueryDefinitionsSynced condition, carried over when nothing is re-checked. */
  previousQueries?: ConditionInput;
  verify: boolean;
  /** The saved queries failed before and their retry is due: retried alone under a matching hash. */
  retryQueries: boolean;
}

export interface ObservabilityResult {
  status: Pick<ClientConnectionStatus, 'dashboardName' | 'dashboardUrl' | 'alarmNames' | 'logGroupName' | 'queryDefinitionIds' | 'observabilityHash'>;
  queries: ConditionInput;
  /** True when the query definitions failed this time (the caller schedules a retry). */
  queriesFailed: boolean;
  warnings: string[];
  skipped: boolean;
}

export const QUERIES_CONDITION = 'QueryDefinitionsSynced';

export function desiredFor(i: ObservabilityInput): DesiredClientObservability {
  const { spec } = i;
  return desiredClientObservability({
    owner: i.owner,
    accountId: i.accountId,
    displayName: spec.client.displayName,
    cidrs: spec.client.cidrs,
    region: i.target.region,
    logGroupName: i.logGroupName,
    widgets: spec.dashboard.widgets,
    periodSeconds: spec.dashboard.periodSeconds,
    attachment: spec.attachment,
    transitGatewayId: i.transitGatewayId,
    overviewDashboardName: dashboardName(i.pairOwner),
    ...(spec.alarms && { alarms: spec.alarms }),
  });
}

export async function syncObservability(aws: AwsClients, i: ObservabilityInput, ctx: SyncContext): Promise<ObservabilityResult> {
  const desired = desiredFor(i);
  const cw = aws.cloudwatch(i.target);
  const logs = aws.logs(i.target);
  const dryRun = ctx.plan.dryRun;
  const base = {
    dashboardName: desired.dashboardName,
    dashboardUrl: desired.dashboardUrl,
    alarmNames: desired.alarms.map((a) => a.name),
    logGroupName: i.logGroupName,
  };
  const ok: ConditionInput = {
    type: QUERIES_CONDITION,
    status: 'True',
    reason: 'Synced',
    message: `${desired.queryDefinitions.length} saved Logs Insights queries are in place.`,
  };

  try {
    // Each CloudWatch and Logs write is one Planner.apply: listed in dry-run, an Event when made.
    const mutate = ctx.plan.mutate;
    const r = await syncClientObservability(cw, logs, desired, { lastHash: i.previous.observabilityHash, verify: i.verify, mutate });
    if (r.skipped) {
      const status = { ...base, queryDefinitionIds: i.previous.queryDefinitionIds ?? {}, observabilityHash: desired.hash };
      const previousOk = !i.previousQueries || i.previousQueries.status === 'True';
      if (previousOk || !i.retryQueries) return { status, queries: i.previousQueries ?? ok, queriesFailed: false, warnings: desired.warnings, skipped: true };
      // Dashboard and alarms are in place under this hash; only the saved queries are retried.
      try {
        const q = await syncQueryDefinitions(logs, desired.queryPrefix, desired.queryDefinitions, { mutate });
        const ids: Record<string, string> = {};
        for (const d of desired.queryDefinitions) if (q.ids[d.name]) ids[d.question] = q.ids[d.name] as string;
        return { status: { ...status, queryDefinitionIds: ids }, queries: ok, queriesFailed: false, warnings: desired.warnings, skipped: false };
      } catch (err) {
        return { status, queries: queriesFailed(err), queriesFailed: true, warnings: desired.warnings, skipped: false };
      }
    }
    return {
      status: {
        ...base,
        queryDefinitionIds: { ...r.queryDefinitionIds } as Record<string, string>,
        observabilityHash: dryRun ? i.previous.observabilityHash : desired.hash,
      },
      queries: ok,
      queriesFailed: false,
      warnings: desired.warnings,
      skipped: false,
    };
  } catch (err) {
    // The module gives every part its turn and throws the first error: a Logs error first means
    // the dashboard and the alarms went through. Anything else is the sync's failure.
    if (callContextOf(err)?.service !== 'logs') throw err;
    // The dashboard and alarm writes were reported by the Planner as they were made.
    return {
      status: { ...base, queryDefinitionIds: i.previous.queryDefinitionIds ?? {}, observabilityHash: dryRun ? i.previous.observabilityHash : desired.hash },
      queries: queriesFailed(err),
      queriesFailed: true,
      warnings: desired.warnings,
      skipped: false,
    };
  }
}

function queriesFailed(err: unknown): ConditionInput {
  const d = describeError(err);
  return {
    type: QUERIES_CONDITION,
    status: 'False',
    reason: d.reason,
    message: `Saved Logs Insights queries could not be written (the dashboard and alarms are in place; retried with backoff): ${d.message}`,
  };
}
