// A plain-data stand-in for the AWS side of a failover, for the state machine's unit tests:
// it executes the machine's actions, lets promotions and creates take a few ticks, and can
// "crash" the reconcile loop between any two actions. It checks nothing itself.

import type { InstanceView } from '../../src/aws/rds/observe.ts';
import { markCarriesStep, promoteWriteWaits, recordPlan } from '../../src/controllers/failover-policy/database.ts';
import {
  decide,
  type FailoverAction,
  type MachineSpec,
  type MachineStatus,
  type Observations,
  type RegionHealth,
  refsToObserve,
} from '../../src/controllers/failover-policy/failover-machine.ts';

export const A = 'us-east-1';
export const B = 'us-west-2';
export const T0 = Date.parse('2025-03-01T10:00:00Z');

export function baseSpec(over: Partial<MachineSpec['failover']> = {}, deletionPolicy: MachineSpec['deletionPolicy'] = 'Delete'): MachineSpec {
  return {
    database: {
      engine: 'postgres',
      primary: { region: A, instanceIdentifier: 'orders-db' },
      replica: { region: B, instanceIdentifier: 'orders-db-replica', instanceClass: 'db.r6g.large', kmsKeyId: 'key-west' },
      maxReplicaLagSeconds: 60,
      connectionSecret: { name: 'orders-db' },
    },
    failover: { mode: 'Manual', unhealthyForSeconds: 60, failback: 'Manual', promoteWhenFenceUnconfirmed: false, failbackMaxAttemptsPerDay: 3, ...over },
    deletionPolicy,
  };
}

export interface SimInstance {
  region: string;
  identifier: string;
  role: 'writer' | 'replica' | 'other';
  status: string;
  sourceArn?: string;
  owned: boolean;
  fenced: boolean;
  /** promote() tags the instance before it calls PromoteReadReplica. */
  promoteMarked?: boolean;
  /** The failover's mark (multiregion.dev/failover), written by a marked fence or promote; unfence removes it. */
  mark?: string;
  ticksLeft?: number;
  becomes?: 'writer' | 'replica' | 'gone';
  /** Automated backup retention (default 7, the spec's default: no settings step); Multi-AZ. */
  backupRetentionDays?: number;
  multiAZ?: boolean;
  encrypted?: boolean;
}

/** What status holds for a healthy pair before any failover: the machine's first write, as a reconciler's pass leaves it. */
export function steadyStatus(): MachineStatus {
  return decide({ spec: baseSpec(), status: {}, obs: new World().observe(baseSpec(), {}) }).status;
}

export const arnOf = (region: string, id: string): string => `arn:aws:rds:${region}:123456789012:db:${id}`;
const key = (region: string, id: string): string => `${region}/${id}`;

export class World {
  now = T0;
  instances = new Map<string, SimInstance>();
  reachable: Record<string, boolean> = { [A]: true, [B]: true };
  health: Record<string, RegionHealth> = { [A]: { state: 'Healthy' }, [B]: { state: 'Healthy' } };
  /** Lag of whatever replica exists; `zeroWhenSourceFenced` models a planned catch-up. */
  lagSeconds: number | undefined = 5;
  zeroWhenSourceFenced = true;
  secret: { region?: string; host?: string } | undefined;
  dnsActive: string | undefined = A;
  /** Minutes of lag datapoints CloudWatch holds (0: none, as if lag was never published). */
  lagHistoryMinutes = 10;
  /** The multiregion.dev/accept-data-loss annotation's value. */
  acceptDataLoss: string | undefined;
  executed: FailoverAction[] = [];

  constructor(opts: { replica?: boolean } = {}) {
    this.add({ region: A, identifier: 'orders-db', role: 'writer', status: 'available', owned: false, fenced: false });
    if (opts.replica !== false) {
      this.add({
        region: B,
        identifier: 'orders-db-replica',
        role: 'replica',
        status: 'available',
        sourceArn: arnOf(A, 'orders-db'),
        owned: true,
        fenced: false,
      });
    }
    this.secret = { region: A, host: 'orders-db.us-east-1.rds' };
  }

  add(i: SimInstance): void {
    this.instances.set(key(i.region, i.identifier), i);
  }

  get(region: string, id: string): SimInstance | undefined {
    return this.instances.get(key(region, id));
  }

  setHealth(region: string, state: RegionHealth['state']): void {
    if (this.health[region]?.state !== state) this.health[region] = { state, since: new Date(this.now).toISOString() };
  }

