// The failover state machine, one decide() call per case: given spec, recorded status and what
// AWS looks like, which step is recorded, which actions run, which events are raised.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Decision,
  decide,
  type FailoverProgress,
  type MachineSpec,
  type MachineStatus,
  type Observations,
} from '../../src/controllers/failover-policy/failover-machine.ts';
import { A, B, baseSpec, T0, World } from './failover-world.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

const steady = (): MachineStatus => ({
  activeRegion: A,
  phase: 'Healthy',
  database: { writer: { region: A, identifier: 'orders-db' }, replica: { region: B, identifier: 'orders-db-replica' } },
});

const running = (step: FailoverProgress['step'], over: Partial<FailoverProgress> = {}): MachineStatus => ({
  ...steady(),
  phase: 'FailingOver',
  inProgress: {
    startedAt: iso(T0 - 120_000),
    from: A,
    to: B,
    reason: 'ManualSwitch',
    step,
    stepAt: iso(T0 - 30_000),
    fromIdentifier: 'orders-db',
    toIdentifier: 'orders-db-replica',
    ...over,
  },
});

/** After Promoted the status names the new writer and no replica. */
const promoted = (step: FailoverProgress['step']): MachineStatus => ({
  ...running(step),
  database: { writer: { region: B, identifier: 'orders-db-replica' } },
});

const afterFailover = (over: Partial<NonNullable<MachineStatus['lastFailover']>> = {}): MachineStatus => ({
  activeRegion: B,
  phase: 'FailedOver',
  database: { writer: { region: B, identifier: 'orders-db-replica' } },
  lastFailover: {
    startedAt: iso(T0 - 600_000),
    completedAt: '2025-03-01T09:55:00Z',
    from: A,
    to: B,
    reason: 'PrimaryUnhealthy',
    fencing: 'Confirmed: deny-all',
    fromIdentifier: 'orders-db',
    toIdentifier: 'orders-db-replica',
    ...over,
  },
});

/** World where B's replica was promoted (B is the writer) and A holds the fenced ex-writer. */
function failedOverWorld(w: World): void {
  Object.assign(w.get(B, 'orders-db-replica')!, { role: 'writer' });
  w.get(A, 'orders-db')!.fenced = true;
  w.secret = { region: B, host: 'orders-db-replica.us-west-2.rds' };
  w.dnsActive = B;
}

/** …and the re-seeded replica orders-db-r in A exists in the given state. */
const withReseed =
  (role: 'replica' | 'other' = 'replica') =>
  (w: World): void => {
    failedOverWorld(w);
    w.add({
      region: A,
      identifier: 'orders-db-r',
      role,
      status: role === 'replica' ? 'available' : 'creating',
      owned: true,
      fenced: false,
      sourceArn: 'arn:aws:rds:us-west-2:123456789012:db:orders-db-replica',
    });
  };

interface Case {
  name: string;
  spec?: MachineSpec;
  status: MachineStatus;
  world?: (w: World) => void;
  /** Changes the observations after the world produced them. */
  tweak?: (o: Observations) => void;
  /** Action types in order. */
  actions: string[];
  step?: string | null;
  events?: string[];
  phase?: string;
  check?: (d: Decision) => void;
}

