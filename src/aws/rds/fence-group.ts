// The fence's deny-all security group: one per instance and VPC, named after the instance
// (fenceGroupName), made with our ownership tags and no rules at all. It is made ahead of an
// outage by prepareDenyGroup (a policy in steady state), or by the fence itself when it is
// missing; a group of that name without our tags is never used nor changed.
import type { EC2Client, IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { errorCode, isAlreadyExists } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';
import { isOwnedBy, ownershipTags, toEc2TagSpec } from '../tags.ts';
import type { Mutate, Owner } from '../types.ts';

/**
 * The writer's fence group, made before any outage asks for a fence (a FailoverPolicy in steady
 * state calls this once per writer): found by name, else created, and closed (no ingress, no
 * egress). The fence then finds it with one read instead of two EC2 writes: EC2 allows 5
 * mutating calls per second after a burst of 200, so 200 fences at once would otherwise wait
 * 40 s for those writes alone, and a region's EC2 in the middle of an outage is asked for no
 * create. Each change goes through `mutate` (dry-run lists it and runs nothing: undefined then).
 * The fence still reads the group and closes it again if anyone opened it since.
 */
export async function prepareDenyGroup(ec2: EC2Client, vpcId: string, identifier: string, owner: Owner, mutate: Mutate): Promise<string | undefined> {
  const name = fenceGroupName(identifier);
  const region = await ec2.config.region();
  const found = await findGroup(ec2, vpcId, name);
  if (found?.GroupId) {
    if (!isOwnedBy(found.Tags, owner)) throw new FenceGroupNotOursError(name, vpcId);
    const group = { ...found, GroupId: found.GroupId };
    if (openRules(group).length > 0) {
      await mutate({ action: 'Update', resource: 'SecurityGroup', region, detail: `${name}: fence group, rules revoked` }, () => closeGroup(ec2, group));
    }
    return group.GroupId;
  }
  // Repeatable: EC2 refuses a second group of this name in the VPC, and the retry adopts the first.
  return mutate(
    { action: 'Create', resource: 'SecurityGroup', region, detail: `${name} (fence group of ${identifier}, allows nothing)`, repeatable: true },
    async () => {
      const group = await obtainDenyGroup(ec2, vpcId, identifier, owner, true);
      await closeGroup(ec2, group);
      return group.GroupId;
    },
    () => `fence group ${name} of ${identifier} in ${vpcId}`,
  );
}

/**
 * The fence group, found or created, and checked to be ours; its rules are not revoked yet.
 * `preparedId`: the group made ahead (prepareDenyGroup), read by its id; if it is gone (or not
 * the fence group of this VPC) the group is looked up by name, then created. `createFirst`: no
 * earlier fence recorded a group, so it most likely does not exist: create it straight away and
 * look it up only if it does (one EC2 call less while the failover waits).
 */
export async function obtainDenyGroup(
  ec2: EC2Client,
  vpcId: string,
  identifier: string,
  owner: Owner,
  createFirst: boolean,
  preparedId?: string,
): Promise<SecurityGroup & { GroupId: string }> {
  const name = fenceGroupName(identifier);
  const prepared = preparedId ? await groupById(ec2, preparedId) : undefined;
  let group = prepared?.GroupName === name && prepared.VpcId === vpcId ? prepared : undefined;
  if (!group && !createFirst) group = await findGroup(ec2, vpcId, name);
  if (!group) {
    try {
      const out = await ec2.send(
        new ec2Sdk.CreateSecurityGroupCommand({
          GroupName: name,
          VpcId: vpcId,
          Description: `multiregion fence for DB instance ${identifier}: allows no traffic`,
          TagSpecifications: toEc2TagSpec('security-group', ownershipTags(owner, { Name: name })),
        }),
      );
      // Just created with our tags and, as every new VPC group, only the default egress rule:
      // nothing to read back (Describe may not even show it yet), and a fence is on the clock.
      group = { GroupId: out.GroupId, GroupName: name, VpcId: vpcId, Tags: ownershipTags(owner, { Name: name }), IpPermissionsEgress: [DEFAULT_EGRESS] };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      group = await findGroup(ec2, vpcId, name);
    }
  }
  const id = group?.GroupId;
  if (!group || !id) throw new Error(`security group ${name} in ${vpcId} could not be created or found`);
  if (!isOwnedBy(group.Tags, owner)) throw new FenceGroupNotOursError(name, vpcId);
  return { ...group, GroupId: id };
}

/** A group with the fence name that someone else made: never used as a fence, never changed. */
export class FenceGroupNotOursError extends Error {
  constructor(name: string, vpcId: string) {
    super(`security group ${name} in ${vpcId} exists without our ownership tags: it is not used as a fence`);
    this.name = 'FenceGroupNotOursError';
  }
}

/** A new group allows all egress by default, and anyone may have added rules to a group made earlier: a fence allows nothing. */
export async function closeGroup(ec2: EC2Client, group: SecurityGroup & { GroupId: string }): Promise<void> {
  const egress = group.IpPermissionsEgress ?? [];
  const ingress = group.IpPermissions ?? [];
  const gone = (err: unknown) => {
    if (errorCode(err) !== 'InvalidPermission.NotFound') throw err;
  };
  await Promise.all([
    egress.length > 0 && ec2.send(new ec2Sdk.RevokeSecurityGroupEgressCommand({ GroupId: group.GroupId, IpPermissions: egress })).catch(gone),
    ingress.length > 0 && ec2.send(new ec2Sdk.RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId, IpPermissions: ingress })).catch(gone),
  ]);
}

const openRules = (g: SecurityGroup): IpPermission[] => [...(g.IpPermissionsEgress ?? []), ...(g.IpPermissions ?? [])];

/** Every fence group's name starts so (fence-sweep.ts lists them by it). */
export const FENCE_PREFIX = 'multiregion-fence-';
const DEFAULT_EGRESS: IpPermission = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

/** Deterministic, so a restart finds the group it created; SG names allow 255 characters. */
export function fenceGroupName(identifier: string): string {
  return `${FENCE_PREFIX}${identifier.toLowerCase()}`;
}

async function groupById(ec2: EC2Client, groupId: string): Promise<SecurityGroup | undefined> {
  try {
    return (await ec2.send(new ec2Sdk.DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups?.[0];
  } catch (err) {
    if (errorCode(err) === 'InvalidGroup.NotFound') return undefined;
    throw err;
  }
}

async function findGroup(ec2: EC2Client, vpcId: string, name: string): Promise<SecurityGroup | undefined> {
  const out = await ec2.send(
    new ec2Sdk.DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'group-name', Values: [name] },
      ],
    }),
  );
  return out.SecurityGroups?.find((g) => g.GroupName === name && g.VpcId === vpcId);
}
