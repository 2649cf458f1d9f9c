// The failover state machine driving real RDS/EC2/CloudWatch calls on moto: a planned
// switchover from us-east-1 to us-west-2 creates the replica, fences the old writer, waits for
// lag 0 measured after the fence, promotes once, and re-seeds a replica in the old region.
// The connection Secret and DNS are stand-ins here (their modules have their own tests).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand, type DBInstance, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { readOneReplicaLag } from '../../src/aws/cloudwatch/replica-lag.ts';
import { FENCE_TAGS, fence, unfence } from '../../src/aws/rds/fence.ts';
import { applyWriterSettings, createCrossRegionReplica, deleteWithFinalSnapshot, isStandaloneWriter, promote } from '../../src/aws/rds/instances.ts';
import { observeInstance } from '../../src/aws/rds/observe.ts';
import { tagsToMap } from '../../src/aws/tags.ts';
import type { Owner } from '../../src/aws/types.ts';
import {
  decide,
  type FailoverAction,
  type MachineSpec,
  type MachineStatus,
  type Observations,
  refsToObserve,
} from '../../src/controllers/failover-policy/failover-machine.ts';
import { type Moto, startMoto } from '../env/moto.ts';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const owner: Owner = { clusterId: 'test-cluster', kind: 'FailoverPolicy', namespace: 'apps', name: 'orders', uid: 'uid-1' };
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const spec: MachineSpec = {
  database: {
    engine: 'postgres',
    primary: { region: EAST, instanceIdentifier: 'orders-db' },
    replica: { region: WEST, instanceIdentifier: 'orders-db-replica', instanceClass: 'db.r6g.large' },
    maxReplicaLagSeconds: 60,
    connectionSecret: { name: 'orders-db' },
  },
  failover: {
    mode: 'Manual',
    activeRegion: WEST,
    unhealthyForSeconds: 60,
    failback: 'Manual',
    promoteWhenFenceUnconfirmed: false,
    failbackMaxAttemptsPerDay: 3,
  },
  deletionPolicy: 'Delete',
};

let moto: Moto;
const rds: Record<string, RDSClient> = {};
const ec2: Record<string, EC2Client> = {};
const cw: Record<string, CloudWatchClient> = {};
let promoteCalls = 0;

before(async () => {
  moto = await startMoto();
  for (const region of [EAST, WEST]) {
    const cfg = { region, endpoint: moto.endpoint, maxAttempts: 1, credentials };
    rds[region] = new RDSClient(cfg);
    ec2[region] = new EC2Client(cfg);
    cw[region] = new CloudWatchClient(cfg);
    rds[region].middlewareStack.add(
      (next, ctx) => async (args) => {
        if (ctx.commandName === 'PromoteReadReplicaCommand') promoteCalls++;
        return next(args);
      },
      { step: 'initialize', name: 'countPromotes' },
    );
  }
});

after(async () => {
  for (const c of [...Object.values(rds), ...Object.values(ec2), ...Object.values(cw)]) c.destroy();
  await moto?.stop();
});

// Cleanup is a reset: moto answers deleting a cross-region replica with HTTP 500.
beforeEach(async () => {
  await moto.reset();
  promoteCalls = 0;
});

const client = <T>(m: Record<string, T>, region: string): T => {
  const c = m[region];
  assert.ok(c, region);
  return c;
};

/** Everything outside RDS/EC2/CloudWatch: the Secret, DNS, health, and a clock the test moves. */
interface Stage {
  now: number;
  secret?: { region: string; host: string };
  dnsActive: string;
}

async function execute(a: FailoverAction, stage: Stage): Promise<void> {
  switch (a.type) {
    case 'createReplica':
      await createCrossRegionReplica(client(rds, a.region), { ...a, owner });
      return;
    case 'fence':
      await fence(client(rds, a.region), client(ec2, a.region), a.identifier, owner, { now: new Date(stage.now) });
      return;
    case 'unfence':
      await unfence(client(rds, a.region), a.identifier);
      return;
    case 'promote':
      await promote(client(rds, a.region), a.identifier, new Date(stage.now));
      return;
    case 'retireInstance':
      await deleteWithFinalSnapshot(client(rds, a.region), a.identifier, a.finalSnapshotIdentifier, owner);
      return;
    case 'configureWriter':
      await applyWriterSettings(client(rds, a.region), a.identifier, {
        backupRetentionDays: a.backupRetentionDays,
        ...(a.multiAZ !== undefined && { multiAZ: a.multiAZ }),
      });
      return;
    case 'writeSecret':
      stage.secret = { region: a.data.region, host: a.data.host };
      return;
    case 'switchDns':
      stage.dnsActive = a.activeRegion;
      return;
    case 'recordStep':
      return;
  }
}

const minute = (ms: number): Date => new Date(Math.floor(ms / 60_000) * 60_000);

