// Fencing: making the old writer unable to take writes before its replica is promoted, so there
// is never a moment with two writers.
//
// Mechanism, decided:
// 1. Swap the old writer's VPC security groups for a deny-all group of ours (no ingress, no
//    egress), created in the instance's VPC and tagged with our ownership tags. Works on a
//    running instance in a live region, takes effect without downtime of the replica, and is
//    reversible: the original group ids are saved in a tag on the instance *before* the swap,
//    and unfence() puts them back.
// 2. Then reboot it once: a security-group change does not cut connections that are already
//    established (connection tracking), and a connected application could keep writing.
// Why not StopDBInstance: AWS refuses to stop an instance that has read replicas — the old
// writer is the source of the replica we are about to promote — and a stopped instance starts
// again by itself after 7 days. An instance that is already stopped, deleting or gone counts
// as fenced ("proven gone").
// 3. When RDS or EC2 of that region does not answer (network error, timeout, 5xx other than
// throttling), fence() returns {confirmed:false, how:'Unreachable'} and never throws. The
// state machine then records "fencing unconfirmed" and promotes only when Route 53's health
// checks also say that region is Unhealthy (a region whose API is down but whose application
// answers could still take writes); after the failover it keeps fencing the ex-writer until
// the region answers and the fence is confirmed.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { DBInstance, ModifyDBInstanceCommandOutput, RDSClient } from '@aws-sdk/client-rds';
import { errorCode, isThrottling } from '../errors.ts';
import { ec2Sdk, loadSoon, rdsSdk } from '../sdk.ts';
import { TAG_PREFIX, tagsToMap } from '../tags.ts';
import type { Owner } from '../types.ts';
import { closeGroup, obtainDenyGroup } from './fence-group.ts';
import { describeInstance, FAILOVER_MARK_TAG } from './instances.ts';

export const FENCE_TAGS = {
  /** The instance's own security groups before the swap, comma-separated. */
  from: `${TAG_PREFIX}fenced-from`,
  /** The deny-all group that replaced them. */
  group: `${TAG_PREFIX}fence-group`,
  /** Set after the reboot that cut established connections. */
  at: `${TAG_PREFIX}fenced-at`,
  /**
   * The failover this fence is for, as the caller describes it (written with the first tags,
   * before the swap): a controller without a status record of the failover reads it back here.
   * promote() writes the same key on the standby.
   */
  failover: FAILOVER_MARK_TAG,
} as const;

export type FenceHow = 'SecurityGroupSwap' | 'Stopped' | 'Gone' | 'Pending' | 'Unreachable';

export interface FenceResult {
  confirmed: boolean;
  how: FenceHow;
  /** For status and events: what was done, or why it could not be confirmed. */
  reason: string;
  denyGroupId?: string;
  /**
   * A confirmed swap: the instance as this fence's own calls left it (the last DBInstance AWS
   * returned, with the tags the fence wrote), for the caller's next look instead of a describe.
   */
  instance?: DBInstance;
}

/**
 * Readies what a fence needs before an outage asks for one: the EC2 package (the fence's deny-all
 * group), which nothing else of a FailoverPolicy loads. Called by every policy that can fail over,
 * so the package is loaded on a quiet turn of the event loop and not by the first fence (once
 * loaded, the package answers at once).
 */
export function prepareFence(): void {
  loadSoon(ec2Sdk);
}

/** Read-only: is this instance fenced now, and did its region answer at all? */
export interface FenceObservation {
  reachable: boolean;
  exists: boolean;
  fenced: boolean;
  how: FenceHow;
  reason: string;
}

const GONE_STATES = new Set(['deleting', 'deleted']);

