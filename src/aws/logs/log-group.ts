// The CloudWatch Logs group that TGW flow logs deliver to. Several pairs may share one name
// (the default), so a group we did not create is used as it is: its retention is not
// changed and it is never deleted. Create it before the flow log: a flow log created first
// fails delivery until the group appears (moto marks it FAILED for good).
import type { CloudWatchLogsClient, LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import { AwsError, isAlreadyExists, isNotFound } from '../errors.ts';
import { logsSdk } from '../sdk.ts';
import { isOwnedBy, ownershipTags, toLogsTags } from '../tags.ts';
import type { ExternalResource, Owner } from '../types.ts';
import { logsReads } from './shared-reads.ts';

/** The only values PutRetentionPolicy accepts (moto accepts any number, AWS does not). */
export const ALLOWED_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** A message for the user, or undefined when AWS will take it. */
export function retentionProblem(days: number | undefined): string | undefined {
  if (days === undefined || ALLOWED_RETENTION_DAYS.includes(days)) return undefined;
  return `retentionDays ${days} is not one CloudWatch Logs accepts: use one of ${ALLOWED_RETENTION_DAYS.join(', ')}`;
}

export interface LogGroupSpec {
  owner: Owner;
  name: string;
  retentionDays?: number;
}

export interface ObservedLogGroup {
  name: string;
  /** Without the trailing `:*` (the form tagging and IAM policies use). */
  arn: string;
  retentionDays?: number;
  /** We created it: only then is retention managed and the group deleted with the pair. */
  owned: boolean;
}

export function logGroup(logs: CloudWatchLogsClient): ExternalResource<LogGroupSpec, ObservedLogGroup> {
  return {
    async observe(spec) {
      const seen = await sharedGroup(logs, spec.name);
      if (!seen) return { exists: false, upToDate: false };
      const observed = toObserved(seen, spec.owner);
      if (observed.owned && spec.retentionDays !== undefined && observed.retentionDays !== spec.retentionDays) {
        return { exists: true, upToDate: false, observed, diff: [`retentionDays: ${observed.retentionDays ?? 'never expire'} → ${spec.retentionDays}`] };
      }
      return { exists: true, upToDate: true, observed };
    },

    async create(spec) {
      validate(spec);
      try {
        await logs.send(new logsSdk.CreateLogGroupCommand({ logGroupName: spec.name, tags: toLogsTags(ownershipTags(spec.owner)) }));
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const seen = await sharedGroup(logs, spec.name, true);
      if (!seen) throw new Error(`log group ${spec.name} not found right after creating it`);
      const observed = toObserved(seen, spec.owner);
      if (observed.owned && spec.retentionDays !== undefined && observed.retentionDays !== spec.retentionDays) {
        await putRetention(logs, spec.name, spec.retentionDays);
        observed.retentionDays = spec.retentionDays;
      }
      return observed;
    },

    async update(spec, seen) {
      validate(spec);
      if (!seen.owned || spec.retentionDays === undefined || seen.retentionDays === spec.retentionDays) return;
      await putRetention(logs, spec.name, spec.retentionDays);
    },

    async delete(seen) {
      if (!seen.owned) return;
      try {
        await logs.send(new logsSdk.DeleteLogGroupCommand({ logGroupName: seen.name }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

function validate(spec: LogGroupSpec): void {
  const problem = retentionProblem(spec.retentionDays);
  if (problem) {
    throw new AwsError({
      class: 'Terminal',
      code: 'InvalidRetentionDays',
      message: problem,
      service: 'logs',
      operation: 'PutRetentionPolicy',
      subject: `log group ${spec.name}`,
    });
  }
}

async function putRetention(logs: CloudWatchLogsClient, name: string, days: number): Promise<void> {
  await logs.send(new logsSdk.PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: days }));
}

/** Exact name match: the API only filters by prefix. */
async function describe(logs: CloudWatchLogsClient, name: string): Promise<LogGroup | undefined> {
  let nextToken: string | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await logs.send(new logsSdk.DescribeLogGroupsCommand({ logGroupNamePrefix: name, nextToken }));
    const hit = out.logGroups?.find((g) => g.logGroupName === name);
    if (hit || !out.nextToken || out.nextToken === nextToken) return hit;
    nextToken = out.nextToken;
  }
  return undefined;
}

interface SeenGroup {
  group: LogGroup;
  arn: string;
  tags: Record<string, string>;
}

/**
 * A group and its tags, read once per name, region and account for every object within the
 * shared-read window: pairs share the default group name. Any write through the client
 * (create, retention, tags, delete) makes the next look read again.
 */
function sharedGroup(logs: CloudWatchLogsClient, name: string, fresh = false): Promise<SeenGroup | undefined> {
  const reads = logsReads(logs);
  return reads.read(
    'log-groups',
    name,
    async () => {
      const group = await describe(logs, name);
      if (!group) return undefined;
      const arn = group.logGroupArn ?? (group.arn ?? '').replace(/:\*$/, '');
      const out = await logs.send(new logsSdk.ListTagsForResourceCommand({ resourceArn: arn }));
      return { group, arn, tags: { ...(out.tags ?? {}) } };
    },
    { fresh },
  );
}

function toObserved(seen: SeenGroup, owner: Owner): ObservedLogGroup {
  const g = seen.group;
  return {
    name: g.logGroupName ?? '',
    arn: seen.arn,
    ...(g.retentionInDays !== undefined && { retentionDays: g.retentionInDays }),
    owned: isOwnedBy(seen.tags, owner),
  };
}
