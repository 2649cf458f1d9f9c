// Kubernetes Events for what users need to see on `kubectl describe`: AWS creates/deletes,
// promotions, failovers, terminal errors. Repeats of the same (object, type, reason, message)
// within the aggregation window bump count/lastTimestamp on the existing Event instead of
// creating a new one, as client-go's recorder does. Recording never throws: an Event is
// best-effort and must not fail a reconcile.
//
// Events go out one at a time, in the order recorded, as client-go's broadcaster sends them: a
// burst (50 failovers at once write ~4 Events each) then takes one request slot of the apiserver
// instead of as many as there are Events, and the status writes of the failovers go first. Each
// Event keeps the time it was recorded. Beyond MAX_QUEUED waiting Events new ones are dropped
// (client-go drops past 1,000 too) and the drop is logged; a write that hangs is given up after
// WRITE_TIMEOUT_MS, so the Events behind it go on.

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
export const MAX_QUEUED = 1000;
/** One Event write gives up after this: the Events behind it must not wait on a hung request. */
export const WRITE_TIMEOUT_MS = 10_000;

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
  /** Events waiting to be sent beyond this are dropped (default MAX_QUEUED). */
  maxQueued?: number;
  /** A write not answered in this long is given up (default WRITE_TIMEOUT_MS). */
  writeTimeoutMs?: number;
  now?: () => number;
}

/** An Event recorded and not yet sent. */
interface Pending {
  key: string;
  obj: KubeObjectLike;
  type: EventType;
  reason: string;
  message: string;
  atMs: number;
  sent: () => void;
}

export class EventRecorder {
  private readonly seen = new Map<string, SeenEvent>();
  private readonly queue: Pending[] = [];
  private sending = false;
  private dropped = 0;
  private readonly instance: string;
  private readonly now: () => number;

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

  /** Events recorded and not yet sent (the one being sent included). */
  get waiting(): number {
    return this.queue.length + (this.sending ? 1 : 0);
  }

  /** Resolves when the Event is written, or the attempt failed or it was dropped (logged); never rejects. */
  record(obj: KubeObjectLike, type: EventType, reason: string, message: string): Promise<void> {
    const msg = truncateMessage(message);
    if (this.queue.length >= (this.o.maxQueued ?? MAX_QUEUED)) {
      this.dropped++;
      // Once per hundred: a storm of drops must not become a storm of log lines.
      if (this.dropped % 100 === 1)
        this.o.logger.warn('events dropped: too many waiting to be sent', { dropped: this.dropped, reason, name: obj.metadata.name });
      return Promise.resolve();
    }
    return new Promise<void>((sent) => {
      this.queue.push({ key: aggregationKey(obj, type, reason, msg), obj, type, reason, message: msg, atMs: this.now(), sent });
      void this.drain();
    });
  }

  /** Sends the waiting Events one after the other; one drain runs at a time. */
  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    for (let e = this.queue.shift(); e; e = this.queue.shift()) {
      try {
        await this.write(e);
      } catch (err) {
        this.o.logger.warn('could not record event', {
          reason: e.reason,
          eventType: e.type,
          name: e.obj.metadata.name,
          namespace: e.obj.metadata.namespace,
          err,
        });
      }
      e.sent();
    }
    this.sending = false;
  }

  private async write({ key, obj, type, reason, message, atMs: nowMs }: Pending): Promise<void> {
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
