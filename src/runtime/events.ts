// Kubernetes Events for what users need to see on `kubectl describe`: AWS creates/deletes,
// promotions, failovers, terminal errors. Repeats of the same (object, type, reason, message)
// within the aggregation window bump count/lastTimestamp on the existing Event instead of
// creating a new one, as client-go's recorder does. Recording never throws: an Event is
// best-effort and must not fail a reconcile. A write not answered in WRITE_TIMEOUT_MS is given
// up: a hung request must not hold the repeats chained behind it.
// While `deferWhile` says the controller has work waiting for a worker (a wave of failovers),
// Events wait, oldest first, for at most `maxDeferMs`: what the passes must write goes to the
// apiserver first, as client-go's recorder sends from a buffer of its own instead of from the
// reconcile. Once no work waits they are written, a few side by side.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { toKubeTime } from './conditions.ts';
import type { KubeObjectLike } from './kube-object.ts';
import { isNotFound, kubeRequest, MERGE_PATCH } from './kube-request.ts';
import type { Logger } from './logger.ts';

export type EventType = 'Normal' | 'Warning';
export const REPORTING_COMPONENT = 'multiregion-controller';
export const AGGREGATION_WINDOW_MS = 10 * 60_000;
const MAX_MESSAGE = 1024;
/** One Event write gives up after this. */
export const WRITE_TIMEOUT_MS = 10_000;
/** An Event held back while work waits is written after this at the latest. */
export const MAX_DEFER_MS = 5_000;
const DEFER_POLL_MS = 50;
/** Held Events written side by side. */
const DRAIN_BATCH = 8;
/** Held Events beyond this are dropped (an apiserver that does not keep up). */
export const MAX_HELD = 5_000;

/** What the recorder remembers about an Event it wrote. */
export interface SeenEvent {
  namespace: string;
  name: string;
  count: number;
  lastSeenMs: number;
}

export type EventAction = { action: 'create' } | { action: 'bump'; count: number };

/** Events aggregate when they are about the same object incarnation (uid) and say the same thing. */
export function aggregationKey(obj: KubeObjectLike, type: EventType, reason: string, message: string): string {
  const m = obj.metadata;
  return JSON.stringify([obj.apiVersion, obj.kind, m.namespace ?? '', m.name, m.uid ?? '', type, reason, message]);
}

/** Create a new Event, or bump the one seen within the window. */
export function nextEventAction(seen: SeenEvent | undefined, nowMs: number, windowMs = AGGREGATION_WINDOW_MS): EventAction {
  if (seen && nowMs - seen.lastSeenMs < windowMs) return { action: 'bump', count: seen.count + 1 };
  return { action: 'create' };
}

