// The policy template's Transit Gateway network statements (RegionPair, ClientConnection routes)
// and TGW flow logs (RegionPair spec.flowLogs). See iam-policy-template.ts for how each is guarded.
import { TAG_KEYS } from '../../aws/tags.ts';
import type { MaybeStatement, TemplateContext } from './iam-policy-types.ts';

export const NETWORK_CREATES = [
  'ec2:CreateTransitGateway',
  'ec2:CreateTransitGatewayPeeringAttachment',
  'ec2:CreateTransitGatewayRouteTable',
  'ec2:CreateTransitGatewayVpcAttachment',
];

export function networkStatements({ input, ours, arn, ec2 }: TemplateContext): MaybeStatement[] {
  const { clusterId } = input;
  const flowLogs = input.flowLogsRoles.length > 0;
  const databases = input.dbInstances.length > 0;
  const createsTagged = [...NETWORK_CREATES, ...(flowLogs ? ['ec2:CreateFlowLogs'] : []), ...(databases ? ['ec2:CreateSecurityGroup'] : [])].sort();
  return [
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
  ];
}
