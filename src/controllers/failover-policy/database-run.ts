// What one database pass works with, shared by its observe (database-observe.ts), its actions
// (database-actions.ts) and its rounds (database.ts).

import type { DBInstance } from '@aws-sdk/client-rds';
import type { FailoverPolicy } from '../../api/types.ts';
import type { InstanceRef } from '../../aws/rds/observe.ts';
import type { Owner } from '../../aws/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import type { PolicyDns } from './dns.ts';
import type { MachineStatus, RegionHealth } from './failover-machine.ts';
import type { FailbackTiming } from './failover-trigger.ts';
import type { FenceGroups } from './fence-prep.ts';
import type { ResolvedPolicy } from './resolve.ts';
import type { SecretPolicy } from './secret.ts';

export interface DatabaseRun {
  deps: ControllerDeps;
  r: ResolvedPolicy;
  obj: FailoverPolicy;
  owner: Owner;
  ctx: SyncContext;
  dns: PolicyDns;
  health: Record<string, RegionHealth | undefined>;
  /** Writes the machine's fields into the object's status now (the step record). */
  persist(m: MachineStatus): Promise<void>;
  /** The operator's failback timing (flags); the machine's defaults when absent. */
  failback?: FailbackTiming;
  /** Writers whose fence group is made ahead (fence-prep.ts); without it, fences create their group. */
  fenceGroups?: FenceGroups;
}

export function nowOf(run: DatabaseRun): string {
  return (run.deps.now?.() ?? new Date()).toISOString();
}

/** DescribeDBInstances answers of this pass by region/identifier: the fence and the promote use them instead of reading again. */
export type Answers = Map<string, DBInstance>;
export const answerKey = (ref: InstanceRef): string => `${ref.region}/${ref.identifier}`;

/** The policy its connection Secret belongs to (its ownerReference). */
export const secretPolicyOf = (obj: FailoverPolicy): SecretPolicy => ({
  namespace: obj.metadata.namespace,
  name: obj.metadata.name,
  uid: obj.metadata.uid ?? '',
});
