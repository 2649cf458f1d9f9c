// ClientConnection: one client network's routes, dashboard and alarms on a RegionPair side.
import type { CommonStatus, DeletionPolicy, ObjectRef } from './common.ts';
import type { RouteStatus } from './region-pair.ts';

export type Widget = 'topTalkers' | 'rejectedTraffic' | 'bandwidth' | 'latency';

export interface ClientConnectionSpec {
  regionPairRef: ObjectRef;
  side: 'primary' | 'secondary';
  client: { displayName: string; cidrs: string[] };
  attachment: {
    type: 'vpn' | 'directConnect' | 'vpc' | 'peering';
    id: string;
    vpnConnectionId?: string;
    directConnectConnectionId?: string;
    networkMonitorProbe?: string;
  };
  routes?: boolean;
  dashboard?: { widgets?: Widget[]; periodSeconds?: number };
  alarms?: { rejectedPacketsPerFiveMinutes?: number; bandwidthBytesPerSecond?: number; snsTopicArn?: string };
  tags?: Record<string, string>;
  deletionPolicy?: DeletionPolicy;
}

export interface ClientConnectionStatus extends CommonStatus {
  dashboardName?: string;
  dashboardUrl?: string;
  alarmNames?: string[];
  logGroupName?: string;
  queryDefinitionIds?: Record<string, string>;
  routes?: RouteStatus[];
  region?: string;
  observabilityHash?: string;
}
