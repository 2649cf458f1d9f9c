// The latest health of every policy's Route 53 checks, kept in memory and refreshed by one
// background loop: all checks of one account cost one GetMetricData call per 500 (CloudWatch
// HealthCheckStatus in us-east-1), never GetHealthCheckStatus. A policy whose check changed
// health is enqueued; reconciles only read the board.
import type { Health } from '../../api/types.ts';
import { HealthObserver } from '../../aws/cloudwatch/health-status.ts';
import type { AwsClients, AwsTarget } from '../../aws/types.ts';
import type { Logger } from '../../runtime/logger.ts';
import { accountKey, ROUTE53_REGION } from './resolve.ts';

export interface HealthEntry {
  health: Health;
  /** When this health was first seen (ISO). */
  since: string;
}

interface Watched {
  target: AwsTarget;
  ids: string[];
}

export class HealthBoard {
  private readonly byId = new Map<string, HealthEntry>();
  private readonly watched = new Map<string, Watched>();
  private readonly observers = new Map<string, HealthObserver>();

  constructor(
    private readonly aws: AwsClients,
    private readonly onChange: (policyKey: string) => void,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The checks of one policy (replacing what it had). */
  watch(policyKey: string, route53: AwsTarget, ids: string[]): void {
    if (ids.length === 0) this.watched.delete(policyKey);
    else this.watched.set(policyKey, { target: route53, ids: [...ids].sort() });
  }

  unwatch(policyKey: string): void {
    this.watched.delete(policyKey);
  }

  get(id: string | undefined): HealthEntry | undefined {
    return id === undefined ? undefined : this.byId.get(id);
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
    const changed = new Set<string>();
    for (const [k, g] of groups) {
      let samples;
      try {
        samples = await this.observer(k, g.target).observe([...g.ids]);
      } catch (err) {
        this.log.warn('health observation failed; keeping the last values', { error: String(err) });
        continue;
      }
      const at = this.now().toISOString();
      for (const [id, s] of samples) {
        const prev = this.byId.get(id);
        if (prev?.health === s.health) continue;
        this.byId.set(id, { health: s.health, since: at });
        changed.add(id);
      }
    }
    const live = new Set([...this.watched.values()].flatMap((w) => w.ids));
    for (const id of this.byId.keys()) if (!live.has(id)) this.byId.delete(id);
    for (const [key, w] of this.watched) if (w.ids.some((id) => changed.has(id))) this.onChange(key);
  }

  /** Polls every `intervalMs` until the returned stop function is called. */
  start(intervalMs: number): () => Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    let stopped = false;
    const tick = (): void => {
      running = this.poll()
        .catch((err: unknown) => void this.log.warn('health loop failed', { error: String(err) }))
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, intervalMs);
        });
    };
    timer = setTimeout(tick, Math.min(intervalMs, 1_000));
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    };
  }

  private observer(key: string, target: AwsTarget): HealthObserver {
    let o = this.observers.get(key);
    if (!o) {
      o = new HealthObserver(this.aws.cloudwatch({ ...target, region: ROUTE53_REGION }), { now: this.now });
      this.observers.set(key, o);
    }
    return o;
  }
}
