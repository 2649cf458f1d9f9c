import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClientDashboardInput, clientDashboardBody, DASHBOARD_WIDGETS } from '../../src/aws/cloudwatch/dashboard.ts';
import { type OverviewInput, overviewDashboardBody } from '../../src/aws/cloudwatch/overview-dashboard.ts';
import type { PlacedWidget } from '../../src/aws/cloudwatch/widgets.ts';

const base: ClientDashboardInput = {
  displayName: 'ACME [Corp]',
  cidrs: ['203.0.113.0/24', '198.51.100.0/24'],
  region: 'us-east-1',
  logGroupName: '/aws/tgw/flow-logs',
  widgets: DASHBOARD_WIDGETS,
  periodSeconds: 300,
  attachment: { type: 'vpn', id: 'tgw-attach-0a', vpnConnectionId: 'vpn-0b' },
  transitGatewayId: 'tgw-0c',
};

const ofType = (ws: PlacedWidget[], t: string) => ws.filter((w) => w.type === t);
const props = (w: PlacedWidget) => w.properties as Record<string, unknown>;
const allText = (ws: PlacedWidget[]) => JSON.stringify(ws);

/** No widget leaves the 24-column grid and no two overlap. */
function assertGrid(ws: PlacedWidget[]): void {
  const taken = new Set<string>();
  for (const w of ws) {
    assert.ok(w.x >= 0 && w.x + w.width <= 24, `x ${w.x}+${w.width}`);
    for (let x = w.x; x < w.x + w.width; x++)
      for (let y = w.y; y < w.y + w.height; y++) {
        assert.ok(!taken.has(`${x},${y}`), `overlap at ${x},${y}`);
        taken.add(`${x},${y}`);
      }
  }
}

describe('client dashboard', () => {
  it('has log widgets over the flow-log group, scoped to every CIDR', () => {
    const ws = clientDashboardBody(base).widgets;
    const logs = ofType(ws, 'log');
    assert.equal(logs.length, 4, 'top talkers, rejected, bandwidth egress + ingress');
    for (const w of logs) {
      const q = String(props(w).query);
      assert.ok(q.startsWith("SOURCE '/aws/tgw/flow-logs' | parse @message"), q.slice(0, 60));
      assert.ok(q.includes('"203.0.113.0/24"') && q.includes('"198.51.100.0/24"'));
      assert.equal(props(w).region, 'us-east-1');
    }
    assert.deepEqual(
      logs.map((w) => props(w).view),
      ['table', 'table', 'timeSeries', 'timeSeries'],
    );
    assertGrid(ws);
  });

  it('graphs the attachment metrics with both TGW dimensions', () => {
    const text = allText(clientDashboardBody(base).widgets);
    for (const m of ['PacketDropCountNoRoute', 'PacketDropCountBlackhole', 'BytesIn', 'BytesOut']) {
      assert.ok(text.includes(`["AWS/TransitGateway","${m}","TransitGateway","tgw-0c","TransitGatewayAttachment","tgw-attach-0a"`), m);
    }
  });

  it('leaves the attachment metrics out without a TGW id, keeping the log views', () => {
    const ws = clientDashboardBody({ ...base, transitGatewayId: undefined }).widgets;
    assert.ok(!allText(ws).includes('AWS/TransitGateway'));
    assert.equal(ofType(ws, 'log').length, 4);
    assertGrid(ws);
  });

  it('contains only the requested rows, in a fixed order whatever the spec order', () => {
    const a = clientDashboardBody({ ...base, widgets: ['latency', 'topTalkers'] });
    const b = clientDashboardBody({ ...base, widgets: ['topTalkers', 'latency'] });
    assert.deepEqual(a, b);
    assert.equal(ofType(a.widgets, 'log').length, 1);
    assert.ok(!allText(a.widgets).includes('bytesFromClient'));
  });

  it('escapes the display name in the header markdown and lists the CIDRs', () => {
    const header = String(props(ofType(clientDashboardBody(base).widgets, 'text')[0] as PlacedWidget).markdown);
    assert.ok(header.startsWith('# ACME \\[Corp\\]'));
    assert.ok(header.includes('`198.51.100.0/24`, `203.0.113.0/24`'));
  });

  it('adds an alarm row with sorted ARNs only when given', () => {
    assert.equal(ofType(clientDashboardBody(base).widgets, 'alarm').length, 0);
    const ws = clientDashboardBody({ ...base, alarmArns: ['arn:b', 'arn:a'] }).widgets;
    assert.deepEqual(props(ofType(ws, 'alarm')[0] as PlacedWidget).alarms, ['arn:a', 'arn:b']);
    assertGrid(ws);
  });
});

