// The defaults of the three kinds, in one place: the CRD schemas render these same values as
// `default:`, and the controller applies them in code too, because objects stored before a CRD
// upgrade (or written with defaulting skipped) may lack them.
import type {
  ClientConnectionSpec,
  DeletionPolicy,
  DnsSideSpec,
  FailoverPolicySpec,
  FailoverSpec,
  FlowLogsSpec,
  HealthCheckSpec,
  RegionPairSpec,
  Widget,
} from './types.ts';

export const ALL_WIDGETS: readonly Widget[] = ['topTalkers', 'rejectedTraffic', 'bandwidth', 'latency'];

export const DEFAULTS = {
  deletionPolicy: 'Delete' as DeletionPolicy,
  flowLogs: { logGroupName: '/aws/tgw/flow-logs', retentionDays: 30, trafficType: 'ALL' as NonNullable<FlowLogsSpec['trafficType']> },
  dnsTtl: 60,
  healthCheck: { intervalSeconds: 30 as NonNullable<HealthCheckSpec['intervalSeconds']>, failureThreshold: 3 },
  maxReplicaLagSeconds: 60,
  backupRetentionDays: 7,
  failover: {
    mode: 'Manual' as NonNullable<FailoverSpec['mode']>,
    unhealthyForSeconds: 60,
    failback: 'Manual' as NonNullable<FailoverSpec['failback']>,
    promoteWhenFenceUnconfirmed: false,
    failbackMaxAttemptsPerDay: 3,
  },
  routes: true,
  dashboard: { widgets: ALL_WIDGETS, periodSeconds: 300 },
};

type DefaultedFlowLogs = FlowLogsSpec & Required<Pick<FlowLogsSpec, 'logGroupName' | 'retentionDays' | 'trafficType'>>;
export interface DefaultedRegionPairSpec extends RegionPairSpec {
  flowLogs?: DefaultedFlowLogs;
  deletionPolicy: DeletionPolicy;
}

type DefaultedHealthCheck = HealthCheckSpec & Required<Pick<HealthCheckSpec, 'intervalSeconds' | 'failureThreshold'>>;
type DefaultedDnsSide = DnsSideSpec & { healthCheck?: DefaultedHealthCheck };
export interface DefaultedFailoverPolicySpec extends FailoverPolicySpec {
  dns?: NonNullable<FailoverPolicySpec['dns']> & { ttl: number; primary: DefaultedDnsSide; secondary: DefaultedDnsSide };
  database?: NonNullable<FailoverPolicySpec['database']> & { maxReplicaLagSeconds: number };
  failover: FailoverSpec &
    Required<Pick<FailoverSpec, 'mode' | 'unhealthyForSeconds' | 'failback' | 'promoteWhenFenceUnconfirmed' | 'failbackMaxAttemptsPerDay'>>;
  deletionPolicy: DeletionPolicy;
}

export interface DefaultedClientConnectionSpec extends ClientConnectionSpec {
  routes: boolean;
  dashboard: { widgets: Widget[]; periodSeconds: number };
  deletionPolicy: DeletionPolicy;
}

// Each function returns a new object: specs usually come from the informer cache, which must
// never be mutated.

export function defaultRegionPairSpec(spec: RegionPairSpec): DefaultedRegionPairSpec {
  const { flowLogs, ...rest } = structuredClone(spec);
  const out: DefaultedRegionPairSpec = { ...rest, deletionPolicy: spec.deletionPolicy ?? DEFAULTS.deletionPolicy };
  if (flowLogs) out.flowLogs = { ...flowLogs, ...fill(flowLogs, DEFAULTS.flowLogs) };
  return out;
}

export function defaultFailoverPolicySpec(spec: FailoverPolicySpec): DefaultedFailoverPolicySpec {
  const { dns, database, failover, ...rest } = structuredClone(spec);
  const out: DefaultedFailoverPolicySpec = {
    ...rest,
    failover: { ...failover, ...fill(failover ?? {}, DEFAULTS.failover) },
    deletionPolicy: spec.deletionPolicy ?? DEFAULTS.deletionPolicy,
  };
  // A Global-Accelerator-only policy has no dns block (issue 18): nothing to default there.
  if (dns) out.dns = { ...dns, ttl: dns.ttl ?? DEFAULTS.dnsTtl, primary: defaultDnsSide(dns.primary), secondary: defaultDnsSide(dns.secondary) };
  if (database)
    out.database = {
      ...database,
      maxReplicaLagSeconds: database.maxReplicaLagSeconds ?? DEFAULTS.maxReplicaLagSeconds,
      backupRetentionDays: database.backupRetentionDays ?? DEFAULTS.backupRetentionDays,
    };
  return out;
}

function defaultDnsSide({ healthCheck, ...rest }: DnsSideSpec): DefaultedDnsSide {
  return healthCheck ? { ...rest, healthCheck: { ...healthCheck, ...fill(healthCheck, DEFAULTS.healthCheck) } } : rest;
}

export function defaultClientConnectionSpec(spec: ClientConnectionSpec): DefaultedClientConnectionSpec {
  const s = structuredClone(spec);
  return {
    ...s,
    routes: s.routes ?? DEFAULTS.routes,
    dashboard: {
      ...s.dashboard,
      widgets: s.dashboard?.widgets ?? [...DEFAULTS.dashboard.widgets],
      periodSeconds: s.dashboard?.periodSeconds ?? DEFAULTS.dashboard.periodSeconds,
    },
    deletionPolicy: s.deletionPolicy ?? DEFAULTS.deletionPolicy,
  };
}

/** The default for every key of `defaults` the object leaves unset (apiserver semantics: only absent keys). */
function fill<D extends object>(obj: object, defaults: D): D {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(defaults)) out[k] = (obj as Record<string, unknown>)[k] ?? v;
  return out as D;
}
