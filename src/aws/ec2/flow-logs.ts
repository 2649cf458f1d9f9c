// One TGW flow log per side, delivering to a CloudWatch Logs group (create the group first:
// see ../logs/log-group.ts). For transit gateways AWS refuses TrafficType (it logs all
// traffic) and accepts only MaxAggregationInterval 60. A flow log cannot be changed: a new
// group or role means delete and create.
import type { EC2Client, Filter, FlowLog } from '@aws-sdk/client-ec2';
import { AwsError, isAlreadyExists, isNotFound } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';
import { tagsToMap } from '../tags.ts';
import type { ExternalResource, Owner } from '../types.ts';
import { oldestFirst, ownedOnSide, type Side, sideTagSpec, sideTags } from './ownership.ts';
import { collectPages, collectPaginator } from './pages.ts';
import { clusterFilter, sharedReads } from './shared-reads.ts';

export interface FlowLogSpec {
  owner: Owner;
  side: Side;
  transitGatewayId: string;
  logGroupName: string;
  deliveryRoleArn?: string;
  trafficType?: 'ALL' | 'ACCEPT' | 'REJECT';
}

export interface ObservedFlowLog {
  id: string;
  resourceId: string;
  logGroupName?: string;
  deliveryRoleArn?: string;
  /** SUCCESS | FAILED | SKIPPED: FAILED usually means the role or the group is wrong. */
  deliverLogsStatus?: string;
  deliverLogsError?: string;
  owned: boolean;
  tags: Record<string, string>;
}

/** A message for the user when the spec asks for something AWS refuses on a TGW flow log. */
export function flowLogSpecProblem(spec: Pick<FlowLogSpec, 'trafficType' | 'deliveryRoleArn'>): string | undefined {
  if (spec.trafficType !== undefined && spec.trafficType !== 'ALL') {
    return `flowLogs.trafficType ${spec.trafficType}: transit gateway flow logs always capture ALL traffic (AWS rejects a traffic type for them)`;
  }
  if (!spec.deliveryRoleArn) return 'flowLogs.deliveryRoleArn is required: CloudWatch Logs delivery needs a role flow logs can assume';
  return undefined;
}

export function flowLog(ec2: EC2Client): ExternalResource<FlowLogSpec, ObservedFlowLog> {
  return {
    async observe(spec) {
      const fl = await findOwnedFlowLog(ec2, spec);
      if (!fl) return { exists: false, upToDate: false };
      const observed = toObserved(fl, spec);
      const diff: string[] = [];
      if (observed.logGroupName !== spec.logGroupName) diff.push(`logGroupName: ${observed.logGroupName} → ${spec.logGroupName}`);
      if (spec.deliveryRoleArn && observed.deliveryRoleArn !== spec.deliveryRoleArn)
        diff.push(`deliveryRoleArn: ${observed.deliveryRoleArn} → ${spec.deliveryRoleArn}`);
      return { exists: true, upToDate: diff.length === 0, observed, ...(diff.length && { diff }) };
    },

    async create(spec) {
      assertAcceptable(spec);
      const existing = await findOwnedFlowLog(ec2, spec, true);
      return existing ? toObserved(existing, spec) : createFlowLog(ec2, spec);
    },

    /** Flow logs are immutable: delete, then create without looking (Describe may still list the old one). */
    async update(spec, seen) {
      await deleteFlowLog(ec2, seen);
      await createFlowLog(ec2, spec);
    },

    delete: (seen) => deleteFlowLog(ec2, seen),
  };
}

function assertAcceptable(spec: FlowLogSpec): void {
  const problem = flowLogSpecProblem(spec);
  if (problem) throw new AwsError({ class: 'Terminal', code: 'InvalidFlowLogSpec', message: problem, service: 'ec2', operation: 'CreateFlowLogs' });
}

