// Issue 16, ownership items 2 and 3: an object records, and later removes, only the routes it
// created. Foreign routes (made here through the SDK, before the controller sees them) are read
// back after every step and must be exactly as they were; each difference counts in the file's
// tally as foreignTouched. Real apiserver, the controller process, moto.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttachInternetGatewayCommand,
  CreateCustomerGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateTransitGatewayCommand,
  CreateTransitGatewayRouteCommand,
  CreateVpnConnectionCommand,
  DescribeRouteTablesCommand,
  DescribeTransitGatewayAttachmentsCommand,
  SearchTransitGatewayRoutesCommand,
} from '@aws-sdk/client-ec2';
import { metricValue, startController } from '../env/controller.ts';
import { waitFor } from '../env/ports.ts';
import { seedVpc } from '../env/seed.ts';
import { ClientBed } from '../integration/client-connection-bed.ts';
import { CLIENT_NS, clientObj, ec2, PAIR_NS, staticRoutes, type World } from '../integration/client-connection-fixtures.ts';
import { condition, type Obj, uniqueName } from '../integration/helpers.ts';
import { pairObj, record } from './harness.ts';

const bed = new ClientBed();
let foreignTouched = 0;
let foreignChecks = 0;

/** A foreign route as AWS reports it: a VPC route (table + CIDR) or a TGW static route. */
interface Foreign {
  kind: 'vpc' | 'tgw';
  region: string;
  table: string;
  cidr: string;
}

async function readForeign(f: Foreign): Promise<string> {
  const c = ec2(bed.stack, f.region);
  if (f.kind === 'vpc') {
    const t = (await c.send(new DescribeRouteTablesCommand({ RouteTableIds: [f.table] }))).RouteTables?.[0];
    return JSON.stringify(t?.Routes?.find((r) => r.DestinationCidrBlock === f.cidr) ?? null);
  }
  const r = await c.send(
    new SearchTransitGatewayRoutesCommand({ TransitGatewayRouteTableId: f.table, Filters: [{ Name: 'route-search.exact-match', Values: [f.cidr] }] }),
  );
  return JSON.stringify((r.Routes ?? []).filter((x) => x.State !== 'deleted'));
}

/** Snapshots taken right after the test made the foreign routes; `check` compares after each step. */
class ForeignRoutes {
  private readonly before = new Map<Foreign, string>();
  async add(f: Foreign): Promise<void> {
    const seen = await readForeign(f);
    assert.notEqual(seen, 'null', `${f.table} ${f.cidr} exists`);
    assert.notEqual(seen, '[]', `${f.table} ${f.cidr} exists`);
    this.before.set(f, seen);
  }
  /** No longer foreign (its owner, another object under test, is being deleted). */
  forget(f: Foreign): void {
    this.before.delete(f);
  }
  async check(step: string): Promise<void> {
    const changed: string[] = [];
    for (const [f, was] of this.before) {
      foreignChecks++;
      const now = await readForeign(f);
      if (now !== was) {
        foreignTouched++;
        changed.push(`${f.kind} ${f.table} ${f.cidr}: ${was} → ${now}`);
      }
    }
    assert.deepEqual(changed, [], `after ${step}: foreign routes unchanged`);
  }
}

async function reconciles(w: { ctrl: { metricsUrl: string } }, kind: string): Promise<number> {
  const page = await (await fetch(w.ctrl.metricsUrl)).text();
  return ['success', 'requeue', 'error'].reduce((n, result) => n + (metricValue(page, 'multiregion_reconcile_total', { kind, result }) ?? 0), 0);
}

/** Sets reconcile-now and waits until the controller finished at least one more reconcile of the kind. */
async function reconcileNow(w: { ctrl: { metricsUrl: string } }, kind: string, ns: string, name: string): Promise<void> {
  const before = await reconciles(w, kind);
  await bed.kube.mergePatch({ kind, namespace: ns, name }, { metadata: { annotations: { 'multiregion.dev/reconcile-now': String(Date.now()) } } });
  const deadline = Date.now() + 60_000;
  while ((await reconciles(w, kind)) <= before) {
    assert.ok(Date.now() < deadline, `${kind} ${name} reconciled after reconcile-now`);
    await sleep(250);
  }
}

