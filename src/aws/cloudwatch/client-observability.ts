// Everything CloudWatch holds for one ClientConnection — dashboard, saved queries, alarms — as
// one desired state with one content hash. A routine resync whose hash matches the one in status
// makes no CloudWatch call at all; a drift check (verify) reads and compares, and writes only
// what differs. Hundreds of unchanged clients therefore cost nothing per resync.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Owner } from '../types.ts';
import { deleteAlarms, type MetricAlarmSpec, syncAlarms } from './alarms.ts';
import { contentHash } from './canonical.ts';
import type { Change, SyncOptions } from './changes.ts';
import { clientAlarmNames, clientAlarmSpecs } from './client-alarms.ts';
import { type ClientDashboardInput, clientDashboardBody, type DashboardWidget } from './dashboard.ts';
import { deleteDashboard, syncDashboard } from './dashboards.ts';
import { alarmArn, dashboardName, dashboardUrl, kindPrefixes, ownedName, ownerPrefix } from './names.ts';
import { clientQueries, type Question } from './queries.ts';
import { type DesiredQueryDefinition, deleteQueryDefinitions, syncQueryDefinitions } from './query-definitions.ts';
import type { DashboardBody } from './widgets.ts';

export interface ClientObservabilityInput extends Omit<ClientDashboardInput, 'alarmArns'> {
  owner: Owner;
  /** Lets the dashboard list the alarms (their ARNs hold the account); no alarm row without it. */
  accountId?: string;
  alarms?: { rejectedPacketsPerFiveMinutes?: number; bandwidthBytesPerSecond?: number; snsTopicArn?: string };
}

export interface DesiredClientObservability {
  owner: Owner;
  region: string;
  dashboardName: string;
  dashboardUrl: string;
  dashboardBody: DashboardBody;
  queryPrefix: string;
  queryDefinitions: Array<DesiredQueryDefinition & { question: Question }>;
  alarms: MetricAlarmSpec[];
  warnings: string[];
  /** Keep it in status; pass it back as `lastHash`. */
  hash: string;
}

const QUESTIONS_OF: Record<DashboardWidget, Question[]> = {
  topTalkers: ['topTalkers'],
  rejectedTraffic: ['rejectedTraffic'],
  bandwidth: ['bandwidthEgress', 'bandwidthIngress'],
  latency: [],
};

/** Pure: the whole desired state, and its hash. */
export function desiredClientObservability(input: ClientObservabilityInput): DesiredClientObservability {
  const { owner, region } = input;
  const { specs: alarms, warnings } = clientAlarmSpecs({
    owner,
    displayName: input.displayName,
    region,
    transitGatewayId: input.transitGatewayId,
    attachmentId: input.attachment.id,
    ...input.alarms,
  });
  const name = dashboardName(owner);
  const alarmArns = input.accountId ? alarms.map((a) => alarmArn(region, input.accountId as string, a.name)) : [];
  const dashboardBody = clientDashboardBody({ ...input, alarmArns });
  const texts = clientQueries({ cidrs: input.cidrs, periodSeconds: input.periodSeconds });
  const questions = [...new Set(input.widgets.flatMap((w) => QUESTIONS_OF[w]))].sort();
  const queryDefinitions = questions.map((question) => ({
    question,
    name: ownedName(owner, question),
    queryString: texts[question],
    logGroupNames: [input.logGroupName],
  }));
  const hashed = { name, dashboardBody, queryDefinitions, alarms, tags: { ...owner.userTags }, uid: owner.uid };
  return {
    owner,
    region,
    dashboardName: name,
    dashboardUrl: dashboardUrl(region, name),
    dashboardBody,
    queryPrefix: ownerPrefix(owner),
    queryDefinitions,
    alarms,
    warnings,
    hash: contentHash(hashed),
  };
}

export interface ClientSyncOptions extends SyncOptions {
  /** The hash recorded in status after the last successful sync. */
  lastHash?: string;
  /** Drift check: read and compare even when the hash matches. */
  verify?: boolean;
}

export interface ClientSyncResult {
  /** True when the hash matched and nothing was read or written. */
  skipped: boolean;
  hash: string;
  changes: Change[];
  /** question → query definition id; absent when skipped (keep what status has). */
  queryDefinitionIds?: Partial<Record<Question, string>>;
  alarmNames: string[];
}

/** The clients must be bound to the client's region (`desired.region`). */
export async function syncClientObservability(
  cw: CloudWatchClient,
  logs: CloudWatchLogsClient,
  desired: DesiredClientObservability,
  opts: ClientSyncOptions = {},
): Promise<ClientSyncResult> {
  const alarmNames = desired.alarms.map((a) => a.name);
  if (!opts.verify && opts.lastHash === desired.hash) return { skipped: true, hash: desired.hash, changes: [], alarmNames };
  // A drift check of an unchanged client reads the region's lists shared by every client (one
  // DescribeAlarms, one ListDashboards, one DescribeQueryDefinitions per region and window);
  // a changed one reads its own.
  const shared = opts.lastHash === desired.hash ? kindPrefixes(desired.owner) : {};
  const via = { dryRun: opts.dryRun, mutate: opts.mutate };
  // Each part converges on its own: a failure in one (say, query definitions) must not keep the
  // others stale. The first error is thrown once all three have had their turn.
  const changes: Change[] = [];
  const errors: unknown[] = [];
  const attempt = async <T>(part: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await part();
    } catch (err) {
      errors.push(err);
      return undefined;
    }
  };
  const dashboardVia = { ...via, ...(shared.dashboard && { sharedPrefix: shared.dashboard }) };
  const ownedVia = { ...via, ...(shared.owned && { sharedPrefix: shared.owned }) };
  changes.push(...((await attempt(() => syncDashboard(cw, desired.dashboardName, desired.dashboardBody, dashboardVia))) ?? []));
  const retag = opts.lastHash !== desired.hash;
  changes.push(...((await attempt(() => syncAlarms(cw, desired.owner, desired.alarms, clientAlarmNames(desired.owner), { ...ownedVia, retag }))) ?? []));
  const q = await attempt(() => syncQueryDefinitions(logs, desired.queryPrefix, desired.queryDefinitions, ownedVia));
  if (errors.length > 0) throw errors[0];
  changes.push(...(q?.changes ?? []));
  const queryDefinitionIds: Partial<Record<Question, string>> = {};
  for (const d of desired.queryDefinitions) {
    const id = q?.ids[d.name];
    if (id) queryDefinitionIds[d.question] = id;
  }
  return { skipped: false, hash: desired.hash, changes, queryDefinitionIds, alarmNames };
}

/** Removes everything this client owns in CloudWatch; what is already gone is fine. */
export async function deleteClientObservability(cw: CloudWatchClient, logs: CloudWatchLogsClient, owner: Owner, opts: SyncOptions = {}): Promise<Change[]> {
  const parts = [
    () => deleteDashboard(cw, dashboardName(owner), opts),
    () => deleteAlarms(cw, owner, clientAlarmNames(owner), opts),
    () => deleteQueryDefinitions(logs, ownerPrefix(owner), opts),
  ];
  const changes: Change[] = [];
  const errors: unknown[] = [];
  for (const part of parts) {
    try {
      changes.push(...(await part()));
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
  return changes;
}
