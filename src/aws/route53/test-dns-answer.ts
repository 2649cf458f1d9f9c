// What Route 53 itself would answer for a name (TestDNSAnswer): the authoritative view without
// waiting for resolvers and TTLs. Emulators (moto) do not implement it; the caller is told the
// answer is unavailable and why, and falls back to reading the record set back.
import type { Route53Client, RRType } from '@aws-sdk/client-route-53';
import { route53Sdk } from '../sdk.ts';

export type DnsAnswer = { available: true; values: string[]; responseCode: string } | { available: false; reason: string };

export async function testDnsAnswer(client: Route53Client, zoneId: string, recordName: string, recordType: string): Promise<DnsAnswer> {
  try {
    const out = await client.send(new route53Sdk.TestDNSAnswerCommand({ HostedZoneId: zoneId, RecordName: recordName, RecordType: recordType as RRType }));
    return { available: true, values: (out.RecordData ?? []).map(normalizeAnswer).sort(), responseCode: out.ResponseCode ?? '' };
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return {
      available: false,
      reason: `TestDNSAnswer failed (${e.$metadata?.httpStatusCode ?? '?'} ${e.name ?? ''}: ${e.message ?? String(err)})`.slice(0, 300),
    };
  }
}

/** Answers compare without case, quotes or the trailing dot. */
export function normalizeAnswer(v: string): string {
  return v.trim().replace(/^"|"$/g, '').toLowerCase().replace(/\.$/, '');
}
