// Crash matrix for ClientConnection: for every mutating AWS call a client makes while converging
// and while deleting (discovered from a clean run's call log), the controller is SIGKILLed right
// after AWS applied the call; a new process must converge with exactly the clean run's alarms,
// dashboard, saved queries and route, and deleting must leave none of them. One Ready pair serves every round.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeAlarmsCommand, ListDashboardsCommand } from '@aws-sdk/client-cloudwatch';
import { getStack, type Stack } from '../env/stack.ts';
import {
  alarms,
  CLIENT_NS,
  clientObj,
  cw,
  dashboard,
  OTHER_NS,
  PAIR_NS,
  queryDefinitions,
  setUpWorld,
  staticRoutes,
  tearDown,
  type World,
} from '../integration/client-connection-fixtures.ts';
import { Kube, type Obj, uniqueName } from '../integration/helpers.ts';
import { CrashKit, type CrashResult, crashRounds, failedPoints, mutatingPoints, recordCrashMatrix } from './crash-kit.ts';

let stack: Stack;
let kube: Kube;
let w: World;
let kit: CrashKit;
const PEER_ROUTE = '10.1.0.0/16';

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  for (const ns of [PAIR_NS, CLIENT_NS, OTHER_NS]) await kube.ensureNamespace(ns);
  await stack.resetMoto();
  w = await setUpWorld(stack, kube, uniqueName('crash-pair'));
  // The matrix runs its own controllers on the world's proxy; the fixture's one retires.
  await w.ctrl.stop();
  kit = new CrashKit({ kubeconfigPath: stack.kubeconfigPath, proxy: w.proxy, label: 'crash-cc', args: ['--aws-max-attempts=1'] });
});
after(async () => {
  await kit.stop();
  await tearDown(kube, w);
  await stack.stop();
});

