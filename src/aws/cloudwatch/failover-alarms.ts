// FailoverPolicy alarms: replica lag above the limit (AWS/RDS ReplicaLag of the replica, in the
// replica's region), optionally health-check latency (AWS/Route53, which publishes health
// check metrics only in us-east-1; AWS/GlobalAccelerator has no latency metric), and optionally
// unhealthy endpoints in the active Global Accelerator endpoint group (AWS/GlobalAccelerator,
// published in us-west-2 only). Put only when changed, deleted from regions they left (the
// replica changes region after a failover).
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Owner } from '../types.ts';
import { type MetricAlarmSpec, syncAlarms } from './alarms.ts';
import { contentHash } from './canonical.ts';
import type { Change, SyncOptions } from './changes.ts';
import { alarmActions } from './client-alarms.ts';
import { GA_METRICS_REGION, GA_NAMESPACE, gaDimensions } from './ga-metrics.ts';
import { type OwnerRef, ownedName } from './names.ts';

const SUFFIX = { lag: 'replica-lag', latency: 'health-check-latency', gaUnhealthy: 'ga-unhealthy-endpoints' } as const;
const ROUTE53_METRICS_REGION = 'us-east-1';

export interface FailoverAlarmInput {
  owner: OwnerRef;
  replica?: { region: string; identifier: string };
  replicaLagSeconds?: number;
  /**
   * Route 53 publishes TimeToFirstByte (HTTP/HTTPS) and ConnectionTime (TCP) only for health
   * checks created with MeasureLatency; without it the alarm sees no data (not breaching).
   */
  latency?: { millis: number; healthCheckId: string; metric?: 'TimeToFirstByte' | 'ConnectionTime' };
  /**
   * spec.alarms.gaUnhealthyEndpoints: alarm when at least `threshold` endpoints of the active
   * side's endpoint group (the group in `activeRegion` of `listenerArn`) are unhealthy. The
   * dimensions follow the active region, so a failover re-puts it.
   */
  gaUnhealthy?: { threshold: number; acceleratorArn: string; listenerArn: string; activeRegion: string };
  /** One topic; used only by alarms in its own region. */
  snsTopicArn?: string;
}

export interface DesiredFailoverAlarms {
  byRegion: Record<string, MetricAlarmSpec[]>;
  warnings: string[];
  hash: string;
}

export function failoverAlarmNames(owner: OwnerRef): string[] {
  return Object.values(SUFFIX).map((s) => ownedName(owner, s));
}

export function desiredFailoverAlarms(input: FailoverAlarmInput): DesiredFailoverAlarms {
  const warnings: string[] = [];
  const byRegion: Record<string, MetricAlarmSpec[]> = {};
  const add = (region: string, spec: MetricAlarmSpec) => (byRegion[region] ??= []).push(spec);
  const who = `${input.owner.namespace}/${input.owner.name}`;

  if (input.replica && input.replicaLagSeconds !== undefined) {
    const { region, identifier } = input.replica;
    add(region, {
      name: ownedName(input.owner, SUFFIX.lag),
      description:
        `Replica ${identifier} (${region}) of FailoverPolicy ${who} lags more than ` +
        `${input.replicaLagSeconds}s: failing over now would lose data. Managed by multiregion-controller.`,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: input.replicaLagSeconds,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // A replica that reports nothing is not one we could fail over to.
      treatMissingData: 'breaching',
      alarmActions: alarmActions(region, input.snsTopicArn, warnings),
      metric: { namespace: 'AWS/RDS', metricName: 'ReplicaLag', dimensions: { DBInstanceIdentifier: identifier }, stat: 'Maximum', period: 60 },
    });
  }
  if (input.latency) {
    const metricName = input.latency.metric ?? 'TimeToFirstByte';
    add(ROUTE53_METRICS_REGION, {
      name: ownedName(input.owner, SUFFIX.latency),
      description:
        `Health check ${input.latency.healthCheckId} of FailoverPolicy ${who}: ` +
        `${metricName} above ${input.latency.millis} ms. Managed by multiregion-controller.`,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: input.latency.millis,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'notBreaching',
      alarmActions: alarmActions(ROUTE53_METRICS_REGION, input.snsTopicArn, warnings),
      metric: { namespace: 'AWS/Route53', metricName, dimensions: { HealthCheckId: input.latency.healthCheckId }, stat: 'Average', period: 60 },
    });
  }
  if (input.gaUnhealthy) {
    const g = input.gaUnhealthy;
    add(GA_METRICS_REGION, {
      name: ownedName(input.owner, SUFFIX.gaUnhealthy),
      description:
        `${g.threshold} or more endpoints of the active Global Accelerator endpoint group ` +
        `(${g.activeRegion}) of FailoverPolicy ${who} are unhealthy. Managed by multiregion-controller.`,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: g.threshold,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // GA reports only while traffic flows: no data is no news, not an outage.
      treatMissingData: 'notBreaching',
      alarmActions: alarmActions(GA_METRICS_REGION, input.snsTopicArn, warnings),
      metric: {
        namespace: GA_NAMESPACE,
        metricName: 'UnhealthyEndpointCount',
        dimensions: gaDimensions(g.acceleratorArn, g.listenerArn, g.activeRegion),
        stat: 'Maximum',
        period: 60,
      },
    });
  }
  return { byRegion, warnings, hash: contentHash(byRegion) };
}

export interface FailoverAlarmSyncOptions extends SyncOptions {
  /** Every region where this policy may have alarms (both sides, us-east-1, and us-west-2 for GA): stale ones there are deleted. */
  regions: readonly string[];
  lastHash?: string;
  verify?: boolean;
}

export async function syncFailoverAlarms(
  cwFor: (region: string) => CloudWatchClient,
  owner: Owner,
  desired: DesiredFailoverAlarms,
  opts: FailoverAlarmSyncOptions,
): Promise<{ skipped: boolean; hash: string; changes: Change[] }> {
  if (!opts.verify && opts.lastHash === desired.hash) return { skipped: true, hash: desired.hash, changes: [] };
  const names = failoverAlarmNames(owner);
  const regions = [...new Set([...opts.regions, ...Object.keys(desired.byRegion)])].sort();
  const changes: Change[] = [];
  for (const region of regions) {
    const retag = opts.lastHash !== desired.hash;
    changes.push(...(await syncAlarms(cwFor(region), owner, desired.byRegion[region] ?? [], names, { dryRun: opts.dryRun, mutate: opts.mutate, retag })));
  }
  return { skipped: false, hash: desired.hash, changes };
}

export async function deleteFailoverAlarms(
  cwFor: (region: string) => CloudWatchClient,
  owner: Owner,
  regions: readonly string[],
  opts: SyncOptions = {},
): Promise<Change[]> {
  const empty: DesiredFailoverAlarms = { byRegion: {}, warnings: [], hash: '' };
  return (await syncFailoverAlarms(cwFor, owner, empty, { ...opts, regions, verify: true })).changes;
}
