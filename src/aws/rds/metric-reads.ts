// The RDS metrics a failover reads (ReplicaLag of the standby, a Postgres writer's
// OldestReplicationSlotLag) shared per (account, Region) the way the instances are: the
// instances asked for at about the same time go out in one GetMetricData (500 a call), each asker
// getting its own series from a call sent after it asked (coalesced-reads.ts). Fifty failovers
// reading their replicas' lag cost a few calls, not fifty.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { type LagSample, MAX_QUERIES_PER_CALL, readRdsMetricSeries } from '../cloudwatch/replica-lag.ts';
import { CoalescedReads } from './coalesced-reads.ts';

export type RdsMetric = 'ReplicaLag' | 'OldestReplicationSlotLag';

const byClient = new WeakMap<CloudWatchClient, Map<RdsMetric, CoalescedReads<LagSample[]>>>();

/** Every datapoint of `metric` for one DB instance in the default window (see readRdsMetricSeries). */
export async function readMetricSeries(cw: CloudWatchClient, metric: RdsMetric, identifier: string): Promise<LagSample[]> {
  return (await metricReads(cw, metric).read(identifier)) ?? [];
}

/** The shared reads of one metric through this client. */
export function metricReads(cw: CloudWatchClient, metric: RdsMetric): CoalescedReads<LagSample[]> {
  let perMetric = byClient.get(cw);
  if (!perMetric) {
    perMetric = new Map();
    byClient.set(cw, perMetric);
  }
  let reads = perMetric.get(metric);
  if (!reads) {
    reads = new CoalescedReads((ids) => readRdsMetricSeries(cw, metric, ids), { maxKeys: MAX_QUERIES_PER_CALL });
    perMetric.set(metric, reads);
  }
  return reads;
}
