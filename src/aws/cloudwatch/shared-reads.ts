// CloudWatch list reads shared per (account, region): the metric alarms and the dashboards of
// every owner of one kind under one name prefix, one paginated call each, instead of one
// DescribeAlarms and one GetDashboard per owner per drift check. Our writes through the client
// drop what they can change (PutMetricAlarm the alarms, PutDashboard the dashboards); a write
// we do not know drops both. Callers that find something to change re-read it directly before
// writing, so the shared window never decides a write.
import type { CloudWatchClient, DashboardEntry, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { type SharedReads, sharedReadsOf } from '../ec2/shared-reads.ts';
import { cloudwatchSdk } from '../sdk.ts';

export type CloudWatchReadType = 'alarms' | 'dashboards';

const ALARM_WRITES = new Set(['PutMetricAlarm', 'PutCompositeAlarm', 'DeleteAlarms', 'SetAlarmState', 'EnableAlarmActions', 'DisableAlarmActions']);
const DASHBOARD_WRITES = new Set(['PutDashboard', 'DeleteDashboards']);

export function cloudwatchTypesChangedBy(operation: string): readonly CloudWatchReadType[] {
  // Tags are not part of either list; metric data is not either.
  if (/^(Describe|Get|List)/.test(operation) || operation === 'PutMetricData' || operation === 'TagResource' || operation === 'UntagResource') return [];
  if (ALARM_WRITES.has(operation)) return ['alarms'];
  if (DASHBOARD_WRITES.has(operation)) return ['dashboards'];
  return ['alarms', 'dashboards'];
}

export function cloudwatchReads(cw: CloudWatchClient): SharedReads<CloudWatchReadType> {
  return sharedReadsOf<CloudWatchReadType>(cw, cloudwatchTypesChangedBy);
}

/** Every metric alarm whose name starts with `prefix`, by name: one paginated DescribeAlarms shared by every owner. */
export function alarmsUnder(cw: CloudWatchClient, prefix: string): Promise<ReadonlyMap<string, MetricAlarm>> {
  return cloudwatchReads(cw).read('alarms', prefix, async () => {
    const out = new Map<string, MetricAlarm>();
    const pages = cloudwatchSdk.paginateDescribeAlarms({ client: cw, stopOnSameToken: true }, { AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm'] });
    for await (const page of pages) for (const a of page.MetricAlarms ?? []) if (a.AlarmName) out.set(a.AlarmName, a);
    return out;
  });
}

/** Every dashboard whose name starts with `prefix` (name, last modified, size): one paginated ListDashboards. */
export function dashboardsUnder(cw: CloudWatchClient, prefix: string): Promise<ReadonlyMap<string, DashboardEntry>> {
  return cloudwatchReads(cw).read('dashboards', prefix, async () => {
    const out = new Map<string, DashboardEntry>();
    const pages = cloudwatchSdk.paginateListDashboards({ client: cw, stopOnSameToken: true }, { DashboardNamePrefix: prefix });
    for await (const page of pages) for (const d of page.DashboardEntries ?? []) if (d.DashboardName) out.set(d.DashboardName, d);
    return out;
  });
}
