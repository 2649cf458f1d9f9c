// Replica placement (spec.database.placement) on every create, the encrypted-writer key check that
// holds a create AWS would refuse, the promoted writer's settings step, and status.database.instances.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatabasePlacement } from '../../src/api/types.ts';
import { hasWriterSettings } from '../../src/aws/rds/instances.ts';
import { instancesStatus, placementError } from '../../src/controllers/failover-policy/database-report.ts';
import { decide, type MachineSpec, type MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import { missingReplicaKey, missingReseedKey, replicaSettings } from '../../src/controllers/failover-policy/placement.ts';
import { A, B, baseSpec, runLoop, T0, World } from './failover-world.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

function withPlacement(placement: DatabasePlacement[], over: Partial<MachineSpec['database']> = {}): MachineSpec {
  const spec = baseSpec({ activeRegion: B });
  return { ...spec, database: { ...spec.database, placement, ...over } };
}

const WEST: DatabasePlacement = {
  region: B,
  dbSubnetGroupName: 'app-db',
  vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
  kmsKeyId: 'arn:aws:kms:us-west-2:1:key/w',
  multiAZ: true,
  instanceClass: 'db.r6g.xlarge',
  storageType: 'gp3',
  parameterGroupName: 'pg',
  optionGroupName: 'og',
};
const EAST: DatabasePlacement = { region: A, dbSubnetGroupName: 'app-db-east', kmsKeyId: 'arn:aws:kms:us-east-1:1:key/e', multiAZ: false };

const steady = (): MachineStatus => ({
  activeRegion: A,
  phase: 'Healthy',
  database: { writer: { region: A, identifier: 'orders-db' }, replica: { region: B, identifier: 'orders-db-replica' } },
});

describe('replica placement', () => {
  it('placement of the region wins over replica.instanceClass/kmsKeyId; those still apply in the replica region without placement', () => {
    const spec = withPlacement([WEST, EAST]);
    assert.deepEqual(replicaSettings(spec, B), {
      instanceClass: 'db.r6g.xlarge',
      kmsKeyId: 'arn:aws:kms:us-west-2:1:key/w',
      dbSubnetGroupName: 'app-db',
      vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
      multiAZ: true,
      storageType: 'gp3',
      parameterGroupName: 'pg',
      optionGroupName: 'og',
    });
    assert.deepEqual(replicaSettings(spec, A), { kmsKeyId: 'arn:aws:kms:us-east-1:1:key/e', dbSubnetGroupName: 'app-db-east', multiAZ: false });
    // No placement: the older fields, in the replica's region only (KMS keys are regional).
    assert.deepEqual(replicaSettings(baseSpec(), B), { instanceClass: 'db.r6g.large', kmsKeyId: 'key-west' });
    assert.deepEqual(replicaSettings(baseSpec(), A), {});
  });

  it('the first replica is created with the placement of its region', () => {
    const world = new World();
    world.instances.delete(`${B}/orders-db-replica`);
    const spec = withPlacement([WEST]);
    const d = decide({ spec, status: steady(), obs: world.observe(spec, steady()) });
    const create = d.actions.find((a) => a.type === 'createReplica');
    assert.ok(create, JSON.stringify(d.actions));
    assert.equal(create.type === 'createReplica' && create.dbSubnetGroupName, 'app-db');
    assert.deepEqual(create.type === 'createReplica' && create.vpcSecurityGroupIds, ['sg-0123456789abcdef0']);
    assert.equal(create.type === 'createReplica' && create.multiAZ, true);
    assert.equal(create.type === 'createReplica' && create.kmsKeyId, 'arn:aws:kms:us-west-2:1:key/w');
  });

  it('the re-seed after a failover is created in the old writer region with that region placement', () => {
    const world = new World();
    world.get(A, 'orders-db')!.encrypted = true;
    world.get(B, 'orders-db-replica')!.encrypted = true;
    const spec = withPlacement([WEST, EAST]);
    const res = runLoop(world, spec, {}, { until: (s) => world.count('createReplica') > 0 && !!s.lastFailover });
    const reseed = world.executed.find((a) => a.type === 'createReplica' && a.region === A);
    assert.ok(reseed, JSON.stringify(world.executed.map((a) => a.type)));
    assert.equal(reseed.type === 'createReplica' && reseed.kmsKeyId, 'arn:aws:kms:us-east-1:1:key/e');
    assert.equal(reseed.type === 'createReplica' && reseed.dbSubnetGroupName, 'app-db-east');
    assert.equal(res.status.lastFailover?.to, B);
  });
});

describe('encrypted writer without a key for the target region', () => {
  it('no create is sent, and the problem names placement[region=…].kmsKeyId', () => {
    const world = new World();
    world.instances.delete(`${B}/orders-db-replica`);
    world.get(A, 'orders-db')!.encrypted = true;
    const spec = withPlacement([{ region: B, dbSubnetGroupName: 'app-db' }], { replica: { region: B, instanceIdentifier: 'orders-db-replica' } });
    const obs = world.observe(spec, steady());
    const d = decide({ spec, status: steady(), obs });
    assert.deepEqual(
      d.actions.map((a) => a.type),
      [],
    );
    assert.equal(d.failoverReady.reason, 'ReplicaMissing');
    assert.match(d.failoverReady.message, /waits for spec\.database\.placement\[region=us-west-2\]\.kmsKeyId/);
    const err = placementError(spec, d.status, obs);
    assert.equal(err?.reason, 'ReplicaKmsKeyMissing');
    assert.equal(err?.field, `spec.database.placement[region=${B}].kmsKeyId`);
    assert.match(err?.message ?? '', /orders-db .* is encrypted/);
  });

  it('an unencrypted writer needs no key; a key from the older replica.kmsKeyId counts', () => {
    const writer = { region: A, identifier: 'w', reachable: true, exists: true, encrypted: false };
    assert.equal(missingReplicaKey(withPlacement([]), B, writer), undefined);
    assert.equal(missingReplicaKey(baseSpec(), B, { ...writer, encrypted: true }), undefined);
  });

  it('said one failover ahead: no key for the writer region, where the re-seed goes after a failover', () => {
    const writer = { region: A, identifier: 'orders-db', reachable: true, exists: true, encrypted: true };
    const p = missingReseedKey(withPlacement([WEST]), writer, B);
    assert.equal(p?.field, `spec.database.placement[region=${A}].kmsKeyId`);
    assert.match(p?.message ?? '', /failover itself still goes ahead/);
    assert.equal(missingReseedKey(withPlacement([WEST, EAST]), writer, B), undefined);
  });

  it('a failover is never held for it: the promotion goes through, and the re-seed only waits', () => {
    const world = new World();
    world.get(A, 'orders-db')!.encrypted = true;
    world.get(B, 'orders-db-replica')!.encrypted = true;
    const spec = withPlacement([WEST]);
    const res = runLoop(world, spec, {}, { maxIterations: 60 });
    assert.equal(res.status.lastFailover?.to, B, 'the failover completed');
    assert.equal(world.count('promote'), 1);
    assert.equal(world.executed.filter((a) => a.type === 'createReplica' && a.region === A).length, 0, 'no re-seed create without a key of us-east-1');
    assert.equal(placementError(spec, res.status, world.observe(spec, res.status))?.field, `spec.database.placement[region=${A}].kmsKeyId`);
  });
});

describe('the promoted writer settings', () => {
  const promotedAt = (step: 'DnsSwitched' | 'WriterConfigRequested'): MachineStatus => ({
    activeRegion: A,
    phase: 'FailingOver',
    database: { writer: { region: B, identifier: 'orders-db-replica' } },
    inProgress: {
      startedAt: iso(T0 - 120_000),
      from: A,
      to: B,
      reason: 'ManualSwitch',
      step,
      stepAt: iso(T0 - 30_000),
      fromIdentifier: 'orders-db',
      toIdentifier: 'orders-db-replica',
    },
  });
  const promotedWorld = (retention: number, multiAZ = false): World => {
    const w = new World();
    Object.assign(w.get(B, 'orders-db-replica')!, { role: 'writer', backupRetentionDays: retention, multiAZ });
    w.get(A, 'orders-db')!.fenced = true;
    w.secret = { region: B, host: 'orders-db-replica.us-west-2.rds' };
    w.dnsActive = B;
    return w;
  };

  it('DnsSwitched with backups off: WriterConfigRequested is recorded first, then the modify (retention, Multi-AZ from placement)', () => {
    const spec = withPlacement([WEST], { backupRetentionDays: 14 });
    const world = promotedWorld(0);
    const d = decide({ spec, status: promotedAt('DnsSwitched'), obs: world.observe(spec, promotedAt('DnsSwitched')) });
    assert.deepEqual(d.actions, [
      { type: 'recordStep', step: 'WriterConfigRequested' },
      { type: 'configureWriter', region: B, identifier: 'orders-db-replica', backupRetentionDays: 14, multiAZ: true },
    ]);
    assert.equal(d.status.inProgress?.step, 'WriterConfigRequested');
  });

  it('DnsSwitched with the settings already in place completes without a step or a call', () => {
    const spec = withPlacement([WEST]);
    const world = promotedWorld(7, true);
    const d = decide({ spec, status: promotedAt('DnsSwitched'), obs: world.observe(spec, promotedAt('DnsSwitched')) });
    assert.deepEqual(
      d.actions.map((a) => a.type),
      ['recordStep'],
    );
    assert.equal(d.status.inProgress, undefined);
    assert.equal(d.status.lastFailover?.step, 'Completed');
  });

  it('WriterConfigRequested after a restart: AWS shows the change (applied or pending) → completes, no second modify', () => {
    const spec = withPlacement([WEST]);
    const world = promotedWorld(7, true);
    const d = decide({ spec, status: promotedAt('WriterConfigRequested'), obs: world.observe(spec, promotedAt('WriterConfigRequested')) });
    assert.ok(!d.actions.some((a) => a.type === 'configureWriter'));
    assert.equal(d.status.lastFailover?.step, 'Completed');
    // Pending counts as done: AWS accepted it.
    const obs = world.observe(spec, promotedAt('WriterConfigRequested'));
    Object.assign(obs.writer!, { backupRetentionDays: 0, multiAZ: false, pending: { backupRetentionDays: 7, multiAZ: true } });
    assert.ok(!decide({ spec, status: promotedAt('WriterConfigRequested'), obs }).actions.some((a) => a.type === 'configureWriter'));
  });

  it('WriterConfigRequested and AWS shows nothing of it (the call never reached AWS): sent again, no new step', () => {
    const spec = withPlacement([WEST]);
    const world = promotedWorld(0);
    const d = decide({ spec, status: promotedAt('WriterConfigRequested'), obs: world.observe(spec, promotedAt('WriterConfigRequested')) });
    assert.deepEqual(
      d.actions.map((a) => a.type),
      ['configureWriter'],
    );
    assert.equal(d.status.inProgress?.step, 'WriterConfigRequested');
  });

  it('a whole failover with backups off on the replica: exactly one modify, then Completed', () => {
    const world = new World();
    world.get(B, 'orders-db-replica')!.backupRetentionDays = 0;
    const res = runLoop(world, baseSpec({ activeRegion: B }), {}, { until: (s) => s.lastFailover?.to === B && !s.inProgress });
    assert.equal(world.count('configureWriter'), 1);
    assert.equal(world.get(B, 'orders-db-replica')?.backupRetentionDays, 7);
    assert.deepEqual(res.status.lastFailover?.steps?.map((m) => m.step).slice(-3), ['DnsSwitched', 'WriterConfigRequested', 'Completed']);
  });

  it('a crash right after the modify, then a resume: no second modify', () => {
    const spec = baseSpec({ activeRegion: B });
    const fresh = (): World => {
      const w = new World();
      w.get(B, 'orders-db-replica')!.backupRetentionDays = 0;
      return w;
    };
    const probe = fresh();
    runLoop(probe, spec, {}, { until: (s) => s.lastFailover?.to === B && !s.inProgress });
    const n = probe.executed.findIndex((a) => a.type === 'configureWriter');
    assert.ok(n >= 0);
    const world = fresh();
    const crashed = runLoop(world, spec, {}, { crashAt: { n, after: true } });
    assert.ok(crashed.crashed);
    assert.equal(crashed.status.inProgress?.step, 'WriterConfigRequested');
    const resumed = runLoop(world, spec, crashed.status, { until: (s) => s.lastFailover?.to === B && !s.inProgress });
    assert.equal(resumed.status.lastFailover?.step, 'Completed');
    assert.equal(world.count('configureWriter'), 1);
  });

  it('hasWriterSettings reads applied and pending values', () => {
    assert.ok(hasWriterSettings({ BackupRetentionPeriod: 7, MultiAZ: true }, { backupRetentionDays: 7, multiAZ: true }));
    assert.ok(hasWriterSettings({ BackupRetentionPeriod: 0, PendingModifiedValues: { BackupRetentionPeriod: 7 } }, { backupRetentionDays: 7 }));
    assert.ok(!hasWriterSettings({ BackupRetentionPeriod: 7, MultiAZ: false }, { backupRetentionDays: 7, multiAZ: true }));
  });
});

describe('status.database.instances', () => {
  it('the writer and the standby as read this pass; an unreachable one keeps the last reading', () => {
    const world = new World();
    world.get(A, 'orders-db')!.encrypted = true;
    const spec = baseSpec();
    const obs = world.observe(spec, steady());
    const got = instancesStatus(steady(), obs);
    assert.deepEqual(got, [
      { region: A, identifier: 'orders-db', role: 'writer', status: 'available', encrypted: true, multiAZ: false, backupRetentionDays: 7 },
      { region: B, identifier: 'orders-db-replica', role: 'replica', status: 'available', multiAZ: false, backupRetentionDays: 7 },
    ]);
    world.reachable[B] = false;
    const later = instancesStatus(steady(), world.observe(spec, steady()), got);
    assert.deepEqual(later, got);
  });
});
