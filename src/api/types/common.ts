// What every kind's spec and status share: object metadata, conditions, planned changes, references.

export type DeletionPolicy = 'Delete' | 'Orphan';

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface PlannedChange {
  action: 'Create' | 'Update' | 'Delete' | 'Accept' | 'Associate' | 'Disassociate' | 'Promote' | 'Put';
  resource: string;
  region?: string;
  detail?: string;
}

export interface CommonStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  plannedChanges?: PlannedChange[];
}

export interface ObjectRef {
  name: string;
  namespace?: string;
}

export type Health = 'Healthy' | 'Unhealthy' | 'Unknown';
