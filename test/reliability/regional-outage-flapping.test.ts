// Regional outage (issue 14), the rows that take minutes, run at once in ONE controller process on
// three policies of their own, so the file lasts about as long as its longest row:
// - a health check flapping every 20 s for 5 minutes with unhealthyForSeconds 60: no failover.
//   Datapoints go into CloudWatch with the SDK (as Route 53's checkers publish them), the
//   controller's observer reads them, the trigger judges them: the real path;
// - a failback that aborts because home turns unhealthy mid-failback, again and again: the
//   cooldown (--failback-cooldown) and the cap (spec.failover.failbackMaxAttemptsPerDay) hold,
//   and the serving writer is fenced at most the capped number of times;
// - a region blackholed: the failover completes, and no reconcile during the blackhole took
//   longer than the request timeout plus a margin (the controller's reconcile-duration histogram).
// Health is judged over 60 s periods, as on AWS (HealthCheckStatus has one-minute data): a
// shorter period would hide a statistic that reads a flapping minute as unhealthy.
// Each row's AWS calls are told apart by what they name (instance identifier, hosted zone),
// read from the requests by a pass-through tap on the fault proxy.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { type ControllerProcess, metricValue, startController } from '../env/controller.ts';
import { FaultProxy, type SeenRequest } from '../env/fault-proxy.ts';
import { seedDatabase, seedHostedZone } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { DbPolicies } from '../integration/failover-policy-db-fixtures.ts';
import { Aws, clearPolicies, EAST, policyObj, WEST } from '../integration/failover-policy-fixtures.ts';
import { condition, Kube, type Obj, uniqueName } from '../integration/helpers.ts';
import { keepLogs, record } from './harness.ts';

const NS = 'rel-outage-minutes';
/** The blackholed row's own primary region: taking it down touches no other row's policy. */
const EU = 'eu-west-1';
const REQUEST_TIMEOUT_S = 5;
/**
 * A reconcile during the blackhole may wait out one request timeout (the dead region is not
 * asked again in the same pass) plus its own work on a loaded 2-core machine: 5 s of margin,
 * which is also where the histogram has a bucket bound (10 s).
 */
const RECONCILE_MARGIN_S = 5;
const FLAP_EVERY_MS = 20_000;
const FLAP_FOR_MS = 5 * 60_000;
const FLAP_UNHEALTHY_FOR = 60;
const FAILBACK_STABLE_S = 15;
/** Longer than home's own way back to Healthy (next minute + 3 probes + the stable period, ~1.5 min): a missing cooldown shows. */
const FAILBACK_COOLDOWN_S = 150;
const FAILBACK_CAP = 2;
const CONTROLLER_ARGS = [
  '--health-observe-interval=1s',
  '--health-period=60s',
  `--aws-request-timeout=${REQUEST_TIMEOUT_S}s`,
  '--aws-connect-timeout=1s',
  '--leader-elect=false',
  `--failback-stable-period=${FAILBACK_STABLE_S}s`,
  `--failback-cooldown=${FAILBACK_COOLDOWN_S}s`,
];
const IP: Record<string, string> = { [WEST]: '198.51.100.10', [EAST]: '203.0.113.20', [EU]: '192.0.2.30' };

let stack: Stack;
let kube: Kube;
let aws: Aws;
let proxy: FaultProxy;
let ctrl: ControllerProcess;
const tally = { twoWriters: 0, stalledFailovers: 0, lostSteps: 0, rows: 0 };
const stopLag: Array<() => void> = [];

/** A mutating or DNS call that reached AWS, with what it named. */
interface Tapped {
  at: number;
  operation: string;
  region: string;
  subject: string | undefined;
}
const tapped: Tapped[] = [];
const TAPPED_OPS = /^(ModifyDBInstance|RebootDBInstance|PromoteReadReplica|ChangeResourceRecordSets)$/;

