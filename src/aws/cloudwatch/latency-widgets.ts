// The latency row of a client dashboard: a graph only from a metric that really measures it,
// otherwise a text widget saying why there is none. Never a made-up number.
//
// What AWS publishes (checked against the service metric lists):
// - CloudWatch Network Monitor (AWS/NetworkMonitor): RTT, PacketLoss, HealthIndicator, with
//   dimensions Monitor and Probe. The only real round-trip time here.
// - Site-to-Site VPN (AWS/VPN): TunnelState, TunnelDataIn, TunnelDataOut by VpnId/TunnelIpAddress.
//   No latency metric.
// - Direct Connect (AWS/DX): ConnectionState, ConnectionLightLevelTx/Rx, ConnectionBps*/Pps*,
//   VirtualInterfaceBps* by ConnectionId (+VirtualInterfaceId). No latency metric.
// - Transit Gateway attachments (vpc, peering): bytes, packets and drops only.
import { type Cell, metricRow, metricWidget, textWidget } from './widgets.ts';

export interface AttachmentRef {
  type: 'vpn' | 'directConnect' | 'vpc' | 'peering';
  id: string;
  vpnConnectionId?: string;
  directConnectConnectionId?: string;
  /** `<monitorName>/<probeId>` (exact metric) or `<probeId>` (found with a SEARCH expression). */
  networkMonitorProbe?: string;
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,200}$/;

export function latencyCells(att: AttachmentRef, region: string, periodSeconds: number): Cell[] {
  const cells: Cell[] = [];
  if (att.networkMonitorProbe) cells.push({ width: 12, height: 6, widget: probeWidget(att.networkMonitorProbe, region, periodSeconds) });
  const link = linkHealthWidget(att, region, periodSeconds);
  if (link) cells.push({ width: att.networkMonitorProbe ? 12 : 16, height: 6, widget: link });
  if (!att.networkMonitorProbe) cells.push({ width: link ? 8 : 24, height: link ? 6 : 3, widget: textWidget(noLatencyText(att)) });
  return cells;
}

function probeWidget(probe: string, region: string, period: number) {
  const parts = probe.split('/');
  const [monitor, probeId] = parts.length === 2 ? parts : [undefined, parts.length === 1 ? probe : ''];
  if (!probeId || !SAFE_ID.test(probeId) || (monitor !== undefined && !SAFE_ID.test(monitor))) {
    throw new TypeError(`invalid networkMonitorProbe ${JSON.stringify(probe)}: want <monitor>/<probe-id> or <probe-id>`);
  }
  const title = 'Latency: Network Monitor probe round-trip time';
  if (monitor !== undefined) {
    const dims = { Monitor: monitor, Probe: probeId };
    return metricWidget({
      region,
      title,
      stat: 'Average',
      period,
      metrics: [
        metricRow('AWS/NetworkMonitor', 'RTT', dims, { label: 'RTT' }),
        metricRow('AWS/NetworkMonitor', 'PacketLoss', dims, { label: 'Packet loss', yAxis: 'right' }),
      ],
    });
  }
  // Without the monitor name the exact dimension set is unknown; SEARCH matches on Probe alone.
  const search = (metric: string) => `SEARCH('{AWS/NetworkMonitor,Monitor,Probe} MetricName="${metric}" Probe="${probeId}"', 'Average', ${period})`;
  return metricWidget({
    region,
    title,
    stat: 'Average',
    period,
    metrics: [
      [{ expression: search('RTT'), id: 'rtt', label: 'RTT' }],
      [{ expression: search('PacketLoss'), id: 'loss', label: 'Packet loss', yAxis: 'right' }],
    ],
  });
}

function linkHealthWidget(att: AttachmentRef, region: string, period: number) {
  if (att.type === 'vpn' && att.vpnConnectionId) {
    return metricWidget({
      region,
      period,
      stat: 'Average',
      title: 'VPN tunnels up (1 = all up; VPN publishes no latency metric)',
      metrics: [metricRow('AWS/VPN', 'TunnelState', { VpnId: att.vpnConnectionId }, { label: 'TunnelState' })],
      yAxis: { left: { min: 0 } },
    });
  }
  if (att.type === 'directConnect' && att.directConnectConnectionId) {
    const dims = { ConnectionId: att.directConnectConnectionId };
    return metricWidget({
      region,
      period,
      stat: 'Average',
      title: 'Direct Connect link (DX publishes no latency metric)',
      metrics: [
        metricRow('AWS/DX', 'ConnectionState', dims, { label: 'ConnectionState', stat: 'Minimum' }),
        metricRow('AWS/DX', 'ConnectionLightLevelTx', dims, { label: 'Light level Tx (dBm)', yAxis: 'right' }),
        metricRow('AWS/DX', 'ConnectionLightLevelRx', dims, { label: 'Light level Rx (dBm)', yAxis: 'right' }),
      ],
    });
  }
  return undefined;
}

const WHY_NONE: Record<AttachmentRef['type'], string> = {
  vpn: 'Site-to-Site VPN publishes tunnel state and data volume, not latency.',
  directConnect: 'Direct Connect publishes link state, light levels and bit rates, not latency.',
  vpc: 'Transit Gateway VPC attachments publish bytes, packets and drops, not latency.',
  peering: 'Transit Gateway peering attachments publish bytes, packets and drops, not latency.',
};

function noLatencyText(att: AttachmentRef): string {
  return [
    '### Latency: no measured value',
    WHY_NONE[att.type],
    'To graph real round-trip time, create a CloudWatch Network Monitor probe toward ' +
      "the client and set the attachment's `networkMonitorProbe` to `<monitor>/<probe-id>`.",
  ].join('\n\n');
}
