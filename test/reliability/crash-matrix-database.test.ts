// Crash matrix for FailoverPolicy with a database. A clean run of one policy's life (converge
// with a cross-region replica and a lag alarm, a drill on the shadow record, an automatic
// failover with the fence, the promotion, the promoted writer's backup-retention modify and the
// re-seeded replica, then deletion) lists its
// mutating AWS calls. The drill's and the failover's are taken one by one, each occurrence on its
// own (the fence's and the promotion's tag writes are different steps); converge and delete by
// operation. In each round the controller is SIGKILLed right after AWS applied one call of each
// phase; the next process must end every phase with exactly the AWS state of the clean run,
// promote exactly once, and never delete a database. Last, the retire of an ex-writer.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RemoveTagsFromResourceCommand } from '@aws-sdk/client-rds';
import { PROMOTE_REQUESTED_TAG } from '../../src/aws/rds/instances.ts';
import { tagsToMap } from '../../src/aws/tags.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { DbPolicies, type DbSetup } from '../integration/failover-policy-db-fixtures.ts';
import { Aws, clearPolicies, EAST, WEST } from '../integration/failover-policy-fixtures.ts';
import { Kube, type Obj } from '../integration/helpers.ts';
import { CrashKit, type CrashResult, failedPoints, mutatingPoints, mutatingSteps, only, recordCrashMatrix } from './crash-kit.ts';

const NS = 'rel-crash-db';
let stack: Stack;
let kube: Kube;
let aws: Aws;
let dbs: DbPolicies;
let proxy: FaultProxy;
let kit: CrashKit;

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  aws = new Aws(stack.motoEndpoint);
  dbs = new DbPolicies(stack, kube, aws, NS);
  await kube.ensureNamespace(NS);
  proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  kit = new CrashKit({ kubeconfigPath: stack.kubeconfigPath, proxy, label: 'crash-db', args: ['--health-observe-interval=1s', '--health-period=10s'] });
});
after(async () => {
  await kit.stop();
  await clearPolicies(kube, NS);
  await proxy.stop();
  aws.destroy();
  await stack.stop();
});

async function fresh(): Promise<void> {
  proxy.clear();
  proxy.calls.length = 0;
  await clearPolicies(kube, NS);
  aws.forgetHealth();
  await stack.resetMoto();
}

/** Everything AWS holds after a phase, the policy's name and failover times normalised so that runs compare. */
async function inventory(s: DbSetup): Promise<string[]> {
  const norm = (x: string) =>
    x
      .split(s.name)
      .join('<n>')
      .replace(/\d{8}t\d{6}/g, '<t>');
  const out: string[] = [];
  for (const region of [EAST, WEST]) {
    const rds = aws.rds(region);
    for (const i of (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []) out.push(`db ${region} ${norm(i.DBInstanceIdentifier!)}`);
    for (const snap of (await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots ?? [])
      out.push(`snapshot ${region} ${norm(snap.DBSnapshotIdentifier!)}`);
    for (const g of (await aws.ec2(region).send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []) out.push(`sg ${region} ${norm(g.GroupName!)}`);
    for (const a of (await aws.cw(region).send(new DescribeAlarmsCommand({}))).MetricAlarms ?? [])
      out.push(`alarm ${region} ${norm(a.AlarmName!)} ${a.Dimensions?.map((d) => norm(d.Value ?? '')).join(',')}`);
  }
  for (const _ of await aws.healthCheckIds()) out.push('health check');
  for (const r of await aws.records(s.zone))
    if (r.Type !== 'SOA' && r.Type !== 'NS') out.push(`record ${norm(r.Name!)} ${r.Type} ${norm(r.SetIdentifier ?? '')}`);
  return out.sort();
}

/** Beyond the clean run (duplicates) and missing from it, as a multiset difference. */
function compare(got: string[], clean: string[]): string[] {
  const left = [...clean];
  const extra: string[] = [];
  for (const g of got) {
    const i = left.indexOf(g);
    if (i >= 0) left.splice(i, 1);
    else extra.push(`extra ${g}`);
  }
  return [...extra, ...left.map((m) => `missing ${m}`)];
}

const converged = (s: DbSetup) => dbs.healthyAndReady(s);
const failedOver = (s: DbSetup) =>
  kube.waitFor(
    'FailoverPolicy',
    NS,
    s.name,
    'failed over with a re-seeded replica',
    (x) => !!x.status?.lastFailover?.completedAt && x.status?.database?.replica?.region === EAST,
    150_000,
  );

/**
 * After a kill, play the parts that are not the controller's:
 * - killed between the promote-requested mark and PromoteReadReplica: the restart must only
 *   wait (it cannot tell whether the call reached AWS); the operator's remedy from the
 *   PromotionStalled warning — remove the mark — lets it send the one and only call.
 */
async function playAws(s: DbSetup, point: string): Promise<string[]> {
  const bad: string[] = [];
  const replica = await dbs.instance(WEST, s.replica);
  const tags = tagsToMap(replica.TagList);
  const arn = replica.DBInstanceArn!;
  if (tags[PROMOTE_REQUESTED_TAG] && proxy.count('rds', 'PromoteReadReplica') === 0) {
    await sleep(8_000);
    if (proxy.count('rds', 'PromoteReadReplica') > 0) bad.push(`${point}: the restart sent PromoteReadReplica though the mark was on the instance`);
    await aws.rds(WEST).send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: [PROMOTE_REQUESTED_TAG] }));
  }
  return bad;
}

