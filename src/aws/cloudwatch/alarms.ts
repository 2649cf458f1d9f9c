// Metric alarms written only when they differ from what we want: one DescribeAlarms for all of
// an owner's alarm names, a field-by-field comparison of what we set, and PutMetricAlarm only for
// the ones that differ. Alarms carry our ownership tags; before overwriting or deleting one we
// check them, so an alarm someone else made under a colliding name is never touched.
import type { CloudWatchClient, MetricAlarm, PutMetricAlarmCommandInput, Statistic, Tag } from '@aws-sdk/client-cloudwatch';
import { AwsError } from '../errors.ts';
import { cloudwatchSdk } from '../sdk.ts';
import type { Owner } from '../types.ts';
import { canonicalJson } from './canonical.ts';
import { type Change, type ChangeMutate, clientRegion, type SyncOptions, tracked } from './changes.ts';
import { alarmsUnder } from './shared-reads.ts';

export interface MetricStatSpec {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Sum, Average, Maximum, Minimum, SampleCount (plain alarms take only these). */
  stat: string;
  period: number;
}

export interface MetricAlarmSpec {
  name: string;
  description: string;
  comparisonOperator: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  treatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
  alarmActions: string[];
  /** Exactly one of `metric` (a plain metric alarm) or `queries` (metric math). */
  metric?: MetricStatSpec;
  queries?: Array<{ id: string; expression?: string; label?: string; returnData: boolean; metricStat?: MetricStatSpec }>;
}

const TAG = { cluster: 'multiregion.dev/cluster', owner: 'multiregion.dev/owner', kind: 'multiregion.dev/kind', uid: 'multiregion.dev/uid' };

/** The ownership tags of API.md, user tags first so they can never override ours. */
export function ownerTags(owner: Owner): Tag[] {
  const tags: Record<string, string> = {
    ...owner.userTags,
    [TAG.cluster]: owner.clusterId,
    [TAG.owner]: `${owner.namespace}/${owner.name}`,
    [TAG.kind]: owner.kind,
    [TAG.uid]: owner.uid,
  };
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key] ?? '' }));
}

export function putAlarmInput(spec: MetricAlarmSpec, tags: Tag[]): PutMetricAlarmCommandInput {
  const stat = (m: MetricStatSpec) => ({
    Metric: { Namespace: m.namespace, MetricName: m.metricName, Dimensions: dims(m.dimensions) },
    Period: m.period,
    Stat: m.stat,
  });
  return {
    AlarmName: spec.name,
    AlarmDescription: spec.description,
    ActionsEnabled: true,
    AlarmActions: [...spec.alarmActions].sort(),
    ComparisonOperator: spec.comparisonOperator,
    Threshold: spec.threshold,
    EvaluationPeriods: spec.evaluationPeriods,
    ...(spec.datapointsToAlarm === undefined ? {} : { DatapointsToAlarm: spec.datapointsToAlarm }),
    TreatMissingData: spec.treatMissingData,
    ...(spec.metric
      ? {
          Namespace: spec.metric.namespace,
          MetricName: spec.metric.metricName,
          Dimensions: dims(spec.metric.dimensions),
          Statistic: spec.metric.stat as Statistic,
          Period: spec.metric.period,
        }
      : {}),
    ...(spec.queries
      ? {
          Metrics: spec.queries.map((q) => ({
            Id: q.id,
            ReturnData: q.returnData,
            ...(q.expression === undefined ? {} : { Expression: q.expression }),
            ...(q.label === undefined ? {} : { Label: q.label }),
            ...(q.metricStat ? { MetricStat: stat(q.metricStat) } : {}),
          })),
        }
      : {}),
    Tags: tags,
  };
}

/** Pure: the names of the fields we set that differ between `spec` and the alarm AWS describes. */
export function alarmDiff(spec: MetricAlarmSpec, seen: MetricAlarm): string[] {
  const want = comparable(putAlarmInput(spec, []));
  const have = comparable({ ...seen, Metrics: seen.Metrics } as PutMetricAlarmCommandInput);
  return Object.keys(want).filter((k) => canonicalJson(want[k]) !== canonicalJson(have[k]));
}

