// Health of many Route 53 health checks from CloudWatch, never from GetHealthCheckStatus
// (1 call/s per account, and one call per check). Route 53 publishes `HealthCheckStatus`
// (1 healthy, 0 unhealthy) in namespace AWS/Route53, dimension HealthCheckId, in us-east-1
// only: pass a CloudWatch client for us-east-1 of the account that owns the checks.
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { toAwsError } from '../errors.ts';

/** Same literals as the API's Health. */
export type HealthState = 'Healthy' | 'Unhealthy' | 'Unknown';

export interface HealthSample {
  health: HealthState;
  /** The newest datapoint: 1 healthy, 0 unhealthy; undefined when there is none. */
  value: 1 | 0 | undefined;
  timestamp?: Date;
}

export const HEALTH_NAMESPACE = 'AWS/Route53';
export const HEALTH_METRIC = 'HealthCheckStatus';
export const MAX_QUERIES_PER_CALL = 500;

export interface HealthObserverOptions {
  periodSeconds?: number;
  /** How far back to look for the newest datapoint. */
  lookbackSeconds?: number;
  /** A newest datapoint older than this says nothing about now: Unknown. */
  staleAfterSeconds?: number;
  now?: () => Date;
}

const DEFAULTS = { periodSeconds: 60, lookbackSeconds: 600, staleAfterSeconds: 300 };

/** One MetricStat query per check; ids `h0`, `h1`… map back by position. */
export function healthQueries(checkIds: readonly string[], periodSeconds: number): MetricDataQuery[] {
  return checkIds.map((id, i) => ({
    Id: `h${i}`,
    MetricStat: {
      Metric: { Namespace: HEALTH_NAMESPACE, MetricName: HEALTH_METRIC, Dimensions: [{ Name: 'HealthCheckId', Value: id }] },
      Period: periodSeconds,
      // Minimum: one unhealthy minute is unhealthy, never averaged away.
      Stat: 'Minimum',
    },
    ReturnData: true,
  }));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The newest datapoint of one result, judged at `now`. */
export function sampleOf(result: Pick<MetricDataResult, 'Values' | 'Timestamps'> | undefined, now: Date, staleAfterSeconds: number): HealthSample {
  const values = result?.Values ?? [];
  const stamps = result?.Timestamps ?? [];
  let newest = -1;
  for (let i = 0; i < Math.min(values.length, stamps.length); i++) {
    if (newest < 0 || (stamps[i]?.getTime() ?? 0) > (stamps[newest]?.getTime() ?? 0)) newest = i;
  }
  const raw = newest >= 0 ? values[newest] : undefined;
  const timestamp = newest >= 0 ? stamps[newest] : undefined;
  if (raw === undefined || timestamp === undefined) return { health: 'Unknown', value: undefined };
  const value: 1 | 0 = raw >= 1 ? 1 : 0;
  const stale = now.getTime() - timestamp.getTime() > staleAfterSeconds * 1000;
  return { health: stale ? 'Unknown' : value === 1 ? 'Healthy' : 'Unhealthy', value, timestamp };
}

export class HealthObserver {
  private readonly periodSeconds: number;
  private readonly lookbackSeconds: number;
  private readonly staleAfterSeconds: number;
  private readonly now: () => Date;

  constructor(
    private readonly cloudwatch: CloudWatchClient,
    opts: HealthObserverOptions = {},
  ) {
    this.periodSeconds = opts.periodSeconds ?? DEFAULTS.periodSeconds;
    this.lookbackSeconds = opts.lookbackSeconds ?? DEFAULTS.lookbackSeconds;
    this.staleAfterSeconds = opts.staleAfterSeconds ?? DEFAULTS.staleAfterSeconds;
    this.now = opts.now ?? (() => new Date());
  }

  /** Health of every check, in as few GetMetricData calls as the 500-query limit allows. */
  async observe(checkIds: readonly string[]): Promise<Map<string, HealthSample>> {
    const ids = [...new Set(checkIds)];
    const now = this.now();
    const out = new Map<string, HealthSample>();
    for (const part of chunk(ids, MAX_QUERIES_PER_CALL)) {
      const results = await this.fetch(part, now);
      part.forEach((id, i) => out.set(id, sampleOf(results.get(`h${i}`), now, this.staleAfterSeconds)));
    }
    return out;
  }

  private async fetch(ids: string[], now: Date): Promise<Map<string, { Values: number[]; Timestamps: Date[] }>> {
    const merged = new Map<string, { Values: number[]; Timestamps: Date[] }>();
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      let out;
      try {
        out = await this.cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: healthQueries(ids, this.periodSeconds),
            StartTime: new Date(now.getTime() - this.lookbackSeconds * 1000),
            EndTime: now,
            ScanBy: 'TimestampDescending',
            ...(token ? { NextToken: token } : {}),
          }),
        );
      } catch (err) {
        throw toAwsError(err, { service: 'cloudwatch', operation: 'GetMetricData', subject: `${ids.length} health checks` });
      }
      for (const r of out.MetricDataResults ?? []) {
        if (!r.Id) continue;
        const m = merged.get(r.Id) ?? { Values: [], Timestamps: [] };
        m.Values.push(...(r.Values ?? []));
        m.Timestamps.push(...(r.Timestamps ?? []));
        merged.set(r.Id, m);
      }
      token = out.NextToken && !seen.has(out.NextToken) ? out.NextToken : undefined;
      if (token) seen.add(token);
    } while (token);
    return merged;
  }
}
