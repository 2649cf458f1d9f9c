// The fleet lease (docs/multi-cluster.md): one controller per regional cluster, the same objects
// in each, exactly one member acting. A member acts while it leads its own cluster (the manager
// runs this only then) AND holds the fleet lease within its renew deadline. The lease lives in a
// store that survives a region's loss (main.ts injects a DynamoDB table; the runtime knows
// nothing of AWS); this file is the timing, as client-go's leader election: renew every retry
// period; stop acting once no renew succeeded within the renew deadline, which is shorter than
// the lease duration by a clock-skew margin, so a member cut off from the store has stopped
// before anyone else can take over; take over only a lease seen unchanged for its whole duration
// on our own clock (the holder's wall clock is never trusted to say it expired).
import { Gauge, type Registry } from 'prom-client';
import { jittered, sleep } from './backoff.ts';
import type { Logger } from './logger.ts';

/** The lease as the store holds it. */
export interface FleetLeaseRecord {
  /** '' once released. */
  holder: string;
  term: number;
  /** Wall-clock epoch ms (the writer's clock) until which the holder claims it. */
  expiresAtMs: number;
  /** How long the holder claims it from each renewal. */
  durationMs: number;
}

/**
 * Conditional writes on one lease record. Each write answers undefined/false when its condition
 * failed (someone else moved first); errors mean "no answer" and are thrown.
 */
export interface FleetLeaseStore {
  read(signal: AbortSignal): Promise<FleetLeaseRecord | undefined>;
  /** The next term for `holder`: first ever (`seen` undefined), or from `seen` if unchanged and expired by `nowMs` or released. */
  acquire(seen: FleetLeaseRecord | undefined, holder: string, durationMs: number, nowMs: number, signal: AbortSignal): Promise<FleetLeaseRecord | undefined>;
  /** Extends `held` while it is still ours in the same term. */
  renew(held: FleetLeaseRecord, durationMs: number, nowMs: number, signal: AbortSignal): Promise<FleetLeaseRecord | undefined>;
  release(held: FleetLeaseRecord, signal: AbortSignal): Promise<boolean>;
}

/** What the manager and the reconciles see. */
export interface FleetView {
  /** This member may change the world (its reconciles' signals carry the lease's). */
  acting: boolean;
  /** This member's identity in the lease. */
  self: string;
  /** The holder last seen ('' released, undefined not read yet). */
  holder?: string;
  term?: number;
  /** Why the holder is not known now (the store did not answer). */
  problem?: string;
  /** How long a holder that stops renewing keeps the lease. */
  leaseDurationMs: number;
}

export interface FleetState extends FleetView {
  /** Aborted the moment this member stops acting; present only while it acts. */
  signal?: AbortSignal;
}

/** The view a reconcile gets: the state without the signal (the reconcile's own carries it). */
export function fleetViewOf(s: FleetState): FleetView {
  const { signal: _signal, ...view } = s;
  return view;
}

/** What the manager consults: started while this replica leads its cluster, stopped when it no longer does. */
export interface FleetCoordinator {
  start(onChange: () => void): void;
  /** Stops competing; if acting, stops acting and gives the lease up. */
  stop(): Promise<void>;
  state(): FleetState;
}

/** Kubernetes' own durations (15 s / 10 s / 2 s) suit a store that answers in milliseconds. */
export const DEFAULT_FLEET_LEASE_DURATION_MS = 15_000;
export const DEFAULT_FLEET_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_FLEET_RETRY_PERIOD_MS = 2_000;
/**
 * The renew deadline ends at least this long before the lease does: what clocks may drift
 * apart (in rate, not offset: expiry is judged on each member's own clock) during one lease,
 * plus the time a write takes to reach the store.
 */
export const FLEET_CLOCK_SKEW_MARGIN_MS = 1_000;

export interface FleetLeaseOptions {
  store: FleetLeaseStore;
  /** Unique per process: a restarted member waits for its old lease like anyone else. */
  identity: string;
  logger: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Where the lease metrics are registered (holder, term, seconds since the last renewal). */
  registry?: Registry;
  /** Monotonic ms (tests); default performance.now. */
  monotonic?: () => number;
  /** Wall-clock epoch ms written into the record (tests); default Date.now. */
  wallClock?: () => number;
}

/** Refuses durations that would let a member act after others may take over. */
export function checkFleetDurations(leaseMs: number, renewDeadlineMs: number, retryMs: number): void {
  if (renewDeadlineMs > leaseMs - FLEET_CLOCK_SKEW_MARGIN_MS) {
    throw new Error(
      `fleet lease: the renew deadline (${renewDeadlineMs} ms) must end at least ` +
        `${FLEET_CLOCK_SKEW_MARGIN_MS} ms (clock-skew margin) before the lease duration (${leaseMs} ms)`,
    );
  }
  if (retryMs >= renewDeadlineMs)
    throw new Error(`fleet lease: the retry period (${retryMs} ms) must be shorter than the renew deadline (${renewDeadlineMs} ms)`);
  if (retryMs <= 0) throw new Error('fleet lease: the retry period must be longer than 0');
}

