// Lease leader election (client-go's leaderelection): only the holder of the Lease runs
// reconciles. Losing it — another holder seen, or no successful renew within the renew
// deadline — calls onStoppedLeading at once, even while a renew request still hangs.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { jittered, sleep } from './backoff.ts';
import { isConflict, isNotFound, kubeRequest } from './kube-request.ts';
import { decideLease, type LeaseObservation, type LeaseSpec, nextLeaseSpec, observeLease, releasedLeaseSpec } from './lease.ts';
import type { Logger } from './logger.ts';

export interface LeaderElectionOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  logger: Logger;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** client-go's defaults: 15 s lease, 10 s renew deadline, 2 s retry period. */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/** `<name>_<pid>_<random>`: the Lease names the pod holding it (`name`, e.g. the downward API's pod name; else the host name), and stays unique per process. */
export const defaultIdentity = (name: string = hostname()): string => `${name}_${process.pid}_${randomBytes(4).toString('hex')}`;

type Attempt = 'held' | 'heldByOther' | 'failed';

export class LeaderElector {
  readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopper = new AbortController();
  private leading = false;
  private deadline: NodeJS.Timeout | undefined;
  private observed: LeaseObservation | undefined;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly o: LeaderElectionOptions) {
    this.identity = o.identity ?? defaultIdentity();
    this.leaseDurationMs = o.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = o.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = o.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new Error('leader election: renew deadline must be shorter than the lease duration');
    if (this.retryPeriodMs >= this.renewDeadlineMs) throw new Error('leader election: retry period must be shorter than the renew deadline');
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.o.namespace)}/leases`;
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loopDone = this.loop();
  }

  /** Stops competing; if leading, gives the lease up (release) and reports leadership lost. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loopDone;
    if (this.leading) {
      await this.release();
      this.lose('shutting down');
    }
  }

  private async loop(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      const startedAt = Date.now();
      let attempt: Attempt;
      try {
        attempt = await this.tryAcquireOrRenew();
      } catch (err) {
        attempt = 'failed';
        this.o.logger.debug('leader election: lease request failed', { err, lease: this.o.name });
      }
      if (signal.aborted) break;
      if (attempt === 'held') this.renewed(startedAt);
      else if (attempt === 'heldByOther') this.lose('the lease is held by another replica');
      // 'failed' while leading: keep trying; the renew-deadline timer decides.
      // Candidates wait a jittered period so replicas don't hit the Lease in lockstep.
      await sleep(this.leading ? this.retryPeriodMs : jittered(this.retryPeriodMs * 1.1, 0.1), signal);
    }
  }

  private renewed(requestStartedAt: number): void {
    clearTimeout(this.deadline);
    // Measured from when the request left, which is no later than the renewTime others see.
    const left = this.renewDeadlineMs - (Date.now() - requestStartedAt);
    this.deadline = setTimeout(() => this.lose('renew deadline passed'), Math.max(0, left));
    this.deadline.unref();
    if (!this.leading) {
      this.leading = true;
      this.o.logger.info('became leader', { lease: this.o.name, identity: this.identity });
      this.callback(this.o.onStartedLeading);
    }
  }

  private lose(why: string): void {
    clearTimeout(this.deadline);
    if (!this.leading) return;
    this.leading = false;
    this.o.logger.warn('leadership lost', { lease: this.o.name, identity: this.identity, why });
    this.callback(this.o.onStoppedLeading);
  }

  private callback(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.logger.error('leader election callback threw', { err });
    }
  }

  private requestSignal(): AbortSignal {
    return AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.renewDeadlineMs)]);
  }

  private async getLease(signal: AbortSignal): Promise<Lease | undefined> {
    try {
      return await kubeRequest<Lease>(this.o.kc, { method: 'GET', path: `${this.path}/${encodeURIComponent(this.o.name)}`, signal });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const signal = this.requestSignal();
    const lease = await this.getLease(signal);
    const now = Date.now();
    this.observed = observeLease(this.observed, lease?.spec, now);
    const decision = decideLease(lease?.spec, this.identity, now, this.observed.atMs);
    if (decision.action === 'wait') return 'heldByOther';

    const spec = nextLeaseSpec(lease?.spec, this.identity, new Date(now), Math.ceil(this.leaseDurationMs / 1000));
    const metadata = { name: this.o.name, namespace: this.o.namespace, resourceVersion: lease?.metadata.resourceVersion };
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
    try {
      // The resourceVersion makes the write conditional: two candidates can't both win.
      await kubeRequest(
        this.o.kc,
        lease ? { method: 'PUT', path: `${this.path}/${encodeURIComponent(this.o.name)}`, body, signal } : { method: 'POST', path: this.path, body, signal },
      );
    } catch (err) {
      // Someone wrote the lease in between (or our own earlier write that timed out did):
      // the next attempt reads it again and decides on fresh data.
      if (isConflict(err)) return 'failed';
      throw err;
    }
    this.observed = observeLease(undefined, spec, now);
    return 'held';
  }

  /** Hands the lease over early, if we still hold it. Best-effort: failures are logged. */
  private async release(): Promise<void> {
    try {
      const signal = AbortSignal.timeout(this.renewDeadlineMs);
      const lease = await this.getLease(signal);
      if (!lease?.spec || lease.spec.holderIdentity !== this.identity) return;
      await kubeRequest(this.o.kc, {
        method: 'PUT',
        path: `${this.path}/${encodeURIComponent(this.o.name)}`,
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec: releasedLeaseSpec(lease.spec, new Date()) },
        signal,
      });
      this.o.logger.info('released the leader lease', { lease: this.o.name });
    } catch (err) {
      this.o.logger.warn('could not release the leader lease; the next leader waits for it to expire', { err });
    }
  }
}
