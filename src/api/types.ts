// TypeScript shapes of the three kinds. The OpenAPI schemas in ./schemas/ are the other
// half of the contract; test/unit/api-schema.test.ts proves the two agree.

export const GROUP = 'multiregion.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const ANNOTATIONS = {
  reconcileNow: 'multiregion.dev/reconcile-now',
  paused: 'multiregion.dev/paused',
  dryRun: 'multiregion.dev/dry-run',
  drillNow: 'multiregion.dev/drill-now',
  /** create-pending protocol: `<resource>=<iso time>` recorded before a create without idempotency token */
  createPending: 'multiregion.dev/create-pending',
  /** break-glass for one blocked failover (RPO unknown or fence unconfirmed); each new value is used once */
  acceptDataLoss: 'multiregion.dev/accept-data-loss',
  /** a fleet's id for this object in AWS tags (docs/multi-cluster.md, migration); default: derived from the fleet id and the object's name */
  fleetUid: 'multiregion.dev/fleet-uid',
} as const;

/**
 * The annotations that carry a command: a change to any of them wakes a reconcile (the generic
 * runtime is handed this list by main.ts). create-pending is not one: the controller writes it
 * itself, and waking on it would loop.
 */
export const COMMAND_ANNOTATIONS: readonly string[] = [
  ANNOTATIONS.reconcileNow,
  ANNOTATIONS.paused,
  ANNOTATIONS.dryRun,
  ANNOTATIONS.drillNow,
  // a blocked failover waits for it, so setting it must wake the reconcile at once
  ANNOTATIONS.acceptDataLoss,
  // a fleet member's resources are found by it: a new value must be looked at at once
  ANNOTATIONS.fleetUid,
];

export const FINALIZER = 'multiregion.dev/finalizer';

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

// ---------------------------------------------------------------- RegionPair
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

// ------------------------------------------------------------ FailoverPolicy
export interface AliasTarget {
  dnsName: string;
  hostedZoneId: string;
  evaluateTargetHealth?: boolean;
}
export interface RecordTarget {
  alias?: AliasTarget;
  ips?: string[];
  cname?: string;
}

export type HealthCheckType = 'TCP' | 'HTTP' | 'HTTPS' | 'CloudWatchAlarm';
export interface HealthCheckSpec {
  type: HealthCheckType;
  /** endpoint for TCP/HTTP/HTTPS; defaults to the target's first IP or CNAME/alias name */
  fqdn?: string;
  ipAddress?: string;
  port?: number;
  path?: string;
  intervalSeconds?: 10 | 30;
  failureThreshold?: number;
  alarmName?: string;
  alarmRegion?: string;
}

export interface DnsSideSpec {
  /** region this side serves; defaults to the referenced RegionPair's side */
  region?: string;
  target: RecordTarget;
  healthCheck?: HealthCheckSpec;
}

export interface DnsSpec {
  hostedZoneId: string;
  recordName: string;
  ttl?: number;
  primary: DnsSideSpec;
  secondary: DnsSideSpec;
}

export interface DatabaseSpec {
  engine: string;
  primary: { region: string; instanceIdentifier: string; roleArn?: string };
  replica: { region: string; instanceIdentifier: string; instanceClass?: string; kmsKeyId?: string; roleArn?: string };
  maxReplicaLagSeconds?: number;
  connectionSecret: ConnectionSecretSpec;
  /** per region: how a replica created there is placed (first replica and every re-seed); wins over replica.instanceClass/kmsKeyId */
  placement?: DatabasePlacement[];
  /** set on a writer a failover promotes (default 7) */
  backupRetentionDays?: number;
}

export interface DatabasePlacement {
  region: string;
  dbSubnetGroupName?: string;
  vpcSecurityGroupIds?: string[];
  kmsKeyId?: string;
  multiAZ?: boolean;
  instanceClass?: string;
  storageType?: string;
  parameterGroupName?: string;
  optionGroupName?: string;
}

