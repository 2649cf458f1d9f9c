// Leader-election decisions over a coordination.k8s.io/v1 Lease, pure. leader.ts does the I/O.

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export type LeaseDecision = { action: 'create' } | { action: 'renew' } | { action: 'acquire' } | { action: 'wait'; holder: string; expiresAtMs: number };

/**
 * When this replica first saw the lease in its current state. Expiry is judged on our own clock
 * from that moment, never from the holder's renewTime, so clock skew between nodes can't make a
 * live lease look expired (client-go's observedTime).
 */
export interface LeaseObservation {
  fingerprint: string;
  atMs: number;
}

const fingerprint = (spec: LeaseSpec | undefined): string =>
  spec ? JSON.stringify([spec.holderIdentity ?? '', spec.renewTime ?? '', spec.leaseTransitions ?? 0, spec.leaseDurationSeconds ?? 0]) : '';

/** Keeps the observation time while the lease is unchanged; restarts it when the lease moved. */
export function observeLease(prev: LeaseObservation | undefined, spec: LeaseSpec | undefined, nowMs: number): LeaseObservation {
  const f = fingerprint(spec);
  return prev && prev.fingerprint === f ? prev : { fingerprint: f, atMs: nowMs };
}

export function decideLease(spec: LeaseSpec | undefined, identity: string, nowMs: number, observedAtMs: number): LeaseDecision {
  if (!spec) return { action: 'create' };
  const holder = spec.holderIdentity ?? '';
  if (holder === identity) return { action: 'renew' };
  if (holder === '') return { action: 'acquire' };
  const expiresAtMs = observedAtMs + (spec.leaseDurationSeconds ?? 0) * 1000;
  if (nowMs >= expiresAtMs) return { action: 'acquire' };
  return { action: 'wait', holder, expiresAtMs };
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits (the apiserver insists). */
export function toMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The spec to write for a create, acquire or renew decision. */
export function nextLeaseSpec(prev: LeaseSpec | undefined, identity: string, now: Date, durationSeconds: number): LeaseSpec {
  const t = toMicroTime(now);
  const prevHolder = prev?.holderIdentity ?? '';
  if (prev && prevHolder === identity) {
    return { ...prev, leaseDurationSeconds: durationSeconds, renewTime: t };
  }
  return {
    holderIdentity: identity,
    leaseDurationSeconds: durationSeconds,
    acquireTime: t,
    renewTime: t,
    leaseTransitions: prev ? (prev.leaseTransitions ?? 0) + 1 : 0,
  };
}

/** Given up on shutdown: no holder and a 1 s duration, so a standby takes over on its next try. */
export function releasedLeaseSpec(prev: LeaseSpec, now: Date): LeaseSpec {
  const t = toMicroTime(now);
  return { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: t, renewTime: t, leaseTransitions: prev.leaseTransitions ?? 0 };
}
