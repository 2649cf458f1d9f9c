// The one multi-region dashboard per RegionPair: every client with a link to its own dashboard,
// then the shared health of the pair (Route 53 checks, replica lag, peering bytes, NLB hosts,
// and the Global Accelerator flows, bytes and endpoint health of its policies).
// Dashboards are global, so one dashboard holds metrics of both regions (per-metric `region`).
import { GA_METRICS_REGION, gaMetricRows } from './ga-metrics.ts';
import { dashboardUrl } from './names.ts';
import { type Cell, chunk, type DashboardBody, layout, type MetricRow, mdEscape, metricRow, metricWidget, textWidget } from './widgets.ts';

export interface OverviewClient {
  name: string;
  namespace: string;
  displayName: string;
  side: 'primary' | 'secondary';
  region: string;
  dashboardName: string;
}

export interface OverviewPolicy {
  name: string;
  namespace: string;
  healthCheckIds?: { primary?: string; secondary?: string };
  replica?: { region: string; identifier: string };
  /** The policy's accelerator (status.globalAccelerator.arn); its listener draws endpoint health per group. */
  globalAccelerator?: { arn: string; listenerArn?: string };
}

export interface OverviewLoadBalancer {
  region: string;
  /** AWS/NetworkELB dimension values: `net/<name>/<id>` and `targetgroup/<name>/<id>`. */
  loadBalancer: string;
  targetGroup: string;
  label?: string;
}

export interface OverviewInput {
  pairName: string;
  pairNamespace: string;
  regions: { primary: string; secondary: string };
  transitGatewayIds?: { primary?: string; secondary?: string };
  peeringAttachmentId?: string;
  clients: readonly OverviewClient[];
  policies: readonly OverviewPolicy[];
  loadBalancers?: readonly OverviewLoadBalancer[];
}

/** Route 53 publishes health-check metrics only in us-east-1, whatever the endpoint's region. */
const ROUTE53_METRICS_REGION = 'us-east-1';
const CLIENTS_PER_TEXT = 50;
// CloudWatch allows at most 500 metrics per widget; stay well under for readability.
const METRICS_PER_WIDGET = 100;

export function overviewDashboardBody(input: OverviewInput): DashboardBody {
  const home = input.regions.primary;
  const clients = [...input.clients].sort(byKey);
  const policies = [...input.policies].sort(byKey);
  const rows: Cell[][] = [[{ width: 24, height: 2, widget: textWidget(header(input, clients.length)) }]];

  const tables = clients.length === 0 ? [['_No ClientConnection references this pair yet._']] : chunk(clients.map(clientLine), CLIENTS_PER_TEXT);
  for (const lines of tables) {
    const table = clients.length === 0 ? lines : ['| Client | Namespace | Side | Region | Dashboard |', '|---|---|---|---|---|', ...lines];
    rows.push([{ width: 24, height: Math.min(2 + lines.length, 24), widget: textWidget(table.join('\n')) }]);
  }

  const health = policies.flatMap((p) =>
    (['primary', 'secondary'] as const).flatMap((side) => {
      const id = p.healthCheckIds?.[side];
      return id ? [metricRow('AWS/Route53', 'HealthCheckStatus', { HealthCheckId: id }, { label: `${p.namespace}/${p.name} ${side}` })] : [];
    }),
  );
  const lag = policies.flatMap((p) =>
    p.replica
      ? [
          metricRow(
            'AWS/RDS',
            'ReplicaLag',
            { DBInstanceIdentifier: p.replica.identifier },
            { label: `${p.namespace}/${p.name} (${p.replica.identifier})`, region: p.replica.region },
          ),
        ]
      : [],
  );
  const nlb = [...(input.loadBalancers ?? [])]
    .sort((a, b) => cmp(`${a.region}/${a.targetGroup}`, `${b.region}/${b.targetGroup}`))
    .map((l) =>
      metricRow(
        'AWS/NetworkELB',
        'HealthyHostCount',
        { TargetGroup: l.targetGroup, LoadBalancer: l.loadBalancer },
        { label: l.label ?? `${l.region} ${l.targetGroup}`, region: l.region },
      ),
    );

  const graphs: Cell[] = [
    ...widgets('Route 53 health checks (1 = healthy)', ROUTE53_METRICS_REGION, 'Minimum', health),
    ...widgets('Replica lag (seconds)', home, 'Maximum', lag),
    ...widgets('Peering bytes', home, 'Sum', peeringRows(input)),
    ...widgets('NLB healthy hosts', home, 'Minimum', nlb),
    ...gaWidgets(input, policies),
  ];
  for (const pair of chunk(graphs, 2)) rows.push(pair);
  return layout(rows);
}

