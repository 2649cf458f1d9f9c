// The writer's deny-all fence group, made while nothing fails (prepareDenyGroup in
// aws/rds/fence-group.ts), so that an outage's fence finds it with one EC2 read instead of a
// create and a revoke: fewer EC2 writes while many policies fail over at once (EC2 allows 5
// mutating calls per second after a burst of 200), and no create asked of a region's EC2 in the
// middle of its outage.
//
// Once per writer per controller process: FenceGroups remembers whose group is ready. Whatever
// it remembers, the fence reads the group again and closes any rule added since; a group deleted
// meanwhile is created by the fence as before. The group is ours (cluster id and policy uid) and
// goes with the policy: deleting it sweeps every fence group of the policy in its regions.
import type { DBInstance } from '@aws-sdk/client-rds';
import { FenceGroupNotOursError, prepareDenyGroup } from '../../aws/rds/fence-group.ts';
import { isStandaloneWriter } from '../../aws/rds/instances.ts';
import type { AwsTarget } from '../../aws/types.ts';
import { describeError } from '../shared/sync-error.ts';
import type { DatabaseRun } from './database-run.ts';
import type { MachineStatus } from './failover-machine.ts';

/** Which writers' fence groups are ready, by account role, region and identifier. */
export class FenceGroups {
  private readonly ready = new Map<string, { vpcId: string; groupId: string }>();

  static key(target: AwsTarget, identifier: string): string {
    return JSON.stringify([target.roleArn ?? '', target.region, identifier]);
  }

  /** The group prepared for this writer, if it is in this VPC (a writer moved to another VPC needs another). */
  preparedIn(key: string, vpcId?: string): string | undefined {
    const e = this.ready.get(key);
    return e && (vpcId === undefined || e.vpcId === vpcId) ? e.groupId : undefined;
  }

  remember(key: string, vpcId: string, groupId: string): void {
    this.ready.set(key, { vpcId, groupId });
  }

  forget(key: string): void {
    this.ready.delete(key);
  }
}

/**
 * In steady state (no failover running), makes sure the recorded writer has its fence group.
 * `writer` is this pass's DescribeDBInstances answer of it: the VPC comes from its DB subnet
 * group (an instance without one is left to the fence, which finds its VPC from its groups).
 * Never fails the pass: a group of the fence name that is not ours is reported (the fence would
 * refuse it during an outage), anything else is tried again by a later pass.
 */
export async function prepareWriterFence(run: DatabaseRun, status: MachineStatus, writer: DBInstance | undefined, groups: FenceGroups): Promise<void> {
  const w = status.database?.writer;
  if (!w || status.inProgress || !writer || !isStandaloneWriter(writer)) return;
  const target = run.r.targetIn(w.region);
  const key = FenceGroups.key(target, w.identifier);
  // A sweep of this instance's fence group is pending (an unfence left one): it goes first.
  if (status.fenceSweep?.some((e) => e.region === w.region && e.identifier === w.identifier)) return groups.forget(key);
  const vpcId = writer.DBSubnetGroup?.VpcId;
  if (!vpcId || groups.preparedIn(key, vpcId)) return;
  try {
    const groupId = await prepareDenyGroup(run.deps.aws.ec2(target), vpcId, w.identifier, run.owner, run.ctx.plan.mutate);
    if (groupId) groups.remember(key, vpcId, groupId);
  } catch (err) {
    if (run.ctx.signal.aborted) throw err;
    if (err instanceof FenceGroupNotOursError) run.ctx.warn('FenceGroupConflict', `${w.identifier} in ${w.region}: ${err.message}; a fence would fail`);
    else
      run.ctx.log.debug('fence group not prepared; a later pass tries again', { identifier: w.identifier, region: w.region, err: describeError(err).message });
  }
}
