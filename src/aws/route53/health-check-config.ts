// Pure half of health checks: the Route 53 config a spec asks for, the difference to what
// AWS reports, and the deterministic CallerReference.
import { createHash } from 'node:crypto';
import type { HealthCheckConfig, UpdateHealthCheckCommandInput } from '@aws-sdk/client-route-53';
import { DnsSpecError } from './dns-spec-error.ts';
import { normalizeName } from './names.ts';
import { isIPv4, isIPv6, type Side, type TargetInput } from './records.ts';

/** The same shape as the API's HealthCheckSpec: the controller can pass the spec through. */
export interface HealthCheckInput {
  type: 'TCP' | 'HTTP' | 'HTTPS' | 'CloudWatchAlarm';
  fqdn?: string;
  ipAddress?: string;
  port?: number;
  path?: string;
  intervalSeconds?: number;
  failureThreshold?: number;
  alarmName?: string;
  alarmRegion?: string;
}

/** Route 53's own defaults, so that an unset field compares equal to what AWS reports. */
const DEFAULT_INTERVAL = 30;
const DEFAULT_THRESHOLD = 3;
const DEFAULT_PORT = { HTTP: 80, HTTPS: 443 } as const;

/** What the check must also do, beyond its spec. */
export interface HealthCheckOptions {
  /**
   * Ask Route 53 to measure latency (spec.alarms.latencyMillis is set): only then does it publish
   * TimeToFirstByte for HTTP/HTTPS checks, the metric the latency alarm reads. Settable only at
   * creation, so turning it on or off replaces the check. TCP checks are left as they are: they
   * have no TimeToFirstByte.
   */
  measureLatency?: boolean;
}

/**
 * The config to create. The endpoint defaults to the side's target (first IP, CNAME, or
 * alias name). `field` prefixes error paths, e.g. `spec.dns.primary.healthCheck`.
 */
export function healthCheckConfig(hc: HealthCheckInput, target: TargetInput | undefined, field: string, opts: HealthCheckOptions = {}): HealthCheckConfig {
  if (hc.type === 'CloudWatchAlarm') {
    if (!hc.alarmName) throw new DnsSpecError(`${field}.alarmName`, 'a CloudWatchAlarm health check needs alarmName');
    if (!hc.alarmRegion) throw new DnsSpecError(`${field}.alarmRegion`, 'a CloudWatchAlarm health check needs alarmRegion');
    return {
      Type: 'CLOUDWATCH_METRIC',
      AlarmIdentifier: { Region: hc.alarmRegion as NonNullable<HealthCheckConfig['AlarmIdentifier']>['Region'], Name: hc.alarmName },
      // While the alarm has too little data, keep the last verdict rather than flapping to a guess.
      InsufficientDataHealthStatus: 'LastKnownStatus',
    };
  }
  const interval = hc.intervalSeconds ?? DEFAULT_INTERVAL;
  if (interval !== 10 && interval !== 30) throw new DnsSpecError(`${field}.intervalSeconds`, `must be 10 or 30, not ${interval}`);
  const threshold = hc.failureThreshold ?? DEFAULT_THRESHOLD;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 10) throw new DnsSpecError(`${field}.failureThreshold`, `must be 1 to 10, not ${threshold}`);
  const port = hc.port ?? (hc.type === 'TCP' ? undefined : DEFAULT_PORT[hc.type]);
  if (port === undefined) throw new DnsSpecError(`${field}.port`, 'a TCP health check needs a port');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DnsSpecError(`${field}.port`, `${port} is not a port`);
  if (hc.path !== undefined && hc.type === 'TCP') throw new DnsSpecError(`${field}.path`, 'a TCP health check has no path');
  if (hc.path !== undefined && (!hc.path.startsWith('/') || hc.path.length > 255))
    throw new DnsSpecError(`${field}.path`, 'must start with / (at most 255 characters)');

  const endpoint = endpointOf(hc, target, field);
  return {
    Type: hc.type,
    ...(endpoint.ip ? { IPAddress: endpoint.ip } : {}),
    ...(endpoint.fqdn ? { FullyQualifiedDomainName: endpoint.fqdn } : {}),
    Port: port,
    ...(hc.type !== 'TCP' && hc.path !== undefined ? { ResourcePath: hc.path } : {}),
    RequestInterval: interval,
    FailureThreshold: threshold,
    // SNI needs a host name to send; with only an IP there is none.
    ...(hc.type === 'HTTPS' ? { EnableSNI: endpoint.fqdn !== undefined } : {}),
    ...(opts.measureLatency && hc.type !== 'TCP' ? { MeasureLatency: true } : {}),
  };
}