function header(input: OverviewInput, clientCount: number): string {
  return [
    `# RegionPair ${mdEscape(`${input.pairNamespace}/${input.pairName}`)}`,
    `primary: ${input.regions.primary} · secondary: ${input.regions.secondary} · clients: ${clientCount}`,
  ].join('\n\n');
}

function clientLine(c: OverviewClient): string {
  const cell = (s: string) => mdEscape(s);
  return (
    `| ${cell(c.displayName)} (${cell(c.name)}) | ${cell(c.namespace)} | ${c.side} | ` +
    `${c.region} | [${c.dashboardName}](${dashboardUrl(c.region, c.dashboardName)}) |`
  );
}

/** Both TGWs see the same peering attachment id; each publishes its own side's bytes. */
function peeringRows(input: OverviewInput): MetricRow[] {
  const att = input.peeringAttachmentId;
  if (!att) return [];
  return (['primary', 'secondary'] as const).flatMap((side) => {
    const tgw = input.transitGatewayIds?.[side];
    if (!tgw) return [];
    const region = input.regions[side];
    const dims = { TransitGateway: tgw, TransitGatewayAttachment: att };
    return [
      metricRow('AWS/TransitGateway', 'BytesIn', dims, { label: `${region} in`, region }),
      metricRow('AWS/TransitGateway', 'BytesOut', dims, { label: `${region} out`, region }),
    ];
  });
}

/** Global Accelerator traffic and endpoint health of the pair's policies (metrics in us-west-2 only). */
function gaWidgets(input: OverviewInput, policies: readonly OverviewPolicy[]): Cell[] {
  const ga = gaMetricRows(
    policies.flatMap((p) =>
      p.globalAccelerator
        ? [
            {
              label: `${p.namespace}/${p.name}`,
              acceleratorArn: p.globalAccelerator.arn,
              ...(p.globalAccelerator.listenerArn && { listenerArn: p.globalAccelerator.listenerArn, regions: input.regions }),
            },
          ]
        : [],
    ),
  );
  return [
    ...widgets('Global Accelerator new flows', GA_METRICS_REGION, 'Sum', ga.flows),
    ...widgets('Global Accelerator bytes processed', GA_METRICS_REGION, 'Sum', ga.bytes),
    ...widgets('Global Accelerator endpoints (healthy / unhealthy)', GA_METRICS_REGION, 'Maximum', ga.endpoints),
  ];
}

/** Graphs of at most METRICS_PER_WIDGET lines each; none when there is nothing to graph. */
function widgets(title: string, region: string, stat: string, rows: MetricRow[]): Cell[] {
  const parts = chunk(rows, METRICS_PER_WIDGET);
  return parts.map((metrics, i) => ({
    width: 12,
    height: 6,
    widget: metricWidget({ region, stat, period: 300, title: parts.length > 1 ? `${title} (${i + 1}/${parts.length})` : title, metrics }),
  }));
}

function byKey(a: { namespace: string; name: string }, b: { namespace: string; name: string }): number {
  return a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace);
}

// Plain code-unit order: localeCompare depends on the process locale, and the body must not.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