/** The failover's own promises: one promotion, the Secret and DNS on the new writer, the old one fenced. */
async function auditFailover(s: DbSetup, o: Obj): Promise<string[]> {
  const bad: string[] = [];
  const promotes = proxy.calls.filter((c) => c.service === 'rds' && c.operation === 'PromoteReadReplica' && (c.status ?? 0) < 400).length;
  if (promotes !== 1) bad.push(`PromoteReadReplica reached AWS ${promotes} times`);
  if (o.status.activeRegion !== WEST) bad.push(`activeRegion ${o.status.activeRegion}`);
  if ((await dbs.secretData(s.secret)).region !== WEST) bad.push('Secret does not name us-west-2');
  if ((await dbs.primaryRecordValue(s)) !== '203.0.113.20') bad.push('DNS does not answer with us-west-2');
  const groups = (await dbs.instance(EAST, s.db)).VpcSecurityGroups ?? [];
  if (groups.length !== 1) bad.push(`old writer has ${groups.length} security groups (want only the deny-all one)`);
  // The promoted writer's backup retention: set once, never sent again by a restart that finds it set.
  const retention = (await dbs.instance(WEST, s.replica)).BackupRetentionPeriod;
  if (retention !== BACKUP_DAYS) bad.push(`the promoted writer has backup retention ${retention} (want ${BACKUP_DAYS})`);
  const modifies = proxy.calls.filter((c) => c.service === 'rds' && c.operation === 'ModifyDBInstance' && c.region === WEST && (c.status ?? 0) < 400).length;
  if (modifies !== 1) bad.push(`ModifyDBInstance of the promoted writer reached AWS ${modifies} times (want once)`);
  return bad;
}

/** One policy's life in phases; the clean run and every round drive the same functions. */
interface State {
  s?: DbSetup;
  o?: Obj;
}
interface Phase {
  name: 'converge' | 'drill' | 'failover' | 'delete';
  /** Every mutating call is its own crash point (else: the first of each operation). */
  everyCall: boolean;
  act(st: State): Promise<unknown>;
  /** After the kill and restart: the parts that are not the controller's. */
  afterKill?(st: State, point: string): Promise<string[]>;
  /** Waits for the phase to end; returns broken promises of the phase. */
  settle(st: State): Promise<string[]>;
}
const SPEC_FAILOVER = { mode: 'Automatic', unhealthyForSeconds: 10 };
const SPEC_EXTRA = { alarms: { replicaLagSeconds: 60 } };
/** A retention other than the replica's (7, copied from the seeded writer): the promoted writer gets a ModifyDBInstance of its own. */
const BACKUP_DAYS = 14;
const SPEC_DB = { database: { backupRetentionDays: BACKUP_DAYS } };
const PHASES: Phase[] = [
  {
    name: 'converge',
    everyCall: false,
    act: async (st) => {
      st.s = await dbs.setup(SPEC_FAILOVER, SPEC_EXTRA, SPEC_DB);
    },
    settle: async (st) => {
      st.o = await converged(st.s!);
      await sleep(1500);
      return [];
    },
  },
  {
    name: 'drill',
    everyCall: true,
    act: (st) =>
      kube.mergePatch(
        { kind: 'FailoverPolicy', namespace: NS, name: st.s!.name },
        { metadata: { annotations: { 'multiregion.dev/drill-now': 'crash-matrix' } } },
      ),
    settle: async (st) => {
      const o = await kube.waitFor('FailoverPolicy', NS, st.s!.name, 'drill done', (x) => x.status?.lastDrill?.trigger === 'crash-matrix', 90_000);
      await sleep(1500);
      return o.status.lastDrill.result === 'Succeeded' ? [] : [`drill ${o.status.lastDrill.result}: ${o.status.lastDrill.message}`];
    },
  },
  {
    name: 'failover',
    everyCall: true,
    act: (st) => aws.putHealth(st.o!.status.healthCheckIds.primary, 0),
    afterKill: (st, point) => playAws(st.s!, point),
    settle: async (st) => {
      const done = await failedOver(st.s!);
      await sleep(3000);
      return auditFailover(st.s!, done);
    },
  },
  {
    name: 'delete',
    everyCall: false,
    act: (st) => kube.delete('FailoverPolicy', NS, st.s!.name),
    settle: async (st) => {
      await kube.waitGone('FailoverPolicy', NS, st.s!.name, 60_000);
      await sleep(1500);
      return proxy.count('rds', 'DeleteDBInstance') > 0 ? ['a database was deleted with the policy'] : [];
    },
  },
];

