// An unplanned failover carries its own record in AWS: the fence writes it on the old writer
// before the swap, and the promote on the standby with its request mark (tag
// multiregion.dev/failover). So the pass that triggers, checks the lag, fences and promotes may
// send all of it before any status write (database.ts: markCarriesStep, promoteWriteWaits): a
// later pass that finds status without the failover rebuilds it from either instance, at the step
// the marks prove, and the machine goes on exactly as if status had held it. One apiserver write
// less per failover, and none before the promote, while a wave of them shares the apiserver.
// A failover the marks cannot describe whole (planned, data loss accepted, RPO unknown) is
// recorded in status before its fence, as before.
import type { InstanceRef } from '../../aws/rds/observe.ts';
import type { FailoverProgress, Work } from './failover-machine.ts';
import { sameRef } from './failover-ready.ts';

export interface FailoverMark {
  reason: 'PrimaryUnhealthy';
  startedAt: string;
  rpoSeconds: number;
  from: InstanceRef;
  to: InstanceRef;
}

const REF = /^([a-z0-9-]+)\/([A-Za-z0-9-]+)$/;

/**
 * The mark of a failover whose record status may wait for, or undefined. RDS tag values allow
 * letters, digits, spaces and `_.:/=+-@`, 256 characters: regions and identifiers (63) fit.
 */
export function failoverMarkOf(ip: FailoverProgress): string | undefined {
  if (ip.reason !== 'PrimaryUnhealthy' || ip.dataLossAccepted !== undefined || ip.rpoSeconds === undefined) return undefined;
  if (!ip.fromIdentifier || !ip.toIdentifier) return undefined;
  return `reason=${ip.reason} startedAt=${ip.startedAt} rpo=${ip.rpoSeconds} from=${ip.from}/${ip.fromIdentifier} to=${ip.to}/${ip.toIdentifier}`;
}

/** Pure: a mark as failoverMarkOf wrote it, or undefined for anything else (never guessed). */
export function parseFailoverMark(value: string | undefined): FailoverMark | undefined {
  if (!value) return undefined;
  const f = Object.fromEntries(value.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const from = REF.exec(f.from ?? '');
  const to = REF.exec(f.to ?? '');
  const rpo = Number(f.rpo);
  if (f.reason !== 'PrimaryUnhealthy' || !from || !to || !Number.isFinite(rpo) || !Number.isFinite(Date.parse(f.startedAt ?? ''))) return undefined;
  const ref = (m: RegExpExecArray): InstanceRef => ({ region: m[1]!, identifier: m[2]! });
  return { reason: 'PrimaryUnhealthy', startedAt: f.startedAt!, rpoSeconds: rpo, from: ref(from), to: ref(to) };
}

/**
 * No failover in status, but the recorded writer's fence or the recorded replica's promote
 * carries the mark of one from that writer to that replica: status lost it (its write waited, or a
 * crash came first). Rebuilds status.inProgress at LagChecked, the step both marks follow; the
 * machine then reads the fence and the promote mark as it always does (fenceOldWriter,
 * resumePromotion). A mark naming other instances (an older failover's) is no record of this one.
 */
export function rebuildFromMark(w: Work): boolean {
  const { s, obs } = w;
  const writer = s.database.writer;
  const replica = s.database.replica;
  if (s.inProgress || !replica) return false;
  const fits = (m: FailoverMark | undefined): m is FailoverMark => !!m && sameRef(m.from, writer) && sameRef(m.to, replica);
  const st = obs.standby;
  const wr = obs.writer;
  const onStandby = st && sameRef(st, replica) && st.reachable && st.promoteRequested ? parseFailoverMark(st.failoverMark) : undefined;
  const onWriter = wr && sameRef(wr, writer) && wr.reachable && wr.fenceTagged ? parseFailoverMark(wr.failoverMark) : undefined;
  const m = [onStandby, onWriter].find(fits);
  if (!m) return false;
  // Both take writes (someone lifted the fence since): not this failover's state to go on from.
  if (st?.role === 'writer' && wr?.reachable && wr.exists && !wr.fenced) return false;
  const mark = (step: 'Triggered' | 'LagChecked') => ({ step, at: m.startedAt, fromHealth: 'Unhealthy' as const, toHealth: 'Healthy' as const });
  s.inProgress = {
    startedAt: m.startedAt,
    from: m.from.region,
    to: m.to.region,
    reason: m.reason,
    step: 'LagChecked',
    stepAt: m.startedAt,
    fromIdentifier: m.from.identifier,
    toIdentifier: m.to.identifier,
    rpoSeconds: m.rpoSeconds,
    // What the trigger saw: PrimaryUnhealthy starts only with the active side Unhealthy and the other Healthy.
    steps: [mark('Triggered'), mark('LagChecked')],
  };
  w.actions.push({ type: 'recordStep', step: 'LagChecked' });
  w.transition = m.reason;
  return true;
}