export type FleetDecision = { action: 'acquire' } | { action: 'renew' } | { action: 'wait'; holder: string; expiresInMs: number };

/**
 * Pure: what to do with the record as read. `observedAtMs` is when (our monotonic clock) the
 * record was first seen as it is now: another holder's lease counts as expired only once it has
 * stayed unchanged for its whole duration since then.
 */
export function decideFleetLease(record: FleetLeaseRecord | undefined, identity: string, nowMs: number, observedAtMs: number): FleetDecision {
  if (!record || record.holder === '') return { action: 'acquire' };
  if (record.holder === identity) return { action: 'renew' };
  const expiresInMs = observedAtMs + record.durationMs - nowMs;
  return expiresInMs <= 0 ? { action: 'acquire' } : { action: 'wait', holder: record.holder, expiresInMs };
}

const fingerprint = (r: FleetLeaseRecord | undefined): string => (r ? JSON.stringify([r.holder, r.term, r.expiresAtMs, r.durationMs]) : '');

type Attempt = { kind: 'held'; record: FleetLeaseRecord } | { kind: 'other'; record: FleetLeaseRecord } | { kind: 'lost' };

export class FleetLease implements FleetCoordinator {
  readonly identity: string;
  private readonly leaseMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;
  private readonly mono: () => number;
  private readonly wall: () => number;
  private stopper: AbortController | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private onChange: () => void = () => {};
  /** Set while acting; aborted when acting ends. */
  private acting: AbortController | undefined;
  private deadline: NodeJS.Timeout | undefined;
  /** The record as we hold it (our last successful write). */
  private held: FleetLeaseRecord | undefined;
  /** The record as last read, and when (monotonic) it was first seen so. */
  private seen: FleetLeaseRecord | undefined;
  private seenFingerprint = '';
  private seenSinceMs = 0;
  private problem: string | undefined;
  /** Monotonic ms of the last renewal this member knows of (its own, or a change of the record it saw). */
  private lastRenewalMs: number | undefined;
  private lastReported = '';
  private readonly gauges: { acting?: Gauge; term?: Gauge; holder?: Gauge<'holder'>; sinceRenewal?: Gauge } = {};

  constructor(private readonly o: FleetLeaseOptions) {
    this.identity = o.identity;
    this.leaseMs = o.leaseDurationMs ?? DEFAULT_FLEET_LEASE_DURATION_MS;
    this.deadlineMs = o.renewDeadlineMs ?? DEFAULT_FLEET_RENEW_DEADLINE_MS;
    this.retryMs = o.retryPeriodMs ?? DEFAULT_FLEET_RETRY_PERIOD_MS;
    checkFleetDurations(this.leaseMs, this.deadlineMs, this.retryMs);
    this.mono = o.monotonic ?? (() => performance.now());
    this.wall = o.wallClock ?? Date.now;
    if (o.registry) this.registerMetrics(o.registry);
  }

  state(): FleetState {
    const holder = this.held && this.acting ? this.held.holder : this.seen?.holder;
    const term = this.held && this.acting ? this.held.term : this.seen?.term;
    return {
      acting: this.acting !== undefined,
      self: this.identity,
      leaseDurationMs: this.leaseMs,
      ...(holder !== undefined && { holder }),
      ...(term !== undefined && { term }),
      ...(this.problem !== undefined && { problem: this.problem }),
      ...(this.acting && { signal: this.acting.signal }),
    };
  }

  start(onChange: () => void): void {
    if (this.stopper) return;
    this.onChange = onChange;
    const stopper = new AbortController();
    this.stopper = stopper;
    this.loopDone = this.loop(stopper.signal);
  }