async function createFlowLog(ec2: EC2Client, spec: FlowLogSpec): Promise<ObservedFlowLog> {
  assertAcceptable(spec);
  try {
    const out = await ec2.send(
      new ec2Sdk.CreateFlowLogsCommand({
        ResourceType: 'TransitGateway',
        ResourceIds: [spec.transitGatewayId],
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: spec.logGroupName,
        DeliverLogsPermissionArn: spec.deliveryRoleArn,
        MaxAggregationInterval: 60,
        TagSpecifications: sideTagSpec('vpc-flow-log', spec.owner, spec.side, 'flow-log'),
      }),
    );
    const id = out.FlowLogIds?.[0];
    if (id) return createdFlowLog(id, spec);
    const failed = out.Unsuccessful?.[0]?.Error;
    if (!failed || !isAlreadyExists({ name: failed.Code })) {
      const message = failed?.Message ?? 'no flow log id returned';
      throw new AwsError({
        class: 'Recoverable',
        code: failed?.Code ?? 'Unknown',
        message,
        service: 'ec2',
        operation: 'CreateFlowLogs',
        subject: spec.transitGatewayId,
      });
    }
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  // AWS allows one flow log per resource and destination: a retried create lands here.
  const found = await findOwnedFlowLog(ec2, spec, true);
  if (found) return toObserved(found, spec);
  throw new AwsError({
    // Recoverable: our own create that Describe does not show yet looks the same.
    class: 'Recoverable',
    code: 'FlowLogAlreadyExists',
    message: `transit gateway ${spec.transitGatewayId} already has a flow log to ${spec.logGroupName} without our tags: delete it or pick another logGroupName`,
    service: 'ec2',
    operation: 'CreateFlowLogs',
  });
}

async function deleteFlowLog(ec2: EC2Client, seen: ObservedFlowLog): Promise<void> {
  if (!seen.owned) return;
  try {
    const out = await ec2.send(new ec2Sdk.DeleteFlowLogsCommand({ FlowLogIds: [seen.id] }));
    const failed = out.Unsuccessful?.[0]?.Error;
    if (failed && !isNotFound({ name: failed.Code })) {
      const message = failed.Message ?? 'flow log not deleted';
      throw new AwsError({ class: 'Recoverable', code: failed.Code ?? 'Unknown', message, service: 'ec2', operation: 'DeleteFlowLogs', subject: seen.id });
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Our flow log on this TGW, from the region's shared list (tags checked client-side; the filter only narrows). */
export async function findOwnedFlowLog(ec2: EC2Client, spec: FlowLogSpec, fresh = false): Promise<FlowLog | undefined> {
  const all = await clusterFlowLogs(ec2, spec.owner.clusterId, fresh);
  return pickOwnedFlowLog(all, spec);
}

/** Every flow log of this cluster in the client's region: one paginated read shared by every object. */
export function clusterFlowLogs(ec2: EC2Client, clusterId: string, fresh = false): Promise<FlowLog[]> {
  return sharedReads(ec2).read(
    'flow-logs',
    clusterId,
    () => collectPaginator(ec2Sdk.paginateDescribeFlowLogs({ client: ec2, stopOnSameToken: true }, { Filter: clusterFilter(clusterId) }), (p) => p.FlowLogs),
    { fresh },
  );
}

export function pickOwnedFlowLog(all: FlowLog[], spec: Pick<FlowLogSpec, 'owner' | 'side' | 'transitGatewayId'>): FlowLog | undefined {
  const mine = all.filter((f) => f.ResourceId === spec.transitGatewayId && ownedOnSide(f.Tags, spec.owner, spec.side));
  return oldestFirst(mine)[0];
}

export function describeFlowLogs(ec2: EC2Client, filters: Filter[]): Promise<FlowLog[]> {
  return collectPages(async (NextToken) => {
    const out = await ec2.send(new ec2Sdk.DescribeFlowLogsCommand({ Filter: filters, NextToken }));
    return { items: out.FlowLogs, nextToken: out.NextToken };
  });
}

/** What we just created, without reading it back (Describe may not show it yet). */
function createdFlowLog(id: string, spec: FlowLogSpec): ObservedFlowLog {
  return {
    id,
    resourceId: spec.transitGatewayId,
    logGroupName: spec.logGroupName,
    ...(spec.deliveryRoleArn && { deliveryRoleArn: spec.deliveryRoleArn }),
    owned: true,
    tags: tagsToMap(sideTags(spec.owner, spec.side, 'flow-log')),
  };
}

function toObserved(f: FlowLog, spec: FlowLogSpec): ObservedFlowLog {
  return {
    id: f.FlowLogId ?? '',
    resourceId: f.ResourceId ?? spec.transitGatewayId,
    ...(f.LogGroupName && { logGroupName: f.LogGroupName }),
    ...(f.DeliverLogsPermissionArn && { deliveryRoleArn: f.DeliverLogsPermissionArn }),
    ...(f.DeliverLogsStatus && { deliverLogsStatus: f.DeliverLogsStatus }),
    ...(f.DeliverLogsErrorMessage && { deliverLogsError: f.DeliverLogsErrorMessage }),
    owned: ownedOnSide(f.Tags, spec.owner, spec.side),
    tags: tagsToMap(f.Tags),
  };
}

/**
 * Flow logs still delivering into a log group (any owner). A group is shared by name across
 * pairs and clusters in an account and region, so it is kept while anyone writes into it.
 * moto may ignore the filter: the check is done on the returned fields as well.
 */
export async function flowLogsInto(ec2: EC2Client, logGroupName: string): Promise<FlowLog[]> {
  const all = await describeFlowLogs(ec2, [{ Name: 'log-group-name', Values: [logGroupName] }]);
  return all.filter((f) => f.LogGroupName === logGroupName && f.FlowLogStatus !== 'DELETED');
}
