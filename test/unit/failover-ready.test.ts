// FailoverReady: one failing cause per row, each with its own reason; and the deterministic
// names the machine records before it creates or deletes anything.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type MachineStatus } from '../../src/controllers/failover-policy/failover-machine.ts';
import {
  compactTime,
  failoverReadiness,
  finalSnapshotIdentifier,
  plannedChangeOf,
  reseedIdentifier,
  toPlannedChanges,
} from '../../src/controllers/failover-policy/failover-ready.ts';
import { A, arnOf, B, baseSpec, T0, World } from './failover-world.ts';

const steady = (): MachineStatus => ({
  activeRegion: A,
  database: { writer: { region: A, identifier: 'orders-db' }, replica: { region: B, identifier: 'orders-db-replica' } },
});

interface Row {
  name: string;
  world?: (w: World) => void;
  status?: MachineStatus;
  want: { status: 'True' | 'False' | 'Unknown'; reason: string };
}

const rows: Row[] = [
  { name: 'everything in place', want: { status: 'True', reason: 'StandbyReady' } },
  { name: 'no replica instance', world: (w) => w.instances.delete(`${B}/orders-db-replica`), want: { status: 'False', reason: 'ReplicaMissing' } },
  {
    name: 'no replica recorded (after a failover, before the re-seed)',
    status: { activeRegion: B, database: { writer: { region: B, identifier: 'x' } } },
    world: (w) => w.add({ region: B, identifier: 'x', role: 'writer', status: 'available', owned: true, fenced: false }),
    want: { status: 'False', reason: 'ReplicaMissing' },
  },
  { name: 'replica region does not answer', world: (w) => (w.reachable[B] = false), want: { status: 'Unknown', reason: 'StandbyRegionUnreachable' } },
  {
    name: 'replica still being created',
    world: (w) => Object.assign(w.get(B, 'orders-db-replica')!, { role: 'other', status: 'creating' }),
    want: { status: 'False', reason: 'ReplicaNotAvailable' },
  },
  {
    name: 'replica promoted behind our back',
    world: (w) => (w.get(B, 'orders-db-replica')!.role = 'writer'),
    want: { status: 'False', reason: 'StandbyIsWriter' },
  },
  {
    name: 'replica of another source',
    world: (w) => (w.get(B, 'orders-db-replica')!.sourceArn = arnOf(A, 'billing-db')),
    want: { status: 'False', reason: 'ReplicaSourceMismatch' },
  },
  { name: 'no lag datapoint', world: (w) => (w.lagSeconds = undefined), want: { status: 'False', reason: 'ReplicaLagUnknown' } },
  { name: 'lag above maxReplicaLagSeconds', world: (w) => (w.lagSeconds = 61), want: { status: 'False', reason: 'ReplicaLagTooHigh' } },
  { name: 'lag exactly at the max is fine', world: (w) => (w.lagSeconds = 60), want: { status: 'True', reason: 'StandbyReady' } },
  { name: 'standby region health check Unhealthy', world: (w) => w.setHealth(B, 'Unhealthy'), want: { status: 'False', reason: 'StandbyUnhealthy' } },
  { name: 'standby region health Unknown', world: (w) => (w.health[B] = { state: 'Unknown' }), want: { status: 'False', reason: 'StandbyUnhealthy' } },
  {
    name: 'a failover is running',
    status: { ...steady(), inProgress: { startedAt: '2025-03-01T09:59:00Z', from: A, to: B, reason: 'ManualSwitch', step: 'Fenced' } },
    want: { status: 'False', reason: 'FailoverInProgress' },
  },
];