function endpointOf(hc: HealthCheckInput, target: TargetInput | undefined, field: string): { ip?: string; fqdn?: string } {
  let ip = hc.ipAddress;
  let fqdn = hc.fqdn;
  if (!ip && !fqdn) {
    ip = target?.ips?.[0];
    fqdn = target?.cname ?? target?.alias?.dnsName;
  }
  if (!ip && !fqdn) throw new DnsSpecError(`${field}.fqdn`, 'set fqdn or ipAddress (the target gives no endpoint to check)');
  if (ip !== undefined) {
    if (!isIPv4(ip) && !isIPv6(ip)) throw new DnsSpecError(`${field}.ipAddress`, `${ip} is not an IP address`);
    if (isPrivate(ip)) {
      throw new DnsSpecError(
        `${field}.ipAddress`,
        `${ip} is not reachable from Route 53's checkers; use type CloudWatchAlarm for endpoints behind a private hosted zone`,
      );
    }
  }
  return { ...(ip ? { ip } : {}), ...(fqdn ? { fqdn: normalizeName(fqdn) } : {}) };
}

/** Addresses Route 53 refuses to check (RFC 1918, loopback, link-local, CGNAT, ULA). */
export function isPrivate(ip: string): boolean {
  if (isIPv4(ip)) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a === 0
    );
  }
  const lower = ip.toLowerCase();
  return lower === '::1' || lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe80');
}

/** An HTTP(S) check of `/` proves the web server answers, not that the application works: worth a warning. */
export function isShallowCheck(hc: HealthCheckInput): boolean {
  return (hc.type === 'HTTP' || hc.type === 'HTTPS') && (hc.path === undefined || hc.path === '/');
}

/** Fields whose change AWS cannot apply in place: a new health check replaces the old. */
export const REPLACE_FIELDS = ['Type', 'RequestInterval', 'MeasureLatency'] as const;

/**
 * `Field: observed → desired` for every field the desired type uses. A field the
 * observation lacks is not a difference (moto drops AlarmIdentifier; AWS always returns it).
 */
export function diffHealthCheck(desired: HealthCheckConfig, observed: HealthCheckConfig): string[] {
  const out: string[] = [];
  const cmp = (field: string, want: unknown, have: unknown): void => {
    if (want !== have) out.push(`${field}: ${show(have)} → ${show(want)}`);
  };
  cmp('Type', desired.Type, observed.Type);
  if (desired.Type === 'CLOUDWATCH_METRIC') {
    if (observed.AlarmIdentifier) {
      cmp('AlarmIdentifier.Region', desired.AlarmIdentifier?.Region, observed.AlarmIdentifier.Region);
      cmp('AlarmIdentifier.Name', desired.AlarmIdentifier?.Name, observed.AlarmIdentifier.Name);
    }
    if (observed.InsufficientDataHealthStatus !== undefined) {
      cmp('InsufficientDataHealthStatus', desired.InsufficientDataHealthStatus, observed.InsufficientDataHealthStatus);
    }
    return out;
  }
  cmp('IPAddress', desired.IPAddress, observed.IPAddress ?? undefined);
  const fqdn = (v: string | undefined): string | undefined => (v ? normalizeName(v) : undefined);
  cmp('FullyQualifiedDomainName', fqdn(desired.FullyQualifiedDomainName), fqdn(observed.FullyQualifiedDomainName));
  cmp('Port', desired.Port, observed.Port);
  if (desired.Type !== 'TCP') cmp('ResourcePath', desired.ResourcePath ?? '/', observed.ResourcePath ?? '/');
  cmp('RequestInterval', desired.RequestInterval ?? DEFAULT_INTERVAL, observed.RequestInterval ?? DEFAULT_INTERVAL);
  cmp('FailureThreshold', desired.FailureThreshold ?? DEFAULT_THRESHOLD, observed.FailureThreshold ?? DEFAULT_THRESHOLD);
  if (desired.Type === 'HTTPS') cmp('EnableSNI', desired.EnableSNI ?? false, observed.EnableSNI ?? false);
  // AWS always reports it (false when off); an unset value on either side means off.
  if (desired.Type !== 'TCP') cmp('MeasureLatency', desired.MeasureLatency ?? false, observed.MeasureLatency ?? false);
  return out;
}