  count(type: FailoverAction['type']): number {
    return this.executed.filter((a) => a.type === type).length;
  }

  /** Writers that could take writes: not fenced, in a region that answers. */
  liveWriters(): SimInstance[] {
    return [...this.instances.values()].filter((i) => i.role === 'writer' && !i.fenced && this.reachable[i.region] && i.status !== 'deleting');
  }

  view(ref: { region: string; identifier: string } | undefined): InstanceView | undefined {
    if (!ref) return undefined;
    if (!this.reachable[ref.region]) return { ...ref, reachable: false, exists: false, fenceReason: 'connect ECONNREFUSED' };
    const i = this.get(ref.region, ref.identifier);
    if (!i) return { ...ref, reachable: true, exists: false, fenced: true };
    return {
      ...ref,
      reachable: true,
      exists: true,
      status: i.status,
      role: i.role,
      ...(i.sourceArn && { sourceArn: i.sourceArn }),
      arn: arnOf(i.region, i.identifier),
      endpoint: { host: `${i.identifier}.${i.region}.rds`, port: 5432 },
      owned: i.owned,
      fenced: i.fenced || i.status === 'deleting',
      fenceReason: i.fenced ? 'deny-all' : 'open',
      fenceTagged: i.fenced,
      promoteRequested: i.promoteMarked === true,
      ...(i.mark !== undefined && { failoverMark: i.mark }),
      backupRetentionDays: i.backupRetentionDays ?? 7,
      multiAZ: i.multiAZ ?? false,
      ...(i.encrypted !== undefined && { encrypted: i.encrypted }),
    };
  }

  observe(spec: MachineSpec, status: MachineStatus): Observations {
    const refs = refsToObserve(spec, status);
    const standby = this.view(refs.standby);
    const src = standby?.sourceArn ? [...this.instances.values()].find((i) => arnOf(i.region, i.identifier) === standby.sourceArn) : undefined;
    const lag =
      standby?.exists && standby.role === 'replica' && this.lagSeconds !== undefined
        ? src?.fenced && this.zeroWhenSourceFenced
          ? 0
          : this.lagSeconds
        : undefined;
    const iso = new Date(this.now).toISOString();
    return {
      now: iso,
      health: { ...this.health },
      ...(refs.writer && { writer: this.view(refs.writer) }),
      ...(standby && { standby }),
      ...(refs.exWriter && { exWriter: this.view(refs.exWriter) }),
      ...(lag !== undefined && { lag: { seconds: lag, at: iso } }),
      // The same lag once a minute for the last minutes: what CloudWatch holds from before an outage.
      ...(lag !== undefined &&
        this.lagHistoryMinutes > 0 && {
          lagHistory: Array.from({ length: this.lagHistoryMinutes }, (_, k) => ({ seconds: lag, at: new Date(this.now - k * 60_000).toISOString() })),
        }),
      ...(this.acceptDataLoss !== undefined && { acceptDataLoss: this.acceptDataLoss }),
      dns: { recordsInPlace: true, healthChecksInPlace: true, ...(this.dnsActive && { activeRegion: this.dnsActive }) },
      ...(this.secret && { secret: this.secret }),
    };
  }

  execute(a: FailoverAction): void {
    this.executed.push(a);
    if ('region' in a && !this.reachable[a.region]) {
      if (a.type === 'fence') return; // fence() reports "unconfirmed" instead of throwing
      throw new Error(`${a.type}: ${a.region} unreachable`);
    }
    switch (a.type) {
      case 'createReplica':
        if (!this.get(a.region, a.identifier)) {
          this.add({
            region: a.region,
            identifier: a.identifier,
            role: 'other',
            status: 'creating',
            sourceArn: a.sourceArn,
            owned: !a.adoptExisting,
            fenced: false,
            ticksLeft: 2,
            becomes: 'replica',
          });
        }
        return;
      case 'fence': {
        const i = this.get(a.region, a.identifier);
        if (i) Object.assign(i, { fenced: true, ...(a.mark !== undefined && { mark: a.mark }) });
        return;
      }
      case 'unfence': {
        const i = this.get(a.region, a.identifier);
        if (i) i.fenced = false;
        delete i?.mark;
        return;
      }
      case 'promote': {
        const i = this.get(a.region, a.identifier);
        if (i) Object.assign(i, { promoteMarked: true, ...(a.mark !== undefined && { mark: a.mark }) });
        if (i && i.role === 'replica') Object.assign(i, { role: 'other', status: 'modifying', ticksLeft: 2, becomes: 'writer' });
        return;
      }
      case 'writeSecret':
        this.secret = { region: a.data.region, host: a.data.host };
        return;
      case 'switchDns':
        this.dnsActive = a.activeRegion;
        return;
      case 'retireInstance': {
        const i = this.get(a.region, a.identifier);
        if (i) Object.assign(i, { status: 'deleting', ticksLeft: 1, becomes: 'gone' });
        return;
      }
      case 'configureWriter': {
        const i = this.get(a.region, a.identifier);
        if (i) Object.assign(i, { backupRetentionDays: a.backupRetentionDays, ...(a.multiAZ !== undefined && { multiAZ: a.multiAZ }) });
        return;
      }
      case 'recordStep':
        return;
    }
  }

