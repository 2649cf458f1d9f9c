// A FailoverPolicy's CloudWatch alarms (replica lag, latency, the accelerator's unhealthy
// endpoints), put in every Region they may live in, only when their content hash changed.
import type { FailoverPolicyStatus } from '../../api/types.ts';
import { desiredFailoverAlarms, syncFailoverAlarms } from '../../aws/cloudwatch/failover-alarms.ts';
import { GA_METRICS_REGION } from '../../aws/cloudwatch/ga-metrics.ts';
import type { Owner } from '../../aws/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import type { MachineStatus } from './failover-machine.ts';
import { type ResolvedPolicy, ROUTE53_REGION } from './resolve.ts';

/** Alarms are put only when their content hash differs from the one in status. */
export async function syncAlarms(
  deps: ControllerDeps,
  r: ResolvedPolicy,
  owner: Owner,
  prev: FailoverPolicyStatus,
  m: MachineStatus,
  activeCheckId: string | undefined,
  activeRegion: string | undefined,
  ctx: SyncContext,
): Promise<string | undefined> {
  const a = r.spec.alarms;
  if (!a && !prev.alarmsHash) return undefined;
  const replica = m.database?.replica;
  // The accelerator's ids come from the last status: the alarm follows one pass after they exist.
  const acc = prev.globalAccelerator;
  const gaUnhealthy =
    a?.globalAcceleratorUnhealthyEndpoints !== undefined && acc?.arn && acc.listenerArn && activeRegion
      ? { threshold: a.globalAcceleratorUnhealthyEndpoints, acceleratorArn: acc.arn, listenerArn: acc.listenerArn, activeRegion }
      : undefined;
  const desired = desiredFailoverAlarms({
    owner,
    ...(replica &&
      a?.replicaLagSeconds !== undefined && { replica: { region: replica.region, identifier: replica.identifier }, replicaLagSeconds: a.replicaLagSeconds }),
    ...(a?.latencyMillis !== undefined && activeCheckId && { latency: { millis: a.latencyMillis, healthCheckId: activeCheckId } }),
    ...(a?.snsTopicArn && { snsTopicArn: a.snsTopicArn }),
    ...(gaUnhealthy && { gaUnhealthy }),
  });
  const db = r.spec.database;
  // GA's metrics region too, so removing the field (or the accelerator) deletes the alarm there.
  const withGa = r.spec.globalAccelerator || acc ? [GA_METRICS_REGION] : [];
  const regions = [
    ...new Set([r.regions.primary, r.regions.secondary, db?.primary.region, db?.replica.region, ROUTE53_REGION, ...withGa].filter((x): x is string => !!x)),
  ];
  const res = await syncFailoverAlarms((region) => deps.aws.cloudwatch(r.targetIn(region)), owner, desired, {
    regions,
    ...(prev.alarmsHash && { lastHash: prev.alarmsHash }),
    // Each alarm write is one Planner.apply: listed in dry-run, creates and deletes become Events.
    mutate: ctx.plan.mutate,
  });
  if (!res.skipped) for (const w of desired.warnings) ctx.warn('AlarmActionSkipped', w);
  if (!a) return undefined;
  return ctx.plan.dryRun ? prev.alarmsHash : res.hash;
}