export const truncateMessage = (m: string): string => (m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE - 3)}...` : m);

export interface EventRecorderOptions {
  kc: KubeConfig;
  logger: Logger;
  /** reportingInstance / source.host: which replica wrote the Event. */
  instance?: string;
  windowMs?: number;
  /** Remembered Events beyond this are forgotten oldest-first (their repeats create anew). */
  maxRemembered?: number;
  /** A write not answered in this long is given up (default WRITE_TIMEOUT_MS). */
  writeTimeoutMs?: number;
  now?: () => number;
  /** While this returns true, Events wait (see the top of the file). */
  deferWhile?: () => boolean;
  /** The longest an Event waits for deferWhile (default MAX_DEFER_MS). */
  maxDeferMs?: number;
  /** Held Events beyond this many are dropped (default MAX_HELD). */
  maxHeld?: number;
}

interface Held {
  since: number;
  write: () => Promise<void>;
  done: (err?: unknown) => void;
}

export class EventRecorder {
  private readonly seen = new Map<string, SeenEvent>();
  /** One write at a time per aggregation key, so repeats don't race their own create. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly instance: string;
  private readonly now: () => number;
  /** Events held back by deferWhile, oldest first. */
  private readonly held: Held[] = [];
  private draining = false;

  constructor(private readonly o: EventRecorderOptions) {
    this.instance = o.instance ?? hostname();
    this.now = o.now ?? Date.now;
  }

  normal(obj: KubeObjectLike, reason: string, message: string): Promise<void> {
    return this.record(obj, 'Normal', reason, message);
  }

  warning(obj: KubeObjectLike, reason: string, message: string): Promise<void> {
    return this.record(obj, 'Warning', reason, message);
  }

  /** Resolves when the Event is written or the attempt failed (logged); never rejects. */
  record(obj: KubeObjectLike, type: EventType, reason: string, message: string): Promise<void> {
    const msg = truncateMessage(message);
    const key = aggregationKey(obj, type, reason, msg);
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev
      .then(() => this.inTurn(() => this.write(key, obj, type, reason, msg)))
      .catch((err: unknown) => {
        this.o.logger.warn('could not record event', { reason, eventType: type, name: obj.metadata.name, namespace: obj.metadata.namespace, err });
      });
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  /** Writes now, unless work is waiting or Events are held already: then behind them. */
  private inTurn(write: () => Promise<void>): Promise<void> {
    const busy = this.o.deferWhile;
    if (!busy || (this.held.length === 0 && !busy())) return write();
    // Bounded like client-go's event buffer: past it an Event is dropped, not kept in memory.
    const cap = this.o.maxHeld ?? MAX_HELD;
    if (this.held.length >= cap) return Promise.reject(new Error(`${cap} Events are waiting already: dropped`));
    return new Promise<void>((resolve, reject) => {
      this.held.push({ since: Date.now(), write, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.draining) void this.drain(busy);
    });
  }

  /**
   * Held Events go DRAIN_BATCH at a time, oldest first: all of them once no work waits, and while
   * work still waits those held longer than the limit (a slow apiserver must not make the buffer
   * grow without end, nor a flush of hundreds crowd the passes still running).
   */
  private async drain(busy: () => boolean): Promise<void> {
    this.draining = true;
    const max = this.o.maxDeferMs ?? MAX_DEFER_MS;
    while (this.held.length > 0) {
      const free = !busy();
      const now = Date.now();
      const due = free ? this.held.length : this.held.findIndex((h) => now - h.since < max);
      const n = due === -1 ? this.held.length : due;
      if (n === 0) {
        await new Promise((r) => setTimeout(r, DEFER_POLL_MS));
        continue;
      }
      const batch = this.held.splice(0, Math.min(n, DRAIN_BATCH));
      await Promise.all(
        batch.map((h) =>
          h.write().then(
            () => h.done(),
            (err: unknown) => h.done(err ?? new Error('event write failed')),
          ),
        ),
      );
    }
    this.draining = false;
  }

  private async write(key: string, obj: KubeObjectLike, type: EventType, reason: string, message: string): Promise<void> {
    const nowMs = this.now();
    const ts = toKubeTime(new Date(nowMs));
    const signal = AbortSignal.timeout(this.o.writeTimeoutMs ?? WRITE_TIMEOUT_MS);
    const seen = this.seen.get(key);
    const decision = nextEventAction(seen, nowMs, this.o.windowMs);
    if (seen && decision.action === 'bump') {
      try {
        await kubeRequest(this.o.kc, {
          method: 'PATCH',
          path: `/api/v1/namespaces/${encodeURIComponent(seen.namespace)}/events/${encodeURIComponent(seen.name)}`,
          contentType: MERGE_PATCH,
          body: { count: decision.count, lastTimestamp: ts, message },
          signal,
        });
        this.remember(key, { ...seen, count: decision.count, lastSeenMs: nowMs });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The Event expired (TTL) or was deleted: start a new one.
      }
    }
    const namespace = obj.metadata.namespace || 'default';
    const name = `${obj.metadata.name}.${nowMs.toString(16)}${randomBytes(3).toString('hex')}`;
    await kubeRequest(this.o.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      signal,
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
        },
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: ts,
        lastTimestamp: ts,
        source: { component: REPORTING_COMPONENT, host: this.instance },
        reportingComponent: REPORTING_COMPONENT,
        reportingInstance: this.instance,
      },
    });
    this.remember(key, { namespace, name, count: 1, lastSeenMs: nowMs });
  }

  private remember(key: string, e: SeenEvent): void {
    this.seen.delete(key); // re-insert: Map order doubles as least-recently-used order
    this.seen.set(key, e);
    const max = this.o.maxRemembered ?? 4096;
    while (this.seen.size > max) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
  }
}
