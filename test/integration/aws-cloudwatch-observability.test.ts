// Client and pair observability against a real moto server; CloudWatch state is read back with
// the SDK. Logs query definitions come from the operations test/env/moto_server_ext.py adds to
// moto (moto itself has none).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetDashboardCommand,
  ListDashboardsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeQueryDefinitionsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { deleteAlarms, syncAlarms } from '../../src/aws/cloudwatch/alarms.ts';
import { clientAlarmNames } from '../../src/aws/cloudwatch/client-alarms.ts';
import {
  type ClientObservabilityInput,
  deleteClientObservability,
  desiredClientObservability,
  syncClientObservability,
} from '../../src/aws/cloudwatch/client-observability.ts';
import { deleteDashboard, syncDashboard } from '../../src/aws/cloudwatch/dashboards.ts';
import { deleteFailoverAlarms, desiredFailoverAlarms, syncFailoverAlarms } from '../../src/aws/cloudwatch/failover-alarms.ts';
import type { OverviewClient, OverviewInput } from '../../src/aws/cloudwatch/overview-dashboard.ts';
import { deleteOverview, desiredOverview, syncOverview } from '../../src/aws/cloudwatch/overview-sync.ts';
import { listOnly, type Mutate, type MutationChange } from '../../src/aws/types.ts';
import { type Moto, startMoto } from '../env/moto.ts';