const cases: Case[] = [
  // ---- steady state
  { name: 'healthy pair with everything in place does nothing', status: steady(), actions: [], phase: 'Healthy' },
  {
    name: 'a missing connection Secret is written with the writer endpoint',
    status: steady(),
    world: (w) => (w.secret = undefined),
    actions: ['writeSecret'],
    check: (d) =>
      assert.deepEqual(d.actions[0], {
        type: 'writeSecret',
        name: 'orders-db',
        data: { host: 'orders-db.us-east-1.rds', port: '5432', region: A, role: 'writer' },
      }),
  },
  {
    name: 'a missing spec-named replica is created from the writer ARN, adoptable, with class and key',
    status: steady(),
    world: (w) => w.instances.delete(`${B}/orders-db-replica`),
    actions: ['createReplica'],
    check: (d) =>
      assert.deepEqual(d.actions[0], {
        type: 'createReplica',
        region: B,
        identifier: 'orders-db-replica',
        sourceRegion: A,
        sourceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
        instanceClass: 'db.r6g.large',
        kmsKeyId: 'key-west',
        adoptExisting: true,
      }),
  },
  {
    name: 'no create while the replica region does not answer',
    status: steady(),
    world: (w) => {
      w.instances.delete(`${B}/orders-db-replica`);
      w.reachable[B] = false;
    },
    actions: [],
  },
  {
    name: 'after a failover the new replica name is recorded first, without creating in the same call',
    status: afterFailover(),
    world: failedOverWorld,
    actions: ['recordStep'],
    step: 'ReplicaRequested',
    check: (d) => assert.deepEqual(d.status.database?.replica, { region: A, identifier: 'orders-db-20250301t095500' }),
  },
  {
    name: 'the recorded re-seed replica is created from the new writer, not adoptable, no spec class',
    status: {
      ...afterFailover(),
      database: { writer: { region: B, identifier: 'orders-db-replica' }, replica: { region: A, identifier: 'orders-db-20250301t095500' } },
    },
    world: failedOverWorld,
    actions: ['createReplica'],
    check: (d) =>
      assert.deepEqual(d.actions[0], {
        type: 'createReplica',
        region: A,
        identifier: 'orders-db-20250301t095500',
        sourceRegion: B,
        sourceArn: 'arn:aws:rds:us-west-2:123456789012:db:orders-db-replica',
        adoptExisting: false,
      }),
  },
  {
    name: 'a writer still carrying our fence with no failover running is unfenced',
    status: steady(),
    world: (w) => (w.get(A, 'orders-db')!.fenced = true),
    actions: ['unfence'],
    events: ['WriterFenced'],
  },
  {
    name: 'a standby promoted by hand while the writer takes writes: two writers, nothing touched',
    status: steady(),
    world: (w) => (w.get(B, 'orders-db-replica')!.role = 'writer'),
    actions: [],
    events: ['TwoWriters'],
    phase: 'Degraded',
  },
  {
    name: 'status lost after a failover: the fenced ex-primary is never unfenced, status follows AWS',
    status: {},
    world: failedOverWorld,
    actions: ['recordStep'],
    step: 'WriterRecovered',
    events: ['WriterRecovered'],
    check: (d) => {
      assert.deepEqual(d.status.database, { writer: { region: B, identifier: 'orders-db-replica' } });
      assert.equal(d.status.activeRegion, B);
      assert.deepEqual([d.status.lastFailover?.fromIdentifier, d.status.lastFailover?.from], ['orders-db', A]);
    },
  },
  {
    name: 'status lost and the ex-primary deleted: the standalone standby is the writer',
    status: {},
    world: (w) => {
      failedOverWorld(w);
      w.instances.delete(`${A}/orders-db`);
    },
    actions: ['recordStep'],
    step: 'WriterRecovered',
  },
  { name: 'DNS pointing away from the active region is switched back', status: steady(), world: (w) => (w.dnsActive = B), actions: ['switchDns'] },

  // ---- ex-writer after a failover
  {
    name: 'an unfenced ex-writer whose region answers again is fenced',
    status: {
      ...afterFailover({ fencing: 'Unconfirmed: ECONNREFUSED' }),
      database: { writer: { region: B, identifier: 'orders-db-replica' }, replica: { region: A, identifier: 'orders-db-r' } },
    },
    world: (w) => {
      withReseed()(w);
      w.get(A, 'orders-db')!.fenced = false;
    },
    actions: ['fence'],
    events: ['ExWriterNotFenced'],
  },
  {
    name: 'a status naming the current writer as ex-writer never fences the writer',
    status: {
      ...afterFailover({ from: B, fromIdentifier: 'orders-db-replica' }),
      database: { writer: { region: B, identifier: 'orders-db-replica' }, replica: { region: A, identifier: 'orders-db-r' } },
    },
    world: withReseed(),
    actions: [],
  },
  {
    name: 'a late-confirmed fence is recorded in lastFailover.fencing',
    status: {
      ...afterFailover({ fencing: 'Unconfirmed: ECONNREFUSED' }),
      database: { writer: { region: B, identifier: 'orders-db-replica' }, replica: { region: A, identifier: 'orders-db-r' } },
    },
    world: withReseed(),
    actions: ['recordStep'],
    step: 'FenceConfirmedLate',
    check: (d) => assert.match(d.status.lastFailover?.fencing ?? '', /^Confirmed after the failover/),
  },
  {
    name: 'an owned ex-writer is retired with a final snapshot once the new replica is available (Delete)',
    status: { ...afterFailover(), database: { writer: { region: B, identifier: 'orders-db-replica' }, replica: { region: A, identifier: 'orders-db-r' } } },
    world: (w) => {
      withReseed()(w);
      w.get(A, 'orders-db')!.owned = true;
    },
    actions: ['retireInstance'],
    check: (d) =>
      assert.deepEqual(d.actions[0], {
        type: 'retireInstance',
        region: A,
        identifier: 'orders-db',
        finalSnapshotIdentifier: 'orders-db-final-20250301t095500',
      }),
  },
  {
    name: 'an adopted ex-writer is never retired',
    status: { ...afterFailover(), database: { writer: { region: B, identifier: 'orders-db-replica' }, replica: { region: A, identifier: 'orders-db-r' } } },
    world: withReseed(),
    actions: [],
  },
  {
    name: 'with deletionPolicy Orphan an owned ex-writer is kept',
    spec: baseSpec({}, 'Orphan'),
    status: { ...afterFailover(), database: { writer: { region: B, identifier: 'orders-db-replica' }, replica: { region: A, identifier: 'orders-db-r' } } },
    world: (w) => {
      withReseed()(w);
      w.get(A, 'orders-db')!.owned = true;
    },
    actions: [],
  },
  {
    name: 'the ex-writer is not retired before the new replica is available',
    status: { ...afterFailover(), database: { writer: { region: B, identifier: 'orders-db-replica' }, replica: { region: A, identifier: 'orders-db-r' } } },
    world: (w) => {
      withReseed('other')(w);
      w.get(A, 'orders-db')!.owned = true;
    },
    actions: [],
  },

  // ---- triggers
  {
    name: 'Manual: activeRegion set to the standby with a healthy primary starts a planned switchover',
    spec: baseSpec({ activeRegion: B }),
    status: steady(),
    actions: ['recordStep'],
    step: 'Triggered',
    phase: 'FailingOver',
    check: (d) => {
      assert.equal(d.status.inProgress?.reason, 'PlannedSwitchover');
      assert.equal(d.status.history?.at(-1)?.phase, 'FailingOver');
    },
  },
  {
    name: 'Manual: activeRegion set to the standby with an unhealthy primary starts a ManualSwitch',
    spec: baseSpec({ activeRegion: B }),
    status: steady(),
    world: (w) => w.setHealth(A, 'Unhealthy'),
    actions: ['recordStep'],
    check: (d) => assert.equal(d.status.inProgress?.reason, 'ManualSwitch'),
  },
  {
    name: 'Manual: health Unknown (no checks) but the writer answers is still a planned switchover',
    spec: baseSpec({ activeRegion: B }),
    status: steady(),
    world: (w) => (w.health[A] = { state: 'Unknown' }),
    actions: ['recordStep'],
    check: (d) => assert.equal(d.status.inProgress?.reason, 'PlannedSwitchover'),
  },
  {
    name: 'Manual: a writer whose region does not answer makes it an unplanned ManualSwitch',
    spec: baseSpec({ activeRegion: B }),
    status: steady(),
    world: (w) => {
      w.health[A] = { state: 'Unknown' };
      w.reachable[A] = false;
    },
    actions: ['recordStep'],
    check: (d) => assert.equal(d.status.inProgress?.reason, 'ManualSwitch'),
  },
  {
    name: 'Manual: no switch while the target has no replica',
    spec: baseSpec({ activeRegion: B }),
    status: steady(),
    world: (w) => w.instances.delete(`${B}/orders-db-replica`),
    actions: ['createReplica'],
    events: ['FailoverBlocked'],
    step: null,
  },
  {
    name: 'Automatic: unhealthy for less than unhealthyForSeconds waits for the rest of it',
    spec: baseSpec({ mode: 'Automatic' }),
    status: steady(),
    world: (w) => (w.health[A] = { state: 'Unhealthy', since: iso(T0 - 30_000) }),
    actions: [],
    check: (d) => assert.equal(d.requeueAfterMs, 30_000),
  },
  {
    name: 'Automatic: unhealthy for unhealthyForSeconds with a healthy standby fails over',
    spec: baseSpec({ mode: 'Automatic' }),
    status: steady(),
    world: (w) => (w.health[A] = { state: 'Unhealthy', since: iso(T0 - 60_000) }),
    actions: ['recordStep'],
    step: 'Triggered',
    check: (d) => assert.equal(d.status.inProgress?.reason, 'PrimaryUnhealthy'),
  },
  {
    name: 'Automatic: unhealthy without a since timestamp counts as just begun',
    spec: baseSpec({ mode: 'Automatic' }),
    status: steady(),
    world: (w) => (w.health[A] = { state: 'Unhealthy' }),
    actions: [],
    check: (d) => assert.equal(d.requeueAfterMs, 60_000),
  },
  {
    name: 'Automatic: no failover into an unhealthy standby region',
    spec: baseSpec({ mode: 'Automatic' }),
    status: steady(),
    world: (w) => {
      w.health[A] = { state: 'Unhealthy', since: iso(T0 - 90_000) };
      w.health[B] = { state: 'Unhealthy', since: iso(T0 - 90_000) };
    },
    actions: [],
    events: ['FailoverBlocked'],
    phase: 'Degraded',
  },
  {
    name: 'Automatic: spec.failover.activeRegion is not a trigger',
    spec: baseSpec({ mode: 'Automatic', activeRegion: B }),
    status: steady(),
    actions: [],
    step: null,
  },

  // ---- step 2: RPO guard
  {
    name: 'Triggered: lag above max holds before any fencing',
    status: running('Triggered'),
    world: (w) => (w.lagSeconds = 90),
    actions: [],
    events: ['RpoGuardHolding'],
    step: 'Triggered',
  },
  { name: 'Triggered: unknown lag holds', status: running('Triggered'), world: (w) => (w.lagSeconds = undefined), actions: [], events: ['RpoGuardHolding'] },
  {
    name: 'Triggered: lag within max records LagChecked and fences the old writer',
    status: running('Triggered'),
    world: (w) => (w.lagSeconds = 10),
    actions: ['recordStep', 'fence'],
    step: 'LagChecked',
    check: (d) => assert.deepEqual(d.actions[1], { type: 'fence', region: A, identifier: 'orders-db' }),
  },

  // ---- step 3: fence
  {
    name: 'LagChecked: a fenced old writer records Fenced',
    status: running('LagChecked'),
    world: (w) => (w.get(A, 'orders-db')!.fenced = true),
    actions: ['recordStep'],
    step: 'Fenced',
    check: (d) => assert.match(d.status.inProgress?.fencing ?? '', /^Confirmed/),
  },
  { name: 'LagChecked: not fenced yet re-sends the idempotent fence', status: running('LagChecked'), actions: ['fence'], step: 'LagChecked' },
  {
    name: 'LagChecked: unreachable and Unhealthy, with promoteWhenFenceUnconfirmed, records FenceUnconfirmed accepted by the policy',
    spec: baseSpec({ activeRegion: B, promoteWhenFenceUnconfirmed: true }),
    status: running('LagChecked'),
    world: (w) => {
      w.reachable[A] = false;
      w.setHealth(A, 'Unhealthy');
    },
    actions: ['recordStep'],
    step: 'FenceUnconfirmed',
    events: ['FencingUnconfirmed'],
    check: (d) => {
      assert.match(d.status.inProgress?.fencing ?? '', /^Unconfirmed/);
      assert.equal(d.status.inProgress?.dataLossAccepted, 'Policy');
    },
  },
  {
    name: 'LagChecked: unreachable and Unhealthy without the opt-in blocks and says how to go on (a cut-off controller looks like a dead region)',
    status: running('LagChecked'),
    world: (w) => {
      w.reachable[A] = false;
      w.setHealth(A, 'Unhealthy');
    },
    actions: ['fence'],
    step: 'LagChecked',
    events: ['FenceUnconfirmed'],
    check: (d) => {
      assert.equal(d.blocked?.reason, 'FenceUnconfirmed');
      assert.match(d.blocked?.message ?? '', /--accept-data-loss/);
      assert.match(d.blocked?.message ?? '', /promoteWhenFenceUnconfirmed/);
    },
  },
  {
    name: 'LagChecked: a new accept-data-loss value lets the blocked failover go on, once, and is recorded',
    status: running('LagChecked'),
    world: (w) => {
      w.reachable[A] = false;
      w.setHealth(A, 'Unhealthy');
      w.acceptDataLoss = 'v1';
    },
    actions: ['recordStep'],
    step: 'FenceUnconfirmed',
    check: (d) => {
      assert.equal(d.status.acceptedDataLoss, 'v1');
      assert.equal(d.status.inProgress?.dataLossAccepted, 'Annotation v1');
    },
  },
  {
    name: 'LagChecked: an accept-data-loss value already used does not count again',
    status: { ...running('LagChecked'), acceptedDataLoss: 'v1' },
    world: (w) => {
      w.reachable[A] = false;
      w.setHealth(A, 'Unhealthy');
      w.acceptDataLoss = 'v1';
    },
    actions: ['fence'],
    step: 'LagChecked',
    events: ['FenceUnconfirmed'],
  },
  {
    name: 'LagChecked: unreachable but Healthy never promotes',
    status: running('LagChecked'),
    world: (w) => (w.reachable[A] = false),
    actions: ['fence'],
    step: 'LagChecked',
    events: ['FenceBlocked'],
  },

  // ---- step 4: promote
  {
    name: 'Fenced: unplanned requests the promotion once, with the RPO judged at LagChecked',
    status: running('Fenced', { rpoSeconds: 10 }),
    world: (w) => {
      w.zeroWhenSourceFenced = false;
      w.lagSeconds = 10;
    },
    actions: ['recordStep', 'promote'],
    step: 'PromoteRequested',
    check: (d) => {
      assert.equal(d.status.inProgress?.rpoSeconds, 10);
      const { why, ...promote } = d.actions[1] as { why?: string };
      assert.deepEqual(promote, { type: 'promote', region: B, identifier: 'orders-db-replica' });
      assert.match(why ?? '', /^RPO 10s; fencing /, "the promote's Event says why it was safe");
    },
  },
  {
    name: 'Fenced: unplanned does not wait for a lag that only grows with the source down',
    status: running('Fenced', { rpoSeconds: 10 }),
    world: (w) => {
      w.zeroWhenSourceFenced = false;
      w.lagSeconds = 900;
    },
    actions: ['recordStep', 'promote'],
    step: 'PromoteRequested',
  },
  {
    name: 'Fenced: planned switchover waits for lag 0',
    status: running('Fenced', { reason: 'PlannedSwitchover' }),
    world: (w) => {
      w.zeroWhenSourceFenced = false;
      w.lagSeconds = 2;
    },
    actions: [],
    events: ['WaitingForReplica'],
  },
  {
    name: 'Fenced: planned switchover with lag 0 measured after the fence promotes with RPO 0',
    status: running('Fenced', { reason: 'PlannedSwitchover' }),
    world: (w) => (w.lagSeconds = 0),
    actions: ['recordStep', 'promote'],
    check: (d) => assert.equal(d.status.inProgress?.rpoSeconds, 0),
  },
  {
    name: 'Fenced: a lag-0 sample older than the fence does not count',
    status: running('Fenced', { reason: 'Failback', stepAt: iso(T0 + 60_000) }),
    world: (w) => (w.lagSeconds = 0),
    actions: [],
    events: ['WaitingForReplica'],
  },
  {
    name: 'Fenced: still no lag 0 ten minutes after the fence warns (the application is down) and says how to back out',
    status: running('Fenced', { reason: 'PlannedSwitchover', stepAt: iso(T0 - 11 * 60_000) }),
    world: (w) => {
      w.zeroWhenSourceFenced = false;
      w.lagSeconds = 3;
    },
    actions: [],
    events: ['WaitingForReplica', 'CatchUpSlow'],
    phase: 'Degraded',
  },
  {
    name: 'FenceUnconfirmed: a planned switchover falls back to the max-lag rule',
    status: running('FenceUnconfirmed', { reason: 'PlannedSwitchover' }),
    world: (w) => {
      w.zeroWhenSourceFenced = false;
      w.lagSeconds = 20;
    },
    actions: ['recordStep', 'promote'],
  },
  {
    name: 'Fenced: a target already promoted elsewhere is recorded without a promote',
    status: running('Fenced'),
    world: (w) => (w.get(B, 'orders-db-replica')!.role = 'writer'),
    actions: ['recordStep'],
    step: 'PromoteRequested',
    events: ['AlreadyPromoted'],
  },
  {
    name: 'Fenced: a missing target makes the policy Degraded',
    status: running('Fenced'),
    world: (w) => w.instances.delete(`${B}/orders-db-replica`),
    actions: [],
    events: ['ReplicaNotReady'],
    phase: 'Degraded',
  },
  {
    name: 'PromoteRequested: a marked replica (the call may have reached AWS) → wait, no second promote',
    status: running('PromoteRequested'),
    world: (w) => (w.get(B, 'orders-db-replica')!.promoteMarked = true),
    actions: [],
    step: 'PromoteRequested',
    check: (d) => assert.equal(d.requeueAfterMs, 15_000),
  },
  {
    name: 'PromoteRequested: a promoting instance → wait',
    status: running('PromoteRequested'),
    world: (w) => Object.assign(w.get(B, 'orders-db-replica')!, { role: 'other', status: 'modifying', promoteMarked: true }),
    actions: [],
  },
  {
    name: 'PromoteRequested: an unmarked replica never saw the call → send it (the first that reaches AWS)',
    status: running('PromoteRequested'),
    actions: ['promote'],
    step: 'PromoteRequested',
    events: ['PromotingReplica'],
  },
  {
    name: 'PromoteRequested: unknown marker state counts as "may have been sent" → wait',
    status: running('PromoteRequested'),
    tweak: (o) => {
      if (o.standby) delete o.standby.promoteRequested;
    },
    actions: [],
  },
  {
    name: 'PromoteRequested: stalled promotion warns and still never re-promotes',
    status: running('PromoteRequested', { stepAt: iso(T0 - 25 * 60_000) }),
    world: (w) => (w.get(B, 'orders-db-replica')!.promoteMarked = true),
    actions: [],
    events: ['PromotionStalled'],
    phase: 'Degraded',
  },
  {
    name: 'PromoteRequested: region of the target unreachable → wait, nothing sent',
    status: running('PromoteRequested'),
    world: (w) => (w.reachable[B] = false),
    actions: [],
  },
  {
    name: 'PromoteRequested: a standalone writer records Promoted, switches status.database, writes the Secret',
    status: running('PromoteRequested'),
    world: (w) => (w.get(B, 'orders-db-replica')!.role = 'writer'),
    actions: ['recordStep', 'writeSecret'],
    step: 'Promoted',
    check: (d) => assert.deepEqual(d.status.database, { writer: { region: B, identifier: 'orders-db-replica' } }),
  },

  // ---- steps 5 and 6
  {
    name: 'Promoted: the Secret still names the old writer → write it',
    status: promoted('Promoted'),
    world: (w) => (w.get(B, 'orders-db-replica')!.role = 'writer'),
    actions: ['writeSecret'],
    step: 'Promoted',
  },
  {
    name: 'Promoted: the Secret names the new writer → SecretWritten, switch DNS',
    status: promoted('Promoted'),
    world: (w) => {
      w.get(B, 'orders-db-replica')!.role = 'writer';
      w.secret = { region: B, host: 'orders-db-replica.us-west-2.rds' };
    },
    actions: ['recordStep', 'switchDns'],
    step: 'SecretWritten',
  },
  {
    name: 'SecretWritten: DNS not switched yet → switch it',
    status: promoted('SecretWritten'),
    world: (w) => {
      failedOverWorld(w);
      w.dnsActive = A;
    },
    actions: ['switchDns'],
    check: (d) => assert.equal(d.status.inProgress?.step, 'SecretWritten'),
  },
  {
    name: 'SecretWritten: DNS switched → DnsSwitched',
    status: promoted('SecretWritten'),
    world: (w) => {
      failedOverWorld(w);
      w.dnsActive = B;
    },
    actions: ['recordStep'],
    step: 'DnsSwitched',
  },
  {
    name: 'DnsSwitched: completes with lastFailover (RTO from start, RPO = lag at promotion) and history',
    status: { ...promoted('DnsSwitched'), inProgress: { ...running('DnsSwitched').inProgress!, rpoSeconds: 7, fencing: 'Confirmed: x' } },
    world: failedOverWorld,
    actions: ['recordStep'],
    step: null,
    phase: 'FailedOver',
    check: (d) => {
      assert.equal(d.status.activeRegion, B);
      assert.deepEqual(
        { ...d.status.lastFailover },
        {
          startedAt: iso(T0 - 120_000),
          completedAt: iso(T0),
          rtoSeconds: 120,
          rpoSeconds: 7,
          reason: 'ManualSwitch',
          from: A,
          to: B,
          step: 'Completed',
          fencing: 'Confirmed: x',
          fromIdentifier: 'orders-db',
          toIdentifier: 'orders-db-replica',
          steps: [{ step: 'Completed', at: iso(T0), fromHealth: 'Healthy', toHealth: 'Healthy' }],
        },
      );
      assert.deepEqual(d.status.history?.at(-1), { at: iso(T0), phase: 'FailedOver', reason: 'FailoverCompleted', from: A, to: B });
    },
  },

  // ---- aborts
  {
    name: 'Manual: activeRegion set back before promotion aborts and unfences',
    spec: baseSpec({ activeRegion: A }),
    status: running('Fenced'),
    actions: ['recordStep', 'unfence'],
    step: null,
    events: ['FailoverAborted'],
    phase: 'Healthy',
  },
  {
    name: 'Manual: abort at Triggered needs no unfence (no fence was sent)',
    spec: baseSpec({ activeRegion: A }),
    status: running('Triggered'),
    actions: ['recordStep'],
    events: ['FailoverAborted'],
  },
  {
    name: 'Manual: after PromoteRequested there is no way back',
    spec: baseSpec({ activeRegion: A }),
    status: running('PromoteRequested'),
    world: (w) => (w.get(B, 'orders-db-replica')!.promoteMarked = true),
    actions: [],
    step: 'PromoteRequested',
  },
  {
    name: 'Automatic: a primary healthy again aborts a failover held by the RPO guard',
    spec: baseSpec({ mode: 'Automatic' }),
    status: running('Triggered', { reason: 'PrimaryUnhealthy' }),
    world: (w) => (w.lagSeconds = 500),
    actions: ['recordStep'],
    events: ['FailoverAborted'],
  },
  {
    name: 'Automatic: a still-unhealthy primary keeps the failover going',
    spec: baseSpec({ mode: 'Automatic' }),
    status: running('Triggered', { reason: 'PrimaryUnhealthy' }),
    world: (w) => {
      w.setHealth(A, 'Unhealthy');
      w.lagSeconds = 500;
    },
    actions: [],
    events: ['RpoGuardHolding'],
  },
];

