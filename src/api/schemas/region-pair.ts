// RegionPair: the Transit Gateway network between two regions (see types.ts RegionPairSpec).
import { DEFAULTS } from '../defaults.ts';
import {
  arr,
  awsId,
  bool,
  celOverlap,
  cidrList,
  DNS_LABEL_PATTERN,
  deletionPolicy,
  int,
  mapOf,
  obj,
  region,
  roleArn,
  rootSchema,
  routeStatus,
  type Schema,
  statusSchema,
  str,
  tags,
} from './common.ts';

const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const vpcAttachment = (): Schema =>
  obj(
    "A VPC attached to this side's Transit Gateway. The attachment is associated with the side's dedicated TGW route table.",
    {
      vpcId: awsId('vpc', 'VPC to attach; a Transit Gateway takes at most one attachment per VPC.'),
      subnetIds: arr(
        'Subnets the attachment places its network interfaces in: one per Availability ' +
          'Zone the VPC uses (traffic from an AZ without one cannot reach the TGW).',
        awsId('subnet', 'Subnet of this VPC.'),
        { minItems: 1, maxItems: 20, 'x-kubernetes-list-type': 'set' },
      ),
      routeTableIds: arr(
        "VPC route tables that get routes to the other side's CIDRs via the Transit Gateway. Without them the network exists but no workload uses it.",
        awsId('rtb', 'VPC route table of this VPC.'),
        { maxItems: 20, 'x-kubernetes-list-type': 'set' },
      ),
    },
    { required: ['vpcId', 'subnetIds'] },
  );

const side = (which: 'primary' | 'secondary'): Schema =>
  obj(
    `The ${which} side of the pair.` +
      (which === 'primary' ? ' It requests the Transit Gateway peering.' : ' It accepts the peering (in its own account when roleArn differs).'),
    {
      region: region('Region of this side. Immutable: moving a side means a new network, so create a new RegionPair.', {
        'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'region is immutable; create a new RegionPair to move a side' }],
      }),
      roleArn: roleArn(
        'Role the controller assumes (STS AssumeRole) for every call on this side, so one ' +
          "controller can manage several accounts. Omitted: the controller pod's own credentials.",
      ),
      externalId: str("External ID passed with AssumeRole when the role's trust policy requires one (confused-deputy protection).", {
        minLength: 2,
        maxLength: 1224,
        pattern: String.raw`^[\w+=,.@:/-]+$`,
      }),
      transitGateway: obj(
        'The Transit Gateway of this side. Omitted or without id: the controller creates one, with default route-table association and propagation disabled ' +
          '(with them on, every attachment lands in one table and traffic between peers can loop).',
        {
          id: awsId('tgw', 'Adopt this existing Transit Gateway instead of creating one. Adopted gateways are never deleted by the controller.'),
          amazonSideAsn: int('BGP ASN of a Transit Gateway the controller creates (64512-65534 or 4200000000-4294967294). Omitted: AWS uses 64512.', {
            format: 'int64',
          }),
        },
        {
          'x-kubernetes-validations': [
            {
              rule: '!(has(self.id) && has(self.amazonSideAsn))',
              message: 'amazonSideAsn applies only to a Transit Gateway the controller creates; remove it when adopting by id',
              fieldPath: '.amazonSideAsn',
            },
            {
              rule:
                '!has(self.amazonSideAsn) || (self.amazonSideAsn >= 64512 && self.amazonSideAsn <= 65534) || ' +
                '(self.amazonSideAsn >= 4200000000 && self.amazonSideAsn <= 4294967294)',
              message: 'amazonSideAsn must be a private ASN: 64512-65534 or 4200000000-4294967294',
              fieldPath: '.amazonSideAsn',
            },
          ],
        },
      ),
      vpcAttachments: arr('VPCs on this side that join the network.', vpcAttachment(), {
        maxItems: 20,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['vpcId'],
      }),
      cidrs: cidrList(
        'Address ranges of this side: the other side gets static routes to them through ' +
          "the peering. Must not overlap the other side's CIDRs (routes would be ambiguous).",
        'A CIDR block reachable on this side.',
      ),
    },
    { required: ['region', 'cidrs'] },
  );

