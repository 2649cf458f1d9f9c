// The latest health of every policy's Route 53 checks, kept in memory and refreshed by one
// background loop: all checks of one account cost one GetMetricData call per 500 (CloudWatch
// HealthCheckStatus in us-east-1), never GetHealthCheckStatus. A policy whose check changed
// health is enqueued; reconciles only read the board.
//
// Aging: an entry is only as good as the last observation that confirmed it. When
// GetMetricData keeps failing, an entry older than AGE_LIMIT_INTERVALS observation intervals
// (never less than AGE_LIMIT_FLOOR_MS) reads Unknown, with `since` = the moment it became
// unknown. Without this, a region last seen Unhealthy would count towards unhealthyForSeconds
// on data nobody can see any more, and a standby last seen Healthy would stay "ready".
import type { Health } from '../../api/types.ts';
import { HealthObserver, type HealthSample } from '../../aws/cloudwatch/health-status.ts';
import type { AwsClients, AwsTarget } from '../../aws/types.ts';
import type { Logger } from '../../runtime/logger.ts';
import { accountKey, ROUTE53_REGION } from './resolve.ts';

export interface HealthEntry {
  health: Health;
  /** When this health was first seen (ISO). */
  since: string;
}

interface Stored extends HealthEntry {
  /** When an observation last confirmed this check (ms). */
  confirmedAt: number;
}

interface Watched {
  target: AwsTarget;
  ids: string[];
}

// Three intervals: one failed or slow pass (a throttled burst, a timeout) is not an outage of
// our view. The floor is one metric period (60 s): HealthCheckStatus has one-minute data, so
// an entry younger than that is as fresh as the metric can be, and a 1 s interval must not
// turn every hiccup into Unknown (which restarts the failover clock).
export const AGE_LIMIT_INTERVALS = 3;
export const AGE_LIMIT_FLOOR_MS = 60_000;
const DEFAULT_INTERVAL_MS = 30_000;

export interface HealthBoardOptions {
  /** The observation interval; start() sets it too. */
  intervalMs?: number;
  /** Called once per failed observation of one account's checks (a metric counter). */
  onObserveFailure?: () => void;
  /** The window health is judged over (HealthObserver's periodSeconds; 60 on AWS). */
  periodSeconds?: number;
}

export class HealthBoard {
  private readonly byId = new Map<string, Stored>();
  private readonly watched = new Map<string, Watched>();
  private readonly observers = new Map<string, HealthObserver>();
  /** Accounts whose last observation failed: their policies heard of it once, when it began. */
  private readonly failing = new Set<string>();
  private intervalMs: number;

  constructor(
    private readonly aws: AwsClients,
    private readonly onChange: (policyKey: string) => void,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
    private readonly opts: HealthBoardOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  }

  /** The observation interval: a policy without Route 53 checks reads its GA health at this cadence (sync.ts). */
  get observeIntervalMs(): number {
    return this.intervalMs;
  }

  /** How old an unconfirmed entry may get before it reads Unknown. */
  get ageLimitMs(): number {
    return Math.max(AGE_LIMIT_INTERVALS * this.intervalMs, AGE_LIMIT_FLOOR_MS);
  }

  /** The checks of one policy (replacing what it had). */
  watch(policyKey: string, route53: AwsTarget, ids: string[]): void {
    if (ids.length === 0) this.watched.delete(policyKey);
    else this.watched.set(policyKey, { target: route53, ids: [...ids].sort() });
  }

  unwatch(policyKey: string): void {
    this.watched.delete(policyKey);
  }

  /** Aged here too, so a reconcile between two polls never reads an entry past its limit. */
  get(id: string | undefined): HealthEntry | undefined {
    const e = id === undefined ? undefined : this.byId.get(id);
    if (!e) return undefined;
    const { health, since } = this.aged(e, this.now().getTime());
    return { health, since };
  }

