// ClientConnection: one client's network into a RegionPair side, with routes and observability.
import { DEFAULTS } from '../defaults.ts';
import {
  arr,
  awsId,
  bool,
  cidrList,
  deletionPolicy,
  int,
  mapOf,
  num,
  obj,
  regionPairRef,
  rootSchema,
  routeStatus,
  type Schema,
  snsTopicArn,
  statusSchema,
  str,
  tags,
} from './common.ts';

const attachment = (): Schema =>
  obj(
    "The client's existing Transit Gateway attachment on the chosen side. The controller never creates or deletes it; it routes to it and watches it.",
    {
      type: str(
        'How the client connects: vpn (Site-to-Site VPN), directConnect (DX gateway), vpc (a ' +
          'VPC attachment), peering (a TGW peering). Decides where latency metrics come from.',
        {
          enum: ['vpn', 'directConnect', 'vpc', 'peering'],
        },
      ),
      id: awsId('tgw-attach', 'Transit Gateway attachment id of the client.'),
      vpnConnectionId: awsId('vpn', 'Site-to-Site VPN connection behind the attachment (type vpn): its tunnel metrics feed the bandwidth and latency widgets.'),
      directConnectConnectionId: str(
        'Direct Connect connection behind the attachment (type directConnect), e.g. dxcon-fgabc123: its metrics feed the latency widget.',
        {
          pattern: '^dxcon-[a-z0-9]{8,17}$',
          maxLength: 23,
        },
      ),
      networkMonitorProbe: str(
        'CloudWatch Network Monitor as <monitor>/<probe-id> measuring round-trip time to the client. ' +
          'Latency is only shown from real measurements (VPN, Direct Connect, or this), never estimated.',
        { minLength: 1, maxLength: 512 },
      ),
    },
    {
      required: ['type', 'id'],
      'x-kubernetes-validations': [
        { rule: "!has(self.vpnConnectionId) || self.type == 'vpn'", message: 'vpnConnectionId applies only to type vpn', fieldPath: '.vpnConnectionId' },
        {
          rule: "!has(self.directConnectConnectionId) || self.type == 'directConnect'",
          message: 'directConnectConnectionId applies only to type directConnect',
          fieldPath: '.directConnectConnectionId',
        },
      ],
    },
  );

const spec = (): Schema =>
  obj(
    "Desired connection: routes for the client's CIDRs in the pair's TGW route table, " +
      "and a dashboard and alarms over the pair's flow logs scoped to those CIDRs.",
    {
      regionPairRef: regionPairRef(
        'RegionPair the client connects into. Its spec.allowedNamespaces must include this namespace unless both are in the same one.',
      ),
      side: str("Side of the pair the client's attachment is on; its routes go into that side's TGW route table.", { enum: ['primary', 'secondary'] }),
      client: obj(
        'Who the client is.',
        {
          displayName: str('Human name shown on dashboards and alarm descriptions.', { minLength: 1, maxLength: 128 }),
          cidrs: cidrList(
            "The client's address ranges: routed to the attachment, and the filter of every " +
              "dashboard query. Must not overlap the pair's own CIDRs (the controller checks).",
            'A CIDR block of the client.',
          ),
        },
        { required: ['displayName', 'cidrs'] },
      ),
      attachment: attachment(),
      routes: bool(
        "Add static TGW routes for the client CIDRs to the attachment in the side's route " +
          'table. Set false when the routes are propagated by BGP or managed elsewhere.',
        {
          default: DEFAULTS.routes,
        },
      ),
      dashboard: {
        ...obj("The client's CloudWatch dashboard. Widgets are Logs Insights queries over the pair's TGW flow-log group, scoped to the client's CIDRs.", {
          widgets: arr(
            'Widgets to show. Default: all four.',
            str(
              'topTalkers: top source/destination pairs by bytes. rejectedTraffic: REJECT counts. bandwidth: ' +
                'bytes over time per direction. latency: from VPN, Direct Connect or Network Monitor metrics.',
              {
                enum: ['topTalkers', 'rejectedTraffic', 'bandwidth', 'latency'],
              },
            ),
            { maxItems: 4, 'x-kubernetes-list-type': 'set', default: [...DEFAULTS.dashboard.widgets] },
          ),
          periodSeconds: int('Aggregation period of the widgets in seconds, a multiple of 60.', {
            minimum: 60,
            maximum: 86400,
            multipleOf: 60,
            default: DEFAULTS.dashboard.periodSeconds,
          }),
        }),
        default: {},
      },
      alarms: obj('CloudWatch alarms for this client; each is created only when its threshold is set.', {
        rejectedPacketsPerFiveMinutes: int(
          'Alarm when more packets than this to or from the client are rejected in 5 minutes (misrouted or blocked traffic).',
          { minimum: 1 },
        ),
        bandwidthBytesPerSecond: num("Alarm when the client's traffic exceeds this many bytes per second (e.g. 1e9 ≈ 8 Gbit/s).", { minimum: 1 }),
        snsTopicArn: snsTopicArn(),
      }),
      tags: tags(),
      deletionPolicy: deletionPolicy(),
    },
    { required: ['regionPairRef', 'side', 'client', 'attachment'] },
  );

const status = (): Schema =>
  statusSchema('Observed state. Conditions: Ready, Synced.', {
    dashboardName: str('CloudWatch dashboard of this client.'),
    dashboardUrl: str('Console link to the dashboard.'),
    alarmNames: arr('CloudWatch alarms owned by this client.', str('Alarm name.'), { 'x-kubernetes-list-type': 'atomic' }),
    logGroupName: str('Flow-log group the queries read.'),
    queryDefinitionIds: mapOf('Saved Logs Insights query definition id per widget.', str('Query definition id.')),
    routes: arr('Static TGW routes programmed for this client.', routeStatus(), { 'x-kubernetes-list-type': 'atomic' }),
    region: str("Region of the client's side, recorded so deletion can find the dashboard and alarms even after the RegionPair is gone."),
    observabilityHash: str(
      'Content hash of the dashboard and alarms last written. A resync whose desired state ' +
        'hashes the same makes no CloudWatch call, so hundreds of unchanged clients cost nothing.',
    ),
  });

export const clientConnectionSchema = (): Schema =>
  rootSchema(
    "ClientConnection is one client's network into a region of a RegionPair: routes " +
      "to its attachment, and a dashboard and alarms built from the pair's flow logs.",
    spec(),
    status(),
  );
