// ClientConnection end to end: the controller process against the real apiserver and moto,
// CloudWatch/EC2 state read back with the SDK directly; AWS calls counted by the fault proxy.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientBed } from './client-connection-bed.ts';
import {
  alarms,
  CLIENT_NS,
  clientObj,
  dashboard,
  logQueries,
  OTHER_NS,
  PAIR_NS,
  queryDefinitions,
  SNS,
  staticRoutes,
  widgetsOf,
} from './client-connection-fixtures.ts';
import { condition, uniqueName } from './helpers.ts';

const bed = new ClientBed();

/** The saved queries under this client's name prefix, which its alarm names share. */
const savedQueries = (st: any) => queryDefinitions(bed.stack, String(st.alarmNames[0]).replace(/[^/]+$/, ''));

const ready = (name: string, gen = 1) =>
  bed.kube.waitFor(
    'ClientConnection',
    CLIENT_NS,
    name,
    `Ready at generation ${gen}`,
    (o) => o.status?.observedGeneration === gen && condition(o, 'Ready')?.status === 'True',
    60_000,
  );

describe('ClientConnection', () => {
  test('dashboard, alarms, routes, overview; a CIDR added updates all of them; deletion leaves nothing', async () => {
    const w = await bed.world(uniqueName('pair'));
    const name = uniqueName('acme');
    await bed.kube.apply(
      clientObj(w, name, ['203.0.113.0/24'], { attachment: { type: 'vpc', id: w.attachmentId, networkMonitorProbe: 'mon-acme/probe-0123' } }),
    );
    const o = await ready(name);
    const st = o.status;
    assert.equal(condition(o, 'Synced')?.status, 'True');
    assert.equal(condition(o, 'RoutesProgrammed')?.status, 'True');
    assert.equal(st.logGroupName, '/aws/tgw/flow-logs');
    assert.match(st.dashboardUrl, /us-east-1\.console\.aws\.amazon\.com/);
    assert.ok(st.observabilityHash);

    // The dashboard: all four kinds, every flow-log query scoped to the client's CIDR.
    const body = await dashboard(bed.stack, st.dashboardName);
    assert.ok(body, `dashboard ${st.dashboardName} exists`);
    const titles = widgetsOf(body).map((x) => String(x.properties?.title ?? x.properties?.markdown ?? ''));
    for (const want of [/Top talkers/, /Dropped by the Transit Gateway/, /Bytes from client/, /Bytes to client/, /Latency/]) {
      assert.ok(
        titles.some((t) => want.test(t)),
        `a widget matching ${want}: ${titles.join(' | ')}`,
      );
    }
    const queries = logQueries(body);
    assert.equal(queries.length, 4, 'top talkers, rejected, egress, ingress');
    for (const q of queries) {
      assert.match(q, /SOURCE '\/aws\/tgw\/flow-logs'|\/aws\/tgw\/flow-logs/);
      assert.ok(q.includes('203.0.113.'), `query scoped to the client CIDR: ${q}`);
    }
    const latency = widgetsOf(body).find((x) => x.type === 'metric' && JSON.stringify(x.properties.metrics).includes('AWS/NetworkMonitor'));
    assert.ok(latency, 'latency comes from the Network Monitor probe metric');

    // Alarms with the SNS action.
    const al = await alarms(bed.stack, st.alarmNames[0].replace(/[^/]+$/, ''));
    assert.deepEqual(al.map((a) => a.AlarmName).sort(), [...st.alarmNames].sort());
    assert.equal(al.length, 3);
    for (const a of al) assert.deepEqual(a.AlarmActions, [SNS]);

    // Routes: the client CIDR to its attachment, next to the pair's own route to the peer.
    assert.deepEqual(await staticRoutes(bed.stack, w.routeTableId), ['10.1.0.0/16', '203.0.113.0/24']);
    assert.deepEqual(
      st.routes.map((r: any) => [r.destinationCidr, r.target, r.routeTableId]),
      [['203.0.113.0/24', w.attachmentId, w.routeTableId]],
    );

    // Saved queries: one per flow-log question, each scoped to the client's CIDR, ids in status.
    assert.equal(condition(o, 'QueryDefinitionsSynced')?.status, 'True');
    const saved = await savedQueries(st);
    assert.deepEqual(Object.keys(st.queryDefinitionIds).sort(), ['bandwidthEgress', 'bandwidthIngress', 'rejectedTraffic', 'topTalkers']);
    assert.deepEqual(saved.map((q) => q.queryDefinitionId).sort(), Object.values(st.queryDefinitionIds).sort());
    for (const q of saved) {
      assert.ok(q.queryString?.includes('203.0.113.'), `saved query scoped to the client CIDR: ${q.queryString}`);
      assert.deepEqual(q.logGroupNames, ['/aws/tgw/flow-logs']);
    }
    const evs = await bed.kube.events(CLIENT_NS, name);
    assert.ok(
      evs.some((e) => e.reason === 'CreatedDashboard' || e.reason === 'ObservabilityUpdated'),
      `events: ${evs.map((e) => e.reason).join(',')}`,
    );

    // The pair's overview lists the client with a link to its dashboard.
    const pair = await bed.kube.waitFor('RegionPair', PAIR_NS, w.pairName, 'overview', (p) => !!p.status?.overviewDashboardName, 30_000);
    const overviewText = async () => JSON.stringify(await dashboard(bed.stack, pair.status.overviewDashboardName));
    await waitUntil('overview lists the client', async () => (await overviewText()).includes(st.dashboardName));
    assert.ok((await overviewText()).includes(`Client ${name}`));

    // Spec change: a CIDR added and a threshold raised.
    await bed.kube.mergePatch(
      { kind: 'ClientConnection', namespace: CLIENT_NS, name },
      {
        spec: {
          client: { displayName: `Client ${name}`, cidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
          alarms: { rejectedPacketsPerFiveMinutes: 5000, bandwidthBytesPerSecond: 1e9, snsTopicArn: SNS },
        },
      },
    );
    const o2 = await ready(name, 2);
    assert.notEqual(o2.status.observabilityHash, st.observabilityHash);
    for (const q of logQueries(await dashboard(bed.stack, st.dashboardName))) assert.ok(q.includes('198.51.100.') && q.includes('203.0.113.'), q);
    const rejected = (await alarms(bed.stack, st.alarmNames[0].replace(/[^/]+$/, ''))).find((a) => a.AlarmName!.endsWith('rejected-packets'));
    assert.equal(rejected?.Threshold, 5000);
    assert.deepEqual(await staticRoutes(bed.stack, w.routeTableId), ['10.1.0.0/16', '198.51.100.0/24', '203.0.113.0/24']);
    const saved2 = await savedQueries(o2.status);
    assert.deepEqual(saved2.map((q) => q.queryDefinitionId).sort(), saved.map((q) => q.queryDefinitionId).sort(), 'updated in place, not re-created');
    for (const q of saved2) assert.ok(q.queryString?.includes('198.51.100.') && q.queryString.includes('203.0.113.'), q.queryString);

    // Deletion: routes, dashboard and alarms go; the overview drops the client; the pair stays.
    await bed.kube.delete('ClientConnection', CLIENT_NS, name);
    await bed.kube.waitGone('ClientConnection', CLIENT_NS, name, 60_000);
    assert.deepEqual(await staticRoutes(bed.stack, w.routeTableId), ['10.1.0.0/16']);
    assert.equal(await dashboard(bed.stack, st.dashboardName), undefined);
    assert.deepEqual(await alarms(bed.stack, st.alarmNames[0].replace(/[^/]+$/, '')), []);
    assert.deepEqual(await savedQueries(st), []);
    await waitUntil('overview drops the client', async () => !(await overviewText()).includes(st.dashboardName));

    // Deleting the pair deletes its overview.
    await bed.kube.delete('RegionPair', PAIR_NS, w.pairName);
    await bed.kube.waitGone('RegionPair', PAIR_NS, w.pairName, 90_000);
    assert.equal(await dashboard(bed.stack, pair.status.overviewDashboardName), undefined);
  });

  test('a reference from a namespace the pair does not allow: RefNotPermitted, an Event, and no AWS call at all', async () => {
    const w = await bed.world(uniqueName('pair'));
    // Pause the pair, so its own reconciles (woken by the new client) make no AWS call either.
    await bed.kube.mergePatch(
      { kind: 'RegionPair', namespace: PAIR_NS, name: w.pairName },
      { metadata: { annotations: { 'multiregion.dev/paused': 'true' } } },
    );
    await bed.kube.waitCondition('RegionPair', PAIR_NS, w.pairName, 'Synced', 'False', 'Paused', 30_000);
    await sleep(1000);
    const before = w.proxy.calls.length;
    const name = uniqueName('intruder');
    await bed.kube.apply(clientObj(w, name, ['192.0.2.0/24'], {}, OTHER_NS));
    const o = await bed.kube.waitCondition('ClientConnection', OTHER_NS, name, 'Synced', 'False', 'RefNotPermitted', 30_000);
    assert.match(condition(o, 'Synced')!.message, /allowedNamespaces/);
    const evs = await bed.kube.events(OTHER_NS, name);
    assert.ok(
      evs.some((e) => e.reason === 'RefNotPermitted' && e.type === 'Warning'),
      `events: ${evs.map((e) => e.reason).join(',')}`,
    );
    assert.equal(o.status.dashboardName, undefined);
    // Deletion of an object that never did anything makes no call either.
    await bed.kube.delete('ClientConnection', OTHER_NS, name);
    await bed.kube.waitGone('ClientConnection', OTHER_NS, name, 30_000);
    await sleep(1000);
    assert.deepEqual(
      w.proxy.calls.slice(before).map((c) => `${c.service}:${c.operation}`),
      [],
      'no AWS call for the refused client',
    );
    assert.deepEqual(await staticRoutes(bed.stack, w.routeTableId), ['10.1.0.0/16']);
  });

  test('a CIDR overlapping the pair is InvalidSpec', async () => {
    const w = await bed.world(uniqueName('pair'));
    const name = uniqueName('overlap');
    await bed.kube.apply(clientObj(w, name, ['10.0.5.0/24']));
    const o = await bed.kube.waitCondition('ClientConnection', CLIENT_NS, name, 'Synced', 'False', 'InvalidSpec', 30_000);
    assert.match(condition(o, 'Synced')!.message, /spec\.client\.cidrs\[0\].*overlaps 10\.0\.0\.0\/16/);
    assert.deepEqual(await staticRoutes(bed.stack, w.routeTableId), ['10.1.0.0/16']);
  });
});

async function waitUntil(what: string, pred: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(250);
  }
  throw new Error(`timed out: ${what}`);
}
