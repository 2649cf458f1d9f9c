// The per-client dashboard: pure, deterministic JSON from the client's spec. Rows follow a fixed
// order whatever order the spec lists its widgets in, so reordering a list never rewrites AWS.
import { type AttachmentRef, latencyCells } from './latency-widgets.ts';
import { dashboardUrl } from './names.ts';
import { bandwidthEgressQuery, bandwidthIngressQuery, normalizeCidrs, rejectedTrafficQuery, topTalkersQuery, withSource } from './queries.ts';
import { type Cell, type DashboardBody, layout, mdEscape, metricRow, metricWidget, textWidget, type WidgetJson } from './widgets.ts';

export type { AttachmentRef } from './latency-widgets.ts';
export { dashboardName, dashboardUrl } from './names.ts';
export { overviewDashboardBody } from './overview-dashboard.ts';

export type DashboardWidget = 'topTalkers' | 'rejectedTraffic' | 'bandwidth' | 'latency';
export const DASHBOARD_WIDGETS: readonly DashboardWidget[] = ['topTalkers', 'rejectedTraffic', 'bandwidth', 'latency'];

export interface ClientDashboardInput {
  displayName: string;
  cidrs: readonly string[];
  /** The client's side of the pair: where the flow logs and the attachment metrics live. */
  region: string;
  logGroupName: string;
  widgets: readonly DashboardWidget[];
  periodSeconds: number;
  attachment: AttachmentRef;
  /** Needed for the attachment's AWS/TransitGateway metrics (they carry both dimensions). */
  transitGatewayId?: string;
  /** Alarm ARNs to show as an alarm-status row. */
  alarmArns?: readonly string[];
  /** Link back to the pair's overview dashboard, when there is one. */
  overviewDashboardName?: string;
}

export function clientDashboardBody(input: ClientDashboardInput): DashboardBody {
  const want = new Set(input.widgets);
  const scope = { cidrs: input.cidrs, periodSeconds: input.periodSeconds };
  const { region, periodSeconds: period } = input;
  const log = (title: string, query: string, view: 'table' | 'timeSeries'): WidgetJson => ({
    type: 'log',
    properties: { region, title, query: withSource(input.logGroupName, query), view, stacked: false },
  });
  const attachmentMetrics = attachmentMetricCells(input);

  const rows: Cell[][] = [[{ width: 24, height: 3, widget: textWidget(header(input)) }]];
  if (want.has('topTalkers')) {
    rows.push([{ width: 24, height: 6, widget: log('Top talkers (bytes, source → destination)', topTalkersQuery(scope), 'table') }]);
  }
  if (want.has('rejectedTraffic')) {
    rows.push([
      {
        width: attachmentMetrics ? 14 : 24,
        height: 6,
        widget: log('Dropped by the Transit Gateway (top flows, by cause)', rejectedTrafficQuery(scope), 'table'),
      },
      ...(attachmentMetrics ? [attachmentMetrics.drops] : []),
    ]);
  }
  if (want.has('bandwidth')) {
    const w = attachmentMetrics ? 8 : 12;
    rows.push([
      { width: w, height: 6, widget: log('Bytes from client (egress)', bandwidthEgressQuery(scope), 'timeSeries') },
      { width: w, height: 6, widget: log('Bytes to client (ingress)', bandwidthIngressQuery(scope), 'timeSeries') },
      ...(attachmentMetrics ? [attachmentMetrics.bytes] : []),
    ]);
  }
  if (want.has('latency')) rows.push(latencyCells(input.attachment, region, period));
  if (input.alarmArns && input.alarmArns.length > 0) {
    rows.push([{ width: 24, height: 3, widget: { type: 'alarm', properties: { title: 'Alarms', alarms: [...input.alarmArns].sort() } } }]);
  }
  return layout(rows);
}

function header(input: ClientDashboardInput): string {
  const a = input.attachment;
  const lines = [
    `# ${mdEscape(input.displayName)}`,
    `CIDRs: ${normalizeCidrs(input.cidrs)
      .map((c) => `\`${c}\``)
      .join(', ')} · attachment: ${a.type} \`${a.id}\` · region: ${input.region} · flow logs: \`${input.logGroupName}\``,
  ];
  if (input.overviewDashboardName) lines.push(`[Pair overview](${dashboardUrl(input.region, input.overviewDashboardName)})`);
  return lines.join('\n\n');
}

/** Real AWS/TransitGateway metrics of the client's attachment, next to the flow-log views. */
function attachmentMetricCells(input: ClientDashboardInput): { drops: Cell; bytes: Cell } | undefined {
  if (!input.transitGatewayId) return undefined;
  const dims = { TransitGateway: input.transitGatewayId, TransitGatewayAttachment: input.attachment.id };
  const base = { region: input.region, period: input.periodSeconds, stat: 'Sum' };
  return {
    drops: {
      width: 10,
      height: 6,
      widget: metricWidget({
        ...base,
        title: 'Packets dropped at the attachment',
        metrics: [
          metricRow('AWS/TransitGateway', 'PacketDropCountNoRoute', dims, { label: 'No route' }),
          metricRow('AWS/TransitGateway', 'PacketDropCountBlackhole', dims, { label: 'Blackhole' }),
        ],
      }),
    },
    bytes: {
      width: 8,
      height: 6,
      widget: metricWidget({
        ...base,
        title: 'Attachment bytes (TGW metrics)',
        // The TGW's view: BytesIn is what it received from the client's attachment.
        metrics: [
          metricRow('AWS/TransitGateway', 'BytesIn', dims, { label: 'From client' }),
          metricRow('AWS/TransitGateway', 'BytesOut', dims, { label: 'To client' }),
        ],
      }),
    },
  };
}
