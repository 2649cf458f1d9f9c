// Command-line flags (each also readable from an environment variable, for the Helm chart).
import { parseArgs } from 'node:util';
import { type BucketLimit, isRateFamily, LIMITS } from './aws/ratelimit.ts';
import { checkFleetDurations } from './runtime/fleet-lease.ts';

export interface Flags {
  /** This cluster's name: the default fleet id and member id. */
  clusterId: string;
  /** The `multiregion.dev/cluster` tag value, shared by every member of a fleet (default: clusterId). */
  fleetId: string;
  /** This member's identity in the fleet lease (default: clusterId). */
  memberId: string;
  /** One controller per regional cluster, one acting (docs/multi-cluster.md); absent: a single cluster, always acting. */
  coordination?: FleetCoordinationFlags;
  awsEndpointUrl?: string;
  kubeconfig?: string;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  concurrency: number;
  driftIntervalMs: number;
  watchNamespace?: string;
  /** Objects act only within the AccessPolicies covering their namespace (docs/tenancy.md). */
  requireAccessPolicy: boolean;
  logLevel: string;
  awsMaxAttempts: number;
  awsConnectTimeoutMs: number;
  awsRequestTimeoutMs: number;
  healthObserveIntervalMs: number;
  /** Seconds of HealthCheckStatus judged at once (a minute on AWS; shorter only where the metric has finer data, e.g. the local stack). */
  healthPeriodSeconds: number;
  /** Per-account client-side rate limits that replace the published defaults (raised quotas). */
  awsRateLimits: Record<string, BucketLimit>;
  /** Automatic failback starts only after home held Healthy this long (and at least unhealthyForSeconds). */
  failbackStablePeriodMs: number;
  /** After an automatic failback that did not complete, the next waits this long. */
  failbackCooldownMs: number;
  /** A Switchover drill fails (and settles on a known writer) when a direction is not promoted this long after it started. */
  drillCatchUpTimeoutMs: number;
  help: boolean;
  /** Print the version and exit (no other flag is required then). */
  version: boolean;
}

