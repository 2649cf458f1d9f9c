// Replica lag of RDS read replicas, read from CloudWatch (AWS/RDS ReplicaLag, in seconds) in the
// replica's region — the metric is published where the replica lives, so it stays readable
// when the primary's region is down. One GetMetricData call covers up to 500 replicas.
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { cloudwatchSdk } from '../sdk.ts';

export interface LagSample {
  seconds: number;
  /** Start of the period the value belongs to: callers judge freshness from it. */
  at: Date;
}

export interface ReplicaLagOptions {
  now?: Date;
  /** How far back to look for the latest datapoint (default 10 min: RDS publishes every minute). */
  lookbackSeconds?: number;
  /** Aggregation period (default 60 s, RDS's basic resolution). */
  periodSeconds?: number;
}

/** GetMetricData's limit of queries per call. */
export const MAX_QUERIES_PER_CALL = 500;
const MAX_PAGES = 20;

/**
 * Latest ReplicaLag per DB instance identifier (all in the client's region). An identifier with
 * no datapoint in the window maps to undefined: the lag is unknown, which is not the same as 0.
 * The worst value of each period (Maximum) is taken, so a spike is never averaged away.
 */
export async function readReplicaLag(
  cw: CloudWatchClient,
  identifiers: readonly string[],
  opts: ReplicaLagOptions = {},
): Promise<Map<string, LagSample | undefined>> {
  const series = await readRdsMetricSeries(cw, 'ReplicaLag', identifiers, opts);
  return new Map([...series].map(([id, points]) => [id, newestOf(points)]));
}

/** Every datapoint of one RDS metric per DB instance in the window (Maximum per period), in no particular order. */
export async function readRdsMetricSeries(
  cw: CloudWatchClient,
  metricName: 'ReplicaLag' | 'OldestReplicationSlotLag',
  identifiers: readonly string[],
  opts: ReplicaLagOptions = {},
): Promise<Map<string, LagSample[]>> {
  const unique = [...new Set(identifiers)];
  const result = new Map<string, LagSample[]>(unique.map((id) => [id, []]));
  const now = opts.now ?? new Date();
  const period = opts.periodSeconds ?? 60;
  // Aligned to the period, as CloudWatch recommends: datapoints then carry whole-minute
  // timestamps instead of buckets counted from an arbitrary start.
  const periodMs = period * 1000;
  const start = new Date(Math.floor((now.getTime() - (opts.lookbackSeconds ?? 600) * 1000) / periodMs) * periodMs);
  for (let i = 0; i < unique.length; i += MAX_QUERIES_PER_CALL) {
    const batch = unique.slice(i, i + MAX_QUERIES_PER_CALL);
    const byQueryId = new Map(batch.map((id, n) => [queryId(n), id]));
    const queries = batch.map((id, n) => lagQuery(queryId(n), id, period, metricName));
    let token: string | undefined;
    const seenTokens = new Set<string>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await cw.send(
        new cloudwatchSdk.GetMetricDataCommand({ StartTime: start, EndTime: now, ScanBy: 'TimestampDescending', MetricDataQueries: queries, NextToken: token }),
      );
      for (const r of out.MetricDataResults ?? []) {
        const id = r.Id ? byQueryId.get(r.Id) : undefined;
        if (id === undefined) continue;
        result.get(id)?.push(...samples(r.Timestamps ?? [], r.Values ?? []));
      }
      if (!out.NextToken || seenTokens.has(out.NextToken)) break;
      seenTokens.add(out.NextToken);
      token = out.NextToken;
    }
  }
  return result;
}

/** One replica's latest lag, or undefined when CloudWatch has none in the window. */
export async function readOneReplicaLag(cw: CloudWatchClient, identifier: string, opts: ReplicaLagOptions = {}): Promise<LagSample | undefined> {
  return (await readReplicaLag(cw, [identifier], opts)).get(identifier);
}

/** Query ids must start with a lower-case letter and be unique within the call. */
function queryId(n: number): string {
  return `lag${n}`;
}

export function lagQuery(id: string, dbInstanceIdentifier: string, periodSeconds: number, metricName = 'ReplicaLag'): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/RDS', MetricName: metricName, Dimensions: [{ Name: 'DBInstanceIdentifier', Value: dbInstanceIdentifier }] },
      Period: periodSeconds,
      Stat: 'Maximum',
    },
    ReturnData: true,
  };
}

/** Datapoints are not guaranteed to be sorted across pages: pick the newest explicitly. */
export function newest(timestamps: readonly Date[], values: readonly number[]): LagSample | undefined {
  return newestOf(samples(timestamps, values));
}

function samples(timestamps: readonly Date[], values: readonly number[]): LagSample[] {
  return timestamps.flatMap((t, i) => {
    const v = values[i];
    return v === undefined || !Number.isFinite(v) ? [] : [{ seconds: v, at: t }];
  });
}

function newestOf(points: readonly LagSample[]): LagSample | undefined {
  let best: LagSample | undefined;
  for (const p of points) if (!best || p.at > best.at) best = p;
  return best;
}