describe('failover machine: one decision', () => {
  for (const c of cases) {
    it(c.name, () => {
      const world = new World();
      c.world?.(world);
      // A running failover was asked for: Manual mode with activeRegion = the target.
      const spec = c.spec ?? (c.status.inProgress ? baseSpec({ activeRegion: B }) : baseSpec());
      const input = structuredClone(c.status);
      const obs = world.observe(spec, c.status);
      c.tweak?.(obs);
      const d = decide({ spec, status: c.status, obs });
      assert.deepEqual(c.status, input, 'the input status is never mutated');
      assert.deepEqual(
        d.actions.map((a) => a.type),
        c.actions,
      );
      if (c.step === null) assert.equal(d.status.inProgress, undefined);
      else if (c.step === 'ReplicaRequested' || c.step === 'FenceConfirmedLate' || c.step === 'WriterRecovered')
        assert.deepEqual(d.actions[0], { type: 'recordStep', step: c.step });
      else if (c.step !== undefined) assert.equal(d.status.inProgress?.step, c.step);
      for (const e of c.events ?? [])
        assert.ok(
          d.events.some((x) => x.reason === e),
          `event ${e} in ${JSON.stringify(d.events)}`,
        );
      if (c.phase) assert.equal(d.status.phase, c.phase);
      if (d.actions.some((a) => a.type === 'recordStep')) assert.equal(d.actions[0]?.type, 'recordStep', 'the status write comes first');
      c.check?.(d);
    });
  }
});