describe('FailoverPolicy database crash matrix', () => {
  const points: Record<string, string[]> = {};
  const clean: Record<string, string[]> = {};
  const results: CrashResult[] = [];

  test('a clean run lists the mutating calls of converge, a drill, a failover and delete', async () => {
    await fresh();
    await kit.current();
    const st: State = {};
    for (const ph of PHASES) {
      const split = proxy.calls.length;
      await ph.act(st);
      assert.deepEqual(await ph.settle(st), [], `clean ${ph.name}`);
      clean[ph.name] = await inventory(st.s!);
      const calls = proxy.calls.slice(split);
      points[ph.name] = ph.everyCall ? mutatingSteps(calls) : mutatingPoints(calls);
    }
    console.log(`# database crash points: ${PHASES.map((ph) => `${ph.name} ${points[ph.name]!.join(' ')}`).join(' | ')}`);
    const has = (phase: string, ops: string[]) => {
      for (const op of ops) assert.ok(points[phase]!.includes(op), `${phase} calls ${op}: ${points[phase]!.join(',')}`);
    };
    has('converge', ['rds:CreateDBInstanceReadReplica', 'monitoring:PutMetricAlarm']);
    has('drill', ['route53:ChangeResourceRecordSets']);
    has('failover', [
      'ec2:CreateSecurityGroup',
      'rds:ModifyDBInstance',
      'rds:RebootDBInstance',
      'rds:AddTagsToResource',
      'rds:PromoteReadReplica',
      'rds:CreateDBInstanceReadReplica',
    ]);
    assert.ok(points.failover!.filter((p) => p.startsWith('rds:AddTagsToResource')).length >= 3, 'the fence and both promotion marks');
    assert.ok(
      proxy.calls.some((c) => c.operation === 'ModifyDBInstance' && c.region === WEST),
      'the promoted writer gets its backup retention: that modify is a crash point of its own',
    );
    assert.deepEqual(
      points.drill!.filter((p) => !p.startsWith('route53:')),
      [],
      'a drill writes Route 53 only',
    );
    assert.deepEqual(clean.drill, clean.converge, 'a drill leaves AWS as it found it');
    const dbsOf = (inv: string[]) => inv.filter((x) => x.startsWith('db '));
    assert.deepEqual(dbsOf(clean.delete!), dbsOf(clean.failover!), 'deleting the policy keeps every database');
  });

  test('killed right after each mutating call: every phase ends as in the clean run, one promotion, no database deleted', async (t) => {
    const todo = PHASES.map((ph) => points[ph.name]!.filter(only));
    for (let i = 0; i < Math.max(...todo.map((x) => x.length)); i++) {
      await t.test(todo.map((x) => x[i] ?? '-').join(' / '), async () => {
        await fresh();
        await kit.current();
        const st: State = {};
        const bad: string[] = [];
        for (const [k, ph] of PHASES.entries()) {
          const point = todo[k]![i];
          const r: CrashResult = { point: point ?? '', phase: ph.name, duplicates: [], leaks: [] };
          if (point) kit.arm(point);
          await ph.act(st);
          if (point) {
            await kit.afterKill(point, 90_000);
            r.duplicates.push(...((await ph.afterKill?.(st, point)) ?? []));
          }
          const broken = [...(await ph.settle(st)), ...compare(await inventory(st.s!), clean[ph.name]!)];
          if (ph.name === 'delete') r.leaks.push(...broken);
          else r.duplicates.push(...broken);
          if (point) results.push(r);
          bad.push(...[...r.duplicates, ...r.leaks].map((x) => `${ph.name}${point ? ` after ${point}` : ''}: ${x}`));
        }
        assert.deepEqual(bad, []);
      });
    }
  });

  test('killed right after retiring the ex-writer (DeleteDBInstance with a final snapshot): deleted once, snapshot kept', async () => {
    // The retire path needs an ex-writer this policy created: fail over to us-west-2 (our replica
    // becomes the writer), then back to us-east-1 onto the re-seeded replica. Once a new replica
    // stands in us-west-2, the fenced ex-writer there is deleted through a final snapshot.
    await fresh();
    await kit.current();
    kit.arm('rds:DeleteDBInstance');
    const s = await dbs.setup(SPEC_FAILOVER, SPEC_EXTRA, SPEC_DB);
    const o = await converged(s);
    await dbs.moveToRegionDefaultGroup(WEST, s.replica);
    await aws.putHealth(o.status.healthCheckIds.primary, 0);
    const first = await failedOver(s);
    const eastReplica = first.status.database.replica.identifier as string;
    await aws.putLag(EAST, eastReplica, 1);
    await aws.putHealth(o.status.healthCheckIds.primary, 1);
    // Healthy again once a minute of probes is at least 80% healthy: up to a minute and a bit.
    await kube.waitCondition('FailoverPolicy', NS, s.name, 'FailoverReady', 'True', 'StandbyReady', 120_000);
    await aws.putHealth(o.status.healthCheckIds.secondary, 0);
    await kit.afterKill('rds:DeleteDBInstance', 180_000);
    const r: CrashResult = { point: 'rds:DeleteDBInstance', phase: 'retire', duplicates: [], leaks: [] };
    results.push(r);
    const back = await kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      'back in us-east-1 with a replica in us-west-2',
      (x) => x.status?.lastFailover?.to === EAST && !!x.status?.lastFailover?.completedAt && x.status?.database?.replica?.region === WEST,
      90_000,
    );
    await sleep(5000);
    const deletes = proxy.calls.filter((c) => c.operation === 'DeleteDBInstance');
    if (deletes.length !== 1) r.duplicates.push(`DeleteDBInstance sent ${deletes.length} times`);
    const inv = await inventory(s);
    if (inv.includes(`db ${WEST} <n>-db-replica`)) r.leaks.push('the ex-writer was not retired');
    const snaps = inv.filter((x) => x.startsWith(`snapshot ${WEST} <n>-db-replica-final-`));
    if (snaps.length !== 1) r.leaks.push(`final snapshots of the ex-writer: ${snaps.length}`);
    for (const kept of [`db ${EAST} <n>-db`, `db ${EAST} <n>-db-<t>`, `db ${WEST} <n>-db-replica-<t>`])
      if (!inv.includes(kept)) r.leaks.push(`${kept} is gone`);
    assert.equal(back.status.database.writer.identifier, eastReplica);
    assert.deepEqual([...r.duplicates, ...r.leaks], [], inv.join('\n'));
    // Deleting the policy now still deletes no database.
    await kube.delete('FailoverPolicy', NS, s.name);
    await kube.waitGone('FailoverPolicy', NS, s.name, 60_000);
    assert.equal(proxy.count('rds', 'DeleteDBInstance'), 1, 'no database deleted with the policy');
    assert.deepEqual(
      (await inventory(s)).filter((x) => x.startsWith('db ')),
      inv.filter((x) => x.startsWith('db ')),
    );
  });

  after(() =>
    recordCrashMatrix(
      'crash-matrix-database',
      results,
      `FailoverPolicy database: ${PHASES.map((ph) => `${ph.name} ${points[ph.name]?.join(' ') || 'none'}`).join('; ')}; ` +
        `failed: ${failedPoints(results, (r) => `${r.phase} ${r.point}`)}`,
    ),
  );
});
