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
import { TAG_KEYS } from '../../aws/tags.ts';
import { databaseStatements } from './iam-policy-database.ts';
import { globalAcceleratorStatements } from './iam-policy-global-accelerator.ts';
import { networkStatements } from './iam-policy-network.ts';
import type { IamPolicyInput, MaybeStatement, PolicyDocument, Statement, TemplateContext } from './iam-policy-types.ts';

// The input and output types and the per-service parts live beside the template; these names stay importable from here.
export { RDS_MARK_KEYS } from './iam-policy-database.ts';
export { type IamPolicyInput, PARTITIONS, type Partition, type PolicyDocument, type Statement } from './iam-policy-types.ts';

/** Where flow logs deliver unless the spec names another group (RegionPair default). */
export const DEFAULT_LOG_GROUP = '/aws/tgw/flow-logs';

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

export function controllerPolicy(input: IamPolicyInput): PolicyDocument {
  const { clusterId, partition } = input;
  const ours = { StringEquals: { [CLUSTER_TAG]: clusterId } };
  /** One ARN per account, e.g. arn('ec2', '*', 'transit-gateway/*'). */
  const arn = (service: string, region: string, resource: string): string[] =>
    input.accounts.map((a) => `arn:${partition}:${service}:${region}:${a}:${resource}`);
  const ec2 = (resource: string) => arn('ec2', '*', resource);
  const c: TemplateContext = { input, ours, arn, ec2 };

  const s: MaybeStatement[] = [
    { Sid: 'ReadOnly', Effect: 'Allow', Action: READ_ONLY, Resource: '*' },

    // --- Transit Gateway network (RegionPair, ClientConnection routes) and TGW flow logs (iam-policy-network.ts) ---
    ...networkStatements(c),

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

    // --- RDS (FailoverPolicy database) and its fence groups (iam-policy-database.ts) ---
    ...databaseStatements(c),

    // --- Global Accelerator (iam-policy-global-accelerator.ts) ---
    ...globalAcceleratorStatements(c),

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

/** The role a side's account needs: everything the controller does there, except assuming further roles. */
export function sideRoleStatements(policy: PolicyDocument): Statement[] {
  return policy.Statement.filter((st) => !st.Action.includes('sts:AssumeRole'));
}