/** status.database.instances[]: one instance as AWS reported it this pass. */
export interface DatabaseInstanceStatus {
  region: string;
  identifier: string;
  role: 'writer' | 'replica';
  status?: string;
  instanceClass?: string;
  encrypted?: boolean;
  multiAZ?: boolean;
  backupRetentionDays?: number;
}

/** Keys the controller writes into the connection Secret (before `keys` renames them). */
export const CONNECTION_SECRET_KEYS = ['host', 'port', 'region', 'role', 'engine'] as const;
export type ConnectionSecretKey = (typeof CONNECTION_SECRET_KEYS)[number];
export interface WorkloadRef {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
}
export interface ConnectionSecretSpec {
  name: string;
  /** renames of the written keys, e.g. {host: DATABASE_HOST} */
  keys?: Partial<Record<ConnectionSecretKey, string>>;
  /** rolled like `kubectl rollout restart` after the Secret's data changes (policy's namespace) */
  restartWorkloads?: WorkloadRef[];
  restartSelector?: LabelSelector;
}
/** status.database.rollout: the last Secret revision the workloads were rolled for. */
export interface RolloutStatus {
  revision: string;
  /** "Deployment/api": restarted for this revision, or carrying it already */
  restarted?: string[];
  /** "Deployment/api: why": not restarted yet, retried */
  failed?: string[];
  at?: string;
}

export interface FailoverSpec {
  mode?: 'Manual' | 'Automatic';
  unhealthyForSeconds?: number;
  activeRegion?: string;
  failback?: 'Manual' | 'Automatic';
  /** promote when the old region's RDS API cannot be reached and its side is Unhealthy, without a confirmed fence */
  promoteWhenFenceUnconfirmed?: boolean;
  /** automatic failbacks started per 24 h before FailbackBlocked (default 3) */
  failbackMaxAttemptsPerDay?: number;
}

export interface DrillSpec {
  /** 5-field cron, read in `timeZone` */
  schedule?: string;
  /** IANA zone name; default UTC */
  timeZone?: string;
  /** Dns (default): a shadow record only. Switchover: a real planned switchover to the standby and back (needs spec.database) */
  type?: 'Dns' | 'Switchover';
  /** a Switchover drill starts only within this many minutes of its slot (default 60) */
  windowMinutes?: number;
}

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

export interface FailoverPolicySpec {
  regionPairRef?: ObjectRef;
  dns: DnsSpec;
  database?: DatabaseSpec;
  failover?: FailoverSpec;
  drill?: DrillSpec;
  alarms?: {
    replicaLagSeconds?: number;
    latencyMillis?: number;
    /** alarm on UnhealthyEndpointCount ≥ this in the active side's Global Accelerator group */
    globalAcceleratorUnhealthyEndpoints?: number;
    snsTopicArn?: string;
  };
  globalAccelerator?: GlobalAcceleratorSpec;
  tags?: Record<string, string>;
  deletionPolicy?: DeletionPolicy;
}

export type Health = 'Healthy' | 'Unhealthy' | 'Unknown';
export type FailoverPhase = 'Healthy' | 'FailingOver' | 'FailedOver' | 'FailingBack' | 'Degraded';

/** The most steps kept per failover or drill (the schema's maxItems); a failover records 8, Triggered … Completed. */
export const MAX_STEP_MARKS = 16;

/** One step of a failover or drill and when it was recorded: what `multiregion timeline` draws. */
export interface StepMark {
  step: string;
  at: string;
  /** health of the region traffic leaves, and of the one it moves to, when the step was recorded */
  fromHealth?: Health;
  toHealth?: Health;
}

export interface FailoverRecord {
  startedAt?: string;
  completedAt?: string;
  rtoSeconds?: number;
  rpoSeconds?: number;
  reason?: string;
  from?: string;
  to?: string;
  /** state-machine step last completed: recorded before the next begins */
  step?: string;
  fencing?: string;
  /** when `step` was recorded */
  stepAt?: string;
  fromIdentifier?: string;
  toIdentifier?: string;
  /** why promotion went ahead without a confirmed fence or a known RPO: `Policy` (spec.failover.promoteWhenFenceUnconfirmed) or `Annotation <value>` */
  dataLossAccepted?: string;
  /** every step recorded so far, oldest first */
  steps?: StepMark[];
}