function subjectOf(r: SeenRequest): string | undefined {
  const zone = /\/hostedzone\/([^/]+)\/rrset/.exec(r.url);
  if (zone) return zone[1];
  return new URLSearchParams(r.body).get('DBInstanceIdentifier') ?? undefined;
}

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  aws = new Aws(stack.motoEndpoint);
  await kube.ensureNamespace(NS);
  await clearPolicies(kube, NS);
  proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  // Passes every answer on unchanged; only notes what each call named.
  proxy.add({
    operation: TAPPED_OPS,
    kind: 'rewrite',
    rewrite: (body, call, req) => {
      tapped.push({ at: call.at, operation: call.operation, region: call.region, subject: subjectOf(req) });
      return body;
    },
  });
  ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: proxy.endpoint, args: CONTROLLER_ARGS });
});
after(async () => {
  record({
    file: 'regional-outage-flapping',
    twoWriters: tally.twoWriters,
    stalledFailovers: tally.stalledFailovers,
    lostSteps: tally.lostSteps,
    note: `${tally.rows} outage rows run at once (flapping, failback cap, blackhole reconcile time)`,
  });
  for (const stop of stopLag) stop();
  keepLogs('regional-outage-flapping', ctrl.logs());
  await ctrl.kill();
  await clearPolicies(kube, NS);
  await proxy.stop();
  aws.destroy();
  await stack.stop();
});

interface Setup {
  name: string;
  zone: string;
  db: string;
  replica: string;
  primary: string;
  standby: string;
  checks: { primary: string; secondary: string };
}

/** What RDS publishes once a minute, kept up (each row's lag is its own). */
function keepLag(region: string, identifier: string, seconds: number): void {
  const put = () => void aws.putLag(region, identifier, seconds).catch(() => {});
  put();
  const t = setInterval(put, 10_000);
  stopLag.push(() => clearInterval(t));
}

/** A writer in `primary`, its replica in `standby` (published lag 2 s), DNS with health checks, both sides healthy, FailoverReady. */
async function ready(prefix: string, primary: string, standby: string, failover: Record<string, unknown>): Promise<Setup> {
  const name = uniqueName(prefix);
  const s = {
    name,
    zone: await seedHostedZone({ endpoint: stack.motoEndpoint }, 'example.com'),
    db: `${name}-db`,
    replica: `${name}-db-replica`,
    primary,
    standby,
  };
  await seedDatabase({ endpoint: stack.motoEndpoint }, primary, s.db);
  const check = { type: 'HTTPS', path: '/health/deep', port: 443 };
  await kube.apply(
    policyObj(NS, name, {
      dns: {
        hostedZoneId: s.zone,
        recordName: `${name}.example.com`,
        primary: { region: primary, target: { ips: [IP[primary]] }, healthCheck: check },
        secondary: { region: standby, target: { ips: [IP[standby]] }, healthCheck: check },
      },
      database: {
        engine: 'postgres',
        primary: { region: primary, instanceIdentifier: s.db },
        replica: { region: standby, instanceIdentifier: s.replica },
        maxReplicaLagSeconds: 30,
        connectionSecret: { name: `${name}-conn` },
      },
      failover: { mode: 'Automatic', ...failover },
    }),
  );
  const o = await kube.waitFor(
    'FailoverPolicy',
    NS,
    name,
    'checks and replica',
    (x) => !!x.status?.healthCheckIds?.secondary && !!x.status?.database?.replica,
    90_000,
  );
  const checks = o.status.healthCheckIds as Setup['checks'];
  keepLag(standby, s.replica, 2);
  await aws.putHealth(checks.primary, 1);
  await aws.putHealth(checks.secondary, 1);
  await kube.waitCondition('FailoverPolicy', NS, name, 'FailoverReady', 'True', 'StandbyReady', 120_000);
  return { ...s, checks };
}

async function primaryRecord(s: Setup): Promise<string | undefined> {
  const recs = await aws.records(s.zone, `${s.name}.example.com`);
  return recs.find((r) => r.SetIdentifier === `${s.name}-primary`)?.ResourceRecords?.[0]?.Value;
}