describe('FailoverReady', () => {
  for (const r of rows) {
    it(r.name, () => {
      const world = new World();
      r.world?.(world);
      const status = r.status ?? steady();
      const cond = failoverReadiness(baseSpec(), status, world.observe(baseSpec(), status));
      assert.deepEqual({ status: cond.status, reason: cond.reason }, r.want);
      assert.equal(cond.type, 'FailoverReady');
      assert.ok(cond.message.length > 0);
    });
  }

  it('records and health checks missing have their own reasons', () => {
    const world = new World();
    const obs = world.observe(baseSpec(), steady());
    assert.equal(failoverReadiness(baseSpec(), steady(), { ...obs, dns: { recordsInPlace: false, healthChecksInPlace: true } }).reason, 'RecordsMissing');
    assert.equal(failoverReadiness(baseSpec(), steady(), { ...obs, dns: { recordsInPlace: true, healthChecksInPlace: false } }).reason, 'HealthChecksMissing');
    const pending = failoverReadiness(baseSpec(), steady(), {
      ...obs,
      dns: { recordsInPlace: false, healthChecksInPlace: false, pendingChange: '/change/C1' },
    });
    assert.equal(pending.reason, 'RecordsPending', 'written but not INSYNC: not ready, and it says why');
    assert.match(pending.message, /\/change\/C1 is not INSYNC/);
  });

  it('a stale lag datapoint (older than 5 min) is unknown lag', () => {
    const world = new World();
    const obs = world.observe(baseSpec(), steady());
    const stale = { ...obs, lag: { seconds: 0, at: new Date(T0 - 6 * 60_000).toISOString() } };
    assert.equal(failoverReadiness(baseSpec(), steady(), stale).reason, 'ReplicaLagUnknown');
  });

  it('the message lists every cause, the reason is the first', () => {
    const world = new World();
    world.lagSeconds = 99;
    world.setHealth(B, 'Unhealthy');
    const cond = failoverReadiness(baseSpec(), steady(), world.observe(baseSpec(), steady()));
    assert.equal(cond.reason, 'ReplicaLagTooHigh');
    assert.match(cond.message, /99s exceeds/);
    assert.match(cond.message, /health of us-west-2 is Unhealthy/);
  });

  it('decide() reports the same condition', () => {
    const world = new World();
    world.lagSeconds = 99;
    assert.equal(decide({ spec: baseSpec(), status: steady(), obs: world.observe(baseSpec(), steady()) }).failoverReady.reason, 'ReplicaLagTooHigh');
  });
});

describe('deterministic names', () => {
  const table: Array<[string, () => string, string]> = [
    ['compact time drops separators and milliseconds', () => compactTime('2025-03-01T09:55:00.123Z'), '20250301t095500'],
    ['re-seed in the primary region uses the primary name', () => reseedIdentifier(baseSpec(), A, '2025-03-01T09:55:00Z'), 'orders-db-20250301t095500'],
    ['re-seed in the replica region uses the replica name', () => reseedIdentifier(baseSpec(), B, '2025-03-01T09:55:00Z'), 'orders-db-replica-20250301t095500'],
    [
      'a long name is cut to 63 chars without a trailing or double hyphen',
      () =>
        reseedIdentifier(
          { ...baseSpec(), database: { ...baseSpec().database, primary: { region: A, instanceIdentifier: `${'a'.repeat(46)}--b-cdefghij` } } },
          A,
          '2025-03-01T09:55:00Z',
        ),
      `${'a'.repeat(46)}-20250301t095500`,
    ],
    ['final snapshot name', () => finalSnapshotIdentifier('Orders-DB', '2025-03-01T09:55:00Z'), 'orders-db-final-20250301t095500'],
  ];
  for (const [name, f, want] of table) {
    it(name, () => {
      const got = f();
      assert.equal(got, want);
      if (name.startsWith('re-seed') || name.startsWith('a long')) assert.ok(got.length <= 63, 'RDS instance identifiers are at most 63 chars');
      if (!name.startsWith('compact')) assert.match(got, /^[a-z](-?[a-z0-9])*$/, 'a valid RDS identifier');
    });
  }
});

describe('toPlannedChanges (dry-run)', () => {
  it('maps each AWS-changing action and leaves out recordStep', () => {
    const planned = toPlannedChanges([
      { type: 'recordStep', step: 'PromoteRequested' },
      { type: 'promote', region: B, identifier: 'orders-db-replica' },
      { type: 'fence', region: A, identifier: 'orders-db' },
      { type: 'retireInstance', region: A, identifier: 'orders-db', finalSnapshotIdentifier: 'orders-db-final-x' },
    ]);
    assert.deepEqual(
      planned.map((p) => [p.action, p.resource, p.region]),
      [
        ['Promote', 'DBInstance', B],
        ['Update', 'DBInstance', A],
        ['Delete', 'DBInstance', A],
      ],
    );
    assert.equal(planned[0]?.detail, 'orders-db-replica', 'the instance is named in the detail');
    assert.match(planned[1]?.detail ?? '', /^orders-db: fence/);
    assert.match(planned[2]?.detail ?? '', /final snapshot orders-db-final-x/);
  });

  it('names a create the way the Planner records its intent (the create-pending annotation names the resource)', () => {
    const c = plannedChangeOf({ type: 'createReplica', region: B, identifier: 'r', sourceArn: 'arn:x', sourceRegion: A, adoptExisting: false } as never);
    assert.equal(c?.resource, 'DBInstanceReadReplica');
    assert.equal(c?.action, 'Create');
  });
});