const clientReady = (name: string, gen: number) =>
  bed.kube.waitFor(
    'ClientConnection',
    CLIENT_NS,
    name,
    `Ready at generation ${gen}`,
    (o) => o.status?.observedGeneration === gen && condition(o, 'Ready')?.status === 'True',
    90_000,
  );

describe('ownership of routes', () => {
  test(
    'VPC routes to an adopted TGW: one that was there first is listed as preexisting and survives ' +
      'a CIDR removal and the delete; one to another target is a conflict, never overwritten',
    async () => {
      const endpoint = { endpoint: bed.stack.motoEndpoint };
      const [east, west] = await Promise.all([seedVpc(endpoint, 'us-east-1', '10.0.0.0/16'), seedVpc(endpoint, 'us-west-2', '10.1.0.0/16')]);
      const eastEc2 = ec2(bed.stack, 'us-east-1');
      const westEc2 = ec2(bed.stack, 'us-west-2');
      const tgwOpts = { Options: { DefaultRouteTableAssociation: 'disable' as const, DefaultRouteTablePropagation: 'disable' as const } };
      const eastTgw = (await eastEc2.send(new CreateTransitGatewayCommand(tgwOpts))).TransitGateway!.TransitGatewayId!;
      const westTgw = (await westEc2.send(new CreateTransitGatewayCommand(tgwOpts))).TransitGateway!.TransitGatewayId!;
      // A second east table with nothing in it: the routes the pair makes there are its own.
      const emptyTable = (await eastEc2.send(new CreateRouteTableCommand({ VpcId: east.vpcId }))).RouteTable!.RouteTableId!;
      // Production routes that predate the pair: the peer CIDRs, through the TGW it will adopt.
      for (const cidr of ['10.1.0.0/16', '10.99.0.0/16'])
        await eastEc2.send(new CreateRouteCommand({ RouteTableId: east.routeTableId, DestinationCidrBlock: cidr, TransitGatewayId: eastTgw }));
      // And one to another target for a CIDR the pair wants: a conflict.
      const igw = (await westEc2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
      await westEc2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: west.vpcId }));
      await westEc2.send(new CreateRouteCommand({ RouteTableId: west.routeTableId, DestinationCidrBlock: '10.0.0.0/16', GatewayId: igw }));
      const foreign = new ForeignRoutes();
      for (const cidr of ['10.1.0.0/16', '10.99.0.0/16']) await foreign.add({ kind: 'vpc', region: 'us-east-1', table: east.routeTableId, cidr });
      await foreign.add({ kind: 'vpc', region: 'us-west-2', table: west.routeTableId, cidr: '10.0.0.0/16' });

      const ctrl = await startController({ kubeconfigPath: bed.stack.kubeconfigPath, awsEndpoint: bed.stack.motoEndpoint, args: ['--aws-max-attempts=1'] });
      const w = { ctrl };
      try {
        const name = uniqueName('own-vpc');
        const spec = (secondaryCidrs: string[]) => ({
          primary: {
            region: 'us-east-1',
            transitGateway: { id: eastTgw },
            vpcAttachments: [{ vpcId: east.vpcId, subnetIds: east.subnetIds, routeTableIds: [east.routeTableId, emptyTable] }],
            cidrs: ['10.0.0.0/16'],
          },
          secondary: {
            region: 'us-west-2',
            transitGateway: { id: westTgw },
            vpcAttachments: [{ vpcId: west.vpcId, subnetIds: west.subnetIds, routeTableIds: [west.routeTableId] }],
            cidrs: secondaryCidrs,
          },
        });
        await bed.kube.apply(pairObj(PAIR_NS, name, spec(['10.1.0.0/16', '10.99.0.0/16'])));
        const conflicted = await bed.kube.waitFor(
          'RegionPair',
          PAIR_NS,
          name,
          'routes programmed except the conflict',
          (o) =>
            condition(o, 'RoutesProgrammed')?.reason === 'RouteConflict' &&
            (o.status?.routes ?? []).filter((r: { routeTableId: string }) => r.routeTableId === emptyTable).length === 2,
          120_000,
        );
        await foreign.check('converge');
        const routeState = (o: Obj, table: string, cidr: string) =>
          (o.status?.routes ?? []).find((r: { routeTableId: string; destinationCidr: string }) => r.routeTableId === table && r.destinationCidr === cidr)
            ?.state;
        assert.equal(routeState(conflicted, east.routeTableId, '10.1.0.0/16'), 'preexisting', 'a route that was there first is not recorded as ours');
        assert.equal(routeState(conflicted, emptyTable, '10.1.0.0/16'), 'active', 'the route the pair made is');
        assert.equal(routeState(conflicted, west.routeTableId, '10.0.0.0/16'), 'conflict');
        assert.match(condition(conflicted, 'RoutesProgrammed')?.message ?? '', new RegExp(`${west.routeTableId} 10\\.0\\.0\\.0/16`));
        const synced = await bed.kube.waitFor(
          'RegionPair',
          PAIR_NS,
          name,
          'Synced=False (RouteConflict)',
          (o) => condition(o, 'Synced')?.reason === 'RouteConflict',
        );
        assert.equal(condition(synced, 'Synced')?.status, 'False');
        assert.match(condition(synced, 'Synced')?.message ?? '', new RegExp(`${west.routeTableId} 10\\.0\\.0\\.0/16`));
        const events = await bed.kube.events(PAIR_NS, name);
        assert.ok(
          events.some((e) => e.type === 'Warning' && e.reason === 'RouteConflict' && e.message.includes(`${west.routeTableId} 10.0.0.0/16`)),
          events.map((e) => `${e.reason}: ${e.message}`).join(' | '),
        );

        await reconcileNow(w, 'RegionPair', PAIR_NS, name);
        await foreign.check('reconcile-now');

        // A CIDR removed from the spec: the route the pair made for it goes, the one that was there stays.
        await bed.kube.apply(pairObj(PAIR_NS, name, spec(['10.1.0.0/16'])));
        await bed.kube.waitFor(
          'RegionPair',
          PAIR_NS,
          name,
          '10.99.0.0/16 dropped',
          (o) => o.status?.observedGeneration === 2 && !(o.status?.routes ?? []).some((r: { destinationCidr: string }) => r.destinationCidr === '10.99.0.0/16'),
          120_000,
        );
        await waitFor(
          `${emptyTable}: the pair's own route for 10.99.0.0/16 removed`,
          async () => !(await vpcRoutes(eastEc2, emptyTable)).includes('10.99.0.0/16'),
          60_000,
        );
        await foreign.check('CIDR removed');

        await bed.kube.delete('RegionPair', PAIR_NS, name);
        await bed.kube.waitGone('RegionPair', PAIR_NS, name, 120_000);
        await foreign.check('delete');
        assert.deepEqual(await vpcRoutes(eastEc2, emptyTable), [], 'the routes the pair made are gone');
      } finally {
        await ctrl.stop();
      }
    },
  );

  describe('TGW routes of clients on a shared attachment', () => {
    /** A client Ready with its CIDRs; what it records in status.routes is what it may remove. */
    const applyClient = async (w: World, name: string, cidrs: string[], gen: number, attachment?: Record<string, unknown>) => {
      await bed.kube.apply(clientObj(w, name, cidrs, attachment ? { attachment } : {}));
      return clientReady(name, gen);
    };

    test('a hand-added route on the attachment and another client’s routes survive reconcile-now on each, a CIDR removal and both deletes', async () => {
      const w = await bed.world(uniqueName('own-tgw'));
      const c = ec2(bed.stack);
      await c.send(
        new CreateTransitGatewayRouteCommand({
          TransitGatewayRouteTableId: w.routeTableId,
          DestinationCidrBlock: '198.51.100.0/24',
          TransitGatewayAttachmentId: w.attachmentId,
        }),
      );
      const foreign = new ForeignRoutes();
      await foreign.add({ kind: 'tgw', region: 'us-east-1', table: w.routeTableId, cidr: '198.51.100.0/24' });

      const a = uniqueName('client-a');
      const b = uniqueName('client-b');
      await applyClient(w, a, ['100.64.1.0/24'], 1);
      await applyClient(w, b, ['100.64.2.0/24'], 1);
      await foreign.check('two clients converged');
      // B's route is foreign to A from here on, and A's to B.
      const bRoute: Foreign = { kind: 'tgw', region: 'us-east-1', table: w.routeTableId, cidr: '100.64.2.0/24' };
      await foreign.add(bRoute);

      await reconcileNow(w, 'ClientConnection', CLIENT_NS, a);
      await foreign.check('reconcile-now on A');
      await reconcileNow(w, 'ClientConnection', CLIENT_NS, b);
      await foreign.check('reconcile-now on B');
      assert.ok((await staticRoutes(bed.stack, w.routeTableId)).includes('100.64.1.0/24'), 'A keeps its route after B’s drift check');

      // The removal branch: A drops a CIDR, so A removes exactly that one.
      await applyClient(w, a, ['100.64.3.0/24'], 2);
      await waitFor('A removed 100.64.1.0/24', async () => !(await staticRoutes(bed.stack, w.routeTableId)).includes('100.64.1.0/24'), 60_000);
      await foreign.check('A changed its CIDRs');

      await bed.kube.delete('ClientConnection', CLIENT_NS, a);
      await bed.kube.waitGone('ClientConnection', CLIENT_NS, a, 60_000);
      await foreign.check('A deleted');
      assert.ok(!(await staticRoutes(bed.stack, w.routeTableId)).includes('100.64.3.0/24'), 'A removed its own route');

      await bed.kube.delete('ClientConnection', CLIENT_NS, b);
      await bed.kube.waitGone('ClientConnection', CLIENT_NS, b, 60_000);
      // B's own route goes with B; the hand-added one stays.
      foreign.forget(bRoute);
      await foreign.check('B deleted');
      assert.ok(!(await staticRoutes(bed.stack, w.routeTableId)).includes('100.64.2.0/24'), 'B removed its own route');
    });

    test('a VPN attachment: a route to it that the client did not make survives the client', async () => {
      const w = await bed.world(uniqueName('own-vpn'));
      const c = ec2(bed.stack);
      const cgw = (await c.send(new CreateCustomerGatewayCommand({ BgpAsn: 65000, IpAddress: '203.0.113.10', Type: 'ipsec.1' }))).CustomerGateway!
        .CustomerGatewayId!;
      const vpn = (
        await c.send(new CreateVpnConnectionCommand({ CustomerGatewayId: cgw, Type: 'ipsec.1', TransitGatewayId: w.pair.status.primary.transitGatewayId }))
      ).VpnConnection!.VpnConnectionId!;
      const atts = await c.send(new DescribeTransitGatewayAttachmentsCommand({ Filters: [{ Name: 'resource-id', Values: [vpn] }] }));
      const vpnAtt = atts.TransitGatewayAttachments?.find((x) => x.ResourceType === 'vpn')?.TransitGatewayAttachmentId;
      assert.ok(vpnAtt, `the VPN ${vpn} has a TGW attachment: ${JSON.stringify(atts.TransitGatewayAttachments)}`);
      await c.send(
        new CreateTransitGatewayRouteCommand({
          TransitGatewayRouteTableId: w.routeTableId,
          DestinationCidrBlock: '192.0.2.0/24',
          TransitGatewayAttachmentId: vpnAtt,
        }),
      );
      const foreign = new ForeignRoutes();
      await foreign.add({ kind: 'tgw', region: 'us-east-1', table: w.routeTableId, cidr: '192.0.2.0/24' });

      const name = uniqueName('client-vpn');
      await applyClient(w, name, ['100.64.5.0/24'], 1, { type: 'vpn', id: vpnAtt, vpnConnectionId: vpn });
      await foreign.check('converged');
      await reconcileNow(w, 'ClientConnection', CLIENT_NS, name);
      await foreign.check('reconcile-now');
      await bed.kube.delete('ClientConnection', CLIENT_NS, name);
      await bed.kube.waitGone('ClientConnection', CLIENT_NS, name, 60_000);
      await foreign.check('deleted');
      assert.ok(!(await staticRoutes(bed.stack, w.routeTableId)).includes('100.64.5.0/24'), 'the client removed its own route');
    });
  });
});

async function vpcRoutes(c: ReturnType<typeof ec2>, table: string): Promise<string[]> {
  const t = (await c.send(new DescribeRouteTablesCommand({ RouteTableIds: [table] }))).RouteTables?.[0];
  return (t?.Routes ?? []).flatMap((r) => (r.DestinationCidrBlock && r.Origin !== 'CreateRouteTable' ? [r.DestinationCidrBlock] : [])).sort();
}

after(() => {
  record({ file: 'ownership-routes', foreignTouched, note: `${foreignChecks} foreign-route reads` });
});
