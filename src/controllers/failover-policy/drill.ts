// Failover drills on a SHADOW record: `_drill.<recordName>` with SetIdentifiers
// `<name>-drill-primary/secondary`, owned through the same TXT registry as production (owner
// `<ns>/<name>-drill`). The drill writes the pair pointing at the active side, checks the
// readiness the real failover would need, switches the shadow PRIMARY to the standby side and
// waits until Route 53 answers with the standby's target. Production records and the database
// are never written: the database is only read (the lag taken at the switch is the RPO).
import type { Route53Client } from '@aws-sdk/client-route-53';
import { ANNOTATIONS, type FailoverPolicy } from '../../api/types.ts';
import type { FailoverRecords, RecordsTarget } from '../../aws/route53/failover-records.ts';
import { desiredRecords, sameRecord, setIdentifiers, type FailoverRecordsInput, type RRSet, type Side, type TargetInput } from '../../aws/route53/records.ts';
import { normalizeAnswer, testDnsAnswer } from '../../aws/route53/test-dns-answer.ts';
import { readRecordsAt } from '../../aws/route53/zone-reader.ts';
import type { Owner } from '../../aws/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import type { DnsKit } from './dns.ts';
import { drillDue, drillRequeueMs, type LastDrill } from './drill-schedule.ts';
import type { ReadyCondition } from './failover-ready.ts';
import type { ResolvedPolicy } from './resolve.ts';

export const DRILL_PREFIX = '_drill.';
/** How long the drill waits for the shadow record to answer with the standby's target. */
export const DRILL_ANSWER_TIMEOUT_MS = 60_000;
const POLL_MS = 1_000;
const DRILL_WAIT_MS = 2_000;

export interface DrillInput {
  deps: ControllerDeps;
  dnsKit: DnsKit;
  r: ResolvedPolicy;
  obj: FailoverPolicy;
  owner: Owner;
  ctx: SyncContext;
  /** The side production traffic goes to now. */
  activeSide: Side;
  /** FailoverReady as this pass computed it (replica, lag, standby health, records). */
  ready: ReadyCondition;
  lagSeconds?: number;
  /** Why no drill may run now (a real failover in progress, a record conflict). */
  blockedBy?: string;
  /** Why a due drill waits instead of running: what it checks is not known yet. */
  waitFor?: string;
  /** Upper bound of the wait for the next scheduled drill. */
  maxRequeueMs: number;
  answerTimeoutMs?: number;
}

export interface DrillOutcome {
  /** Set when a drill ran (or was refused) in this pass. */
  lastDrill?: LastDrill;
  requeueAfterMs?: number;
}

/** Runs a drill when the annotation or the schedule asks for one; never in a dry run. */
export async function maybeDrill(inp: DrillInput): Promise<DrillOutcome> {
  const { obj, ctx } = inp;
  const prev = obj.status?.lastDrill;
  const annotation = obj.metadata.annotations?.[ANNOTATIONS.drillNow];
  const due = drillDue({
    ...(annotation !== undefined && { annotation }),
    ...(inp.r.spec.drill?.schedule && { schedule: inp.r.spec.drill.schedule }),
    ...(prev && { lastDrill: prev }),
    ...(obj.metadata.creationTimestamp && { createdAt: obj.metadata.creationTimestamp }),
    now: ctx.now,
  });
  const requeue = drillRequeueMs(due.nextAt, ctx.now, inp.maxRequeueMs);
  const out: DrillOutcome = requeue !== undefined ? { requeueAfterMs: requeue } : {};
  if (!due.due || ctx.plan.dryRun) return out;
  // Right after a start the health board is empty: the standby would look unready and the drill
  // would fail for nothing. The board's first pass wakes the policy; this requeue is the backstop.
  if (inp.waitFor) return { requeueAfterMs: Math.min(out.requeueAfterMs ?? DRILL_WAIT_MS, DRILL_WAIT_MS) };
  // The annotation value is remembered whichever way the drill ends: one value, one drill.
  const trigger = due.due === 'OnDemand' ? annotation?.trim() : prev?.trigger;
  const result = await runDrill(inp);
  const lastDrill: LastDrill = { ...result, reason: due.due, ...(trigger && { trigger }) };
  const { namespace, name } = obj.metadata;
  inp.deps.metrics.failoversTotal.inc({ namespace, name, kind: 'drill' });
  if (lastDrill.result === 'Succeeded') ctx.normal('DrillSucceeded', lastDrill.message ?? '');
  else ctx.warn('DrillFailed', lastDrill.message ?? '');
  return { ...out, lastDrill };
}

export function shadowTarget(r: ResolvedPolicy, owner: Owner): RecordsTarget {
  return { zoneId: r.spec.dns.hostedZoneId, owner: { ...owner, name: `${owner.name}-drill` }, recordName: `${DRILL_PREFIX}${r.spec.dns.recordName}` };
}

/** The shadow pair's input: production targets, no health checks (the drill switches by hand). */
export function shadowInput(r: ResolvedPolicy, policyName: string): FailoverRecordsInput {
  const dns = r.spec.dns;
  return { policyName: `${policyName}-drill`, recordName: `${DRILL_PREFIX}${dns.recordName}`, ttl: dns.ttl, primary: { target: dns.primary.target }, secondary: { target: dns.secondary.target } };
}