// AWS leaves out defaults when describing, and returns lists in its own order: fill and sort
// both sides the same way before comparing.
function comparable(a: PutMetricAlarmCommandInput): Record<string, unknown> {
  const sortDims = (d?: Array<{ Name?: string; Value?: string }>) =>
    [...(d ?? [])].map((x) => ({ Name: x.Name, Value: x.Value })).sort((x, y) => ((x.Name ?? '') < (y.Name ?? '') ? -1 : 1));
  const single = a.MetricName !== undefined && !(a.Metrics && a.Metrics.length > 0);
  return {
    description: a.AlarmDescription ?? '',
    actionsEnabled: a.ActionsEnabled ?? true,
    alarmActions: [...(a.AlarmActions ?? [])].sort(),
    okActions: [...(a.OKActions ?? [])].sort(),
    comparisonOperator: a.ComparisonOperator,
    threshold: a.Threshold,
    evaluationPeriods: a.EvaluationPeriods,
    datapointsToAlarm: a.DatapointsToAlarm ?? a.EvaluationPeriods,
    treatMissingData: a.TreatMissingData ?? 'missing',
    metric: single ? { ns: a.Namespace, name: a.MetricName, dims: sortDims(a.Dimensions), stat: a.Statistic, period: a.Period } : null,
    queries: single
      ? null
      : (a.Metrics ?? []).map((q) => ({
          id: q.Id,
          expression: q.Expression ?? null,
          label: q.Label ?? null,
          returnData: q.ReturnData ?? true,
          stat: q.MetricStat
            ? {
                ns: q.MetricStat.Metric?.Namespace,
                name: q.MetricStat.Metric?.MetricName,
                dims: sortDims(q.MetricStat.Metric?.Dimensions),
                stat: q.MetricStat.Stat,
                period: q.MetricStat.Period,
              }
            : null,
        })),
  };
}

/**
 * Makes the owner's alarms match `specs`: creates missing ones, updates those that differ, and
 * deletes any of `managedNames` (every name this owner may use) that is no longer wanted.
 */
export async function syncAlarms(
  cw: CloudWatchClient,
  owner: Owner,
  specs: readonly MetricAlarmSpec[],
  managedNames: readonly string[],
  opts: AlarmSyncOptions = {},
): Promise<Change[]> {
  const region = await clientRegion(cw);
  const wanted = new Set(specs.map((s) => s.name));
  const names = [...new Set([...wanted, ...managedNames])];
  let seen = opts.sharedPrefix ? await sharedSubset(cw, opts.sharedPrefix, names) : await describeAlarms(cw, names);
  // The shared list may be a few seconds old: what it says must change is read again first.
  if (opts.sharedPrefix && needsWrite(specs, seen, wanted, managedNames)) seen = await describeAlarms(cw, names);
  const tags = ownerTags(owner);
  const { mutate, changes } = tracked(opts);
  for (const spec of specs) {
    const current = seen.get(spec.name);
    const diff = current ? alarmDiff(spec, current) : [];
    if (current && diff.length === 0) {
      if (opts.retag) await retag(cw, current, owner, tags, region, mutate);
      continue;
    }
    // PutMetricAlarm is an upsert by name: a create repeated after a lost answer makes no second alarm.
    const change: Change = current
      ? { action: 'Update', resource: `alarm ${spec.name}`, region, detail: diff.join(', ') }
      : { action: 'Create', resource: `alarm ${spec.name}`, region, repeatable: true };
    await mutate(change, async () => {
      if (current) await assertOwned(cw, current, owner, region);
      await cw.send(new cloudwatchSdk.PutMetricAlarmCommand(putAlarmInput(spec, tags)));
      // PutMetricAlarm ignores Tags when the alarm already exists.
      if (current?.AlarmArn) await cw.send(new cloudwatchSdk.TagResourceCommand({ ResourceARN: current.AlarmArn, Tags: tags }));
    });
  }
  const stale = [...seen.values()].filter((a) => a.AlarmName && !wanted.has(a.AlarmName) && managedNames.includes(a.AlarmName));
  // One call per alarm (an owner has a few), so that each delete is one change of its own.
  for (const a of stale) {
    await mutate({ action: 'Delete', resource: `alarm ${a.AlarmName}`, region }, async () => {
      await assertOwned(cw, a, owner, region);
      await cw.send(new cloudwatchSdk.DeleteAlarmsCommand({ AlarmNames: [a.AlarmName as string] }));
    });
  }
  return changes;
}

