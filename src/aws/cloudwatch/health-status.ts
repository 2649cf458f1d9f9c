// Health of many Route 53 health checks from CloudWatch, never from GetHealthCheckStatus
// (1 call/s per account, and one call per check). Route 53 publishes `HealthCheckStatus`
// (1 healthy, 0 unhealthy) in namespace AWS/Route53, dimension HealthCheckId, in us-east-1
// only, at one-minute intervals; its valid statistics are Minimum, Average and Maximum
// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-cloudwatch.html).
// Pass a CloudWatch client for us-east-1 of the account that owns the checks.
//
// How health is judged. The Average of HealthCheckStatus over a period is the share of that
// period the check was healthy. Minimum (used before) made one unhealthy moment an unhealthy
// minute, so a check flapping every 20 s read as continuously Unhealthy and the trigger's
// "Unhealthy without a break" clock never restarted. Now, per complete period:
//   share <= 0.2 → Unhealthy   (down at least 48 s of the minute: a dead region)
//   share >= 0.8 → Healthy     (a missed probe or two is not an outage)
//   in between   → Unknown     (flapping)
// Flapping is Unknown, not Unhealthy, so a flapping active region restarts the failover clock
// and never starts a failover; and not Healthy, so a flapping standby is neither failed over
// into nor reported ready, and a flapping home region does not count towards failback.
// A dead region reads Unhealthy from its first complete minute that is >= 80% down, i.e. 1–2
// minutes after it died (plus CloudWatch's own delay); failover follows unhealthyForSeconds
// later. A period still filling up is judged once it holds MIN_PARTIAL_SAMPLES probes (the
// SampleCount query says how many): with fewer it is no share yet (one unhealthy probe of a
// flapping check would read 0), and the newest complete period speaks instead. So a dead region
// reads Unhealthy a few probes into the first minute it is down all along, not a minute later.
import type { CloudWatchClient, GetMetricDataCommandOutput, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { toAwsError } from '../errors.ts';
import { cloudwatchSdk } from '../sdk.ts';

/** Same literals as the API's Health. */
export type HealthState = 'Healthy' | 'Unhealthy' | 'Unknown';

export interface HealthSample {
  health: HealthState;
  /** Share of the newest complete period the check was healthy (0..1); undefined when there is no datapoint. */
  healthyShare: number | undefined;
  /** Start of that period. */
  timestamp?: Date;
}

export const HEALTH_NAMESPACE = 'AWS/Route53';
export const HEALTH_METRIC = 'HealthCheckStatus';
export const MAX_QUERIES_PER_CALL = 500;
/** Two queries per check (Average and SampleCount). */
export const MAX_CHECKS_PER_CALL = MAX_QUERIES_PER_CALL / 2;
/** Probes a running period needs before its Average counts as a share. */
export const MIN_PARTIAL_SAMPLES = 3;
export const UNHEALTHY_AT_MOST = 0.2;
export const HEALTHY_AT_LEAST = 0.8;

export interface HealthObserverOptions {
  /** The window judged at once; a multiple of 60 (HealthCheckStatus is a standard-resolution metric). */
  periodSeconds?: number;
  /** How far back to look for the newest datapoint. */
  lookbackSeconds?: number;
  /** A newest datapoint older than this says nothing about now: Unknown. */
  staleAfterSeconds?: number;
  now?: () => Date;
}

const DEFAULTS = { periodSeconds: 60, lookbackSeconds: 600, staleAfterSeconds: 300 };

/** Two MetricStat queries per check: `h<i>` its Average, `n<i>` its SampleCount; they map back by position. */
export function healthQueries(checkIds: readonly string[], periodSeconds: number): MetricDataQuery[] {
  const metric = (id: string) => ({ Namespace: HEALTH_NAMESPACE, MetricName: HEALTH_METRIC, Dimensions: [{ Name: 'HealthCheckId', Value: id }] });
  return checkIds.flatMap((id, i) => [
    // Average: the share of the period the check was healthy (see the top of this file).
    { Id: `h${i}`, MetricStat: { Metric: metric(id), Period: periodSeconds, Stat: 'Average' }, ReturnData: true },
    // SampleCount: whether a period still running holds enough probes to be judged.
    { Id: `n${i}`, MetricStat: { Metric: metric(id), Period: periodSeconds, Stat: 'SampleCount' }, ReturnData: true },
  ]);
}

/**
 * StartTime aligned to the period, as CloudWatch recommends (and AWS rounds it so anyway), so the
 * periods are whole minutes; EndTime is now, so the period still running comes back too.
 */
export function queryWindow(now: Date, periodSeconds: number, lookbackSeconds: number): { start: Date; end: Date } {
  const p = periodSeconds * 1000;
  const current = Math.floor(now.getTime() / p) * p;
  return { start: new Date(current - Math.ceil(lookbackSeconds / periodSeconds) * p), end: now };
}

export function judgeShare(share: number): HealthState {
  if (share <= UNHEALTHY_AT_MOST) return 'Unhealthy';
  if (share >= HEALTHY_AT_LEAST) return 'Healthy';
  return 'Unknown';
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type Series = Pick<MetricDataResult, 'Values' | 'Timestamps'>;

/**
 * The newest period that can be judged, at `now`: a period still running only once it holds
 * MIN_PARTIAL_SAMPLES probes (per `counts`, the SampleCount series), else the one before it.
 */
export function sampleOf(
  result: Series | undefined,
  now: Date,
  staleAfterSeconds: number,
  counts?: Series,
  periodSeconds = DEFAULTS.periodSeconds,
): HealthSample {
  const values = result?.Values ?? [];
  const stamps = result?.Timestamps ?? [];
  const countAt = new Map((counts?.Timestamps ?? []).map((t, i) => [t.getTime(), counts?.Values?.[i] ?? 0]));
  const judgeable = (i: number): boolean => {
    const t = stamps[i]!.getTime();
    const running = t + periodSeconds * 1000 > now.getTime();
    return !running || (countAt.get(t) ?? 0) >= MIN_PARTIAL_SAMPLES;
  };
  let newest = -1;
  for (let i = 0; i < Math.min(values.length, stamps.length); i++) {
    if (!stamps[i] || !judgeable(i)) continue;
    if (newest < 0 || stamps[i]!.getTime() > (stamps[newest]?.getTime() ?? 0)) newest = i;
  }
  const raw = newest >= 0 ? values[newest] : undefined;
  const timestamp = newest >= 0 ? stamps[newest] : undefined;
  if (raw === undefined || timestamp === undefined || !Number.isFinite(raw)) return { health: 'Unknown', healthyShare: undefined };
  const healthyShare = Math.min(1, Math.max(0, raw));
  const stale = now.getTime() - timestamp.getTime() > staleAfterSeconds * 1000;
  return { health: stale ? 'Unknown' : judgeShare(healthyShare), healthyShare, timestamp };
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
    for (const part of chunk(ids, MAX_CHECKS_PER_CALL)) {
      const results = await this.fetch(part, now);
      part.forEach((id, i) => out.set(id, sampleOf(results.get(`h${i}`), now, this.staleAfterSeconds, results.get(`n${i}`), this.periodSeconds)));
    }
    return out;
  }

  private async fetch(ids: string[], now: Date): Promise<Map<string, { Values: number[]; Timestamps: Date[] }>> {
    const merged = new Map<string, { Values: number[]; Timestamps: Date[] }>();
    const { start, end } = queryWindow(now, this.periodSeconds, this.lookbackSeconds);
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      let out: GetMetricDataCommandOutput;
      try {
        out = await this.cloudwatch.send(
          new cloudwatchSdk.GetMetricDataCommand({
            MetricDataQueries: healthQueries(ids, this.periodSeconds),
            StartTime: start,
            EndTime: end,
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
