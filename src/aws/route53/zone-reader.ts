// Reading the records at one name without listing the whole zone: Route 53 lists records
// sorted by name (labels reversed), so starting at the name and stopping at the first other
// name reads exactly the records there.
import type { ListResourceRecordSetsCommandOutput, Route53Client } from '@aws-sdk/client-route-53';
import { toAwsError } from '../errors.ts';
import { route53Sdk } from '../sdk.ts';
import { normalizeName, toFqdn } from './names.ts';
import { type RRSet, recordKey } from './records.ts';

/** Route 53's page maximum. moto ignores StartRecordIdentifier, so small pages can loop. */
const PAGE_SIZE = 300;
const MAX_PAGES = 20;

export async function readRecordsAt(client: Route53Client, zoneId: string, name: string): Promise<RRSet[]> {
  const want = normalizeName(name);
  const found = new Map<string, RRSet>();
  let start: { name: string; type?: string; id?: string } = { name: toFqdn(name) };
  for (let page = 0; page < MAX_PAGES; page++) {
    let out: ListResourceRecordSetsCommandOutput;
    try {
      out = await client.send(
        new route53Sdk.ListResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          StartRecordName: start.name,
          ...(start.type ? { StartRecordType: start.type as RRSet['Type'] } : {}),
          ...(start.id ? { StartRecordIdentifier: start.id } : {}),
          MaxItems: PAGE_SIZE,
        }),
      );
    } catch (err) {
      throw toAwsError(err, { service: 'route53', operation: 'ListResourceRecordSets', subject: `hosted zone ${zoneId}` });
    }
    for (const r of out.ResourceRecordSets ?? []) {
      if (normalizeName(r.Name ?? '') !== want) return [...found.values()];
      // A page boundary inside one name can repeat records (moto restarts at the type); keep one.
      found.set(recordKey(r), r);
    }
    if (!out.IsTruncated || !out.NextRecordName) break;
    if (normalizeName(out.NextRecordName) !== want) break;
    const next = {
      name: out.NextRecordName,
      ...(out.NextRecordType ? { type: out.NextRecordType } : {}),
      ...(out.NextRecordIdentifier ? { id: out.NextRecordIdentifier } : {}),
    };
    // No progress (moto without identifiers, >300 sets of one name and type): stop, don't spin.
    if (next.name === start.name && next.type === start.type && next.id === start.id) break;
    start = next;
  }
  return [...found.values()];
}