describe('latency row: real metrics or an explanation, never a number we made up', () => {
  const latencyOnly = (attachment: ClientDashboardInput['attachment']) => clientDashboardBody({ ...base, widgets: ['latency'], attachment }).widgets.slice(1);
  const cases = [
    {
      reason: 'a probe given as monitor/probe: exact RTT metric',
      attachment: { type: 'vpn' as const, id: 'a', networkMonitorProbe: 'mon-1/probe-abc' },
      has: ['["AWS/NetworkMonitor","RTT","Monitor","mon-1","Probe","probe-abc"'],
      text: false,
    },
    {
      reason: 'a bare probe id: SEARCH on the Probe dimension',
      attachment: { type: 'directConnect' as const, id: 'a', networkMonitorProbe: 'probe-abc' },
      has: ['SEARCH(\'{AWS/NetworkMonitor,Monitor,Probe} MetricName=\\"RTT\\" Probe=\\"probe-abc\\"\', \'Average\', 300)'],
      text: false,
    },
    {
      reason: 'VPN without probe: tunnel state plus a text saying VPN has no latency metric',
      attachment: { type: 'vpn' as const, id: 'a', vpnConnectionId: 'vpn-1' },
      has: ['["AWS/VPN","TunnelState","VpnId","vpn-1"', 'Site-to-Site VPN publishes tunnel state and data volume, not latency.'],
      text: true,
    },
    {
      reason: 'Direct Connect without probe: link state and light levels plus the explanation',
      attachment: { type: 'directConnect' as const, id: 'a', directConnectConnectionId: 'dxcon-1' },
      has: ['"AWS/DX","ConnectionLightLevelTx","ConnectionId","dxcon-1"', '"AWS/DX","ConnectionState"', 'not latency'],
      text: true,
    },
    {
      reason: 'VPC attachment: only the explanation',
      attachment: { type: 'vpc' as const, id: 'a' },
      has: ['VPC attachments publish bytes, packets and drops, not latency'],
      text: true,
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const ws = latencyOnly(c.attachment);
      const text = allText(ws);
      for (const h of c.has) assert.ok(text.includes(h), `missing ${h} in ${text}`);
      assert.equal(ofType(ws, 'text').length > 0, c.text);
      assert.doesNotMatch(text, /"expression":"[0-9.]+"/, 'no constant pretending to be a metric');
      assertGrid(ws);
    });
  }
  it('refuses a probe id that could break out of the SEARCH string', () => {
    assert.throws(() => latencyOnly({ type: 'vpn', id: 'a', networkMonitorProbe: "p' Probe='x" }), TypeError);
    assert.throws(() => latencyOnly({ type: 'vpn', id: 'a', networkMonitorProbe: 'm/p/extra' }), TypeError);
  });
});