const show = (v: unknown): string => (v === undefined ? '(unset)' : JSON.stringify(v));

export function requiresReplacement(diff: readonly string[]): boolean {
  return diff.some((d) => REPLACE_FIELDS.some((f) => d.startsWith(`${f}:`)));
}

/** UpdateHealthCheck input for an in-place change; HealthCheckVersion makes a concurrent edit fail instead of being overwritten. */
export function updateInput(id: string, version: number | undefined, desired: HealthCheckConfig, observed: HealthCheckConfig): UpdateHealthCheckCommandInput {
  const reset: NonNullable<UpdateHealthCheckCommandInput['ResetElements']> = [];
  if (!desired.FullyQualifiedDomainName && observed.FullyQualifiedDomainName) reset.push('FullyQualifiedDomainName');
  if (!desired.ResourcePath && observed.ResourcePath && desired.Type !== 'CLOUDWATCH_METRIC') reset.push('ResourcePath');
  return {
    HealthCheckId: id,
    ...(version !== undefined ? { HealthCheckVersion: version } : {}),
    ...(desired.Type === 'CLOUDWATCH_METRIC'
      ? { AlarmIdentifier: desired.AlarmIdentifier, InsufficientDataHealthStatus: desired.InsufficientDataHealthStatus }
      : {
          ...(desired.IPAddress ? { IPAddress: desired.IPAddress } : {}),
          ...(desired.FullyQualifiedDomainName ? { FullyQualifiedDomainName: desired.FullyQualifiedDomainName } : {}),
          Port: desired.Port,
          ...(desired.ResourcePath ? { ResourcePath: desired.ResourcePath } : {}),
          FailureThreshold: desired.FailureThreshold,
          ...(desired.Type === 'HTTPS' ? { EnableSNI: desired.EnableSNI ?? false } : {}),
        }),
    ...(reset.length > 0 ? { ResetElements: reset } : {}),
  };
}

// CallerReference: `mrc-<32 hex of cluster/uid/side>-g<generation>`, at most 64 characters.
// Deterministic, so a create retried after a crash is recognised (by AWS, and by our prefix
// search); the generation makes a replacement or re-creation a new reference, because AWS
// refuses a reference once used, even after the check is deleted.
export function callerReferencePrefix(owner: { clusterId: string; uid: string }, side: Side): string {
  const hash = createHash('sha256').update(`${owner.clusterId}/${owner.uid}/${side}`).digest('hex').slice(0, 32);
  return `mrc-${hash}-g`;
}

export function callerReference(owner: { clusterId: string; uid: string }, side: Side, generation: number): string {
  return `${callerReferencePrefix(owner, side)}${generation}`;
}

/** The generation in one of our references; undefined for references we did not write. */
export function generationOf(ref: string | undefined, prefix: string): number | undefined {
  if (!ref?.startsWith(prefix)) return undefined;
  const rest = ref.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}
