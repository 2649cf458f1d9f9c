// The last step of a failover: the writer it promoted gets production settings. A promoted read
// replica may have automated backups off (RDS replicas of some engines have none), and an
// instance without them cannot be the source of a read replica, so no standby could be re-seeded;
// and the placement may ask for Multi-AZ. After DnsSwitched (the application already writes to
// it) the machine compares what DescribeDBInstances shows, applied or pending, with the spec:
//   - already so: the failover completes, nothing is sent;
//   - else: WriterConfigRequested is recorded, then ModifyDBInstance (ApplyImmediately) is sent.
// At WriterConfigRequested a re-run (a restart right after the call) looks again: AWS shows the
// change applied or pending, and the failover completes without a second call. Only when AWS
// shows neither (the recorded call never took effect) is it sent again.
import { DEFAULTS } from '../../api/defaults.ts';
import type { WriterSettings } from '../../aws/rds/instances.ts';
import type { InstanceView } from '../../aws/rds/observe.ts';
import type { FailoverProgress, MachineSpec, Work } from './failover-machine.ts';
import { requeue, sameRef, WAIT } from './failover-ready.ts';
import { complete, record } from './failover-steps.ts';
import { placementOf } from './placement.ts';

/** What a writer promoted in `region` is given: spec.database.backupRetentionDays, and Multi-AZ when the region's placement says. */
export function writerSettingsWanted(spec: MachineSpec, region: string): WriterSettings {
  const multiAZ = placementOf(spec, region)?.multiAZ;
  return { backupRetentionDays: spec.database.backupRetentionDays ?? DEFAULTS.backupRetentionDays, ...(multiAZ !== undefined && { multiAZ }) };
}

/** Whether the view shows the settings, applied or accepted and pending. */
export function showsSettings(v: InstanceView, want: WriterSettings): boolean {
  const retention = v.pending?.backupRetentionDays ?? v.backupRetentionDays;
  const multiAZ = v.pending?.multiAZ ?? v.multiAZ;
  return retention === want.backupRetentionDays && (want.multiAZ === undefined || multiAZ === want.multiAZ);
}

export function settleWriter(w: Work, ip: FailoverProgress): void {
  const to = { region: ip.to, identifier: ip.toIdentifier ?? w.s.database.writer.identifier };
  const writer = w.obs.writer;
  if (!writer || !sameRef(writer, to) || !writer.reachable || !writer.exists) {
    w.events.push({
      type: 'Warning',
      reason: 'WriterUnreachable',
      message: `cannot read the new writer ${to.identifier} in ${to.region} to check its backup retention`,
    });
    return requeue(w, WAIT.aws);
  }
  const want = writerSettingsWanted(w.spec, ip.to);
  if (showsSettings(writer, want)) return complete(w, ip);
  if (ip.step === 'DnsSwitched') record(w, ip, 'WriterConfigRequested');
  else requeue(w, WAIT.aws);
  w.actions.push({ type: 'configureWriter', ...to, ...want });
  const multi = want.multiAZ === undefined ? '' : ` and Multi-AZ ${want.multiAZ}`;
  w.events.push({
    type: 'Normal',
    reason: 'ConfiguringWriter',
    message:
      `setting backup retention ${want.backupRetentionDays} days${multi} on the new writer ` +
      `${to.identifier} in ${to.region} (now ${writer.backupRetentionDays ?? 'unknown'} days)`,
  });
}
