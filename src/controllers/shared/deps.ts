// What every reconciler is handed by main.ts.
import type { KubeConfig } from '@kubernetes/client-node';
import type { AwsClients } from '../../aws/types.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Manager } from '../../runtime/manager.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import type { StatusWriter } from '../../runtime/status.ts';

export interface ControllerDeps {
  kc: KubeConfig;
  aws: AwsClients;
  clusterId: string;
  logger: Logger;
  events: EventRecorder;
  status: StatusWriter;
  metrics: Metrics;
  manager: Manager;
  now?: () => Date;
}

export const COLLECTIONS = {
  RegionPair: '/apis/multiregion.dev/v1alpha1/regionpairs',
  FailoverPolicy: '/apis/multiregion.dev/v1alpha1/failoverpolicies',
  ClientConnection: '/apis/multiregion.dev/v1alpha1/clientconnections',
} as const;