  tick(ms: number): void {
    this.now += Math.max(ms, 1000);
    for (const [k, i] of this.instances) {
      if (i.ticksLeft === undefined) continue;
      i.ticksLeft -= 1;
      if (i.ticksLeft > 0) continue;
      delete i.ticksLeft;
      if (i.becomes === 'gone') this.instances.delete(k);
      else if (i.becomes) Object.assign(i, { role: i.becomes, status: 'available' });
    }
  }
}

export interface RunResult {
  status: MachineStatus;
  crashed: boolean;
  iterations: number;
  actionsSeen: number;
}

/**
 * The reconcile loop: decide → persist (before the actions when the first is recordStep,
 * otherwise only after all of them, the worst case) → execute → tick. `crashAt` stops the loop
 * at the n-th executed action (counted from 0), before or after executing it; what was not
 * persisted is lost. `invariant` runs after every executed action. `promoteWriteWaits`: a
 * decision that only records PromoteRequested and promotes leaves status as it was, as the
 * reconciler does (database.ts): the next decide reads the step from the standby's mark.
 * `passes`: status is written as the reconciler writes it (database.ts, runRounds): decisions
 * that go straight on share one pass and its status in memory; a step is written per recordPlan,
 * except where AWS's marks carry it (promoteWriteWaits, markCarriesStep); the pass's end writes
 * what it holds (unless it yielded on an unwritten promote). A crash loses what the pass held.
 */
export function runLoop(
  world: World,
  spec: MachineSpec,
  start: MachineStatus,
  opts: {
    maxIterations?: number;
    crashAt?: { n: number; after: boolean };
    until?: (s: MachineStatus) => boolean;
    invariant?: () => void;
    promoteWriteWaits?: boolean;
    passes?: boolean;
  } = {},
): RunResult {
  let persisted = start;
  // The pass's status in memory (`passes`), and whether it holds a step not written yet.
  let current = start;
  let unwritten = false;
  let seen = 0;
  const max = opts.maxIterations ?? 200;
  for (let i = 0; i < max; i++) {
    if (opts.until?.(persisted)) return { status: persisted, crashed: false, iterations: i, actionsSeen: seen };
    const d = decide({ spec, status: current, obs: world.observe(spec, current) });
    let waits = false;
    if (opts.passes) {
      const plan = recordPlan(d, unwritten);
      waits = promoteWriteWaits(d, persisted);
      const marked = markCarriesStep(d, persisted);
      if (plan.write && !waits && !marked) persisted = d.status;
      unwritten = plan.defer || marked;
    } else {
      waits = opts.promoteWriteWaits === true && promoteWriteWaits(d, persisted);
      if (d.actions[0]?.type === 'recordStep' && !waits) persisted = d.status;
    }
    for (const a of d.actions) {
      if (opts.crashAt && opts.crashAt.n === seen && !opts.crashAt.after) return { status: persisted, crashed: true, iterations: i, actionsSeen: seen };
      world.execute(a);
      opts.invariant?.();
      if (opts.crashAt && opts.crashAt.n === seen && opts.crashAt.after) return { status: persisted, crashed: true, iterations: i, actionsSeen: seen + 1 };
      seen++;
    }
    if (opts.passes) {
      current = waits ? persisted : d.status;
      // The pass ends when the machine waits or the promote went out; its end writes what it holds.
      if (d.requeueAfterMs !== 0 || d.actions.some((a) => a.type === 'promote')) {
        persisted = current;
        unwritten = false;
      }
    } else {
      if (!waits) persisted = d.status;
      current = persisted;
    }
    world.tick(d.requeueAfterMs ?? 60_000);
  }
  return { status: persisted, crashed: false, iterations: max, actionsSeen: seen };
}
