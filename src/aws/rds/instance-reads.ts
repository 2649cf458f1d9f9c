// DescribeDBInstances shared by every failover of one (account, Region): the instances asked for
// at about the same time go out in one paginated call filtered by `db-instance-id` (100 values a
// call), and each asker gets its own instance — from a call sent after it asked, never an answer
// from before (coalesced-reads.ts). The RDS client is per Region and role, so the reads hang off
// it and need no key of their own; a client that is dropped takes them along.
import type { DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { isThrottling } from '../errors.ts';
import { rdsSdk } from '../sdk.ts';
import { CoalescedReads } from './coalesced-reads.ts';

/**
 * Values per `db-instance-id` filter. The RDS API reference publishes no limit on filter values;
 * 100 matches the page size (MaxRecords), so one filter's instances fit in one page.
 */
export const FILTER_VALUES_MAX = 100;

const byClient = new WeakMap<RDSClient, CoalescedReads<DBInstance>>();

/** The instance (undefined: RDS has none by that identifier), from a DescribeDBInstances shared with the region's other askers. */
export function readInstance(rds: RDSClient, identifier: string): Promise<DBInstance | undefined> {
  return instanceReads(rds).read(identifier);
}

/** The shared reads of this client. */
export function instanceReads(rds: RDSClient): CoalescedReads<DBInstance> {
  let reads = byClient.get(rds);
  if (!reads) {
    reads = new CoalescedReads((ids) => describeByIds(rds, ids), { maxKeys: FILTER_VALUES_MAX, splitOn: refused });
    byClient.set(rds, reads);
  }
  return reads;
}

/**
 * The named instances that exist, by identifier. By filter, not DBInstanceIdentifier: that takes
 * one name, and an unknown one fails the call (DBInstanceNotFound) where a filter just omits it.
 */
export async function describeByIds(rds: RDSClient, ids: readonly string[]): Promise<Map<string, DBInstance>> {
  const out = new Map<string, DBInstance>();
  const wanted = new Set(ids);
  const pages = rdsSdk.paginateDescribeDBInstances(
    { client: rds, pageSize: FILTER_VALUES_MAX, stopOnSameToken: true },
    { Filters: [{ Name: 'db-instance-id', Values: [...wanted] }] },
  );
  for await (const page of pages) {
    // The filter matches ARNs and ignores case: only the exact identifier asked for counts (as a
    // read by DBInstanceIdentifier would answer it).
    for (const i of page.DBInstances ?? []) if (i.DBInstanceIdentifier && wanted.has(i.DBInstanceIdentifier)) out.set(i.DBInstanceIdentifier, i);
  }
  return out;
}

/** AWS answered and refused the request (a 4xx, not throttling): maybe one identifier's fault. */
function refused(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && !isThrottling(err);
}