const flowLogs = (): Schema =>
  obj(
    'Transit Gateway flow logs, one per side, into CloudWatch Logs. ClientConnection dashboards query them, so without flow logs those dashboards stay empty.',
    {
      enabled: bool('Turn flow logs on (true) or off (false; existing flow logs the controller created are deleted).'),
      logGroupName: str("CloudWatch Logs group, created in each side's region when missing.", {
        default: DEFAULTS.flowLogs.logGroupName,
        minLength: 1,
        maxLength: 512,
        pattern: String.raw`^[.\-_/#A-Za-z0-9]+$`,
      }),
      retentionDays: int('How long CloudWatch Logs keeps flow records; one of the values CloudWatch Logs accepts. Longer costs more.', {
        default: DEFAULTS.flowLogs.retentionDays,
        enum: RETENTION_DAYS,
      }),
      trafficType: str('Which flows are logged. REJECT alone is cheaper but leaves top-talker and bandwidth widgets empty.', {
        default: DEFAULTS.flowLogs.trafficType,
        enum: ['ALL', 'ACCEPT', 'REJECT'],
      }),
      deliveryRoleArn: roleArn(
        'Role the flow-log service (vpc-flow-logs.amazonaws.com) assumes to write into CloudWatch ' +
          'Logs; AWS requires it for a CloudWatch Logs destination. The controller does not manage IAM.',
      ),
    },
    {
      required: ['enabled'],
      'x-kubernetes-validations': [
        {
          rule: '!self.enabled || has(self.deliveryRoleArn)',
          message: 'deliveryRoleArn is required when flow logs are enabled: AWS needs a role to deliver into CloudWatch Logs',
          fieldPath: '.deliveryRoleArn',
          reason: 'FieldValueRequired',
        },
      ],
    },
  );

const spec = (): Schema =>
  obj(
    'Desired network: a Transit Gateway per side (created or adopted), a dedicated TGW route ' +
      "table per side, the peering between them, and static routes to the other side's CIDRs.",
    {
      primary: side('primary'),
      secondary: side('secondary'),
      flowLogs: flowLogs(),
      allowedNamespaces: arr(
        'Namespaces whose FailoverPolicies and ClientConnections may reference this pair ' +
          "(like the Gateway API's allowedRoutes). Default: only this object's own namespace, " +
          "so a tenant cannot add routes to someone else's network.",
        str('A namespace name.', { pattern: DNS_LABEL_PATTERN, maxLength: 63 }),
        { maxItems: 256, 'x-kubernetes-list-type': 'set' },
      ),
      tags: tags(),
      deletionPolicy: deletionPolicy(),
    },
    {
      required: ['primary', 'secondary'],
      'x-kubernetes-validations': [
        {
          rule: 'self.primary.region != self.secondary.region',
          message: 'primary and secondary must be in different regions',
          fieldPath: '.secondary.region',
        },
        {
          rule: `self.primary.cidrs.all(a, self.secondary.cidrs.all(b, !(${celOverlap('a', 'b')})))`,
          message: "secondary CIDRs must not overlap primary CIDRs: each side routes the other's ranges through the peering",
          fieldPath: '.secondary.cidrs',
        },
      ],
    },
  );

const sideStatus = (which: string): Schema =>
  obj(`What the controller observed and owns on the ${which} side.`, {
    accountId: str("AWS account of this side (from STS GetCallerIdentity with the side's credentials)."),
    transitGatewayId: str('Transit Gateway in use.'),
    transitGatewayAdopted: bool('True when the gateway was adopted by spec id; adopted gateways are never deleted.'),
    routeTableId: str('The dedicated TGW route table of this side.'),
    vpcAttachmentIds: mapOf('TGW VPC attachment id per VPC id.', str('tgw-attach id.')),
    previousAssociations: mapOf(
      'Per adopted attachment id (one the spec lists but the controller did not create): the TGW route table it ' +
        'was associated with before the controller moved it to its own table. Put back when the pair is deleted.',
      str('tgw-rtb id.'),
    ),
    flowLogId: str('Flow log id (fl-...), when flow logs are enabled.'),
    logGroupArn: str('ARN of the flow-log group.'),
  });

const status = (): Schema =>
  statusSchema('Observed state. Conditions: Ready, Synced, PeeringAvailable, RoutesProgrammed.', {
    primary: sideStatus('primary'),
    secondary: sideStatus('secondary'),
    peering: obj('The TGW peering attachment between the sides.', {
      attachmentId: str('Peering attachment id (same id on both sides).'),
      state: str('Attachment state: pendingAcceptance until the secondary side accepts, then available.'),
    }),
    routes: arr('Static TGW routes programmed for the pair.', routeStatus(), { 'x-kubernetes-list-type': 'atomic' }),
    drift: arr('Differences between AWS and the spec found by the last drift check, before they were corrected.', str('One difference.'), {
      'x-kubernetes-list-type': 'atomic',
    }),
    overviewDashboardName: str('CloudWatch dashboard listing every ClientConnection and FailoverPolicy of this pair, with links to the per-client dashboards.'),
    overviewDashboardUrl: str('Console link to the overview dashboard.'),
    overviewHash: str('Content hash of the overview dashboard last written: it is rewritten only when its content (e.g. the list of clients) changes.'),
  });

export const regionPairSchema = (): Schema =>
  rootSchema(
    'RegionPair is the network between two AWS regions: Transit Gateways, their peering and routes. FailoverPolicies and ClientConnections reference it.',
    spec(),
    status(),
  );
