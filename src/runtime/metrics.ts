// The controller's Prometheus metrics. Names and labels are a contract with dashboards and
// alerts (docs and the Helm chart refer to them): change them only on purpose.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type ReconcileResultLabel = 'success' | 'error' | 'requeue';
export type FailoverKind = 'failover' | 'failback' | 'drill';
export type HealthSide = 'primary' | 'secondary';

/** What the AWS layer reports for each call (a subset of aws/types CallRecord). */
export interface AwsCallRecord {
  service: string;
  operation: string;
  outcome: string;
  durationMs: number;
}

export class Metrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'kind' | 'result'>;
  readonly reconcileErrorsTotal: Counter<'kind' | 'reason'>;
  readonly reconcileDuration: Histogram<'kind'>;
  readonly workqueueDepth: Gauge<'kind'>;
  readonly workqueueRetriesTotal: Counter<'kind'>;
  readonly awsApiCallsTotal: Counter<'service' | 'operation' | 'outcome'>;
  readonly awsApiCallDuration: Histogram<'service' | 'operation'>;
  readonly leader: Gauge;
  readonly informerRestartsTotal: Counter<'kind' | 'cause'>;
  readonly failoverReady: Gauge<'namespace' | 'name'>;
  readonly healthCheckStatus: Gauge<'namespace' | 'name' | 'side'>;
  readonly replicaLagSeconds: Gauge<'namespace' | 'name'>;
  readonly failoversTotal: Counter<'namespace' | 'name' | 'kind'>;
  readonly managedObjects: Gauge<'kind'>;

  /**
   * `buildInfo`: labels naming the build that runs (e.g. version, node_version), given by the
   * caller: the runtime does not know what it is part of.
   */
  constructor(o: { registry?: Registry; processMetrics?: boolean; buildInfo?: Record<string, string> } = {}) {
    this.registry = o.registry ?? new Registry();
    const registers = [this.registry];
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.reconcileTotal = new Counter({
      name: 'multiregion_reconcile_total',
      help: 'Reconciles by kind and result (success, error, requeue).',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.reconcileErrorsTotal = new Counter({
      name: 'multiregion_reconcile_errors_total',
      help: 'Failed reconciles by kind and error reason.',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'multiregion_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.workqueueDepth = new Gauge({
      name: 'multiregion_workqueue_depth',
      help: 'Keys waiting for a worker.',
      labelNames: ['kind'],
      registers,
    });
    this.workqueueRetriesTotal = new Counter({
      name: 'multiregion_workqueue_retries_total',
      help: 'Keys re-queued with backoff after an error.',
      labelNames: ['kind'],
      registers,
    });
    this.awsApiCallsTotal = new Counter({
      name: 'multiregion_aws_api_calls_total',
      help: 'AWS API calls by service, operation and outcome.',
      labelNames: ['service', 'operation', 'outcome'],
      registers,
    });
    this.awsApiCallDuration = new Histogram({
      name: 'multiregion_aws_api_call_duration_seconds',
      help: 'AWS API call latency, retries included.',
      labelNames: ['service', 'operation'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.leader = new Gauge({
      name: 'multiregion_leader',
      help: '1 while this replica holds the leader lease, else 0.',
      registers,
    });
    this.informerRestartsTotal = new Counter({
      name: 'multiregion_informer_restarts_total',
      help: 'Watch restarts by kind and cause (closed, timeout, error, stall, gone).',
      labelNames: ['kind', 'cause'],
      registers,
    });
    this.failoverReady = new Gauge({
      name: 'multiregion_failover_ready',
      help: '1 when the standby of a FailoverPolicy could take over now, else 0.',
      labelNames: ['namespace', 'name'],
      registers,
    });
    this.healthCheckStatus = new Gauge({
      name: 'multiregion_health_check_status',
      help: 'Route 53 health of each side: 1 healthy, 0 unhealthy, -1 unknown.',
      labelNames: ['namespace', 'name', 'side'],
      registers,
    });
    this.replicaLagSeconds = new Gauge({
      name: 'multiregion_replica_lag_seconds',
      help: 'Replication lag of the standby database.',
      labelNames: ['namespace', 'name'],
      registers,
    });
    this.failoversTotal = new Counter({
      name: 'multiregion_failovers_total',
      help: 'Completed failovers, failbacks and drills.',
      labelNames: ['namespace', 'name', 'kind'],
      registers,
    });
    this.managedObjects = new Gauge({
      name: 'multiregion_managed_objects',
      help: 'Objects of each kind in the informer cache.',
      labelNames: ['kind'],
      registers,
    });
    this.leader.set(0);
    if (o.buildInfo) {
      // The Prometheus *_build_info convention: always 1, the labels carry the facts, so a query
      // can join them onto any series of the same instance (`* on(instance) group_left(version)`).
      new Gauge({
        name: 'multiregion_build_info',
        help: 'Always 1; the labels say which build of the controller runs (version, Node.js version).',
        labelNames: Object.keys(o.buildInfo),
        registers,
      }).set(o.buildInfo, 1);
    }
  }

  /** Pass to the AWS layer as its per-call callback (bound, so it can be handed around). */
  readonly recordAwsCall = (rec: AwsCallRecord): void => {
    this.awsApiCallsTotal.inc({ service: rec.service, operation: rec.operation, outcome: rec.outcome });
    this.awsApiCallDuration.observe({ service: rec.service, operation: rec.operation }, rec.durationMs / 1000);
  };

  recordReconcile(kind: string, result: ReconcileResultLabel, durationMs: number, errorReason?: string): void {
    this.reconcileTotal.inc({ kind, result });
    this.reconcileDuration.observe({ kind }, durationMs / 1000);
    if (result === 'error') this.reconcileErrorsTotal.inc({ kind, reason: errorReason ?? 'Unknown' });
  }

  setHealth(namespace: string, name: string, side: HealthSide, health: 'Healthy' | 'Unhealthy' | 'Unknown'): void {
    this.healthCheckStatus.set({ namespace, name, side }, health === 'Healthy' ? 1 : health === 'Unhealthy' ? 0 : -1);
  }

  /** Drops the per-object series of a deleted FailoverPolicy so dashboards don't show ghosts. */
  forgetObject(namespace: string, name: string): void {
    this.failoverReady.remove({ namespace, name });
    this.replicaLagSeconds.remove({ namespace, name });
    for (const side of ['primary', 'secondary'] as const) this.healthCheckStatus.remove({ namespace, name, side });
  }
}

let shared: Metrics | undefined;

/** The process-wide metrics (created on first use, with process metrics) that main.ts serves. */
export function defaultMetrics(): Metrics {
  return (shared ??= new Metrics());
}

/** Counts one AWS call in the process-wide metrics; main.ts hands this to the AWS layer. */
export function recordAwsCall(rec: AwsCallRecord): void {
  defaultMetrics().recordAwsCall(rec);
}