let round = 0;
const cidr = () => `203.0.${++round}.0/24`;
const allAlarms = async () => ((await cw(stack).send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []).map((a) => a.AlarmName!);
const allDashboards = async () => ((await cw(stack).send(new ListDashboardsCommand({}))).DashboardEntries ?? []).map((d) => d.DashboardName!);
const ready = (name: string) => kube.waitCondition('ClientConnection', CLIENT_NS, name, 'Ready', 'True', undefined, 60_000);
const prefixOf = (o: Obj) => String(o.status.alarmNames[0]).replace(/[^/]+$/, '');
const allQueries = async () => (await queryDefinitions(stack, '')).map((q) => `${q.name}#${q.queryDefinitionId}`);
const QUESTIONS = 4; // top talkers, rejected, bytes each way

function fresh(): void {
  w.proxy.clear();
  w.proxy.calls.length = 0;
}

/** Against the account before the client: exactly its own alarms, one dashboard more, and one route more. */
async function auditConverged(o: Obj, base: { alarms: string[]; dashboards: string[] }, want: { alarms: number }, clientCidr: string): Promise<string[]> {
  const bad: string[] = [];
  const mine = await alarms(stack, prefixOf(o));
  if (mine.length !== want.alarms) bad.push(`alarms of the client: ${mine.length} (want ${want.alarms})`);
  const extraAlarms = (await allAlarms()).filter((a) => !base.alarms.includes(a));
  for (const a of extraAlarms) if (!o.status.alarmNames.includes(a)) bad.push(`alarm ${a} not in status`);
  const extraDash = (await allDashboards()).filter((d) => !base.dashboards.includes(d));
  if (extraDash.length !== 1 || extraDash[0] !== o.status.dashboardName) bad.push(`new dashboards: ${extraDash.join(',')} (want ${o.status.dashboardName})`);
  const routes = await staticRoutes(stack, w.routeTableId);
  if (JSON.stringify(routes) !== JSON.stringify([PEER_ROUTE, clientCidr].sort())) bad.push(`routes: ${routes.join(',')}`);
  const saved = await queryDefinitions(stack, prefixOf(o));
  const ids = Object.values(o.status.queryDefinitionIds ?? {}) as string[];
  if (saved.length !== QUESTIONS) bad.push(`saved queries of the client: ${saved.length} (want ${QUESTIONS})`);
  for (const q of saved) if (!ids.includes(q.queryDefinitionId!)) bad.push(`saved query ${q.name} ${q.queryDefinitionId} not in status`);
  return bad;
}
async function auditDeleted(base: { alarms: string[]; dashboards: string[]; queries: string[] }): Promise<string[]> {
  const bad: string[] = [];
  for (const q of await allQueries()) if (!base.queries.includes(q)) bad.push(`saved query ${q}`);
  for (const a of await allAlarms()) if (!base.alarms.includes(a)) bad.push(`alarm ${a}`);
  for (const d of await allDashboards()) if (!base.dashboards.includes(d)) bad.push(`dashboard ${d}`);
  const routes = await staticRoutes(stack, w.routeTableId);
  if (JSON.stringify(routes) !== JSON.stringify([PEER_ROUTE])) bad.push(`routes: ${routes.join(',')}`);
  return bad;
}

describe('ClientConnection crash matrix', () => {
  const converge: string[] = [];
  const deletion: string[] = [];
  const base = { alarms: [] as string[], dashboards: [] as string[], queries: [] as string[] };
  const results: CrashResult[] = [];

  test('a clean run lists the mutating calls of converge and delete', async () => {
    fresh();
    await kit.current();
    base.alarms = await allAlarms();
    base.dashboards = await allDashboards();
    base.queries = await allQueries();
    const name = uniqueName('clean');
    const c = cidr();
    await kube.apply(clientObj(w, name, [c]));
    const o = await ready(name);
    await sleep(1500);
    assert.deepEqual(await auditConverged(o, base, { alarms: 3 }, c), []);
    const split = w.proxy.calls.length;
    await kube.delete('ClientConnection', CLIENT_NS, name);
    await kube.waitGone('ClientConnection', CLIENT_NS, name, 60_000);
    await sleep(1500);
    converge.push(...mutatingPoints(w.proxy.calls.slice(0, split)));
    deletion.push(...mutatingPoints(w.proxy.calls.slice(split)));
    assert.deepEqual(await auditDeleted(base), []);
    assert.equal(await dashboard(stack, o.status.dashboardName), undefined);
    for (const op of ['monitoring:PutDashboard', 'monitoring:PutMetricAlarm', 'logs:PutQueryDefinition', 'ec2:CreateTransitGatewayRoute'])
      assert.ok(converge.includes(op), `clean converge calls ${op}: ${converge.join(',')}`);
    for (const op of ['monitoring:DeleteDashboards', 'monitoring:DeleteAlarms', 'logs:DeleteQueryDefinition', 'ec2:DeleteTransitGatewayRoute'])
      assert.ok(deletion.includes(op), `clean delete calls ${op}: ${deletion.join(',')}`);
    console.log(`# client crash points: converge ${converge.join(' ')} | delete ${deletion.join(' ')}`);
  });

  test('killed right after each converge call and each delete call: converges without duplicates, deletes without leak', async (t) => {
    let name = '';
    await crashRounds(
      t,
      kit,
      { converge, delete: deletion },
      {
        fresh: async () => {
          fresh();
          name = uniqueName('crash');
          return cidr();
        },
        apply: (c) => kube.apply(clientObj(w, name, [c])),
        converged: async (c) => {
          const o = await ready(name);
          await sleep(1500);
          return auditConverged(o, base, { alarms: 3 }, c);
        },
        delete: () => kube.delete('ClientConnection', CLIENT_NS, name),
        gone: async () => {
          await kube.waitGone('ClientConnection', CLIENT_NS, name, 60_000);
          await sleep(1500);
          return auditDeleted(base);
        },
      },
      results,
    );
  });

  after(() =>
    recordCrashMatrix(
      'crash-matrix-clients',
      results,
      `ClientConnection: converge points ${converge.join(' ') || 'none'}; delete points ` +
        `${deletion.join(' ') || 'none'}; failed: ${failedPoints(results, (r) => `${r.phase} ${r.point}`)}`,
    ),
  );
});