let moto: Moto;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** SDK clients with a middleware that records every command sent. */
function clients(region = 'us-east-1') {
  const calls: string[] = [];
  const cfg = { region, endpoint: moto.endpoint, credentials, maxAttempts: 1 };
  const cw = new CloudWatchClient(cfg);
  const logs = new CloudWatchLogsClient(cfg);
  for (const c of [cw, logs] as const) {
    (c.middlewareStack as CloudWatchClient['middlewareStack']).add(
      (next, ctx) => async (args) => {
        calls.push(String(ctx.commandName).replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
  }
  return { cw, logs, calls, writes: () => calls.filter((c) => /^(Put|Delete|Tag|Untag)/.test(c)) };
}

const owner = { clusterId: 'it', kind: 'ClientConnection', namespace: 'clients', name: 'acme', uid: 'uid-1' };
const input: ClientObservabilityInput = {
  owner,
  accountId: '123456789012',
  displayName: 'ACME Corp',
  cidrs: ['203.0.113.0/24', '198.51.100.0/24'],
  region: 'us-east-1',
  logGroupName: '/aws/tgw/flow-logs',
  widgets: ['topTalkers', 'rejectedTraffic', 'bandwidth', 'latency'],
  periodSeconds: 300,
  attachment: { type: 'vpn', id: 'tgw-attach-0123', vpnConnectionId: 'vpn-0123' },
  transitGatewayId: 'tgw-0123',
  alarms: { rejectedPacketsPerFiveMinutes: 1000, bandwidthBytesPerSecond: 1e9, snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:net' },
};

/** Dashboard and alarms of the facade, without the query definitions moto lacks. */
async function syncDashboardAndAlarms(c: ReturnType<typeof clients>, i: ClientObservabilityInput) {
  const d = desiredClientObservability(i);
  return [...(await syncDashboard(c.cw, d.dashboardName, d.dashboardBody)), ...(await syncAlarms(c.cw, i.owner, d.alarms, clientAlarmNames(i.owner)))];
}

async function dashboardJson(cw: CloudWatchClient, name: string) {
  const out = await cw.send(new GetDashboardCommand({ DashboardName: name }));
  return JSON.parse(out.DashboardBody ?? '{}') as { widgets: Array<{ type: string; properties: Record<string, unknown> }> };
}

async function alarms(cw: CloudWatchClient, names: string[]) {
  return (await cw.send(new DescribeAlarmsCommand({ AlarmNames: names }))).MetricAlarms ?? [];
}

describe('CloudWatch observability on moto', { timeout: 120_000 }, () => {
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
  });

  it('creates a client dashboard with log, metric, text and alarm widgets whose queries hold the CIDRs, and its alarms', async () => {
    const c = clients();
    const d = desiredClientObservability(input);
    const changes = await syncDashboardAndAlarms(c, input);
    assert.deepEqual(changes.map((x) => `${x.action} ${x.resource}`).sort(), [
      'Create alarm mrc/it/cc/clients/acme/bandwidth-from-client',
      'Create alarm mrc/it/cc/clients/acme/bandwidth-to-client',
      'Create alarm mrc/it/cc/clients/acme/rejected-packets',
      'Create dashboard mrc_it_cc_clients_acme',
    ]);

    const body = await dashboardJson(c.cw, 'mrc_it_cc_clients_acme');
    assert.deepEqual([...new Set(body.widgets.map((w) => w.type))].sort(), ['alarm', 'log', 'metric', 'text']);
    const queries = body.widgets.filter((w) => w.type === 'log').map((w) => String(w.properties.query));
    assert.equal(queries.length, 4);
    for (const q of queries) {
      assert.ok(q.startsWith("SOURCE '/aws/tgw/flow-logs' |"));
      assert.ok(q.includes('isIpv4InSubnet(srcaddr, "203.0.113.0/24")') || q.includes('isIpv4InSubnet(dstaddr, "203.0.113.0/24")'), q);
      assert.ok(q.includes('198.51.100.0/24'));
    }
    const alarmWidget = body.widgets.find((w) => w.type === 'alarm');
    assert.equal((alarmWidget?.properties.alarms as string[] | undefined)?.length, 3);

    const seen = await alarms(
      c.cw,
      d.alarms.map((a) => a.name),
    );
    assert.equal(seen.length, 3);
    const rejected = seen.find((a) => a.AlarmName?.endsWith('rejected-packets'));
    assert.equal(rejected?.Threshold, 1000);
    assert.deepEqual(rejected?.AlarmActions, ['arn:aws:sns:us-east-1:123456789012:net']);
    assert.deepEqual(rejected?.Metrics?.[0]?.MetricStat?.Metric?.Dimensions, [
      { Name: 'TransitGateway', Value: 'tgw-0123' },
      { Name: 'TransitGatewayAttachment', Value: 'tgw-attach-0123' },
    ]);
    const tags = (await c.cw.send(new ListTagsForResourceCommand({ ResourceARN: rejected?.AlarmArn }))).Tags ?? [];
    assert.deepEqual(
      tags
        .filter((t) => t.Key?.startsWith('multiregion.dev/'))
        .map((t) => `${t.Key}=${t.Value}`)
        .sort(),
      ['multiregion.dev/cluster=it', 'multiregion.dev/kind=ClientConnection', 'multiregion.dev/owner=clients/acme', 'multiregion.dev/uid=uid-1'],
    );
  });

  it('a spec change updates the dashboard and only the alarms that differ', async () => {
    const c = clients();
    await syncDashboardAndAlarms(c, input);
    const changed = { ...input, cidrs: ['192.0.2.0/28'], alarms: { ...input.alarms, rejectedPacketsPerFiveMinutes: 50 } };
    const changes = await syncDashboardAndAlarms(c, changed);
    assert.deepEqual(changes.map((x) => `${x.action} ${x.resource}`).sort(), [
      'Update alarm mrc/it/cc/clients/acme/rejected-packets',
      'Update dashboard mrc_it_cc_clients_acme',
    ]);
    const text = JSON.stringify(await dashboardJson(c.cw, 'mrc_it_cc_clients_acme'));
    assert.ok(text.includes('192.0.2.0/28') && !text.includes('203.0.113.0/24'));
    const [rejected] = await alarms(c.cw, ['mrc/it/cc/clients/acme/rejected-packets']);
    assert.equal(rejected?.Threshold, 50);
  });

  it('dropping the bandwidth threshold deletes those two alarms and their dashboard entries', async () => {
    const c = clients();
    await syncDashboardAndAlarms(c, input);
    const changes = await syncDashboardAndAlarms(c, { ...input, alarms: { rejectedPacketsPerFiveMinutes: 1000, snsTopicArn: input.alarms?.snsTopicArn } });
    assert.deepEqual(changes.map((x) => `${x.action} ${x.resource}`).sort(), [
      'Delete alarm mrc/it/cc/clients/acme/bandwidth-from-client',
      'Delete alarm mrc/it/cc/clients/acme/bandwidth-to-client',
      'Update dashboard mrc_it_cc_clients_acme',
    ]);
    assert.deepEqual(
      (await alarms(c.cw, clientAlarmNames(owner))).map((a) => a.AlarmName),
      ['mrc/it/cc/clients/acme/rejected-packets'],
    );
    const row = (await dashboardJson(c.cw, 'mrc_it_cc_clients_acme')).widgets.find((w) => w.type === 'alarm');
    assert.deepEqual(row?.properties.alarms, ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:mrc/it/cc/clients/acme/rejected-packets']);
  });

  it('a second sync of unchanged content reads but makes zero Put calls', async () => {
    const first = clients();
    await syncDashboardAndAlarms(first, input);
    const again = clients();
    const changes = await syncDashboardAndAlarms(again, input);
    assert.deepEqual(changes, []);
    assert.deepEqual(again.writes(), []);
    assert.deepEqual(again.calls, ['GetDashboard', 'DescribeAlarms'], 'the drift check still reads');
  });

  it('an unchanged hash makes no CloudWatch call at all, not even reads', async () => {
    const c = clients();
    const d = desiredClientObservability(input);
    const r = await syncClientObservability(c.cw, c.logs, d, { lastHash: d.hash });
    assert.equal(r.skipped, true);
    assert.deepEqual(c.calls, []);
    const hundred = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const di = desiredClientObservability({ ...input, owner: { ...owner, name: `client-${i}` } });
        return syncClientObservability(c.cw, c.logs, di, { lastHash: di.hash });
      }),
    );
    assert.ok(hundred.every((h) => h.skipped));
    assert.deepEqual(c.calls, [], 'a resync of 100 unchanged clients costs nothing');
  });

  it('dry-run reports the creates and writes nothing', async () => {
    const c = clients();
    const d = desiredClientObservability(input);
    const changes = [
      ...(await syncDashboard(c.cw, d.dashboardName, d.dashboardBody, { dryRun: true })),
      ...(await syncAlarms(c.cw, owner, d.alarms, clientAlarmNames(owner), { dryRun: true })),
    ];
    assert.equal(changes.length, 4);
    assert.ok(changes.every((x) => x.action === 'Create' && x.region === 'us-east-1'));
    assert.deepEqual(c.writes(), []);
    assert.equal((await c.cw.send(new ListDashboardsCommand({}))).DashboardEntries?.length ?? 0, 0);
  });

  it("sends each write through the caller's mutate, once per mutating call; a mutate that only lists writes nothing", async () => {
    const c = clients();
    const d = desiredClientObservability(input);
    const listed: MutationChange[] = [];
    const dry = await syncClientObservability(c.cw, c.logs, d, { mutate: listOnly(listed) });
    assert.deepEqual(c.writes(), [], 'a listing mutate (dry-run) sends no write');
    assert.ok(listed.length >= 5, `dashboard, alarms and queries listed: ${listed.map((x) => x.resource).join(', ')}`);

    const seen: Array<{ change: MutationChange; writes: string[] }> = [];
    const mutate: Mutate = async (change, fn) => {
      const before = c.writes().length;
      const r = await fn();
      seen.push({ change, writes: c.writes().slice(before) });
      return r;
    };
    const r = await syncClientObservability(c.cw, c.logs, d, { mutate });
    const names = (xs: readonly MutationChange[]) => xs.map((x) => `${x.action} ${x.resource}`);
    assert.deepEqual(names(seen.map((x) => x.change)), names(listed), 'the run makes exactly the changes the dry run listed');
    assert.deepEqual(names(r.changes), names(dry.changes));
    for (const x of seen) assert.equal(x.writes.length, 1, `${x.change.resource}: one AWS write per mutate (${x.writes.join(', ')})`);
    assert.equal(c.writes().length, seen.length, 'no write outside mutate');
    assert.equal(Object.keys(r.queryDefinitionIds ?? {}).length, d.queryDefinitions.length, 'ids come back through mutate');

    seen.length = 0;
    const before = c.writes().length;
    await deleteClientObservability(c.cw, c.logs, owner, { mutate });
    assert.ok(seen.length >= 5 && seen.every((x) => x.change.action === 'Delete' && x.writes.length === 1));
    assert.equal(c.writes().length - before, seen.length, 'each delete is its own mutate');
    assert.equal((await c.cw.send(new ListDashboardsCommand({}))).DashboardEntries?.length ?? 0, 0);
  });

  it('never overwrites or deletes an alarm under our name that lacks our ownership tags', async () => {
    const c = clients();
    const name = 'mrc/it/cc/clients/acme/rejected-packets';
    await c.cw.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'X',
        MetricName: 'Y',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 7,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const d = desiredClientObservability(input);
    await assert.rejects(syncAlarms(c.cw, owner, d.alarms, clientAlarmNames(owner)), (e: Error) => /NotOwned/.test(e.message));
    await assert.rejects(deleteAlarms(c.cw, owner, clientAlarmNames(owner)), (e: Error) => /NotOwned/.test(e.message));
    const [still] = await alarms(c.cw, [name]);
    assert.equal(still?.Threshold, 7);
  });

  it('deletion leaves nothing, and deleting again is fine', async () => {
    const c = clients();
    await syncDashboardAndAlarms(c, input);
    await deleteDashboard(c.cw, 'mrc_it_cc_clients_acme');
    await deleteAlarms(c.cw, owner, clientAlarmNames(owner));
    assert.equal((await c.cw.send(new ListDashboardsCommand({}))).DashboardEntries?.length ?? 0, 0);
    assert.equal((await alarms(c.cw, clientAlarmNames(owner))).length, 0);
    assert.deepEqual(await deleteDashboard(c.cw, 'mrc_it_cc_clients_acme'), []);
    assert.deepEqual(await deleteAlarms(c.cw, owner, clientAlarmNames(owner)), []);
  });

  it('the pair overview lists its clients and is rewritten only when one is added or removed', async () => {
    const c = clients();
    const pair = { clusterId: 'it', kind: 'RegionPair', namespace: 'platform', name: 'prod' };
    const client = (name: string, side: 'primary' | 'secondary'): OverviewClient => ({
      name,
      namespace: 'clients',
      displayName: name.toUpperCase(),
      side,
      region: side === 'primary' ? 'us-east-1' : 'us-west-2',
      dashboardName: `mrc_it_cc_clients_${name}`,
    });
    const base: OverviewInput = {
      pairName: 'prod',
      pairNamespace: 'platform',
      regions: { primary: 'us-east-1', secondary: 'us-west-2' },
      transitGatewayIds: { primary: 'tgw-p', secondary: 'tgw-s' },
      peeringAttachmentId: 'tgw-attach-peer',
      clients: [client('acme', 'primary')],
      policies: [{ name: 'orders', namespace: 'apps', healthCheckIds: { primary: 'hc-1' }, replica: { region: 'us-west-2', identifier: 'orders-replica' } }],
    };
    const v1 = desiredOverview(pair, base);
    assert.equal((await syncOverview(c.cw, v1)).changes[0]?.action, 'Create');
    let text = JSON.stringify(await dashboardJson(c.cw, v1.name));
    assert.ok(text.includes('mrc_it_cc_clients_acme') && !text.includes('mrc_it_cc_clients_zeta'));
    assert.ok(text.includes('HealthCheckStatus') && text.includes('ReplicaLag') && text.includes('tgw-attach-peer'));

    const v2 = desiredOverview(pair, { ...base, clients: [...base.clients, client('zeta', 'secondary')] });
    assert.notEqual(v2.hash, v1.hash);
    assert.equal((await syncOverview(c.cw, v2, { lastHash: v1.hash })).changes[0]?.action, 'Update');
    text = JSON.stringify(await dashboardJson(c.cw, v1.name));
    assert.ok(text.includes('https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#dashboards/dashboard/mrc_it_cc_clients_zeta'));

    const before = c.calls.length;
    assert.equal((await syncOverview(c.cw, v2, { lastHash: v2.hash })).skipped, true);
    assert.equal(c.calls.length, before);

    const v3 = desiredOverview(pair, base);
    await syncOverview(c.cw, v3, { lastHash: v2.hash });
    text = JSON.stringify(await dashboardJson(c.cw, v1.name));
    assert.ok(!text.includes('mrc_it_cc_clients_zeta'));

    await deleteOverview(c.cw, pair);
    assert.equal((await c.cw.send(new ListDashboardsCommand({}))).DashboardEntries?.length ?? 0, 0);
  });

  it('failover alarms follow the replica to the other region and leave none behind', async () => {
    const east = clients('us-east-1');
    const west = clients('us-west-2');
    const cwFor = (r: string) => (r === 'us-east-1' ? east.cw : west.cw);
    const fp = { clusterId: 'it', kind: 'FailoverPolicy', namespace: 'apps', name: 'orders', uid: 'uid-fp' };
    const regions = ['us-east-1', 'us-west-2'];
    const lagName = 'mrc/it/fp/apps/orders/replica-lag';

    const d1 = desiredFailoverAlarms({
      owner: fp,
      replica: { region: 'us-west-2', identifier: 'orders-replica' },
      replicaLagSeconds: 60,
      snsTopicArn: 'arn:aws:sns:us-west-2:123456789012:dr',
    });
    await syncFailoverAlarms(cwFor, fp, d1, { regions });
    const [lag] = await alarms(west.cw, [lagName]);
    assert.equal(lag?.MetricName, 'ReplicaLag');
    assert.deepEqual(lag?.Dimensions, [{ Name: 'DBInstanceIdentifier', Value: 'orders-replica' }]);
    assert.deepEqual(lag?.AlarmActions, ['arn:aws:sns:us-west-2:123456789012:dr']);
    assert.equal((await alarms(east.cw, [lagName])).length, 0);

    const writes = west.writes().length + east.writes().length;
    await syncFailoverAlarms(cwFor, fp, d1, { regions, lastHash: d1.hash, verify: true });
    assert.equal(west.writes().length + east.writes().length, writes, 'unchanged: no writes on a drift check');

    // After a failover the old primary (us-east-1) is the replica.
    const d2 = desiredFailoverAlarms({ owner: fp, replica: { region: 'us-east-1', identifier: 'orders-db' }, replicaLagSeconds: 60 });
    const changes = await syncFailoverAlarms(cwFor, fp, d2, { regions, lastHash: d1.hash });
    assert.deepEqual(changes.changes.map((x) => `${x.action} ${x.region}`).sort(), ['Create us-east-1', 'Delete us-west-2']);
    assert.equal((await alarms(west.cw, [lagName])).length, 0);
    assert.equal((await alarms(east.cw, [lagName]))[0]?.Dimensions?.[0]?.Value, 'orders-db');

    await deleteFailoverAlarms(cwFor, fp, regions);
    assert.equal((await alarms(east.cw, [lagName])).length + (await alarms(west.cw, [lagName])).length, 0);
  });

  it('the whole-client sync converges dashboard and alarms even when one part fails', async () => {
    const c = clients();
    const d = desiredClientObservability(input);
    // Logs unreachable: the saved queries fail, the dashboard and alarms must be in place anyway.
    const deadLogs = new CloudWatchLogsClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials, maxAttempts: 1 });
    const r = await syncClientObservability(c.cw, deadLogs, d).then(
      () => 'ok',
      (e: unknown) => e,
    );
    assert.notEqual(r, 'ok', 'the query-definition part must have failed');
    assert.equal((await c.cw.send(new ListDashboardsCommand({}))).DashboardEntries?.[0]?.DashboardName, 'mrc_it_cc_clients_acme');
    assert.equal((await alarms(c.cw, clientAlarmNames(owner))).length, 3);
    await deleteClientObservability(c.cw, c.logs, owner).catch((e: unknown) => e);
    assert.equal((await c.cw.send(new ListDashboardsCommand({}))).DashboardEntries?.length ?? 0, 0);
    assert.equal((await alarms(c.cw, clientAlarmNames(owner))).length, 0);
  });

  it('saves, updates and deletes the Logs Insights query definitions', async () => {
    const c = clients();
    const d = desiredClientObservability(input);
    const r1 = await syncClientObservability(c.cw, c.logs, d);
    assert.deepEqual(Object.keys(r1.queryDefinitionIds ?? {}).sort(), ['bandwidthEgress', 'bandwidthIngress', 'rejectedTraffic', 'topTalkers']);
    const d2 = desiredClientObservability({ ...input, cidrs: ['192.0.2.0/28'], widgets: ['topTalkers'] });
    await syncClientObservability(c.cw, c.logs, d2, { lastHash: d.hash });
    const defs = (await c.logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'mrc/it/cc/clients/acme/' }))).queryDefinitions ?? [];
    assert.deepEqual(
      defs.map((q) => q.name),
      ['mrc/it/cc/clients/acme/topTalkers'],
    );
    assert.ok(defs[0]?.queryString?.includes('192.0.2.0/28'));
    await deleteClientObservability(c.cw, c.logs, owner);
    assert.equal(((await c.logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'mrc/it/' }))).queryDefinitions ?? []).length, 0);
  });
});