export interface FailoverPolicyStatus extends CommonStatus {
  activeRegion?: string;
  phase?: FailoverPhase;
  health?: { primary?: Health; secondary?: Health; since?: string; primarySince?: string; secondarySince?: string };
  healthCheckIds?: { primary?: string; secondary?: string };
  database?: {
    writer?: { region: string; identifier: string };
    replica?: { region: string; identifier: string; lagSeconds?: number };
    rollout?: RolloutStatus;
    instances?: DatabaseInstanceStatus[];
  };
  lastFailover?: FailoverRecord;
  inProgress?: FailoverRecord;
  history?: Array<{ at: string; from?: string; to?: string; phase: string; reason: string }>;
  /** content hash of the CloudWatch alarms last put */
  alarmsHash?: string;
  /** the last multiregion.dev/accept-data-loss value consumed: a value is used once */
  acceptedDataLoss?: string;
  /** start times (ISO) of the automatic failbacks of the last 24 h, for the cooldown and the cap */
  failbackAttempts?: string[];
  lastDrill?: {
    startedAt?: string;
    completedAt?: string;
    result?: string;
    rtoSeconds?: number;
    rpoSeconds?: number;
    message?: string;
    /** OnDemand (the drill-now annotation) or Schedule */
    reason?: string;
    /** last value of the drill-now annotation handled: a value starts one drill */
    trigger?: string;
    /** the drill's steps, oldest first */
    steps?: StepMark[];
    /** Dns or Switchover (absent: Dns, recorded before the type existed) */
    type?: 'Dns' | 'Switchover';
    /** Switchover: each direction as the failover machine completed it */
    directions?: DrillDirection[];
    /** Switchover: the writer when the drill ended (a failed drill names where it left the writer) */
    writer?: { region: string; identifier: string };
  };
  /** the Route 53 change of the failover records that is not INSYNC yet; cleared once it is */
  dnsChange?: { id: string; submittedAt: string };
  /** the drill running now: each pass looks once and requeues, so no worker waits for DNS */
  drillInProgress?: DrillProgress;
  /** fence groups still to delete once their instance no longer needs them (controllers/failover-policy/fence-sweep.ts) */
  fenceSweep?: FenceSweepEntry[];
  globalAccelerator?: GlobalAcceleratorStatus;
  /** what was changed outside the controller and put back (Global Accelerator dials, endpoints) */
  drift?: string[];
}

/** One direction of a Switchover drill: a planned switchover the failover machine ran and completed. */
export interface DrillDirection {
  from: string;
  to: string;
  fromIdentifier?: string;
  toIdentifier?: string;
  startedAt?: string;
  completedAt?: string;
  rtoSeconds?: number;
  rpoSeconds?: number;
  /** the machine's steps of this direction (Triggered … Completed) */
  steps?: StepMark[];
}

/** One instance whose deny-all fence group is still to delete. */
export interface FenceSweepEntry {
  region: string;
  identifier: string;
  /** when it was recorded */
  since: string;
  attempts: number;
  /** not looked at again before this */
  nextAttemptAt: string;
  /** why the last attempt left the group */
  message?: string;
}

export interface DrillProgress {
  /** Dns (absent: Dns) or Switchover (then `switchover` holds its state; step and standby are the Dns drill's) */
  type?: 'Dns' | 'Switchover';
  startedAt: string;
  /** OnDemand or Schedule */
  reason: string;
  trigger?: string;
  /** Dns: ShadowWritten (the shadow pair points at the active side) or Switched (its PRIMARY points at the standby) */
  step?: 'ShadowWritten' | 'Switched';
  /** when `step` was recorded */
  stepAt: string;
  /** the side the shadow PRIMARY is switched to */
  standby?: 'primary' | 'secondary';
  /** the Route 53 change of `step` while it is not INSYNC */
  changeId?: string;
  /** Switched: when the answer checks began; the answer timeout counts from here */
  answerSince?: string;
  /** replica lag at the switch */
  rpoSeconds?: number;
  /** what the next pass looks for */
  waitingFor?: string;
  /** the steps recorded so far, oldest first */
  steps?: StepMark[];
  /** Switchover: the state the next pass continues from */
  switchover?: SwitchoverDrillState;
}