async function runDrill(inp: DrillInput): Promise<Omit<LastDrill, 'reason' | 'trigger'>> {
  const { deps, r, obj, ctx } = inp;
  const now = (): Date => deps.now?.() ?? new Date();
  const started = now();
  const startedAt = started.toISOString();
  const failed = (message: string): Omit<LastDrill, 'reason' | 'trigger'> => ({ startedAt, completedAt: now().toISOString(), result: 'Failed', message });
  if (inp.blockedBy) return failed(`no drill while ${inp.blockedBy}`);
  const client = deps.aws.route53(r.route53);
  const records = inp.dnsKit.recordsFor(client);
  const target = shadowTarget(r, inp.owner);
  const input = shadowInput(r, obj.metadata.name);
  const standby: Side = inp.activeSide === 'primary' ? 'secondary' : 'primary';
  const notes: string[] = [];
  try {
    const conflict = await writeShadow(records, target, desiredRecords(input, inp.activeSide));
    if (conflict) return failed(`the shadow record ${target.recordName} cannot be written: ${conflict}`);
    if (inp.ready.status !== 'True') return failed(`the standby is not ready to take over (${inp.ready.reason}): ${inp.ready.message}`);
    const rpoSeconds = inp.lagSeconds;
    const switched = desiredRecords(input, standby);
    const conflict2 = await writeShadow(records, target, switched);
    if (conflict2) return failed(`the shadow record ${target.recordName} cannot be switched: ${conflict2}`);
    const check = await waitForAnswer(client, target, switched[0]!, r.spec.dns[standby].target, inp.answerTimeoutMs ?? DRILL_ANSWER_TIMEOUT_MS, ctx.signal);
    notes.push(check.how);
    if (!check.ok) return failed(`the shadow record did not answer with the ${standby} target within ${(inp.answerTimeoutMs ?? DRILL_ANSWER_TIMEOUT_MS) / 1000}s (${check.how})`);
    const rtoSeconds = Math.round((now().getTime() - started.getTime()) / 100) / 10;
    const region = r.regions[standby] ?? standby;
    return {
      startedAt,
      completedAt: now().toISOString(),
      result: 'Succeeded',
      rtoSeconds,
      ...(rpoSeconds !== undefined && { rpoSeconds }),
      message: `the shadow record ${target.recordName} moved to ${region} in ${rtoSeconds}s${rpoSeconds !== undefined ? `, replica lag ${rpoSeconds}s at the switch` : ''}; ${notes.join('; ')}`,
    };
  } catch (err) {
    return failed(`drill failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    // The shadow records never outlive the drill; a failed removal is retried by the next drill's UPSERT/remove.
    await records.remove(target).catch((err: unknown) => ctx.warn('DrillCleanupFailed', `shadow records at ${target.recordName} not removed: ${String(err)}`));
  }
}

async function writeShadow(records: FailoverRecords, target: RecordsTarget, desired: RRSet[]): Promise<string | undefined> {
  const res = await records.sync(target, desired);
  if (res.ownership === 'foreign') return `the name is claimed by ${res.claimedBy ?? 'someone else'}`;
  if (res.conflicts.length > 0) return res.conflicts.map((c) => c.reason).join('; ');
  return undefined;
}

/** What TestDNSAnswer returns for this target; undefined for an alias (it answers with the alias's own addresses). */
export function expectedAnswer(t: TargetInput): string[] | undefined {
  if (t.ips) return t.ips.map(normalizeAnswer).sort();
  if (t.cname) return [normalizeAnswer(t.cname)];
  return undefined;
}

/**
 * Polls until the shadow name answers with the standby's target. TestDNSAnswer first; moto does
 * not implement it (moto 404s with an HTML page the SDK cannot parse), so there — and for alias targets — the check
 * reads the shadow PRIMARY record back with ListResourceRecordSets and compares it.
 */
async function waitForAnswer(
  client: Route53Client,
  target: RecordsTarget,
  wantPrimary: RRSet,
  standbyTarget: TargetInput,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ ok: boolean; how: string }> {
  const deadline = Date.now() + timeoutMs;
  const want = expectedAnswer(standbyTarget);
  const primaryId = setIdentifiers(target.owner.name).primary;
  let how = '';
  for (;;) {
    let ok = false;
    const answer = want ? await testDnsAnswer(client, target.zoneId, target.recordName, wantPrimary.Type ?? 'A') : undefined;
    if (answer?.available) {
      how = `checked with TestDNSAnswer (${answer.responseCode}: ${answer.values.join(', ')})`;
      ok = answer.responseCode === 'NOERROR' && JSON.stringify(answer.values) === JSON.stringify(want);
    } else {
      how = `checked by reading the record back${answer ? `: ${answer.reason}` : ' (alias target)'}`;
      const rec = (await readRecordsAt(client, target.zoneId, target.recordName)).find((x) => x.SetIdentifier === primaryId && x.Failover === 'PRIMARY');
      ok = !!rec && sameRecord(rec, wantPrimary);
    }
    if (ok || Date.now() >= deadline || signal.aborted) return { ok, how };
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}
