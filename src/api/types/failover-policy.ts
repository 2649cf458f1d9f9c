// FailoverPolicy spec: the Route 53 failover records, the failover rules and drills; the database and
// Global Accelerator parts are in failover-policy-database.ts and failover-policy-ga.ts.
import type { DeletionPolicy, ObjectRef } from './common.ts';
import type { DatabaseSpec } from './failover-policy-database.ts';
import type { GlobalAcceleratorSpec } from './failover-policy-ga.ts';

export interface AliasTarget {
  dnsName: string;
  hostedZoneId: string;
  evaluateTargetHealth?: boolean;
}
export interface RecordTarget {
  alias?: AliasTarget;
  ips?: string[];
  cname?: string;
}

export type HealthCheckType = 'TCP' | 'HTTP' | 'HTTPS' | 'CloudWatchAlarm';
export interface HealthCheckSpec {
  type: HealthCheckType;
  /** endpoint for TCP/HTTP/HTTPS; defaults to the target's first IP or CNAME/alias name */
  fqdn?: string;
  ipAddress?: string;
  port?: number;
  path?: string;
  intervalSeconds?: 10 | 30;
  failureThreshold?: number;
  alarmName?: string;
  alarmRegion?: string;
}

export interface DnsSideSpec {
  /** region this side serves; defaults to the referenced RegionPair's side */
  region?: string;
  target: RecordTarget;
  healthCheck?: HealthCheckSpec;
}

export interface DnsSpec {
  hostedZoneId: string;
  recordName: string;
  ttl?: number;
  primary: DnsSideSpec;
  secondary: DnsSideSpec;
}

export interface FailoverSpec {
  mode?: 'Manual' | 'Automatic';
  unhealthyForSeconds?: number;
  activeRegion?: string;
  failback?: 'Manual' | 'Automatic';
  /** promote when the old region's RDS API cannot be reached and its side is Unhealthy, without a confirmed fence */
  promoteWhenFenceUnconfirmed?: boolean;
  /** automatic failbacks started per 24 h before FailbackBlocked (default 3) */
  failbackMaxAttemptsPerDay?: number;
}

export interface DrillSpec {
  /** 5-field cron, read in `timeZone` */
  schedule?: string;
  /** IANA zone name; default UTC */
  timeZone?: string;
  /** Dns (default): a shadow record only. Switchover: a real planned switchover to the standby and back (needs spec.database) */
  type?: 'Dns' | 'Switchover';
  /** a Switchover drill starts only within this many minutes of its slot (default 60) */
  windowMinutes?: number;
}

export interface FailoverPolicySpec {
  regionPairRef?: ObjectRef;
  /** optional when globalAccelerator is set (at least one of the two, issue 18) */
  dns?: DnsSpec;
  database?: DatabaseSpec;
  failover?: FailoverSpec;
  drill?: DrillSpec;
  alarms?: {
    replicaLagSeconds?: number;
    latencyMillis?: number;
    /** alarm on UnhealthyEndpointCount ≥ this in the active side's Global Accelerator group */
    globalAcceleratorUnhealthyEndpoints?: number;
    snsTopicArn?: string;
  };
  globalAccelerator?: GlobalAcceleratorSpec;
  tags?: Record<string, string>;
  deletionPolicy?: DeletionPolicy;
}