/**
 * A Switchover drill in progress. `activeRegion` is the override the failover machine honours
 * instead of spec.failover (as if Manual with this activeRegion) while the drill runs.
 */
export interface SwitchoverDrillState {
  /** SwitchingOver (to the standby), SwitchingBack (home again), Ending (settling on a known writer after a failure or abandonment) */
  phase: 'SwitchingOver' | 'SwitchingBack' | 'Ending';
  /** the region active when the drill started, where it ends */
  home: string;
  /** the standby's region the drill switches to */
  away: string;
  /** the region the failover machine is to make active now */
  activeRegion: string;
  /** when the current phase began: a direction completed after it belongs to it */
  phaseAt: string;
  directions?: DrillDirection[];
  /** Ending: why the drill ends early (Failed or Abandoned) */
  failure?: { result: 'Failed' | 'Abandoned'; message: string };
}

// ---------------------------------------------------------- ClientConnection
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

// -------------------------------------------------------------- AccessPolicy
/** A Kubernetes label selector (metav1.LabelSelector), matched against Namespace labels. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/**
 * Cluster-scoped, admin-owned: which namespaces may use which AWS resources. Every string list
 * takes `*` / `?` globs. A namespace may use a resource when any policy covering it lists it.
 */
export interface AccessPolicySpec {
  namespaces?: string[];
  namespaceSelector?: LabelSelector;
  /** Any role ARN in one of these accounts is allowed. */
  accounts?: string[];
  roleArns?: string[];
  hostedZones?: Array<{ id: string; recordSuffixes?: string[] }>;
  dbInstances?: Array<{ region: string; identifiers: string[] }>;
  transitGateways?: string[];
  vpcs?: string[];
  /** Attachments a ClientConnection may route to (its spec.attachment.id). */
  transitGatewayAttachments?: string[];
  snsTopicArns?: string[];
}

export interface AccessPolicy {
  apiVersion: typeof API_VERSION;
  kind: 'AccessPolicy';
  metadata: Omit<ObjectMeta, 'namespace'> & { namespace?: string };
  spec: AccessPolicySpec;
}

/** AccessPolicy is no managed kind (nothing reconciles it, so it is not in KINDS): the controllers only read it. */
export const ACCESS_POLICY_KIND = { kind: 'AccessPolicy', plural: 'accesspolicies', singular: 'accesspolicy', shortNames: ['ap'] } as const;

// ---------------------------------------------------------------- objects
export interface Resource<K extends string, S, St> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  status?: St;
}

export type RegionPair = Resource<'RegionPair', RegionPairSpec, RegionPairStatus>;
export type FailoverPolicy = Resource<'FailoverPolicy', FailoverPolicySpec, FailoverPolicyStatus>;
export type ClientConnection = Resource<'ClientConnection', ClientConnectionSpec, ClientConnectionStatus>;
export type AnyKind = RegionPair | FailoverPolicy | ClientConnection;

export interface KindInfo {
  kind: AnyKind['kind'];
  plural: string;
  singular: string;
  shortNames: string[];
}
export const KINDS: readonly KindInfo[] = [
  { kind: 'RegionPair', plural: 'regionpairs', singular: 'regionpair', shortNames: ['rp'] },
  { kind: 'FailoverPolicy', plural: 'failoverpolicies', singular: 'failoverpolicy', shortNames: ['fp'] },
  { kind: 'ClientConnection', plural: 'clientconnections', singular: 'clientconnection', shortNames: ['cc'] },
];

/** Where the apiserver serves a kind: namespaced when `namespace` is given, all namespaces otherwise. */
export function collectionPath(k: Pick<KindInfo, 'plural'>, namespace?: string): string {
  return namespace ? `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${k.plural}` : `/apis/${API_VERSION}/${k.plural}`;
}
