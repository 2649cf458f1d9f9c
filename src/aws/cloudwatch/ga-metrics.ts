// Global Accelerator's CloudWatch metrics (namespace AWS/GlobalAccelerator), as the GA
// developer guide ("Using Amazon CloudWatch with AWS Global Accelerator") lists them:
// - NewFlowCount, ProcessedBytesIn, ProcessedBytesOut (Sum; reported only when non-zero), by
//   Accelerator, by (Accelerator, Listener) and by (Accelerator, Listener, EndpointGroup), among others;
// - the endpoint-health metrics added in March 2024: HealthyEndpointCount and UnhealthyEndpointCount,
//   by the same three dimension sets.
// There is no `Latency` metric in AWS/GlobalAccelerator: the latency alarm reads Route 53's
// TimeToFirstByte of the health check instead (failover-alarms.ts).
// Dimension values: Accelerator and Listener are the last part of their ARNs (the ids), and
// EndpointGroup is the group's Region in lower case. GA publishes its metrics in US West
// (Oregon) only, like its API, so widgets and alarms on them live in that Region.
import { GA_API_REGION } from '../global-accelerator/api-region.ts';
import { type MetricRow, metricRow } from './widgets.ts';

export const GA_NAMESPACE = 'AWS/GlobalAccelerator';
export const GA_METRICS_REGION = GA_API_REGION;

/** The id at the end of an accelerator or listener ARN (`…:accelerator/ID[/listener/ID]`). */
export function lastArnId(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

export function gaDimensions(acceleratorArn: string, listenerArn?: string, groupRegion?: string): Record<string, string> {
  return {
    Accelerator: lastArnId(acceleratorArn),
    ...(listenerArn ? { Listener: lastArnId(listenerArn) } : {}),
    ...(listenerArn && groupRegion ? { EndpointGroup: groupRegion.toLowerCase() } : {}),
  };
}

export interface GaMetricsInput {
  /** `namespace/name` of the policy, for labels */
  label: string;
  acceleratorArn: string;
  /** With it, endpoint health is drawn per endpoint group; without it, for the whole accelerator. */
  listenerArn?: string;
  regions?: { primary: string; secondary: string };
}

export interface GaMetricRows {
  flows: MetricRow[];
  bytes: MetricRow[];
  endpoints: MetricRow[];
}

/** Rows for the overview dashboard: new flows, bytes in and out, healthy/unhealthy endpoints. */
export function gaMetricRows(input: readonly GaMetricsInput[]): GaMetricRows {
  const out: GaMetricRows = { flows: [], bytes: [], endpoints: [] };
  for (const g of input) {
    const acc = gaDimensions(g.acceleratorArn);
    out.flows.push(metricRow(GA_NAMESPACE, 'NewFlowCount', acc, { label: g.label }));
    out.bytes.push(metricRow(GA_NAMESPACE, 'ProcessedBytesIn', acc, { label: `${g.label} in` }));
    out.bytes.push(metricRow(GA_NAMESPACE, 'ProcessedBytesOut', acc, { label: `${g.label} out` }));
    const groups =
      g.listenerArn && g.regions
        ? (['primary', 'secondary'] as const).map((side) => ({
            dims: gaDimensions(g.acceleratorArn, g.listenerArn, g.regions?.[side]),
            label: `${g.label} ${side}`,
          }))
        : [{ dims: acc, label: g.label }];
    for (const { dims, label } of groups) {
      out.endpoints.push(metricRow(GA_NAMESPACE, 'HealthyEndpointCount', dims, { label: `${label} healthy` }));
      out.endpoints.push(metricRow(GA_NAMESPACE, 'UnhealthyEndpointCount', dims, { label: `${label} unhealthy` }));
    }
  }
  return out;
}