  async stop(): Promise<void> {
    const stopper = this.stopper;
    if (!stopper) return;
    stopper.abort();
    await this.loopDone;
    this.stopper = undefined;
    const held = this.held;
    this.stopActing('shutting down');
    if (held) await this.release(held);
    this.report();
    this.onChange = () => {};
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const startedAt = this.mono();
      let attempt: Attempt | undefined;
      try {
        attempt = await this.tryAcquireOrRenew(AbortSignal.any([signal, AbortSignal.timeout(this.deadlineMs)]));
        this.problem = undefined;
      } catch (err) {
        if (signal.aborted) break;
        this.problem = `the fleet lease store did not answer: ${err instanceof Error ? err.message : String(err)}`;
        this.o.logger.debug('fleet lease: request failed', { err });
      }
      if (signal.aborted) break;
      if (attempt?.kind === 'held') this.renewed(startedAt, attempt.record);
      else if (attempt) this.stopActing(attempt.kind === 'other' ? `the lease is held by ${attempt.record.holder}` : 'the lease was taken over');
      // No answer while acting: keep trying; the renew-deadline timer decides.
      this.report();
      await sleep(this.acting ? this.retryMs : jittered(this.retryMs * 1.1, 0.1), signal);
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const store = this.o.store;
    if (this.held && this.acting) {
      const renewed = await store.renew(this.held, this.leaseMs, this.wall(), signal);
      if (renewed) return { kind: 'held', record: renewed };
      this.held = undefined;
      // Taken over: who holds it now is what our objects say from here on.
      this.stopActing('the lease was taken over');
      this.observe(await store.read(signal));
      return { kind: 'lost' };
    }
    const record = await store.read(signal);
    this.observe(record);
    // Ours already: a write of ours whose answer was lost, or acting stopped at the deadline
    // while the lease stayed ours. Renewing (conditional on holder and term) proves it is.
    if (record && record.holder === this.identity) {
      const renewed = await store.renew(record, this.leaseMs, this.wall(), signal);
      if (renewed) return { kind: 'held', record: renewed };
      return { kind: 'lost' };
    }
    const decision = decideFleetLease(record, this.identity, this.mono(), this.seenSinceMs);
    if (decision.action === 'wait') return { kind: 'other', record: record! };
    const acquired = await store.acquire(record, this.identity, this.leaseMs, this.wall(), signal);
    if (acquired) {
      this.o.logger.info('fleet lease acquired', { holder: this.identity, term: acquired.term, previous: record?.holder || undefined });
      return { kind: 'held', record: acquired };
    }
    // Someone moved first; the next attempt reads what they wrote.
    return { kind: 'lost' };
  }

  /** Keeps the first-seen time while the record is unchanged; a change is a renewal by its holder. */
  private observe(record: FleetLeaseRecord | undefined): void {
    const f = fingerprint(record);
    this.seen = record;
    if (f === this.seenFingerprint) return;
    this.seenFingerprint = f;
    this.seenSinceMs = this.mono();
    if (record && record.holder !== '') this.lastRenewalMs = this.seenSinceMs;
  }

  private renewed(requestStartedAt: number, record: FleetLeaseRecord): void {
    this.held = record;
    this.observe(record);
    this.lastRenewalMs = requestStartedAt;
    clearTimeout(this.deadline);
    // From when the request left, which is no later than the store saw it: others wait from then on.
    const left = this.deadlineMs - (this.mono() - requestStartedAt);
    this.deadline = setTimeout(
      () => {
        this.stopActing('renew deadline passed');
        this.report();
      },
      Math.max(0, left),
    );
    this.deadline.unref();
    if (!this.acting) {
      this.acting = new AbortController();
      this.o.logger.info('fleet lease: acting', { holder: this.identity, term: record.term });
    }
  }

  private stopActing(why: string): void {
    clearTimeout(this.deadline);
    const acting = this.acting;
    if (!acting) return;
    this.acting = undefined;
    acting.abort(new Error(`fleet lease: ${why}`));
    this.o.logger.warn('fleet lease: no longer acting', { identity: this.identity, why });
  }

  private async release(held: FleetLeaseRecord): Promise<void> {
    try {
      const released = await this.o.store.release(held, AbortSignal.timeout(this.deadlineMs));
      this.held = undefined;
      if (released) this.o.logger.info('fleet lease released', { term: held.term });
    } catch (err) {
      this.o.logger.warn('could not release the fleet lease; another member takes over once it expires', { err });
    }
  }

  /** Tells the manager when what a reconcile would write changes (acting, holder, term, a problem). */
  private report(): void {
    const s = this.state();
    this.gauges.acting?.set(s.acting ? 1 : 0);
    if (s.term !== undefined) this.gauges.term?.set(s.term);
    const now = JSON.stringify([s.acting, s.holder, s.term, s.problem !== undefined]);
    if (now === this.lastReported) return;
    if (this.gauges.holder) {
      this.gauges.holder.reset();
      if (s.holder) this.gauges.holder.set({ holder: s.holder }, 1);
    }
    this.lastReported = now;
    try {
      this.onChange();
    } catch (err) {
      this.o.logger.error('fleet lease onChange threw', { err });
    }
  }

  private registerMetrics(registry: Registry): void {
    const registers = [registry];
    this.gauges.acting = new Gauge({ name: 'multiregion_fleet_acting', help: 'Whether this member acts for the fleet (1) or stands by (0).', registers });
    this.gauges.term = new Gauge({
      name: 'multiregion_fleet_lease_term',
      help: 'The fleet lease term last seen (one more at every change of holder).',
      registers,
    });
    this.gauges.holder = new Gauge({
      name: 'multiregion_fleet_lease_holder',
      help: 'The fleet lease holder last seen (value 1, the holder in the label).',
      labelNames: ['holder'],
      registers,
    });
    const self = this;
    this.gauges.sinceRenewal = new Gauge({
      name: 'multiregion_fleet_lease_seconds_since_renewal',
      help:
        'Seconds since the fleet lease was last renewed as this member knows: its own ' +
        'renewal while acting, else the last change of the record it saw (-1: none yet).',
      registers,
      collect() {
        this.set(self.lastRenewalMs === undefined ? -1 : (self.mono() - self.lastRenewalMs) / 1000);
      },
    });
  }
}
