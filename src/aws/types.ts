// Shapes shared by every AWS module. Nothing here knows about Kubernetes.

import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { STSClient } from '@aws-sdk/client-sts';

/** Where a call goes: a region, and the account reached through an optional role. */
export interface AwsTarget {
  region: string;
  roleArn?: string;
  externalId?: string;
}

/** One client per (service, region, account), reused; every call counted, rate-limited, classified. */
export interface AwsClients {
  ec2(t: AwsTarget): EC2Client;
  route53(t: AwsTarget): Route53Client;
  rds(t: AwsTarget): RDSClient;
  cloudwatch(t: AwsTarget): CloudWatchClient;
  logs(t: AwsTarget): CloudWatchLogsClient;
  sts(t: AwsTarget): STSClient;
  /** Always signed for us-west-2, where GA's API lives, whatever `t.region` says (the account still comes from `t`). */
  globalAccelerator(t: Pick<AwsTarget, 'roleArn' | 'externalId'> & { region?: string }): GlobalAcceleratorClient;
  /** Account id behind the target's credentials (STS GetCallerIdentity, cached). */
  accountId(t: AwsTarget): Promise<string>;
}

/** Who owns an AWS resource: written as tags on everything the controller creates. */
export interface Owner {
  clusterId: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  userTags?: Record<string, string>;
}

export type ErrorClass = 'Terminal' | 'Recoverable' | 'Throttled';

export interface CallRecord {
  service: string;
  operation: string;
  region: string;
  outcome: 'success' | 'error' | 'throttled';
  durationMs: number;
}

/** Observe/create/update/delete of one AWS kind (crossplane-runtime's ExternalClient). */
export interface Observation<O> {
  exists: boolean;
  upToDate: boolean;
  observed?: O;
  diff?: string[];
}

export interface ExternalResource<Spec, O> {
  observe(spec: Spec): Promise<Observation<O>>;
  create(spec: Spec): Promise<O>;
  update(spec: Spec, seen: O): Promise<void>;
  delete(seen: O): Promise<void>;
}

/** One change to AWS, as the caller's planner lists it (dry-run) and reports it (Events). */
export interface MutationChange {
  action: 'Create' | 'Update' | 'Delete' | 'Accept' | 'Associate' | 'Disassociate' | 'Promote' | 'Put';
  /** e.g. `HealthCheck`, `dashboard mrc_prod_cc_clients_acme`: its first word names the kind. */
  resource: string;
  region?: string;
  detail?: string;
  /**
   * A create that is an upsert keyed by a name the caller chose (PutMetricAlarm, PutDashboard): a
   * second call makes nothing twice, so the planner need not record the create's intent first.
   */
  repeatable?: boolean;
}

/**
 * Runs one mutating AWS call through the caller's single change path (the controllers' Planner):
 * it lists the change, skips `fn` in dry-run (and answers undefined), records a create's intent
 * before the call, and reports what was done. The aws layer calls it once per mutating call and
 * knows nothing of what happens around it.
 */
export type Mutate = <T>(change: MutationChange, fn: () => Promise<T>, describe?: (result: T) => string) => Promise<T | undefined>;

/** A Mutate for callers without a planner: every change runs at once. */
export const mutateNow: Mutate = (_change, fn) => fn();

/** A Mutate that only lists: nothing runs (a dry run without a planner). */
export function listOnly(into: MutationChange[]): Mutate {
  return async (change) => {
    into.push(change);
    return undefined;
  };
}