describe('overview dashboard', () => {
  const input: OverviewInput = {
    pairName: 'prod',
    pairNamespace: 'platform',
    regions: { primary: 'us-east-1', secondary: 'us-west-2' },
    transitGatewayIds: { primary: 'tgw-p', secondary: 'tgw-s' },
    peeringAttachmentId: 'tgw-attach-peer',
    clients: [
      { name: 'zeta', namespace: 'clients', displayName: 'Zeta', side: 'secondary', region: 'us-west-2', dashboardName: 'mrc_prod_cc_clients_zeta' },
      { name: 'acme', namespace: 'clients', displayName: 'ACME', side: 'primary', region: 'us-east-1', dashboardName: 'mrc_prod_cc_clients_acme' },
    ],
    policies: [
      {
        name: 'orders',
        namespace: 'apps',
        healthCheckIds: { primary: 'hc-1', secondary: 'hc-2' },
        replica: { region: 'us-west-2', identifier: 'orders-replica' },
      },
    ],
  };

  it('lists every client, sorted, with a console link to its dashboard', () => {
    const ws = overviewDashboardBody(input).widgets;
    const table = String(props(ofType(ws, 'text')[1] as PlacedWidget).markdown);
    const acme = table.indexOf(
      '[mrc_prod_cc_clients_acme](https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/mrc_prod_cc_clients_acme)',
    );
    const zeta = table.indexOf(
      '[mrc_prod_cc_clients_zeta](https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#dashboards/dashboard/mrc_prod_cc_clients_zeta)',
    );
    assert.ok(acme > 0 && zeta > acme, table);
    assertGrid(ws);
  });

  it('graphs health checks in us-east-1, replica lag in the replica region, and peering bytes of both sides', () => {
    const metrics = ofType(overviewDashboardBody(input).widgets, 'metric');
    const byTitle = (t: string) => props(metrics.find((m) => String(props(m).title).startsWith(t)) as PlacedWidget);
    assert.equal(byTitle('Route 53').region, 'us-east-1');
    assert.deepEqual(
      (byTitle('Route 53').metrics as unknown[][]).map((r) => r.slice(0, 4)),
      [
        ['AWS/Route53', 'HealthCheckStatus', 'HealthCheckId', 'hc-1'],
        ['AWS/Route53', 'HealthCheckStatus', 'HealthCheckId', 'hc-2'],
      ],
    );
    assert.deepEqual(byTitle('Replica lag').metrics, [
      ['AWS/RDS', 'ReplicaLag', 'DBInstanceIdentifier', 'orders-replica', { label: 'apps/orders (orders-replica)', region: 'us-west-2' }],
    ]);
    const peering = JSON.stringify(byTitle('Peering').metrics);
    assert.ok(peering.includes('"TransitGateway","tgw-s","TransitGatewayAttachment","tgw-attach-peer"'));
    assert.ok(peering.includes('"region":"us-west-2"') && peering.includes('"region":"us-east-1"'));
  });

  it('changes when a client is added and ignores input order', () => {
    const reversed = overviewDashboardBody({ ...input, clients: [...input.clients].reverse() });
    assert.deepEqual(reversed, overviewDashboardBody(input));
    const fewer = overviewDashboardBody({ ...input, clients: input.clients.slice(0, 1) });
    assert.notDeepEqual(fewer, overviewDashboardBody(input));
  });

  it('says so when there are no clients, and draws no empty graphs', () => {
    const ws = overviewDashboardBody({ ...input, clients: [], policies: [], peeringAttachmentId: undefined }).widgets;
    assert.ok(allText(ws).includes('No ClientConnection references this pair yet'));
    assert.equal(ofType(ws, 'metric').length, 0);
  });

  it('graphs Global Accelerator flows, bytes and endpoint health in us-west-2 by accelerator id (per group when the listener is known)', () => {
    const arn = 'arn:aws:globalaccelerator::123456789012:accelerator/aaaa-1111';
    const ws = overviewDashboardBody({
      ...input,
      policies: [
        { name: 'orders', namespace: 'apps', globalAccelerator: { arn } },
        { name: 'pay', namespace: 'apps', globalAccelerator: { arn: `${arn}2`, listenerArn: `${arn}2/listener/bbbb` } },
      ],
    }).widgets;
    const metrics = ofType(ws, 'metric');
    const byTitle = (t: string) => props(metrics.find((m) => String(props(m).title).startsWith(t)) as PlacedWidget);
    for (const t of ['Global Accelerator new flows', 'Global Accelerator bytes', 'Global Accelerator endpoints'])
      assert.equal(byTitle(t).region, 'us-west-2', t);
    assert.equal(byTitle('Global Accelerator new flows').stat, 'Sum');
    assert.deepEqual(byTitle('Global Accelerator new flows').metrics, [
      ['AWS/GlobalAccelerator', 'NewFlowCount', 'Accelerator', 'aaaa-1111', { label: 'apps/orders' }],
      ['AWS/GlobalAccelerator', 'NewFlowCount', 'Accelerator', 'aaaa-11112', { label: 'apps/pay' }],
    ]);
    assert.deepEqual(
      (byTitle('Global Accelerator bytes').metrics as unknown[][]).map((r) => r[1]),
      ['ProcessedBytesIn', 'ProcessedBytesOut', 'ProcessedBytesIn', 'ProcessedBytesOut'],
    );
    const endpoints = (byTitle('Global Accelerator endpoints').metrics as unknown[][]).map((r) => r.slice(0, -1));
    assert.deepEqual(endpoints, [
      ['AWS/GlobalAccelerator', 'HealthyEndpointCount', 'Accelerator', 'aaaa-1111'],
      ['AWS/GlobalAccelerator', 'UnhealthyEndpointCount', 'Accelerator', 'aaaa-1111'],
      ['AWS/GlobalAccelerator', 'HealthyEndpointCount', 'Accelerator', 'aaaa-11112', 'Listener', 'bbbb', 'EndpointGroup', 'us-east-1'],
      ['AWS/GlobalAccelerator', 'UnhealthyEndpointCount', 'Accelerator', 'aaaa-11112', 'Listener', 'bbbb', 'EndpointGroup', 'us-east-1'],
      ['AWS/GlobalAccelerator', 'HealthyEndpointCount', 'Accelerator', 'aaaa-11112', 'Listener', 'bbbb', 'EndpointGroup', 'us-west-2'],
      ['AWS/GlobalAccelerator', 'UnhealthyEndpointCount', 'Accelerator', 'aaaa-11112', 'Listener', 'bbbb', 'EndpointGroup', 'us-west-2'],
    ]);
    assert.ok(!JSON.stringify(ws).includes('"Latency"'), 'AWS/GlobalAccelerator has no Latency metric');
    assertGrid(ws);
    assert.equal(
      ofType(overviewDashboardBody(input).widgets, 'metric').filter((m) => String(props(m).title).startsWith('Global Accelerator')).length,
      0,
      'no GA graphs without an accelerator',
    );
  });

  it('splits hundreds of clients over several text widgets', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ ...input.clients[0]!, name: `c${String(i).padStart(3, '0')}` }));
    const ws = overviewDashboardBody({ ...input, clients: many }).widgets;
    assert.equal(ofType(ws, 'text').length, 1 + 3);
    assert.equal((allText(ws).match(/\| secondary \|/g) ?? []).length, 120);
    assertGrid(ws);
  });
});