async function instance(region: string, id: string) {
  return (await aws.rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
}

const fenceTagged = (i: Awaited<ReturnType<typeof instance>>) => (i?.TagList ?? []).some((t) => t.Key === 'multiregion.dev/fenced-from');

async function waitForValue(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function waitStatus(s: Setup, what: string, pred: (o: Obj) => boolean, timeoutMs: number): Promise<Obj> {
  try {
    return await kube.waitFor('FailoverPolicy', NS, s.name, what, pred, timeoutMs);
  } catch (e) {
    tally.stalledFailovers++;
    throw e;
  }
}

/** FailoverPolicy reconciles that took longer than `le` seconds, and all of them, as /metrics counts them now (and the page, for the log). */
async function reconcileCounts(le: number): Promise<{ over: number; all: number; buckets: Record<string, number> }> {
  const page = await (await fetch(ctrl.metricsUrl)).text();
  const name = 'multiregion_reconcile_duration_seconds_bucket';
  const all = metricValue(page, name, { kind: 'FailoverPolicy', le: '+Inf' }) ?? 0;
  const within = metricValue(page, name, { kind: 'FailoverPolicy', le: String(le) });
  assert.ok(within !== undefined, `the reconcile-duration histogram has a bucket at ${le} s`);
  const buckets = Object.fromEntries(['1', '2.5', '5', '10'].map((b) => [b, metricValue(page, name, { kind: 'FailoverPolicy', le: b }) ?? 0]));
  return { over: all - within, all, buckets };
}

describe('regional outage, the long rows at once in one controller', { concurrency: true }, () => {
  test(
    `a health check flapping every ${FLAP_EVERY_MS / 1000} s for ${FLAP_FOR_MS / 60_000} ` + `minutes, unhealthyForSeconds ${FLAP_UNHEALTHY_FOR}: no failover`,
    async () => {
      tally.rows++;
      const s = await ready('flap', WEST, EAST, { unhealthyForSeconds: FLAP_UNHEALTHY_FOR });
      const from = Date.now();
      const seen = { phases: new Set<string>(), active: new Set<string>(), health: new Map<string, number>(), inProgress: 0 };
      let longestUnhealthyS = 0;
      let value: 0 | 1 = 1;
      let flips = 0;
      let nextFlip = from;
      while (Date.now() < from + FLAP_FOR_MS) {
        if (Date.now() >= nextFlip) {
          value = value === 1 ? 0 : 1;
          await aws.putHealth(s.checks.primary, value);
          flips++;
          nextFlip += FLAP_EVERY_MS;
        }
        const o = await kube.get('FailoverPolicy', NS, s.name);
        const st = o?.status ?? {};
        seen.phases.add(st.phase);
        seen.active.add(st.activeRegion);
        if (st.inProgress) seen.inProgress++;
        const h = st.health?.primary as string | undefined;
        if (h) seen.health.set(h, (seen.health.get(h) ?? 0) + 1);
        if (h === 'Unhealthy' && st.health?.primarySince)
          longestUnhealthyS = Math.max(longestUnhealthyS, (Date.now() - Date.parse(st.health.primarySince)) / 1000);
        await sleep(1_000);
      }
      const health = Object.fromEntries(seen.health);
      console.log(
        `# ${s.name}: ${flips} flips in ${((Date.now() - from) / 1000).toFixed(0)} s; primary health read ` +
          `${JSON.stringify(health)}; longest Unhealthy ${longestUnhealthyS.toFixed(0)} s; phases ${[...seen.phases].join(',')}`,
      );
      assert.ok(flips >= FLAP_FOR_MS / FLAP_EVERY_MS, `flipped ${flips} times`);
      assert.ok(
        Object.keys(health).some((h) => h !== 'Healthy'),
        `the flapping reached the controller (it read ${JSON.stringify(health)})`,
      );
      const changes = tapped.filter((c) => c.at >= from && (c.subject === s.db || c.subject === s.replica || c.subject === s.zone));
      if (changes.some((c) => c.operation === 'PromoteReadReplica')) tally.lostSteps++;
      assert.deepEqual(changes, [], 'no fence, promotion or DNS change for the flapping policy');
      assert.deepEqual([...seen.phases], ['Healthy'], 'status stayed Healthy');
      assert.deepEqual([...seen.active], [WEST], 'traffic stayed in the primary region');
      assert.equal(seen.inProgress, 0, 'no failover started');
      assert.ok(longestUnhealthyS < FLAP_UNHEALTHY_FOR, `Unhealthy held ${longestUnhealthyS} s at most`);
      assert.equal(await primaryRecord(s), IP[WEST], 'DNS answers with the primary');
      assert.ok((await instance(EAST, s.replica))?.ReadReplicaSourceDBInstanceIdentifier, 'the replica is still a replica');
    },
  );

  test(
    `a failback aborted by home turning unhealthy, again: ${FAILBACK_COOLDOWN_S} s cooldown ` +
      `between attempts, capped at ${FAILBACK_CAP}, the writer fenced at most ${FAILBACK_CAP} times`,
    async () => {
      tally.rows++;
      const s = await ready('fb', WEST, EAST, { unhealthyForSeconds: 10, failback: 'Automatic', failbackMaxAttemptsPerDay: FAILBACK_CAP });
      // Each failback fences the writer this replica becomes: give it a security group of its region, as AWS would.
      await new DbPolicies(stack, kube, aws, NS).moveToRegionDefaultGroup(EAST, s.replica);
      // Home (us-west-2) turns unhealthy while its RDS answers: an ordinary failover to us-east-1.
      await aws.putHealth(s.checks.primary, 0);
      await waitStatus(
        s,
        `failed over to ${EAST}`,
        (x) => x.status?.activeRegion === EAST && !!x.status?.lastFailover?.completedAt && !x.status?.inProgress,
        240_000,
      );
      // The controller re-seeds a replica at home; RDS reports its lag (2 s: never 0, so each
      // failback waits at Fenced for the catch-up and home can fail it there).
      const reseeded = await waitStatus(s, `a replica in ${WEST}`, (x) => x.status?.database?.replica?.region === WEST, 120_000);
      const home = reseeded.status.database.replica.identifier as string;
      keepLag(WEST, home, 2);
      const writer = s.replica;
      const starts: number[] = [];
      for (let attempt = 1; attempt <= FAILBACK_CAP; attempt++) {
        await aws.putHealth(s.checks.primary, 1);
        const f = await waitStatus(
          s,
          `failback ${attempt} fenced the writer`,
          (x) => x.status?.inProgress?.reason === 'Failback' && x.status.inProgress.step === 'Fenced',
          (60 + 10 + FAILBACK_STABLE_S + FAILBACK_COOLDOWN_S + 90) * 1000,
        );
        starts.push(Date.parse(f.status.inProgress.startedAt));
        await aws.putHealth(s.checks.primary, 0);
        await waitStatus(s, `failback ${attempt} aborted`, (x) => !x.status?.inProgress, 120_000);
        try {
          await waitForValue(`${writer} unfenced after abort ${attempt}`, async () => !fenceTagged(await instance(EAST, writer)), 60_000);
        } catch (e) {
          tally.lostSteps++;
          throw e;
        }
      }
      // Home healthy again and stable: the cap holds the next failback (waited for long enough that
      // a next attempt past the cooldown would show, fenced, instead).
      await aws.putHealth(s.checks.primary, 1);
      const end = await waitStatus(
        s,
        'the cap holding the next failback',
        (x) => condition(x, 'Ready')?.reason === 'FailbackBlocked' || (x.status?.inProgress?.reason === 'Failback' && x.status.inProgress.step === 'Fenced'),
        (60 + 10 + FAILBACK_STABLE_S + FAILBACK_COOLDOWN_S + 90) * 1000,
      );
      const fences = tapped.filter((c) => c.operation === 'RebootDBInstance' && c.subject === writer).map((c) => c.at);
      const gaps = fences.slice(1).map((at, i) => (at - fences[i]!) / 1000);
      console.log(
        `# ${s.name}: failbacks started ${starts.map((t) => new Date(t).toISOString()).join(', ')}; ` +
          `writer fenced ${fences.length} times, gaps ${gaps.map((g) => g.toFixed(1)).join(', ')} s`,
      );
      assert.ok(fences.length <= FAILBACK_CAP, `the serving writer was fenced ${fences.length} times (cap ${FAILBACK_CAP})`);
      assert.equal(fences.length, FAILBACK_CAP, 'each attempt fenced it once');
      assert.equal(condition(end, 'Ready')?.reason, 'FailbackBlocked', `blocked after ${FAILBACK_CAP} attempts`);
      assert.match(condition(end, 'Ready')!.message, /failbackMaxAttemptsPerDay/);
      // The cooldown counts from an attempt's start; its fence follows within a pass (5 s allowed).
      for (const g of gaps) assert.ok(g >= FAILBACK_COOLDOWN_S - 5, `attempts ${g} s apart (cooldown ${FAILBACK_COOLDOWN_S} s)`);
      const o = await kube.get('FailoverPolicy', NS, s.name);
      assert.equal(o?.status?.activeRegion, EAST, 'traffic stays where the writer is');
      assert.equal(o?.status?.failbackAttempts?.length, FAILBACK_CAP);
      const [w, r] = [await instance(EAST, writer), await instance(WEST, home)];
      if (fenceTagged(w) || !r?.ReadReplicaSourceDBInstanceIdentifier) tally.twoWriters += r?.ReadReplicaSourceDBInstanceIdentifier ? 0 : 1;
      assert.ok(!fenceTagged(w), 'the writer serves, unfenced');
      assert.ok(r?.ReadReplicaSourceDBInstanceIdentifier, 'home is still a replica: one writer');
    },
  );

  test(
    `${EU} blackholed: the failover completes, and no reconcile during the blackhole took ` +
      `longer than the request timeout (${REQUEST_TIMEOUT_S} s) + ${RECONCILE_MARGIN_S} s`,
    async () => {
      tally.rows++;
      const s = await ready('bh', EU, WEST, { unhealthyForSeconds: 10, promoteWhenFenceUnconfirmed: true });
      const le = REQUEST_TIMEOUT_S + RECONCILE_MARGIN_S;
      const base = await reconcileCounts(le);
      const from = Date.now();
      proxy.regionDown(EU, 'blackhole');
      await aws.putHealth(s.checks.primary, 0);
      const o = await waitStatus(
        s,
        `failed over to ${WEST}`,
        (x) => x.status?.activeRegion === WEST && !!x.status?.lastFailover?.completedAt && !x.status?.inProgress,
        240_000,
      );
      const during = await reconcileCounts(le);
      proxy.regionUp(EU);
      const promotes = tapped.filter((c) => c.operation === 'PromoteReadReplica' && c.subject === s.replica).length;
      if (promotes !== 1) tally.lostSteps++;
      console.log(
        `# ${s.name}: failed over ${((Date.parse(o.status.lastFailover.completedAt) - from) / 1000).toFixed(1)} s after the blackhole; ` +
          `${during.all - base.all} FailoverPolicy reconciles meanwhile, ${during.over - base.over} over ${le} s; within ${Object.entries(during.buckets)
            .map(([b, n]) => `${b} s: ${n - (base.buckets[b] ?? 0)}`)
            .join(', ')}`,
      );
      assert.equal(promotes, 1, 'PromoteReadReplica reached AWS once');
      assert.equal(o.status.lastFailover.reason, 'PrimaryUnhealthy');
      assert.ok(during.all - base.all > 0, 'reconciles ran during the blackhole');
      assert.equal(during.over - base.over, 0, `no reconcile took longer than ${le} s while ${EU} was blackholed`);
      assert.equal(await primaryRecord(s), IP[WEST], 'DNS answers with the standby');
      // Back up: the old writer gets fenced, so one writer takes writes.
      try {
        await waitForValue(`${s.db} fenced once ${EU} answers`, async () => fenceTagged(await instance(EU, s.db)), 120_000);
      } catch (e) {
        tally.twoWriters++;
        throw e;
      }
    },
  );
});
