// RegionPair: two regions' Transit Gateways peered, their VPC attachments and routes.
import type { CommonStatus, DeletionPolicy } from './common.ts';

export interface VpcAttachmentSpec {
  vpcId: string;
  subnetIds: string[];
  routeTableIds?: string[];
}

export interface RegionSideSpec {
  region: string;
  roleArn?: string;
  externalId?: string;
  transitGateway?: { id?: string; amazonSideAsn?: number };
  vpcAttachments?: VpcAttachmentSpec[];
  cidrs: string[];
}

export interface FlowLogsSpec {
  enabled: boolean;
  logGroupName?: string;
  retentionDays?: number;
  trafficType?: 'ALL' | 'ACCEPT' | 'REJECT';
  deliveryRoleArn?: string;
}

export interface RegionPairSpec {
  primary: RegionSideSpec;
  secondary: RegionSideSpec;
  flowLogs?: FlowLogsSpec;
  allowedNamespaces?: string[];
  tags?: Record<string, string>;
  deletionPolicy?: DeletionPolicy;
}

export interface SideStatus {
  accountId?: string;
  transitGatewayId?: string;
  transitGatewayAdopted?: boolean;
  routeTableId?: string;
  vpcAttachmentIds?: Record<string, string>;
  /** Adopted attachment id → the route table it was associated with before the pair moved it; restored on delete. */
  previousAssociations?: Record<string, string>;
  flowLogId?: string;
  logGroupArn?: string;
}

export interface RouteStatus {
  region: string;
  routeTableId?: string;
  destinationCidr: string;
  target: string;
  state: string;
}

export interface RegionPairStatus extends CommonStatus {
  primary?: SideStatus;
  secondary?: SideStatus;
  peering?: { attachmentId?: string; state?: string };
  routes?: RouteStatus[];
  drift?: string[];
  overviewDashboardName?: string;
  overviewDashboardUrl?: string;
  overviewHash?: string;
}