export async function fence(
  rds: RDSClient,
  ec2: EC2Client,
  identifier: string,
  owner: Owner,
  opts: {
    vpcId?: string;
    now?: Date;
    /** The caller's own DescribeDBInstances answer of this pass: not read again. */
    instance?: DBInstance;
    /** The group prepareDenyGroup made before the outage: read by its id (one call), not created. */
    preparedGroupId?: string;
    /** FENCE_TAGS.failover's value: on the instance before its groups are swapped. */
    mark?: string;
  } = {},
): Promise<FenceResult> {
  try {
    const i = opts.instance?.DBInstanceIdentifier === identifier ? opts.instance : await describeInstance(rds, identifier);
    const settled = settledState(i, identifier);
    if (settled) return settled;
    const instance = i as DBInstance;
    const tags = tagsToMap(instance.TagList);
    const arn = instance.DBInstanceArn;
    if (!arn) throw new Error(`DB instance ${identifier} has no ARN`);
    const current = groupIds(instance);
    const vpcId = opts.vpcId ?? instance.DBSubnetGroup?.VpcId ?? (await vpcOfGroups(ec2, current));
    if (!vpcId) throw new Error(`cannot tell the VPC of DB instance ${identifier}: give it a DB subnet group`);
    const group = await obtainDenyGroup(ec2, vpcId, identifier, owner, !opts.preparedGroupId && tags[FENCE_TAGS.group] === undefined, opts.preparedGroupId);
    const deny = group.GroupId;

    // What AWS last returned of the instance, and the tags it holds: the confirmed fence's answer.
    let latest: DBInstance = instance;
    const written: Record<string, string> = {};
    if (!(current.length === 1 && current[0] === deny)) {
      // Saved before the swap, and never overwritten: a second fence must not record the deny group as "original".
      const from = tags[FENCE_TAGS.from] ?? current.join(',');
      // Both before the swap, neither needs the other: side by side.
      await Promise.all([
        closeGroup(ec2, group),
        rds.send(
          new rdsSdk.AddTagsToResourceCommand({
            ResourceName: arn,
            Tags: [
              { Key: FENCE_TAGS.from, Value: from },
              { Key: FENCE_TAGS.group, Value: deny },
              ...(opts.mark !== undefined ? [{ Key: FENCE_TAGS.failover, Value: opts.mark }] : []),
            ],
          }),
        ),
      ]);
      let out: ModifyDBInstanceCommandOutput;
      try {
        out = await rds.send(new rdsSdk.ModifyDBInstanceCommand({ DBInstanceIdentifier: identifier, VpcSecurityGroupIds: [deny], ApplyImmediately: true }));
      } catch (err) {
        if (!isInvalidState(err)) throw err;
        return pending(`${identifier} is busy (${instance.DBInstanceStatus}); its security groups are swapped once it is available`, deny);
      }
      if (!onlyGroupActive(out.DBInstance ?? {}, deny)) return pending(`security groups of ${identifier} are being changed to ${deny}`, deny);
      latest = out.DBInstance ?? latest;
      written[FENCE_TAGS.from] = from;
      written[FENCE_TAGS.group] = deny;
      if (opts.mark !== undefined) written[FENCE_TAGS.failover] = opts.mark;
    } else {
      // Swapped by an earlier fence: the group still must allow nothing, and a confirmed fence
      // carries the caller's mark, whichever fence swapped it.
      const mark = opts.mark !== undefined && tags[FENCE_TAGS.failover] !== opts.mark ? opts.mark : undefined;
      await Promise.all([
        closeGroup(ec2, group),
        mark !== undefined && rds.send(new rdsSdk.AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: FENCE_TAGS.failover, Value: mark }] })),
      ]);
      if (mark !== undefined) written[FENCE_TAGS.failover] = mark;
      if (!onlyGroupActive(instance, deny)) return pending(`security group ${deny} of ${identifier} is not active yet`, deny);
    }

    if (tags[FENCE_TAGS.at] === undefined) {
      try {
        latest = (await rds.send(new rdsSdk.RebootDBInstanceCommand({ DBInstanceIdentifier: identifier }))).DBInstance ?? latest;
      } catch (err) {
        if (!isInvalidState(err)) throw err;
        return pending(`${identifier} is busy; it is rebooted to cut open connections once it is available`, deny);
      }
      const at = (opts.now ?? new Date()).toISOString();
      await rds.send(new rdsSdk.AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: FENCE_TAGS.at, Value: at }] }));
      written[FENCE_TAGS.at] = at;
    }
    return {
      confirmed: true,
      how: 'SecurityGroupSwap',
      reason: `security groups of ${identifier} replaced by deny-all ${deny}; rebooted to cut open connections`,
      denyGroupId: deny,
      instance: answerAfterFence(latest, instance, deny, { ...tags, ...written }),
    };
  } catch (err) {
    if (isRegionUnreachable(err))
      return { confirmed: false, how: 'Unreachable', reason: `fencing ${identifier} could not be confirmed: ${describeError(err)}` };
    throw err;
  }
}

/** Never changes anything: what the state machine reads to know whether the old writer is fenced. */
export async function observeFence(rds: RDSClient, identifier: string): Promise<FenceObservation> {
  try {
    return fenceStateOf(await describeInstance(rds, identifier), identifier);
  } catch (err) {
    if (isRegionUnreachable(err)) return { reachable: false, exists: false, fenced: false, how: 'Unreachable', reason: describeError(err) };
    throw err;
  }
}

/** Pure: the fence state shown by one DescribeDBInstances answer (undefined = not found). */
export function fenceStateOf(i: DBInstance | undefined, identifier: string): FenceObservation {
  const settled = settledState(i, identifier);
  if (settled) return { reachable: true, exists: settled.how !== 'Gone', fenced: settled.confirmed, how: settled.how, reason: settled.reason };
  const instance = i as DBInstance;
  const tags = tagsToMap(instance.TagList);
  const deny = tags[FENCE_TAGS.group];
  const fenced = deny !== undefined && tags[FENCE_TAGS.at] !== undefined && onlyGroupActive(instance, deny);
  return fenced
    ? { reachable: true, exists: true, fenced: true, how: 'SecurityGroupSwap', reason: `only deny-all ${deny} attached` }
    : {
        reachable: true,
        exists: true,
        fenced: false,
        how: 'Pending',
        reason: `${identifier} still has security groups ${groupIds(instance).join(',') || '(none)'}`,
      };
}

