// How a drill knows the shadow record moved: what Route 53 answers for it, looked at once per
// pass (the drill requeues between looks), and the pure decision taken on each look.
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { DrillProgress } from '../../api/types.ts';
import type { RecordsTarget } from '../../aws/route53/failover-records.ts';
import { type RRSet, sameRecord, setIdentifiers, type TargetInput } from '../../aws/route53/records.ts';
import { normalizeAnswer, testDnsAnswer } from '../../aws/route53/test-dns-answer.ts';
import { readRecordsAt } from '../../aws/route53/zone-reader.ts';

export interface AnswerCheck {
  ok: boolean;
  /** How it was checked, for the drill's message. */
  how: string;
}

/** What TestDNSAnswer returns for this target; undefined for an alias (it answers with the alias's own addresses). */
export function expectedAnswer(t: TargetInput): string[] | undefined {
  if (t.ips) return t.ips.map(normalizeAnswer).sort();
  if (t.cname) return [normalizeAnswer(t.cname)];
  return undefined;
}

/**
 * One look at the shadow name. TestDNSAnswer first; moto does not implement it (it 404s with
 * an HTML page the SDK cannot parse), so there — and for alias targets — the shadow PRIMARY
 * record is read back with ListResourceRecordSets and compared.
 */
export async function checkAnswer(client: Route53Client, target: RecordsTarget, wantPrimary: RRSet, standbyTarget: TargetInput): Promise<AnswerCheck> {
  const want = expectedAnswer(standbyTarget);
  const answer = want ? await testDnsAnswer(client, target.zoneId, target.recordName, wantPrimary.Type ?? 'A') : undefined;
  if (answer?.available) {
    const ok = answer.responseCode === 'NOERROR' && JSON.stringify(answer.values) === JSON.stringify(want);
    return { ok, how: `checked with TestDNSAnswer (${answer.responseCode}: ${answer.values.join(', ')})` };
  }
  const how = `checked by reading the record back${answer ? `: ${answer.reason}` : ' (alias target)'}`;
  const primaryId = setIdentifiers(target.owner.name).primary;
  const rec = (await readRecordsAt(client, target.zoneId, target.recordName)).find((x) => x.SetIdentifier === primaryId && x.Failover === 'PRIMARY');
  return { ok: !!rec && sameRecord(rec, wantPrimary), how };
}

export type AnswerDecision = { kind: 'answered'; how: string } | { kind: 'timedOut'; message: string } | { kind: 'wait'; progress: DrillProgress };

/**
 * Pure: after one look, the drill succeeded, timed out (the timeout counts from the first look,
 * as the old in-pass wait did), or waits for the next pass.
 */
export function decideAnswer(p: DrillProgress, check: AnswerCheck, now: Date, timeoutMs: number): AnswerDecision {
  if (check.ok) return { kind: 'answered', how: check.how };
  const since = p.answerSince ?? now.toISOString();
  if (now.getTime() >= Date.parse(since) + timeoutMs) {
    return { kind: 'timedOut', message: `the shadow record did not answer with the ${p.standby} target within ${timeoutMs / 1000}s (${check.how})` };
  }
  return { kind: 'wait', progress: { ...p, answerSince: since, waitingFor: `the shadow record to answer with the ${p.standby} target (${check.how})` } };
}
