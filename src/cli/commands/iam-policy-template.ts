// The template of the controller's IAM policy: every statement the controller can need, filled in
// with the cluster id (the value of its `multiregion.dev/cluster` ownership tag), the accounts it
// works in, and the resources the operator lets it act on without owning them. Statements for a
// feature nobody named (no side roles, no databases, no hosted zones…) are left out altogether.
// `multiregion iam-policy` prints the result; deploy/iam/README.md explains each choice.
//
// How a statement guards what it touches, in order of preference:
// 1. Ours by tag: `aws:ResourceTag/multiregion.dev/cluster` equals the cluster id. EC2 tags come
//    only with the create call (ec2:CreateTags needs ec2:CreateAction), so these credentials
//    cannot put our tag on someone else's resource and then delete it.
// 2. Named by the operator: resources the spec adopts cannot carry our tag (the user's primary
//    database, hosted zones, VPC route tables, a team's TGW route table), so they are allowed by
//    ARN, exactly as given to the CLI.
// 3. Neither possible (the service has no resource-level permission or no tag condition keys):
//    said in a comment here and in the README, and the code checks ownership before the call.
// Multi-resource EC2 actions are authorized per resource: a tag condition on a statement that
// also matched the subnet or attachment side would silently deny, so those sides get a companion
// statement of their own (Sid ending in the side's name).
import { FENCE_TAGS } from '../../aws/rds/fence.ts';
import { PROMOTE_REQUESTED_TAG, PROMOTED_TAG } from '../../aws/rds/instances.ts';
import { TAG_KEYS } from '../../aws/tags.ts';

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** Validated input (see iam-policy.ts for the checks); lists are deduplicated, in the order given. */
export interface IamPolicyInput {
  clusterId: string;
  accounts: string[];
  partition: Partition;
  /** Role ARNs of RegionPair/FailoverPolicy sides (`roleArn`): sts:AssumeRole on these only. */
  sideRoles: string[];
  /** Flow-log delivery role ARNs (`spec.flowLogs.deliveryRoleArn`): iam:PassRole on these only. */
  flowLogsRoles: string[];
  /** CloudWatch Logs groups that flow logs deliver to. */
  logGroups: string[];
  /** RDS instance identifiers (globs) or full ARNs: fenced, replicated, promoted. */
  dbInstances: string[];
  /** Route 53 hosted zone ids that get failover records. */
  hostedZones: string[];
  /** VPC route tables (rtb-…) that get routes to the peer side. */
  routeTables: string[];
  /** TGW route tables the controller did not create (an adopted attachment's previous table). */
  tgwRouteTables: string[];
  /** FailoverPolicies with spec.globalAccelerator: create and manage accelerators tagged with the cluster id. */
  globalAccelerator: boolean;
  /** Accelerators the specs adopt by ARN (never deleted; their listener and dials are managed). */
  accelerators: string[];
  /** The fleet's DynamoDB lease table (--coordination-table; docs/multi-cluster.md), if clusters run as a fleet. */
  coordinationTable?: string;
}

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

/** Where flow logs deliver unless the spec names another group (RegionPair default). */
export const DEFAULT_LOG_GROUP = '/aws/tgw/flow-logs';

/** Tags the controller adds to (and removes from) RDS instances it did not create: fence and promotion marks. */
export const RDS_MARK_KEYS = [FENCE_TAGS.from, FENCE_TAGS.group, FENCE_TAGS.at, PROMOTE_REQUESTED_TAG, PROMOTED_TAG];

const CLUSTER_TAG = `aws:ResourceTag/${TAG_KEYS.cluster}`;

const READ_ONLY = [
  'cloudwatch:DescribeAlarms',
  'cloudwatch:GetMetricData',
  'cloudwatch:ListDashboards',
  'cloudwatch:ListTagsForResource',
  'ec2:DescribeFlowLogs',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeTransitGatewayAttachments',
  'ec2:DescribeTransitGatewayPeeringAttachments',
  'ec2:DescribeTransitGatewayRouteTables',
  'ec2:DescribeTransitGatewayVpcAttachments',
  'ec2:DescribeTransitGateways',
  'ec2:DescribeVpcs',
  'ec2:GetTransitGatewayRouteTableAssociations',
  'ec2:SearchTransitGatewayRoutes',
  'logs:DescribeLogGroups',
  'logs:DescribeQueryDefinitions',
  'logs:ListTagsForResource',
  'rds:DescribeDBInstances',
  'route53:GetChange',
  'route53:GetHealthCheck',
  'route53:ListHealthChecks',
  'route53:ListResourceRecordSets',
  'route53:ListTagsForResources',
  'route53:TestDNSAnswer',
  'sts:GetCallerIdentity',
];

