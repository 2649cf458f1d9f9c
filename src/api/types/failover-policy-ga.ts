// FailoverPolicy spec.globalAccelerator and status.globalAccelerator.
import type { Health } from './common.ts';

// Global Accelerator (issue 18): one accelerator per policy, one endpoint group per side.
export interface GaEndpointSpec {
  /** NLB/ALB ARN, Elastic IP allocation id or EC2 instance id */
  id: string;
  weight?: number;
  clientIpPreservation?: boolean;
}
export interface GaGroupSpec {
  endpoints: GaEndpointSpec[];
  healthCheck?: { protocol?: 'TCP' | 'HTTP' | 'HTTPS'; port?: number; path?: string; intervalSeconds?: 10 | 30; thresholdCount?: number };
  portOverrides?: Array<{ listenerPort: number; endpointPort: number }>;
}
export interface GlobalAcceleratorSpec {
  /** adopt this accelerator (never deleted) — or `create` */
  acceleratorArn?: string;
  create?: { name: string; ipAddressType?: 'IPV4' | 'DUAL_STACK'; enabled?: boolean; flowLogs?: { s3Bucket: string; s3Prefix?: string } };
  listener: { protocol: 'TCP' | 'UDP'; portRanges: Array<{ from: number; to: number }>; clientAffinity?: 'NONE' | 'SOURCE_IP' };
  primary: GaGroupSpec;
  secondary: GaGroupSpec;
  /** planned switchovers only: dial steps of the receiving side, ending at 100 */
  shift?: { steps: number[]; stepSeconds?: number };
}
export interface GlobalAcceleratorStatus {
  arn?: string;
  /** named by spec.globalAccelerator.acceleratorArn: never deleted */
  adopted?: boolean;
  /** the listener this policy configures (an adopted accelerator may have others) */
  listenerArn?: string;
  dnsName?: string;
  dualStackDnsName?: string;
  ipAddresses?: string[];
  /** IN_PROGRESS or DEPLOYED */
  status?: string;
  dials?: { primary?: number; secondary?: number };
  /** per group: Healthy (every endpoint HEALTHY), Unhealthy, or Unknown (INITIAL / no endpoints) */
  health?: { primary?: Health; secondary?: Health };
  /** a gradual shift running now (planned switchovers) */
  shift?: { from: string; to: string; step: number; stepAt: string; startedAt: string; rolledBack?: boolean; message?: string };
  /** deletion: the step reached (Disabling, WaitingForDeployed, DeletingEndpointGroups, …) */
  teardown?: string;
}