async function observe(status: MachineStatus, stage: Stage): Promise<Observations> {
  const refs = refsToObserve(spec, status);
  const writer = await observeInstance(client(rds, refs.writer.region), refs.writer, owner);
  const standby = refs.standby && (await observeInstance(client(rds, refs.standby.region), refs.standby, owner));
  const exWriter = refs.exWriter && (await observeInstance(client(rds, refs.exWriter.region), refs.exWriter, owner));
  if (standby?.role === 'replica') {
    // What RDS would publish: lag drops to 0 once the source takes no more writes.
    const value = writer.fenced ? 0 : 5;
    await client(cw, standby.region).send(
      new PutMetricDataCommand({
        Namespace: 'AWS/RDS',
        MetricData: [
          { MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: standby.identifier }], Timestamp: minute(stage.now), Value: value },
        ],
      }),
    );
  }
  const lag = standby && (await readOneReplicaLag(client(cw, standby.region), standby.identifier, { now: new Date(stage.now) }));
  const iso = new Date(stage.now).toISOString();
  return {
    now: iso,
    health: { [EAST]: { state: 'Healthy', since: iso }, [WEST]: { state: 'Healthy', since: iso } },
    writer,
    ...(standby && { standby }),
    ...(exWriter && { exWriter }),
    ...(lag && { lag: { seconds: lag.seconds, at: lag.at.toISOString() } }),
    dns: { recordsInPlace: true, healthChecksInPlace: true, activeRegion: stage.dnsActive },
    ...(stage.secret && { secret: stage.secret }),
  };
}

/** The reconcile loop, with an optional crash right before the PromoteReadReplica call. */
async function run(status: MachineStatus, stage: Stage, opts: { until: (s: MachineStatus) => boolean; crashBeforePromote?: boolean }): Promise<MachineStatus> {
  let persisted = status;
  for (let i = 0; i < 80; i++) {
    if (opts.until(persisted)) return persisted;
    const d = decide({ spec, status: persisted, obs: await observe(persisted, stage) });
    if (d.actions[0]?.type === 'recordStep') persisted = d.status;
    for (const a of d.actions) {
      if (a.type === 'promote' && opts.crashBeforePromote) return persisted;
      await execute(a, stage);
    }
    persisted = d.status;
    stage.now += Math.max(d.requeueAfterMs ?? 30_000, 5_000);
  }
  throw new Error(`did not converge: ${JSON.stringify(persisted)}`);
}

async function readBack(region: string, id: string): Promise<DBInstance> {
  const i = (await client(rds, region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  assert.ok(i, `${id} in ${region}`);
  return i;
}

async function createPrimary(): Promise<void> {
  await client(rds, EAST).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'orders-db',
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'password123',
    }),
  );
}

const completed = (s: MachineStatus): boolean => s.lastFailover?.to === WEST && !s.inProgress;

describe('planned switchover on moto', () => {
  for (const crash of [false, true]) {
    it(
      crash
        ? 'a crash between the PromoteRequested write and the call still promotes exactly once'
        : 'creates the replica, fences, waits for lag 0, promotes once, re-seeds',
      async () => {
        await createPrimary();
        const stage: Stage = { now: Math.ceil(Date.now() / 60_000) * 60_000 + 5_000, dnsActive: EAST };
        let s: MachineStatus = {};
        if (crash) {
          s = await run(s, stage, { until: completed, crashBeforePromote: true });
          assert.equal(s.inProgress?.step, 'PromoteRequested', 'the step was written before the crash');
          assert.equal(promoteCalls, 0);
        }
        s = await run(s, stage, { until: completed });
        assert.equal(promoteCalls, 1, 'one PromoteReadReplica reached AWS');
        assert.equal(s.lastFailover?.reason, 'PlannedSwitchover');
        assert.equal(s.lastFailover?.rpoSeconds, 0);
        assert.match(s.lastFailover?.fencing ?? '', /^Confirmed/);
        assert.deepEqual(s.database?.writer, { region: WEST, identifier: 'orders-db-replica' });

        const oldWriter = await readBack(EAST, 'orders-db');
        const denyGroup = tagsToMap(oldWriter.TagList)[FENCE_TAGS.group];
        assert.deepEqual(
          oldWriter.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId),
          [denyGroup],
        );
        const newWriter = await readBack(WEST, 'orders-db-replica');
        assert.equal(newWriter.DBInstanceClass, 'db.r6g.large');
        assert.equal(isStandaloneWriter(newWriter), true);
        assert.deepEqual(stage.secret, { region: WEST, host: newWriter.Endpoint?.Address });
        assert.equal(stage.dnsActive, WEST);

        // Re-seed: done once a lag reading of the new replica in the old region is recorded.
        s = await run(s, stage, { until: (x) => x.database?.replica?.region === EAST && x.database.replica.lagSeconds !== undefined });
        const reseed = await readBack(EAST, s.database!.replica!.identifier);
        assert.equal(reseed.ReadReplicaSourceDBInstanceIdentifier, newWriter.DBInstanceArn);
        assert.match(reseed.DBInstanceIdentifier ?? '', /^orders-db-\d{8}t\d{6}$/);
        assert.equal(tagsToMap(oldWriter.TagList)[FENCE_TAGS.from] !== undefined, true, 'the adopted ex-primary stays fenced, never deleted');
      },
    );
  }
});