/** What the controller changes in an accelerator it manages (global-accelerator/*.ts). */
const GA_CHANGES = [
  'globalaccelerator:CreateEndpointGroup',
  'globalaccelerator:CreateListener',
  'globalaccelerator:DeleteAccelerator',
  'globalaccelerator:DeleteEndpointGroup',
  'globalaccelerator:DeleteListener',
  'globalaccelerator:UpdateAccelerator',
  'globalaccelerator:UpdateAcceleratorAttributes',
  'globalaccelerator:UpdateEndpointGroup',
  'globalaccelerator:UpdateListener',
];

const NETWORK_CREATES = [
  'ec2:CreateTransitGateway',
  'ec2:CreateTransitGatewayPeeringAttachment',
  'ec2:CreateTransitGatewayRouteTable',
  'ec2:CreateTransitGatewayVpcAttachment',
];

export function controllerPolicy(input: IamPolicyInput): PolicyDocument {
  const { clusterId, partition } = input;
  const ours = { StringEquals: { [CLUSTER_TAG]: clusterId } };
  /** One ARN per account, e.g. arn('ec2', '*', 'transit-gateway/*'). */
  const arn = (service: string, region: string, resource: string): string[] =>
    input.accounts.map((a) => `arn:${partition}:${service}:${region}:${a}:${resource}`);
  const ec2 = (resource: string) => arn('ec2', '*', resource);
  const flowLogs = input.flowLogsRoles.length > 0;
  const databases = input.dbInstances.length > 0;
  const dbArns = input.dbInstances.flatMap((d) => (d.startsWith('arn:') ? [d] : arn('rds', '*', `db:${d}`)));
  const ga = input.globalAccelerator || input.accelerators.length > 0;
  /** An accelerator's ARN (id `*` or a named one), its listeners' and their endpoint groups'. */
  const gaArns = (ids: string[]): string[] =>
    input.accounts.flatMap((a) =>
      ids.flatMap((id) => {
        const acc = `arn:${partition}:globalaccelerator::${a}:accelerator/${id}`;
        return [acc, `${acc}/listener/*`, `${acc}/listener/*/endpoint-group/*`];
      }),
    );
  const createsTagged = [...NETWORK_CREATES, ...(flowLogs ? ['ec2:CreateFlowLogs'] : []), ...(databases ? ['ec2:CreateSecurityGroup'] : [])].sort();

  const s: Array<Statement | false> = [
    { Sid: 'ReadOnly', Effect: 'Allow', Action: READ_ONLY, Resource: '*' },

    // --- Transit Gateway network (RegionPair, ClientConnection routes) ---
    { Sid: 'CreateNetworkResources', Effect: 'Allow', Action: NETWORK_CREATES, Resource: '*' },
    {
      // Tags only inside a create call, and only with our cluster id: an existing resource can never be made "ours".
      Sid: 'TagOnlyAtCreation',
      Effect: 'Allow',
      Action: ['ec2:CreateTags'],
      Resource: '*',
      Condition: { StringEquals: { 'ec2:CreateAction': createsTagged.map((a) => a.replace(/^ec2:/, '')), [`aws:RequestTag/${TAG_KEYS.cluster}`]: clusterId } },
    },
    // The accepter side's view of a peering carries no tags (they stay with the requester), and
    // AcceptTransitGatewayPeeringAttachment takes none: it cannot be tag-conditioned.
    { Sid: 'AcceptPeering', Effect: 'Allow', Action: ['ec2:AcceptTransitGatewayPeeringAttachment'], Resource: ec2('transit-gateway-attachment/*') },
    { Sid: 'ModifyOwnTransitGateways', Effect: 'Allow', Action: ['ec2:ModifyTransitGateway'], Resource: '*', Condition: ours },
    {
      Sid: 'DeleteOwnNetworkResources',
      Effect: 'Allow',
      Action: [
        'ec2:DeleteTransitGateway',
        'ec2:DeleteTransitGatewayPeeringAttachment',
        'ec2:DeleteTransitGatewayRouteTable',
        'ec2:DeleteTransitGatewayVpcAttachment',
      ],
      Resource: '*',
      Condition: ours,
    },
    {
      Sid: 'ModifyOwnAttachments',
      Effect: 'Allow',
      Action: ['ec2:ModifyTransitGatewayVpcAttachment'],
      Resource: ec2('transit-gateway-attachment/*'),
      Condition: ours,
    },
    { Sid: 'ModifyOwnAttachmentsSubnets', Effect: 'Allow', Action: ['ec2:ModifyTransitGatewayVpcAttachment'], Resource: ec2('subnet/*') },
    {
      Sid: 'OwnTgwRouteTables',
      Effect: 'Allow',
      Action: [
        'ec2:AssociateTransitGatewayRouteTable',
        'ec2:CreateTransitGatewayRoute',
        'ec2:DeleteTransitGatewayRoute',
        'ec2:DisassociateTransitGatewayRouteTable',
      ],
      Resource: ec2('transit-gateway-route-table/*'),
      Condition: ours,
    },
    input.tgwRouteTables.length > 0 && {
      // An adopted attachment is moved out of its previous table and put back on delete.
      Sid: 'NamedTgwRouteTables',
      Effect: 'Allow',
      Action: ['ec2:AssociateTransitGatewayRouteTable', 'ec2:DisassociateTransitGatewayRouteTable'],
      Resource: input.tgwRouteTables.flatMap((id) => ec2(`transit-gateway-route-table/${id}`)),
    },
    {
      // The table side decides (ours or named, above); attachments include the accepter side of a
      // peering and attachments the spec adopts, neither of which carries our tag.
      Sid: 'OwnTgwRouteTablesAttachments',
      Effect: 'Allow',
      Action: ['ec2:AssociateTransitGatewayRouteTable', 'ec2:CreateTransitGatewayRoute', 'ec2:DisassociateTransitGatewayRouteTable'],
      Resource: ec2('transit-gateway-attachment/*'),
    },
    input.routeTables.length > 0 && {
      Sid: 'NamedVpcRouteTables',
      Effect: 'Allow',
      Action: ['ec2:CreateRoute', 'ec2:DeleteRoute', 'ec2:ReplaceRoute'],
      Resource: input.routeTables.flatMap((id) => ec2(`route-table/${id}`)),
    },
    input.routeTables.length > 0 && {
      // The route's target: the table side is what is guarded.
      Sid: 'NamedVpcRouteTablesTargets',
      Effect: 'Allow',
      Action: ['ec2:CreateRoute', 'ec2:ReplaceRoute'],
      Resource: ec2('transit-gateway/*'),
    },

    // --- TGW flow logs (RegionPair spec.flowLogs) ---
    flowLogs && { Sid: 'CreateFlowLogs', Effect: 'Allow', Action: ['ec2:CreateFlowLogs'], Resource: '*' },
    flowLogs && { Sid: 'DeleteOwnFlowLogs', Effect: 'Allow', Action: ['ec2:DeleteFlowLogs'], Resource: '*', Condition: ours },
    flowLogs && {
      Sid: 'PassFlowLogsDeliveryRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: input.flowLogsRoles,
      Condition: { StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } },
    },
    flowLogs && {
      // By name: a group is shared by every pair that names it, and the code deletes only one it
      // created. logs:TagResource is what CloudWatch Logs checks for CreateLogGroup's tags.
      Sid: 'FlowLogGroups',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:TagResource'],
      Resource: input.logGroups.flatMap((g) => [...arn('logs', '*', `log-group:${g}`), ...arn('logs', '*', `log-group:${g}:*`)]),
    },

    // --- CloudWatch (ClientConnection observability, FailoverPolicy alarms) ---
    // Query definitions have no resource-level permissions: the code deletes only ids it listed under its own name prefix.
    { Sid: 'LogsInsightsQueries', Effect: 'Allow', Action: ['logs:DeleteQueryDefinition', 'logs:PutQueryDefinition'], Resource: '*' },
    // Dashboards and alarms are named after the cluster id (src/aws/cloudwatch/names.ts).
    {
      Sid: 'OwnDashboards',
      Effect: 'Allow',
      Action: ['cloudwatch:DeleteDashboards', 'cloudwatch:GetDashboard', 'cloudwatch:PutDashboard'],
      Resource: arn('cloudwatch', '', `dashboard/mrc_${clusterId}_*`),
    },
    {
      Sid: 'OwnAlarms',
      Effect: 'Allow',
      Action: ['cloudwatch:DeleteAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource'],
      Resource: arn('cloudwatch', '*', `alarm:mrc/${clusterId}/*`),
    },

    // --- Route 53 (FailoverPolicy DNS) ---
    input.hostedZones.length > 0 && {
      Sid: 'NamedHostedZones',
      Effect: 'Allow',
      Action: ['route53:ChangeResourceRecordSets'],
      Resource: input.hostedZones.map((z) => `arn:${partition}:route53:::hostedzone/${z}`),
    },
    // CreateHealthCheck has no resource-level permission; Route 53 has no tag condition keys at all,
    // so health checks cannot be limited to ours: the code checks their ownership tags before a change.
    input.hostedZones.length > 0 && { Sid: 'CreateHealthChecks', Effect: 'Allow', Action: ['route53:CreateHealthCheck'], Resource: '*' },
    input.hostedZones.length > 0 && {
      Sid: 'HealthChecks',
      Effect: 'Allow',
      Action: ['route53:ChangeTagsForResource', 'route53:DeleteHealthCheck', 'route53:UpdateHealthCheck'],
      Resource: `arn:${partition}:route53:::healthcheck/*`,
    },

    // --- RDS (FailoverPolicy database): only the named instances ---
    databases && {
      Sid: 'NamedDatabases',
      Effect: 'Allow',
      Action: ['rds:CreateDBInstanceReadReplica', 'rds:ModifyDBInstance', 'rds:PromoteReadReplica', 'rds:RebootDBInstance'],
      Resource: dbArns,
    },
    // A replica's create names its placement (spec.database.placement): IAM checks the subnet,
    // parameter and option groups as resources of CreateDBInstanceReadReplica too.
    databases && {
      Sid: 'NamedDatabasesSubnetGroups',
      Effect: 'Allow',
      Action: ['rds:CreateDBInstanceReadReplica'],
      Resource: ['subgrp:*', 'pg:*', 'og:*'].flatMap((r) => arn('rds', '*', r)),
    },
    databases && {
      // Fence and promotion marks on instances the controller did not create: these keys only.
      Sid: 'NamedDatabasesMarks',
      Effect: 'Allow',
      Action: ['rds:AddTagsToResource', 'rds:RemoveTagsFromResource'],
      Resource: dbArns,
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': RDS_MARK_KEYS } },
    },
    databases && {
      // RDS authorizes a create's tags as AddTagsToResource and has no ec2:CreateAction: this
      // statement also lets our tag be added to an existing named instance (deploy/iam/README.md).
      Sid: 'TagReplicasAtCreation',
      Effect: 'Allow',
      Action: ['rds:AddTagsToResource'],
      Resource: dbArns,
      Condition: { StringEquals: { [`aws:RequestTag/${TAG_KEYS.cluster}`]: clusterId } },
    },
    databases && { Sid: 'DeleteOwnReplicas', Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: dbArns, Condition: ours },
    databases && {
      // DeleteDBInstance always takes a final snapshot: `<identifier>-final-<time>`.
      Sid: 'FinalSnapshots',
      Effect: 'Allow',
      Action: ['rds:CreateDBSnapshot'],
      Resource: [...dbArns, ...input.dbInstances.flatMap((d) => (d.startsWith('arn:') ? [snapshotArn(d)] : arn('rds', '*', `snapshot:${snapshotGlob(d)}`)))],
    },
    databases && {
      Sid: 'KmsForEncryptedReplicas',
      Effect: 'Allow',
      Action: ['kms:CreateGrant', 'kms:DescribeKey'],
      Resource: arn('kms', '*', 'key/*'),
      Condition: { StringLike: { 'kms:ViaService': 'rds.*.amazonaws.com' } },
    },
    databases && { Sid: 'CreateFenceGroups', Effect: 'Allow', Action: ['ec2:CreateSecurityGroup'], Resource: '*' },
    databases && {
      Sid: 'RevokeOwnFenceEgress',
      Effect: 'Allow',
      Action: ['ec2:RevokeSecurityGroupEgress'],
      Resource: ec2('security-group/*'),
      Condition: ours,
    },
    databases && { Sid: 'RevokeOwnFenceEgressRules', Effect: 'Allow', Action: ['ec2:RevokeSecurityGroupEgress'], Resource: ec2('security-group-rule/*') },
    databases && { Sid: 'DeleteOwnFenceGroups', Effect: 'Allow', Action: ['ec2:DeleteSecurityGroup'], Resource: '*', Condition: ours },

    // --- Global Accelerator (FailoverPolicy spec.globalAccelerator). Its API lives in us-west-2 and its
    // ARNs carry no region. Only accelerators take tags; listeners and endpoint groups are authorized
    // against their accelerator's tags (the Service Authorization Reference lists
    // aws:ResourceTag for them), and the code also checks the accelerator's tags before any change.
    ga && {
      Sid: 'GlobalAcceleratorRead',
      Effect: 'Allow',
      Action: [
        'globalaccelerator:DescribeAccelerator',
        'globalaccelerator:DescribeAcceleratorAttributes',
        'globalaccelerator:ListAccelerators',
        'globalaccelerator:ListEndpointGroups',
        'globalaccelerator:ListListeners',
        'globalaccelerator:ListTagsForResource',
      ],
      Resource: '*',
    },
    ga && {
      // Created with our tags only (CreateAccelerator's Tags are authorized as TagResource too).
      Sid: 'CreateAcceleratorsTagged',
      Effect: 'Allow',
      Action: ['globalaccelerator:CreateAccelerator', 'globalaccelerator:TagResource'],
      Resource: '*',
      Condition: { StringEquals: { [`aws:RequestTag/${TAG_KEYS.cluster}`]: clusterId } },
    },
    ga && {
      Sid: 'OwnAccelerators',
      Effect: 'Allow',
      Action: GA_CHANGES,
      Resource: gaArns(['*']),
      Condition: ours,
    },
    input.accelerators.length > 0 && {
      // Adopted by ARN: its listener, groups and dials, never the accelerator's deletion.
      Sid: 'NamedAccelerators',
      Effect: 'Allow',
      Action: GA_CHANGES.filter((a) => a !== 'globalaccelerator:DeleteAccelerator'),
      Resource: gaArns(input.accelerators.map((a) => a.replace(/^.*:accelerator\//, ''))),
    },
    ga && {
      // The first accelerator of an account creates GA's service-linked role.
      Sid: 'GlobalAcceleratorServiceLinkedRole',
      Effect: 'Allow',
      Action: ['iam:CreateServiceLinkedRole'],
      Resource: input.accounts.map((a) => `arn:${partition}:iam::${a}:role/aws-service-role/globalaccelerator.amazonaws.com/*`),
      Condition: { StringEquals: { 'iam:AWSServiceName': 'globalaccelerator.amazonaws.com' } },
    },

    // --- A fleet of clusters (docs/multi-cluster.md): the lease item, in every Region of the global table ---
    input.coordinationTable !== undefined && {
      Sid: 'FleetLease',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: arn('dynamodb', '*', `table/${input.coordinationTable}`),
    },

    // --- Other accounts (a side's roleArn) ---
    input.sideRoles.length > 0 && { Sid: 'AssumeSideRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: input.sideRoles },
  ];
  return { Version: '2012-10-17', Statement: s.filter((x): x is Statement => x !== false) };
}

/** Final snapshots are `<identifier>-final-<time>`; a glob ending in `*` already covers them. */
function snapshotGlob(glob: string): string {
  return glob.endsWith('*') ? glob : `${glob}-final-*`;
}

/** `arn:…:rds:<region>:<account>:db:<glob>` → the same place's final snapshots. */
function snapshotArn(dbArn: string): string {
  const [head, glob = ''] = dbArn.split(':db:');
  return `${head}:snapshot:${snapshotGlob(glob)}`;
}

/** The role a side's account needs: everything the controller does there, except assuming further roles. */
export function sideRoleStatements(policy: PolicyDocument): Statement[] {
  return policy.Statement.filter((st) => !st.Action.includes('sts:AssumeRole'));
}
