// The drift reads that used to cost one call per pair, now shared per (account, region): the
// attachments' associations, the user's VPC route tables, TGW static routes on a rotation, and a
// client's CloudWatch side. Counted at the fault proxy in front of moto; our own writes through
// the same client are seen at once, a change made behind the controller's back within its bound.
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { CloudWatchClient, PutDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteRouteCommand, DeleteTransitGatewayRouteCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { desiredClientObservability, syncClientObservability } from '../../src/aws/cloudwatch/client-observability.ts';
import { associationOf } from '../../src/aws/ec2/attachment-associations.ts';
import { detectionBoundMs, staticRoutesOf } from '../../src/aws/ec2/tgw-route-reads.ts';
import { disassociate, ensureAssociated, tgwRouteTable } from '../../src/aws/ec2/tgw-route-table.ts';
import { createTgwRoute } from '../../src/aws/ec2/tgw-routes.ts';
import { transitGateway } from '../../src/aws/ec2/transit-gateway.ts';
import { vpcAttachment } from '../../src/aws/ec2/vpc-attachment.ts';
import { sharedVpcRoutes } from '../../src/aws/ec2/vpc-route-reads.ts';
import { applyVpcRoutePlan, planVpcRoutes } from '../../src/aws/ec2/vpc-routes.ts';
import { isNotFound } from '../../src/aws/errors.ts';
import type { Owner } from '../../src/aws/types.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { ec2Client, makeVpc, PRIMARY_REGION, testOwner } from './aws-ec2-fixtures.ts';
import { MotoBed } from './moto-bed.ts';

const bed = new MotoBed();
let proxy: FaultProxy;
let started = false;

beforeEach(async () => {
  if (!started) {
    started = true;
    proxy = new FaultProxy(bed.endpoint);
    await proxy.start();
  }
  proxy.calls.splice(0);
});
after(() => (started ? proxy.stop() : undefined));

const viaProxy = (): EC2Client => bed.perTest(ec2Client(proxy.endpoint, PRIMARY_REGION));
/** A client straight to moto: someone else's writes, which the controller's client does not see. */
const someoneElse = (): EC2Client => bed.perTest(ec2Client(bed.endpoint, PRIMARY_REGION));
const owners = (n: number): Owner[] => Array.from({ length: n }, (_, i) => testOwner({ name: `pair-${i}`, uid: `uid-pair-${i}` }));
/** `service`: the SigV4 scope's (CloudWatch signs as 'monitoring'). */
const count = (service: string, operation: string): number => proxy.calls.filter((c) => c.service === service && c.operation === operation).length;

/** n pairs' primary sides: TGW, our table, a VPC attachment associated with it. */
async function sides(ec2: EC2Client, n: number) {
  const out = [];
  for (const [i, owner] of owners(n).entries()) {
    const tgw = await transitGateway(ec2).create({ owner, side: 'primary' });
    const rt = await tgwRouteTable(ec2).create({ owner, side: 'primary', transitGatewayId: tgw.id });
    const vpc = await makeVpc(ec2, `10.${50 + i}`, 1);
    const att = await vpcAttachment(ec2).create({
      owner,
      side: 'primary',
      transitGatewayId: tgw.id,
      vpcId: vpc.vpcId,
      subnetIds: vpc.subnetIds,
    });
    assert.equal(await ensureAssociated(ec2, rt.id, att.id), 'associated');
    out.push({ owner, tgw, rt, vpc, att });
  }
  return out;
}

test("associations: one DescribeTransitGatewayAttachments for every pair's, none per table; a disassociation is seen at once", async () => {
  const ec2 = viaProxy();
  const all = await sides(ec2, 4);
  proxy.calls.splice(0);
  const seen = await Promise.all(all.map((s) => associationOf(ec2, s.tgw.id, s.rt.id, s.att.id)));
  assert.deepEqual(
    seen.map((a) => a?.state),
    ['associated', 'associated', 'associated', 'associated'],
    "each attachment's own Association names our table (moto through test/env/moto_server_ext.py)",
  );
  assert.equal(count('ec2', 'DescribeTransitGatewayAttachments'), 1, 'one read for four pairs');
  assert.equal(count('ec2', 'GetTransitGatewayRouteTableAssociations'), 0, 'no read per table');
  // An attachment the list does not hold is looked up in the table (none there either).
  assert.equal((await associationOf(ec2, all[0]!.tgw.id, all[0]!.rt.id, 'tgw-attach-0123456789abcdef0')) ?? 'none', 'none');

  await disassociate(ec2, all[1]!.rt.id, all[1]!.att.id);
  proxy.calls.splice(0);
  assert.equal(await associationOf(ec2, all[1]!.tgw.id, all[1]!.rt.id, all[1]!.att.id), undefined, 'our disassociation is seen at once');
  assert.equal((await associationOf(ec2, all[0]!.tgw.id, all[0]!.rt.id, all[0]!.att.id))?.state, 'associated');
  assert.equal(count('ec2', 'DescribeTransitGatewayAttachments'), 1, 'read again once after the write, then shared');
});

test("VPC route tables: one DescribeRouteTables for every pair's tables; our route writes are seen at once; an unknown table is NotFound", async () => {
  const ec2 = viaProxy();
  const all = await sides(ec2, 4);
  proxy.calls.splice(0);
  const tables = await Promise.all(all.map((s) => sharedVpcRoutes(ec2, [s.vpc.routeTableId])));
  assert.deepEqual(
    tables.map((t) => t[0]?.routeTableId),
    all.map((s) => s.vpc.routeTableId),
  );
  assert.equal(count('ec2', 'DescribeRouteTables'), 1, 'one read for four pairs');
  await Promise.all(all.map((s) => sharedVpcRoutes(ec2, [s.vpc.routeTableId])));
  assert.equal(count('ec2', 'DescribeRouteTables'), 1, 'a second pass in the window reads nothing');

  // Our write through the same client: the next read sees it.
  const s0 = all[0]!;
  const plan = planVpcRoutes({
    transitGatewayId: s0.tgw.id,
    transitGatewayOwned: true,
    desiredCidrs: ['10.99.0.0/16'],
    tables: await sharedVpcRoutes(ec2, [s0.vpc.routeTableId]),
  });
  await applyVpcRoutePlan(ec2, s0.tgw.id, plan);
  const afterWrite = await sharedVpcRoutes(ec2, [s0.vpc.routeTableId]);
  assert.ok(
    afterWrite[0]?.routes.some((r) => r.destinationCidr === '10.99.0.0/16' && r.target === s0.tgw.id),
    'the route we created is seen at once',
  );
  // Someone else deletes it: seen once the window has passed (the pair's next pass).
  await someoneElse().send(new DeleteRouteCommand({ RouteTableId: s0.vpc.routeTableId, DestinationCidrBlock: '10.99.0.0/16' }));
  await new Promise((r) => setTimeout(r, 3_100));
  const later = await sharedVpcRoutes(ec2, [s0.vpc.routeTableId]);
  assert.ok(!later[0]?.routes.some((r) => r.destinationCidr === '10.99.0.0/16'), 'the deletion is seen after the window');

  await assert.rejects(sharedVpcRoutes(ec2, ['rtb-0123456789abcdef0']), (err) => isNotFound(err), 'a table that does not exist');
});

test('TGW routes: one read serves the pair and its clients; our write is seen at once; a route deleted behind our back is found within the bound', async () => {
  const ec2 = viaProxy();
  const [s] = await sides(ec2, 1);
  const { rt, att } = s!;
  await createTgwRoute(ec2, rt.id, { destinationCidr: '10.200.0.0/16', attachmentId: att.id });
  proxy.calls.splice(0);
  // A long drift interval: a cached read would serve for minutes, so only the invalidation by
  // our write can make it read again in this test.
  const long = { intervalMs: 600_000, budget: 10 };
  const readers = await Promise.all([staticRoutesOf(ec2, rt.id, long), staticRoutesOf(ec2, rt.id, long), staticRoutesOf(ec2, rt.id, long)]);
  assert.ok(readers.every((r) => r.some((x) => x.destinationCidr === '10.200.0.0/16')));
  assert.equal(count('ec2', 'SearchTransitGatewayRoutes'), 1, 'the pair and two clients share one read');

  await createTgwRoute(ec2, rt.id, { destinationCidr: '10.201.0.0/16', attachmentId: att.id });
  assert.ok(
    (await staticRoutesOf(ec2, rt.id, long)).some((x) => x.destinationCidr === '10.201.0.0/16'),
    'our write dropped the cached routes: seen at once',
  );
  assert.equal(count('ec2', 'SearchTransitGatewayRoutes'), 2);

  await someoneElse().send(new DeleteTransitGatewayRouteCommand({ TransitGatewayRouteTableId: rt.id, DestinationCidrBlock: '10.200.0.0/16' }));
  const deletedAt = Date.now();
  assert.ok(
    (await staticRoutesOf(ec2, rt.id, long)).some((x) => x.destinationCidr === '10.200.0.0/16'),
    'right after, the cached read still shows it (nothing of ours changed the table)',
  );
  // Now a short drift interval, so that the bound is seconds: 1 table, budget 10 → verified every pass.
  const o = { intervalMs: 2_000, budget: 10 };
  const bound = detectionBoundMs(1, o.budget, o.intervalMs);
  let foundAfter: number | undefined;
  while (Date.now() - deletedAt < bound + 5_000) {
    await new Promise((r) => setTimeout(r, 250));
    if (!(await staticRoutesOf(ec2, rt.id, o)).some((x) => x.destinationCidr === '10.200.0.0/16')) {
      foundAfter = Date.now() - deletedAt;
      break;
    }
  }
  assert.ok(foundAfter !== undefined, 'the deletion was never seen');
  assert.ok(foundAfter <= bound, `seen after ${foundAfter} ms, bound ${bound} ms`);
});

test(
  "clients' drift checks: one DescribeAlarms, one ListDashboards, one " + 'DescribeQueryDefinitions for all; GetDashboard only for a changed dashboard',
  async () => {
    const cfg = { region: PRIMARY_REGION, endpoint: proxy.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 };
    const cw = bed.perTest(new CloudWatchClient(cfg));
    const logs = bed.perTest(new CloudWatchLogsClient(cfg));
    const clients = Array.from({ length: 5 }, (_, i) =>
      desiredClientObservability({
        owner: testOwner({ kind: 'ClientConnection', namespace: 'clients', name: `c-${i}`, uid: `uid-c-${i}` }),
        accountId: '123456789012',
        displayName: `Client ${i}`,
        cidrs: [`10.${100 + i}.0.0/16`],
        region: PRIMARY_REGION,
        logGroupName: '/aws/tgw/flow',
        widgets: ['topTalkers', 'rejectedTraffic', 'bandwidth'],
        periodSeconds: 300,
        attachment: { type: 'vpc', id: `tgw-attach-${i}` },
        transitGatewayId: 'tgw-0123',
        overviewDashboardName: 'mrc_test-cluster_rp_platform_prod',
      }),
    );
    for (const d of clients) await syncClientObservability(cw, logs, d, {});
    // Two drift passes over unchanged clients: the first reads each body once more (nothing is
    // remembered yet), the second reads none.
    for (const round of [1, 2]) {
      await new Promise((r) => setTimeout(r, 3_100)); // past the shared window: a new pass
      proxy.calls.splice(0);
      const results = await Promise.all(clients.map((d) => syncClientObservability(cw, logs, d, { verify: true, lastHash: d.hash })));
      assert.ok(
        results.every((r) => r.changes.length === 0),
        `round ${round}: nothing to change`,
      );
      assert.equal(count('monitoring', 'DescribeAlarms'), 1, `round ${round}: one alarm read for five clients`);
      assert.equal(count('monitoring', 'ListDashboards'), 1, `round ${round}: one dashboard list for five clients`);
      assert.equal(count('logs', 'DescribeQueryDefinitions'), 1, `round ${round}: one query-definition read for five clients`);
      assert.equal(count('monitoring', 'GetDashboard'), round === 1 ? 5 : 0, `round ${round}: dashboard bodies read`);
    }
    // Someone edits one dashboard: its list entry changes, so its body is read and put back.
    await new CloudWatchClient({ ...cfg, endpoint: bed.endpoint }).send(
      new PutDashboardCommand({ DashboardName: clients[2]!.dashboardName, DashboardBody: '{"widgets":[]}' }),
    );
    await new Promise((r) => setTimeout(r, 3_100));
    proxy.calls.splice(0);
    const repaired = await Promise.all(clients.map((d) => syncClientObservability(cw, logs, d, { verify: true, lastHash: d.hash })));
    assert.deepEqual(
      repaired.map((r) => r.changes.map((c) => c.resource)),
      [[], [], [`dashboard ${clients[2]!.dashboardName}`], [], []],
    );
    assert.equal(count('monitoring', 'GetDashboard'), 1, 'only the changed one is read');
  },
);