  /** One pass over every watched check, grouped by account. */
  async poll(): Promise<void> {
    const groups = new Map<string, { target: AwsTarget; ids: Set<string> }>();
    for (const w of this.watched.values()) {
      const k = accountKey(w.target);
      const g = groups.get(k) ?? { target: w.target, ids: new Set<string>() };
      for (const id of w.ids) g.ids.add(id);
      groups.set(k, g);
    }
    // An account nobody watches any more is forgotten: its observer, and that it was failing (a
    // policy that watches it later must hear of a failure that is still going on).
    for (const k of this.observers.keys()) if (!groups.has(k)) this.observers.delete(k);
    for (const k of this.failing) if (!groups.has(k)) this.failing.delete(k);
    const changed = new Set<string>();
    for (const [k, g] of groups) {
      let samples: Map<string, HealthSample>;
      try {
        samples = await this.observer(k, g.target).observe([...g.ids]);
      } catch (err) {
        this.opts.onObserveFailure?.();
        this.log.warn('health observation failed; entries turn Unknown once older than the age limit', { error: String(err), ageLimitMs: this.ageLimitMs });
        // The first failure enqueues the account's policies once: a pass then reads Route 53 itself
        // and says in status what it finds (a region that stopped answering shows within a pass,
        // not after the age limit or the next resync). Health values stay as they were.
        if (!this.failing.has(k)) for (const id of g.ids) changed.add(id);
        this.failing.add(k);
        continue;
      }
      this.failing.delete(k);
      const at = this.now();
      for (const [id, s] of samples) {
        const prev = this.byId.get(id);
        // Compared with what get() says now: after a gap, the same health starts a new `since`.
        const same = prev && this.aged(prev, at.getTime()).health === s.health;
        this.byId.set(id, same ? { ...prev, confirmedAt: at.getTime() } : { health: s.health, since: at.toISOString(), confirmedAt: at.getTime() });
        if (!same) changed.add(id);
      }
    }
    // Entries nobody confirmed for too long become Unknown here, so their policies hear of it.
    const nowMs = this.now().getTime();
    for (const [id, e] of this.byId) {
      const a = this.aged(e, nowMs);
      if (a === e) continue;
      this.byId.set(id, { ...a, confirmedAt: e.confirmedAt });
      changed.add(id);
    }
    const live = new Set([...this.watched.values()].flatMap((w) => w.ids));
    for (const id of this.byId.keys()) if (!live.has(id)) this.byId.delete(id);
    for (const [key, w] of this.watched) if (w.ids.some((id) => changed.has(id))) this.onChange(key);
  }

  /**
   * Polls every `intervalMs`, start to start, until the returned stop function is called: the
   * time a poll takes is not added to the interval (it would be to every detection). Polls never
   * overlap, and one longer than the interval is followed after a tenth of it: GetMetricData is
   * billed per metric read, so a slow account must not turn the loop into back-to-back reads.
   */
  start(intervalMs: number): () => Promise<void> {
    this.intervalMs = intervalMs;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    let stopped = false;
    const tick = (): void => {
      const startedAt = Date.now();
      running = this.poll()
        .catch((err: unknown) => void this.log.warn('health loop failed', { error: String(err) }))
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, Math.max(intervalMs / 10, startedAt + intervalMs - Date.now()));
        });
    };
    timer = setTimeout(tick, Math.min(intervalMs, 1_000));
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    };
  }

  /** `e` itself while fresh (or already Unknown); past the limit, Unknown since the limit ran out. */
  private aged(e: Stored, nowMs: number): Stored {
    const expires = e.confirmedAt + this.ageLimitMs;
    if (e.health === 'Unknown' || nowMs <= expires) return e;
    return { health: 'Unknown', since: new Date(expires).toISOString(), confirmedAt: e.confirmedAt };
  }

  private observer(key: string, target: AwsTarget): HealthObserver {
    let o = this.observers.get(key);
    if (!o) {
      o = new HealthObserver(this.aws.cloudwatch({ ...target, region: ROUTE53_REGION }), {
        now: this.now,
        ...(this.opts.periodSeconds && { periodSeconds: this.opts.periodSeconds }),
      });
      this.observers.set(key, o);
    }
    return o;
  }
}
