// Deleting the deny-all fence groups (fence.ts) once nothing needs them. A fence group outlives
// its fence: RDS detaches a security group asynchronously after an unfence, and deleting a
// retired ex-writer takes minutes, during which the group stays attached. So a group is swept
// later, by whoever recorded it (the FailoverPolicy's status), and only when all of this holds:
// - its name is the fence name of that instance and it carries our cluster id AND object uid
//   (read right before the delete: a group of the same name made by anyone else stays);
// - the instance is gone, or it no longer uses the group and carries no fence of ours;
// - no network interface uses it (RDS puts the group on the instance's interfaces; some
//   emulators do not refuse to delete a group in use), and EC2 does not refuse the delete.
import type { EC2Client, SecurityGroup } from '@aws-sdk/client-ec2';
import type { DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { errorCode, isNotFound } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';
import { ownsForDelete, tagsToMap } from '../tags.ts';
import type { Owner } from '../types.ts';
import { FENCE_TAGS } from './fence.ts';
import { FENCE_PREFIX, fenceGroupName } from './fence-group.ts';
import { describeInstance } from './instances.ts';

export interface FenceSweepResult {
  /** Our groups of this instance deleted now. */
  deleted: string[];
  /** Our groups still there, and why: in use (a network interface, DependencyViolation). */
  kept: Array<{ groupId: string; reason: string }>;
  /** Set when nothing was tried: the instance still exists and may use its fence group. */
  waiting?: string;
  /** The wait ends by itself (RDS finishing a delete or a detach), not only when someone acts. */
  settles?: boolean;
}

/** True when nothing of ours is left to delete for this instance. */
export const sweepDone = (r: FenceSweepResult): boolean => r.waiting === undefined && r.kept.length === 0;

/**
 * The fence group(s) of one instance (by name, in whatever VPC): deleted if ours and unused.
 * Reads the instance first: while it exists and uses the group, or is being deleted, or carries
 * our fence tags, nothing is deleted (`waiting` says why).
 */
export async function sweepFenceGroupsOf(rds: RDSClient, ec2: EC2Client, identifier: string, owner: Owner): Promise<FenceSweepResult> {
  const instance = await describeInstance(rds, identifier);
  const busy = instanceHoldsFence(instance, identifier);
  if (busy) return { deleted: [], kept: [], waiting: busy, ...(instance?.DBInstanceStatus === 'deleting' && { settles: true }) };
  const name = fenceGroupName(identifier);
  const out = await ec2.send(new ec2Sdk.DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }));
  const ours = (out.SecurityGroups ?? []).filter(
    (g): g is SecurityGroup & { GroupId: string } => !!g.GroupId && g.GroupName === name && ownsForDelete(g.Tags, owner),
  );
  // Just unfenced: RDS shows the group 'removing' for a while. Not kept, only not yet.
  const used = new Set((instance?.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId));
  const listed = ours.find((g) => used.has(g.GroupId));
  if (listed) return { deleted: [], kept: [], waiting: `${identifier} still lists ${listed.GroupId}`, settles: true };
  const res: FenceSweepResult = { deleted: [], kept: [] };
  for (const g of ours) {
    const why = await deleteIfUnused(ec2, g, owner);
    if (why === undefined) res.deleted.push(g.GroupId);
    else res.kept.push({ groupId: g.GroupId, reason: why });
  }
  return res;
}

/**
 * Every fence group of this object in the region (on the object's deletion, and for groups a
 * lost status entry no longer names): each swept as above, by the instance its name names.
 */
export async function sweepAllFenceGroups(rds: RDSClient, ec2: EC2Client, owner: Owner): Promise<Map<string, FenceSweepResult>> {
  const identifiers = new Set<string>();
  const pages = ec2Sdk.paginateDescribeSecurityGroups(
    { client: ec2, stopOnSameToken: true },
    { Filters: [{ Name: 'group-name', Values: [`${FENCE_PREFIX}*`] }], MaxResults: 1000 },
  );
  for await (const page of pages) {
    for (const g of page.SecurityGroups ?? []) {
      if (g.GroupName?.startsWith(FENCE_PREFIX) && ownsForDelete(g.Tags, owner)) identifiers.add(g.GroupName.slice(FENCE_PREFIX.length));
    }
  }
  const out = new Map<string, FenceSweepResult>();
  for (const id of identifiers) out.set(id, await sweepFenceGroupsOf(rds, ec2, id, owner));
  return out;
}

/** Why the instance may still need its fence group, or undefined when it cannot (gone, or unfenced and detached). */
function instanceHoldsFence(i: DBInstance | undefined, identifier: string): string | undefined {
  if (!i || i.DBInstanceStatus === 'deleted') return undefined;
  if (i.DBInstanceStatus === 'deleting') return `${identifier} is being deleted`;
  if (tagsToMap(i.TagList)[FENCE_TAGS.group] !== undefined) return `${identifier} is fenced`;
  return undefined;
}

/** undefined when deleted (or already gone); otherwise why it was kept. */
async function deleteIfUnused(ec2: EC2Client, g: SecurityGroup & { GroupId: string }, owner: Owner): Promise<string | undefined> {
  const groupId = g.GroupId;
  // The tags of this Describe answer, not of any record: a group of the same name stays unless it is ours.
  if (!ownsForDelete(g.Tags, owner)) return 'it does not carry our ownership tags';
  const enis = await ec2.send(new ec2Sdk.DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 5 }));
  const first = enis.NetworkInterfaces?.[0];
  if (first) return `network interface ${first.NetworkInterfaceId ?? '?'} still uses it`;
  try {
    await ec2.send(new ec2Sdk.DeleteSecurityGroupCommand({ GroupId: groupId }));
    return undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    if (errorCode(err) === 'DependencyViolation') return `DependencyViolation: ${(err as Error).message}`;
    throw err;
  }
}