export type UnfenceOutcome = 'Restored' | 'NotFenced' | 'Gone';

/**
 * Puts the saved security groups back (an aborted failover, before any promotion). The fence's
 * deny-all group is left to fence-sweep.ts: RDS detaches it asynchronously, so deleting it here
 * would most often find it still in use.
 */
export async function unfence(rds: RDSClient, identifier: string): Promise<UnfenceOutcome> {
  return restoreGroups(rds, identifier);
}

async function restoreGroups(rds: RDSClient, identifier: string): Promise<UnfenceOutcome> {
  const i = await describeInstance(rds, identifier);
  if (!i || GONE_STATES.has(i.DBInstanceStatus ?? '')) return 'Gone';
  const tags = tagsToMap(i.TagList);
  const from = tags[FENCE_TAGS.from];
  if (from === undefined) return 'NotFenced';
  const original = from.split(',').filter((s) => s !== '');
  if (original.length === 0) throw new Error(`DB instance ${identifier}: no saved security groups to restore`);
  if (!sameSet(groupIds(i), original)) {
    await rds.send(new rdsSdk.ModifyDBInstanceCommand({ DBInstanceIdentifier: identifier, VpcSecurityGroupIds: original, ApplyImmediately: true }));
  }
  if (i.DBInstanceArn) {
    // ownership: only our own fence keys, which the check above found on the instance.
    await rds.send(new rdsSdk.RemoveTagsFromResourceCommand({ ResourceName: i.DBInstanceArn, TagKeys: Object.values(FENCE_TAGS) }));
  }
  return 'Restored';
}

/**
 * The region did not answer: no HTTP response at all, or a server-side failure that is not
 * throttling (EC2 throttles with 503). A 4xx means it answered.
 */
export function isRegionUnreachable(err: unknown): boolean {
  if (isThrottling(err)) return false;
  const e = err as { $metadata?: { httpStatusCode?: number }; name?: string; code?: string; original?: unknown };
  // A create whose outcome is unknown failed for the reason it wraps.
  if (e?.name === 'OutcomeUnknown' && e.original !== undefined) return isRegionUnreachable(e.original);
  // A cancelled call (lease lost, shutdown) says nothing about the region.
  if (e?.name === 'AbortError' || e?.code === 'AbortError') return false;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  const code = `${e?.code ?? ''} ${e?.name ?? ''}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|EPIPE|TimeoutError|RequestTimeout|CallTimeout|socket hang up/i.test(
    `${code} ${String((err as Error)?.message ?? '')}`,
  );
}

function settledState(i: DBInstance | undefined, identifier: string): FenceResult | undefined {
  if (!i || GONE_STATES.has(i.DBInstanceStatus ?? '')) return { confirmed: true, how: 'Gone', reason: `${identifier} does not exist (or is being deleted)` };
  if (i.DBInstanceStatus === 'stopped') return { confirmed: true, how: 'Stopped', reason: `${identifier} is stopped` };
  if (i.DBInstanceStatus === 'stopping') return pending(`${identifier} is stopping`);
  return undefined;
}

/**
 * The instance after a confirmed swap: AWS's last answer, which shows only the deny group
 * active (checked above; an answer without groups gets that one), and every tag the instance
 * holds now, ours included (AWS's answers to Modify and Reboot need not list tags).
 */
function answerAfterFence(latest: DBInstance, before: DBInstance, deny: string, tags: Record<string, string>): DBInstance {
  return {
    ...before,
    ...latest,
    VpcSecurityGroups: onlyGroupActive(latest, deny) ? latest.VpcSecurityGroups : [{ VpcSecurityGroupId: deny, Status: 'active' }],
    TagList: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

function pending(reason: string, denyGroupId?: string): FenceResult {
  return { confirmed: false, how: 'Pending', reason, ...(denyGroupId && { denyGroupId }) };
}

function groupIds(i: DBInstance): string[] {
  return (i.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter((id) => id !== '');
}

function onlyGroupActive(i: DBInstance, groupId: string): boolean {
  const gs = i.VpcSecurityGroups ?? [];
  return gs.length === 1 && gs[0]?.VpcSecurityGroupId === groupId && gs[0]?.Status === 'active';
}

async function vpcOfGroups(ec2: EC2Client, ids: string[]): Promise<string | undefined> {
  if (ids.length === 0) return undefined;
  const out = await ec2.send(new ec2Sdk.DescribeSecurityGroupsCommand({ GroupIds: ids }));
  return out.SecurityGroups?.find((g) => g.VpcId)?.VpcId;
}

function isInvalidState(err: unknown): boolean {
  const c = errorCode(err);
  return c === 'InvalidDBInstanceState' || c === 'InvalidDBInstanceStateFault';
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return `${errorCode(err)}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`;
}