export interface FleetCoordinationFlags {
  table: string;
  region: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const USAGE = `multiregion-controller — runs multi-region AWS (TGW peering, Route 53 + RDS failover,
client dashboards) from RegionPair, FailoverPolicy and ClientConnection objects.

Flags (environment variable in brackets):
  --cluster-id ID                  identifies this cluster in AWS ownership tags; two clusters
                                   sharing an account must use different ids   [MRC_CLUSTER_ID] (required)
  --fleet-id ID                    the ownership tag value every member of a fleet shares (one controller
                                   per regional cluster, one acting: docs/multi-cluster.md); needs
                                   --coordination-table (default: --cluster-id)   [MRC_FLEET_ID]
  --member-id ID                   this member's name in the fleet lease (default: --cluster-id) [MRC_MEMBER_ID]
  --coordination-table NAME        DynamoDB table holding the fleet lease; set, this controller acts only
                                   while it holds the lease                     [MRC_COORDINATION_TABLE]
  --coordination-region REGION     the Region whose replica of the table this member calls (its own)
                                                                                [MRC_COORDINATION_REGION]
  --coordination-lease-duration DURATION  how long an unrenewed lease keeps others waiting (default 15s)
  --coordination-renew-deadline DURATION  the holder stops acting when no renewal succeeded for this long;
                                   at most the lease duration less 1s (default 10s)
  --coordination-retry-period DURATION    how often the lease is renewed or tried (default 2s)
  --aws-endpoint-url URL           send every AWS call here (e.g. a local moto) [AWS_ENDPOINT_URL]
  --kubeconfig PATH                default: in-cluster, then $KUBECONFIG, then ~/.kube/config
  --metrics-bind-address ADDR      Prometheus /metrics (default :8080)
  --health-probe-bind-address ADDR /healthz and /readyz (default :8081)
  --leader-elect BOOL              Lease leader election (default true)
  --leader-election-namespace NS   namespace of the Lease (default: $POD_NAMESPACE, else default)
  --leader-election-id NAME        name of the Lease (default multiregion-controller)
  --concurrency N                  reconciles in flight per kind (default 4)
  --drift-interval DURATION        how often every object is checked against AWS (default 5m)
  --health-observe-interval DURATION  Route 53 health metric read interval (default 30s)
  --health-period DURATION         how much of the health metric is judged at once (default 60s,
                                   the metric's resolution on AWS; shorter only for emulators) [MRC_HEALTH_PERIOD]
  --watch-namespace NS             only watch this namespace (default: all)
  --require-access-policy BOOL     tenant boundaries: an object acts in AWS only within the AccessPolicies
                                   covering its namespace, else Synced=False AccessDenied and no AWS call
                                   (default false; the Helm chart and kustomize set true) [MRC_REQUIRE_ACCESS_POLICY]
  --aws-max-attempts N             SDK attempts per call, with standard retry (default 5)
  --aws-connect-timeout DURATION   time to open a connection to AWS (default 3s) [MRC_AWS_CONNECT_TIMEOUT]
  --aws-request-timeout DURATION   time one attempt waits for AWS to answer (default 10s); no answer
                                   in time means region unreachable, not retried [MRC_AWS_REQUEST_TIMEOUT]
  --aws-rate-limits LIST           per-account call rates for accounts with raised quotas, replacing
                                   the published defaults: FAMILY=RATE[/BURST],… e.g.
                                   cloudwatch:PutMetricAlarm=10/20,ec2:describe=40 [MRC_AWS_RATE_LIMITS]
  --failback-stable-period DURATION  Automatic failback starts only after the home region held
                                   Healthy this long (default 10m) [MRC_FAILBACK_STABLE_PERIOD]
  --failback-cooldown DURATION     after an automatic failback that did not complete (home turned
                                   unhealthy again), the next waits this long (default 1h);
                                   spec.failover.failbackMaxAttemptsPerDay caps them [MRC_FAILBACK_COOLDOWN]
  --drill-catch-up-timeout DURATION  a Switchover drill fails when a direction is not promoted this
                                   long after it started (the old writer is fenced meanwhile); it
                                   then settles on a known writer (default 10m) [MRC_DRILL_CATCH_UP_TIMEOUT]
  --log-level LEVEL                error|warn|info|debug (default info)
  --help                           print this text
  --version                        print the version and exit
`;

/** Parses "90s", "5m", "1h", "250ms" or a bare number of seconds into milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new Error(`invalid duration "${s}" (use e.g. 30s, 5m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}

function parseBool(name: string, s: string): boolean {
  if (/^(true|1|yes)$/i.test(s)) return true;
  if (/^(false|0|no)$/i.test(s)) return false;
  throw new Error(`--${name}: expected true or false, got "${s}"`);
}

function parsePositiveDuration(name: string, s: string): number {
  let ms: number;
  try {
    ms = parseDuration(s);
  } catch (e) {
    throw new Error(`--${name}: ${(e as Error).message}`);
  }
  // 0 would switch the SDK's timeout off, and a hung region would hang the reconcile again.
  if (ms <= 0) throw new Error(`--${name}: must be longer than 0, got "${s}"`);
  return ms;
}

function parsePositiveInt(name: string, s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got "${s}"`);
  return n;
}

export function parseFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): Flags {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'cluster-id': { type: 'string' },
      'fleet-id': { type: 'string' },
      'member-id': { type: 'string' },
      'coordination-table': { type: 'string' },
      'coordination-region': { type: 'string' },
      'coordination-lease-duration': { type: 'string' },
      'coordination-renew-deadline': { type: 'string' },
      'coordination-retry-period': { type: 'string' },
      'aws-endpoint-url': { type: 'string' },
      kubeconfig: { type: 'string' },
      'metrics-bind-address': { type: 'string' },
      'health-probe-bind-address': { type: 'string' },
      'leader-elect': { type: 'string' },
      'leader-election-namespace': { type: 'string' },
      'leader-election-id': { type: 'string' },
      concurrency: { type: 'string' },
      'drift-interval': { type: 'string' },
      'health-observe-interval': { type: 'string' },
      'health-period': { type: 'string' },
      'watch-namespace': { type: 'string' },
      'require-access-policy': { type: 'string' },
      'aws-max-attempts': { type: 'string' },
      'aws-connect-timeout': { type: 'string' },
      'aws-request-timeout': { type: 'string' },
      'aws-rate-limits': { type: 'string' },
      'failback-stable-period': { type: 'string' },
      'failback-cooldown': { type: 'string' },
      'drill-catch-up-timeout': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  const help = values.help ?? false;
  const version = values.version ?? false;
  const clusterId = values['cluster-id'] ?? env.MRC_CLUSTER_ID ?? '';
  if (!help && !version && !/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(clusterId)) {
    throw new Error('--cluster-id is required: 1-40 lowercase letters, digits or dashes (it is written into AWS tags)');
  }
  const fleetId = values['fleet-id'] ?? env.MRC_FLEET_ID ?? clusterId;
  const memberId = values['member-id'] ?? env.MRC_MEMBER_ID ?? clusterId;
  const coordination = parseCoordination(values, env);
  if (!help && !version) checkFleet(clusterId, fleetId, memberId, coordination);
  const logLevel = values['log-level'] ?? env.MRC_LOG_LEVEL ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) throw new Error(`--log-level: unknown level "${logLevel}"`);
  return {
    clusterId,
    fleetId,
    memberId,
    ...(coordination && { coordination }),
    awsEndpointUrl: values['aws-endpoint-url'] ?? env.AWS_ENDPOINT_URL ?? undefined,
    kubeconfig: values.kubeconfig ?? undefined,
    metricsBindAddress: values['metrics-bind-address'] ?? env.MRC_METRICS_BIND_ADDRESS ?? ':8080',
    healthProbeBindAddress: values['health-probe-bind-address'] ?? env.MRC_HEALTH_PROBE_BIND_ADDRESS ?? ':8081',
    leaderElect: parseBool('leader-elect', values['leader-elect'] ?? env.MRC_LEADER_ELECT ?? 'true'),
    leaderElectionNamespace: values['leader-election-namespace'] ?? env.POD_NAMESPACE ?? 'default',
    leaderElectionId: values['leader-election-id'] ?? 'multiregion-controller',
    concurrency: parsePositiveInt('concurrency', values.concurrency ?? env.MRC_CONCURRENCY ?? '4'),
    driftIntervalMs: parseDuration(values['drift-interval'] ?? env.MRC_DRIFT_INTERVAL ?? '5m'),
    healthObserveIntervalMs: parseDuration(values['health-observe-interval'] ?? env.MRC_HEALTH_OBSERVE_INTERVAL ?? '30s'),
    healthPeriodSeconds: healthPeriod(values['health-period'] ?? env.MRC_HEALTH_PERIOD ?? '60s'),
    watchNamespace: values['watch-namespace'] ?? env.MRC_WATCH_NAMESPACE ?? undefined,
    requireAccessPolicy: parseBool('require-access-policy', values['require-access-policy'] ?? env.MRC_REQUIRE_ACCESS_POLICY ?? 'false'),
    awsMaxAttempts: parsePositiveInt('aws-max-attempts', values['aws-max-attempts'] ?? '5'),
    awsConnectTimeoutMs: parsePositiveDuration('aws-connect-timeout', values['aws-connect-timeout'] ?? env.MRC_AWS_CONNECT_TIMEOUT ?? '3s'),
    awsRequestTimeoutMs: parsePositiveDuration('aws-request-timeout', values['aws-request-timeout'] ?? env.MRC_AWS_REQUEST_TIMEOUT ?? '10s'),
    awsRateLimits: parseRateLimits(values['aws-rate-limits'] ?? env.MRC_AWS_RATE_LIMITS ?? ''),
    failbackStablePeriodMs: parsePositiveDuration('failback-stable-period', values['failback-stable-period'] ?? env.MRC_FAILBACK_STABLE_PERIOD ?? '10m'),
    failbackCooldownMs: parsePositiveDuration('failback-cooldown', values['failback-cooldown'] ?? env.MRC_FAILBACK_COOLDOWN ?? '1h'),
    drillCatchUpTimeoutMs: parsePositiveDuration('drill-catch-up-timeout', values['drill-catch-up-timeout'] ?? env.MRC_DRILL_CATCH_UP_TIMEOUT ?? '10m'),
    logLevel,
    help,
    version,
  };
}

const ID = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

type CoordinationValues = Partial<Record<`coordination-${'table' | 'region' | 'lease-duration' | 'renew-deadline' | 'retry-period'}`, string>>;

function parseCoordination(values: CoordinationValues, env: NodeJS.ProcessEnv): FleetCoordinationFlags | undefined {
  const table = values['coordination-table'] ?? env.MRC_COORDINATION_TABLE;
  const region = values['coordination-region'] ?? env.MRC_COORDINATION_REGION;
  const timing = ['coordination-lease-duration', 'coordination-renew-deadline', 'coordination-retry-period'] as const;
  if (!table) {
    const stray = [...(region ? ['coordination-region'] : []), ...timing.filter((k) => values[k] !== undefined)];
    if (stray.length) throw new Error(`--${stray[0]} needs --coordination-table (the fleet lease's DynamoDB table)`);
    return undefined;
  }
  // DynamoDB's table name rules.
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) throw new Error(`--coordination-table: "${table}" is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)`);
  if (!region) throw new Error('--coordination-region is required with --coordination-table: the Region of the table replica this member calls (its own)');
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new Error(`--coordination-region: "${region}" is not an AWS Region name (e.g. us-east-1)`);
  const c: FleetCoordinationFlags = {
    table,
    region,
    leaseDurationMs: parsePositiveDuration('coordination-lease-duration', values['coordination-lease-duration'] ?? '15s'),
    renewDeadlineMs: parsePositiveDuration('coordination-renew-deadline', values['coordination-renew-deadline'] ?? '10s'),
    retryPeriodMs: parsePositiveDuration('coordination-retry-period', values['coordination-retry-period'] ?? '2s'),
  };
  try {
    checkFleetDurations(c.leaseDurationMs, c.renewDeadlineMs, c.retryPeriodMs);
  } catch (e) {
    throw new Error(`--coordination-*: ${(e as Error).message}`);
  }
  return c;
}

/** Two clusters sharing ownership without a lease would both act: two writers. */
function checkFleet(clusterId: string, fleetId: string, memberId: string, coordination: FleetCoordinationFlags | undefined): void {
  if (!ID.test(fleetId)) throw new Error('--fleet-id: 1-40 lowercase letters, digits or dashes (it is written into AWS tags)');
  if (!ID.test(memberId)) throw new Error('--member-id: 1-40 lowercase letters, digits or dashes');
  if (!coordination && fleetId !== clusterId) {
    throw new Error(
      `--fleet-id ${fleetId} shares AWS resources with the fleet's other members: it needs ` +
        `--coordination-table and --coordination-region, or every member would act at once`,
    );
  }
}

/** Whole seconds, at least 10; AWS keeps HealthCheckStatus at one-minute resolution, so keep 60 there. */
function healthPeriod(s: string): number {
  const ms = parseDuration(s);
  if (ms < 10_000 || ms % 1000 !== 0) throw new Error(`--health-period: expected whole seconds, at least 10s, got "${s}"`);
  return ms / 1000;
}

/**
 * "cloudwatch:PutMetricAlarm=10/20,ec2:describe=40" → their buckets (a missing burst is the rate,
 * at least 1). Unknown families are refused: a typo would otherwise leave the default in force.
 */
export function parseRateLimits(s: string): Record<string, BucketLimit> {
  const out: Record<string, BucketLimit> = {};
  for (const item of s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9]+(?::[A-Za-z0-9]+)?)=(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw new Error(`--aws-rate-limits: "${item}" is not FAMILY=RATE[/BURST] (e.g. cloudwatch:PutMetricAlarm=10/20)`);
    const [, family, rate, burst] = m as unknown as [string, string, string, string | undefined];
    if (!isRateFamily(family)) throw new Error(`--aws-rate-limits: unknown family "${family}"; known: ${Object.keys(LIMITS).join(', ')}, route53:<Operation>`);
    const ratePerSec = Number(rate);
    if (ratePerSec <= 0) throw new Error(`--aws-rate-limits: ${family} needs a rate above 0`);
    out[family] = { ratePerSec, burst: burst !== undefined ? Math.max(1, Number(burst)) : Math.max(1, Math.ceil(ratePerSec)) };
  }
  return out;
}

/** ":8080" → {host: "0.0.0.0", port: 8080}; "127.0.0.1:9000" → as given. */
export function parseBindAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i) || '0.0.0.0';
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid bind address "${addr}"`);
  return { host, port };
}