export interface AlarmSyncOptions extends SyncOptions {
  /**
   * Also bring the tags of unchanged alarms up to date (one read each). Worth it only when the
   * owner's spec changed (user tags may have); routine drift checks leave it off.
   */
  retag?: boolean;
  /**
   * Read the alarms from the region's shared list of every alarm under this prefix (a drift check
   * of many owners at once, alarmsUnder in shared-reads.ts) instead of one DescribeAlarms each.
   */
  sharedPrefix?: string;
}

async function sharedSubset(cw: CloudWatchClient, prefix: string, names: readonly string[]): Promise<Map<string, MetricAlarm>> {
  const all = await alarmsUnder(cw, prefix);
  const out = new Map<string, MetricAlarm>();
  for (const n of names) {
    const a = all.get(n);
    if (a) out.set(n, a);
  }
  return out;
}

function needsWrite(
  specs: readonly MetricAlarmSpec[],
  seen: ReadonlyMap<string, MetricAlarm>,
  wanted: ReadonlySet<string>,
  managed: readonly string[],
): boolean {
  const differs = specs.some((s) => {
    const cur = seen.get(s.name);
    return !cur || alarmDiff(s, cur).length > 0;
  });
  return differs || [...seen.keys()].some((n) => !wanted.has(n) && managed.includes(n));
}

/** Deletes the owner's alarms among `names`; names that don't exist are fine. */
export function deleteAlarms(cw: CloudWatchClient, owner: Owner, names: readonly string[], opts: SyncOptions = {}): Promise<Change[]> {
  return syncAlarms(cw, owner, [], names, opts);
}

export async function describeAlarms(cw: CloudWatchClient, names: readonly string[]): Promise<Map<string, MetricAlarm>> {
  const out = new Map<string, MetricAlarm>();
  for (let i = 0; i < names.length; i += 100) {
    const batch = names.slice(i, i + 100);
    let NextToken: string | undefined;
    do {
      const page = await cw.send(new cloudwatchSdk.DescribeAlarmsCommand({ AlarmNames: batch, AlarmTypes: ['MetricAlarm'], NextToken }));
      for (const a of page.MetricAlarms ?? []) if (a.AlarmName) out.set(a.AlarmName, a);
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return out;
}

/** The alarm's tags, once they prove it is this owner's; otherwise a Terminal error. */
async function assertOwned(cw: CloudWatchClient, alarm: MetricAlarm, owner: Owner, region: string): Promise<Tag[]> {
  const tags = alarm.AlarmArn ? ((await cw.send(new cloudwatchSdk.ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn }))).Tags ?? []) : [];
  const get = (k: string) => tags.find((t) => t.Key === k)?.Value;
  if (get(TAG.cluster) === owner.clusterId && get(TAG.owner) === `${owner.namespace}/${owner.name}` && get(TAG.kind) === owner.kind) return tags;
  throw new AwsError({
    class: 'Terminal',
    code: 'NotOwned',
    service: 'cloudwatch',
    operation: 'PutMetricAlarm',
    region,
    subject: `alarm ${alarm.AlarmName}`,
    message:
      `the alarm exists without this object's ownership tags (${TAG.cluster}=${owner.clusterId}, ` +
      `${TAG.owner}=${owner.namespace}/${owner.name}); rename or delete it by hand`,
  });
}

async function retag(cw: CloudWatchClient, alarm: MetricAlarm, owner: Owner, want: Tag[], region: string, mutate: ChangeMutate): Promise<void> {
  const have = await assertOwned(cw, alarm, owner, region);
  const missing = want.filter((t) => !have.some((h) => h.Key === t.Key && h.Value === t.Value));
  const arn = alarm.AlarmArn;
  if (missing.length === 0 || !arn) return;
  const detail = `tags ${missing.map((t) => t.Key).join(', ')}`;
  await mutate({ action: 'Update', resource: `alarm ${alarm.AlarmName}`, region, detail }, () =>
    cw.send(new cloudwatchSdk.TagResourceCommand({ ResourceARN: arn, Tags: missing })),
  );
}

function dims(d: Record<string, string>) {
  return Object.keys(d)
    .sort()
    .map((Name) => ({ Name, Value: d[Name] }));
}
