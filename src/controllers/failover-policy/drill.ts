// Failover drills on a SHADOW record: `_drill.<recordName>` with SetIdentifiers
// `<name>-drill-primary/secondary`, owned through the same TXT registry as production (owner
// `<ns>/<name>-drill`). The drill writes the pair pointing at the active side, checks the
// readiness the real failover would need, switches the shadow PRIMARY to the standby side and
// waits until Route 53 answers with the standby's target. Production records and the database
// are never written: the database is only read (the lag taken at the switch is the RPO).
// No pass waits on Route 53: the drill's step is carried in status.drillInProgress, each pass
// looks once (GetChange, then the answer) and requeues, and a later pass finishes the drill.
import type { Route53Client } from '@aws-sdk/client-route-53';
import { DRILL_DEFAULTS } from '../../api/schemas/failover-policy-drill.ts';
import { ANNOTATIONS, type DrillProgress, type FailoverPolicy } from '../../api/types.ts';
import { classifyError } from '../../aws/errors.ts';
import { getChangeStatus } from '../../aws/route53/change-status.ts';
import type { FailoverRecords, RecordsTarget } from '../../aws/route53/failover-records.ts';
import { desiredRecords, type FailoverRecordsInput, type RRSet, type Side } from '../../aws/route53/records.ts';
import type { Mutate, Owner } from '../../aws/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import type { DnsKit } from './dns.ts';
import { checkAnswer, decideAnswer } from './drill-answer.ts';
import { drillDue, drillRequeueMs, type LastDrill } from './drill-schedule.ts';
import { continueSwitchover, type SwitchoverInput, type SwitchoverTiming, startSwitchover } from './drill-switchover.ts';
import { drillWindow } from './drill-window.ts';
import type { Blocked, MachineStatus, RegionHealth } from './failover-machine.ts';
import type { ReadyCondition } from './failover-ready.ts';
import type { ResolvedPolicy } from './resolve.ts';

export { expectedAnswer } from './drill-answer.ts';

export const DRILL_PREFIX = '_drill.';
/** Said in every Dns drill's result: its RTO is not a failover's. */
export const DNS_MEASURES =
  'A Dns drill measures the DNS answer only: no fencing, no promotion, no Secret or application cutover (drill.type Switchover runs the real path).';
/** How long the drill waits for the shadow record to answer with the standby's target. */
export const DRILL_ANSWER_TIMEOUT_MS = 60_000;
/** How long a shadow change may stay PENDING before the drill fails (Route 53 takes about a minute). */
export const DRILL_INSYNC_TIMEOUT_MS = 10 * 60_000;
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
  insyncTimeoutMs?: number;
  /** Switchover drills: the machine's status after this pass, health by region, and what it holds. */
  machine?: MachineStatus;
  healthByRegion?: Record<string, RegionHealth | undefined>;
  blocked?: Blocked;
  switchoverTiming?: SwitchoverTiming;
}

export interface DrillOutcome {
  /** Set when a drill ended (or was refused) in this pass. */
  lastDrill?: LastDrill;
  /** The drill still running after this pass: status.drillInProgress. */
  inProgress?: DrillProgress;
  requeueAfterMs?: number;
}

type Result = Omit<LastDrill, 'reason' | 'trigger'>;
/** A Dns drill's progress: its step and the side it switches to are always set. */
type DnsProgress = DrillProgress & Required<Pick<DrillProgress, 'step' | 'standby'>>;
/** What one pass of a drill ends with: the drill's end, or its state for the next pass. */
type Step = { done: Result; cleanup: boolean } | { progress: DrillProgress; requeueAfterMs: number };

/** Starts a drill when the annotation or the schedule asks for one, or takes the running one a step further; never in a dry run. */
export async function maybeDrill(inp: DrillInput): Promise<DrillOutcome> {
  const { obj, ctx } = inp;
  const prev = obj.status?.lastDrill;
  const running = obj.status?.drillInProgress;
  const annotation = obj.metadata.annotations?.[ANNOTATIONS.drillNow];
  const due = drillDue({
    ...(annotation !== undefined && { annotation }),
    ...(inp.r.spec.drill?.schedule && { schedule: inp.r.spec.drill.schedule }),
    ...(inp.r.spec.drill?.timeZone && { timeZone: inp.r.spec.drill.timeZone }),
    ...(prev && { lastDrill: prev }),
    ...(obj.metadata.creationTimestamp && { createdAt: obj.metadata.creationTimestamp }),
    now: ctx.now,
  });
  const requeue = drillRequeueMs(due.nextAt, ctx.now, inp.maxRequeueMs);
  const out: DrillOutcome = requeue !== undefined ? { requeueAfterMs: requeue } : {};
  // A running drill goes on as the type it started with, whatever the spec says now.
  if (running?.type === 'Switchover' || (!running && inp.r.spec.drill?.type === 'Switchover')) {
    if (ctx.plan.dryRun) return running ? { ...out, inProgress: running } : out;
    if (!running && (!due.due || inp.waitFor))
      return inp.waitFor && due.due ? { requeueAfterMs: Math.min(out.requeueAfterMs ?? DRILL_WAIT_MS, DRILL_WAIT_MS) } : out;
    const trigger = due.due === 'OnDemand' ? annotation?.trim() : prev?.trigger;
    return switchoverPass(inp, out, running, { startedAt: now(inp).toISOString(), reason: due.due ?? 'Schedule', ...(trigger && { trigger }) });
  }
  // A Dns drill switches shadow records next to the production ones: without spec.dns (admission
  // refuses a schedule then, not the annotation) it fails at once, touching nothing in Route 53.
  const noDns = !inp.r.spec.dns && 'a Dns drill needs spec.dns; a Global-Accelerator-only policy drills with spec.drill.type Switchover';
  if (noDns && (running || (due.due && !ctx.plan.dryRun))) {
    const trigger = due.due === 'OnDemand' ? annotation?.trim() : prev?.trigger;
    const meta = running ?? { startedAt: now(inp).toISOString(), reason: due.due ?? 'Schedule', ...(trigger && { trigger }) };
    return finish(inp, out, meta, failed(inp, meta.startedAt, noDns, false));
  }
  if (running) {
    // A dry run changes nothing, the shadow records included: the drill stays where it is.
    if (ctx.plan.dryRun) return { ...out, inProgress: running };
    return finish(inp, out, running, await continueDrill(inp, structuredClone(running) as DnsProgress));
  }
  if (!due.due || ctx.plan.dryRun) return out;
  // Right after a start the health board is empty: the standby would look unready and the drill
  // would fail for nothing. The board's first pass wakes the policy; this requeue is the backstop.
  if (inp.waitFor) return { requeueAfterMs: Math.min(out.requeueAfterMs ?? DRILL_WAIT_MS, DRILL_WAIT_MS) };
  // The annotation value is remembered whichever way the drill ends: one value, one drill.
  const trigger = due.due === 'OnDemand' ? annotation?.trim() : prev?.trigger;
  const meta = { startedAt: now(inp).toISOString(), reason: due.due, ...(trigger && { trigger }) };
  return finish(inp, out, meta, await startDrill(inp, meta));
}

/** One pass of a Switchover drill (drill-switchover.ts decides; here its events and metrics go out). */
function switchoverPass(
  inp: DrillInput,
  out: DrillOutcome,
  running: DrillProgress | undefined,
  start: { startedAt: string; reason: string; trigger?: string },
): DrillOutcome {
  const { ctx, obj, r } = inp;
  const d = r.spec.drill;
  const sInp: SwitchoverInput = {
    now: now(inp),
    machine: inp.machine ?? {},
    health: inp.healthByRegion ?? {},
    ready: inp.ready,
    ...(inp.blocked && { blocked: inp.blocked }),
    failover: { mode: r.spec.failover.mode, ...(r.spec.failover.activeRegion && { activeRegion: r.spec.failover.activeRegion }) },
    hasDatabase: !!r.spec.database,
    ...(inp.switchoverTiming && { timing: inp.switchoverTiming }),
  };
  const res = running
    ? continueSwitchover(sInp, running)
    : startSwitchover(sInp, {
        ...start,
        window: drillWindow({
          ...(d?.schedule && { schedule: d.schedule }),
          ...(d?.timeZone && { timeZone: d.timeZone }),
          windowMinutes: d?.windowMinutes ?? DRILL_DEFAULTS.windowMinutes,
          now: now(inp),
        }),
      });
  for (const e of res.events) (e.type === 'Warning' ? ctx.warn : ctx.normal)(e.reason, e.message);
  if (res.lastDrill && res.lastDrill.result !== 'NotStarted')
    inp.deps.metrics.failoversTotal.inc({ namespace: obj.metadata.namespace, name: obj.metadata.name, kind: 'drill' });
  const requeueAfterMs = Math.min(out.requeueAfterMs ?? Infinity, res.requeueAfterMs ?? Infinity);
  return {
    ...(res.inProgress && { inProgress: res.inProgress }),
    ...(res.lastDrill && { lastDrill: res.lastDrill }),
    ...(Number.isFinite(requeueAfterMs) && { requeueAfterMs }),
  };
}

function finish(inp: DrillInput, out: DrillOutcome, meta: Pick<DrillProgress, 'reason' | 'trigger'>, step: Step): Promise<DrillOutcome> | DrillOutcome {
  if ('progress' in step) return { inProgress: step.progress, requeueAfterMs: Math.min(out.requeueAfterMs ?? step.requeueAfterMs, step.requeueAfterMs) };
  const lastDrill: LastDrill = { type: 'Dns', ...step.done, reason: meta.reason, ...(meta.trigger && { trigger: meta.trigger }) };
  const { ctx, obj } = inp;
  inp.deps.metrics.failoversTotal.inc({ namespace: obj.metadata.namespace, name: obj.metadata.name, kind: 'drill' });
  if (lastDrill.result === 'Succeeded') ctx.normal('DrillSucceeded', lastDrill.message ?? '');
  else ctx.warn('DrillFailed', lastDrill.message ?? '');
  if (!step.cleanup) return { ...out, lastDrill };
  // The shadow records never outlive the drill; a failed removal is retried by the next drill's UPSERT/remove.
  const k = kitOf(inp);
  return k.records
    .remove(k.target, { mutate: ctx.plan.mutate })
    .catch((err: unknown) => void ctx.warn('DrillCleanupFailed', `shadow records at ${k.target.recordName} not removed: ${String(err)}`))
    .then(() => ({ ...out, lastDrill }));
}

/** Only with spec.dns (maybeDrill and finalize check it). */
export function shadowTarget(r: ResolvedPolicy, owner: Owner): RecordsTarget {
  const dns = r.spec.dns!;
  return { zoneId: dns.hostedZoneId, owner: { ...owner, name: `${owner.name}-drill` }, recordName: `${DRILL_PREFIX}${dns.recordName}` };
}

/** The shadow pair's input: production targets, no health checks (the drill switches by hand). */
export function shadowInput(r: ResolvedPolicy, policyName: string): FailoverRecordsInput {
  const dns = r.spec.dns!;
  return {
    policyName: `${policyName}-drill`,
    recordName: `${DRILL_PREFIX}${dns.recordName}`,
    ttl: dns.ttl,
    primary: { target: dns.primary.target },
    secondary: { target: dns.secondary.target },
  };
}

interface Kit {
  client: Route53Client;
  records: FailoverRecords;
  target: RecordsTarget;
  input: FailoverRecordsInput;
}

function kitOf(inp: DrillInput): Kit {
  const client = inp.deps.aws.route53(inp.r.route53);
  return { client, records: inp.dnsKit.recordsFor(client), target: shadowTarget(inp.r, inp.owner), input: shadowInput(inp.r, inp.obj.metadata.name) };
}

const now = (inp: DrillInput): Date => inp.deps.now?.() ?? new Date();

function failed(inp: DrillInput, startedAt: string, message: string, cleanup = true): Step {
  return { done: { startedAt, completedAt: now(inp).toISOString(), result: 'Failed', message }, cleanup };
}

/** First pass: the shadow pair at the active side, the readiness check, and the switch when Route 53 already applied the pair. */
async function startDrill(inp: DrillInput, meta: Pick<DrillProgress, 'startedAt' | 'reason' | 'trigger'>): Promise<Step> {
  const { startedAt } = meta;
  if (inp.blockedBy) return failed(inp, startedAt, `no drill while ${inp.blockedBy}`, false);
  const k = kitOf(inp);
  try {
    const first = await writeShadow(k.records, k.target, desiredRecords(k.input, inp.activeSide), inp.ctx.plan.mutate);
    if (first.conflict) return failed(inp, startedAt, `the shadow record ${k.target.recordName} cannot be written: ${first.conflict}`);
    if (inp.ready.status !== 'True') return failed(inp, startedAt, `the standby is not ready to take over (${inp.ready.reason}): ${inp.ready.message}`);
    const stepAt = now(inp).toISOString();
    const p: DnsProgress = {
      ...meta,
      step: 'ShadowWritten',
      stepAt,
      standby: inp.activeSide === 'primary' ? 'secondary' : 'primary',
      steps: [{ step: 'ShadowWritten', at: stepAt }],
    };
    if (first.changeId) return waitInsync(inp, { ...p, changeId: first.changeId });
    return await switchShadow(inp, k, p);
  } catch (err) {
    return failed(inp, startedAt, `drill failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Later passes: one GetChange while the step's change is PENDING, then the step's own check. */
async function continueDrill(inp: DrillInput, p: DnsProgress): Promise<Step> {
  if (inp.blockedBy) return failed(inp, p.startedAt, `no drill while ${inp.blockedBy}`);
  const k = kitOf(inp);
  const insyncTimeoutMs = inp.insyncTimeoutMs ?? DRILL_INSYNC_TIMEOUT_MS;
  const stepAge = now(inp).getTime() - Date.parse(p.stepAt);
  // Whatever it waits for, a step this old means the drill cannot end well (a controller down
  // for long, a board that never filled): it fails, and the shadow records go.
  if (!(stepAge <= insyncTimeoutMs + (inp.answerTimeoutMs ?? DRILL_ANSWER_TIMEOUT_MS))) {
    return failed(
      inp,
      p.startedAt,
      `the drill stalled at step ${p.step} since ${p.stepAt}${p.waitingFor ? ` waiting for ${p.waitingFor}` : ''}; the shadow records are removed`,
    );
  }
  try {
    if (p.changeId) {
      if ((await getChangeStatus(k.client, p.changeId)) !== 'INSYNC') {
        if (stepAge > insyncTimeoutMs) {
          return failed(
            inp,
            p.startedAt,
            `drill failed: Route 53 change ${p.changeId} not INSYNC after ${Math.round(insyncTimeoutMs / 1000)} s; it was accepted and will still apply`,
          );
        }
        return waitInsync(inp, p);
      }
      delete p.changeId;
    }
    if (p.step === 'ShadowWritten') {
      if (inp.waitFor) return { progress: { ...p, waitingFor: inp.waitFor }, requeueAfterMs: DRILL_WAIT_MS };
      if (inp.ready.status !== 'True') return failed(inp, p.startedAt, `the standby is not ready to take over (${inp.ready.reason}): ${inp.ready.message}`);
      return await switchShadow(inp, k, p);
    }
    return await lookForAnswer(inp, k, p);
  } catch (err) {
    // A Route 53 hiccup while waiting is waited out (the stall guard above bounds it), as GetChange polling always did.
    if (classifyError(err) !== 'Terminal')
      return { progress: { ...p, waitingFor: `Route 53 to answer again (${err instanceof Error ? err.message : String(err)})` }, requeueAfterMs: POLL_MS };
    return failed(inp, p.startedAt, `drill failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function waitInsync(_inp: DrillInput, p: DnsProgress): Step {
  const what = p.step === 'ShadowWritten' ? 'the shadow pair' : `the switch to the ${p.standby} side`;
  return { progress: { ...p, waitingFor: `Route 53 change ${p.changeId} (${what}) to be INSYNC` }, requeueAfterMs: POLL_MS };
}

/** The shadow PRIMARY moves to the standby side; the replica lag now is the drill's RPO. */
async function switchShadow(inp: DrillInput, k: Kit, p: DnsProgress): Promise<Step> {
  const res = await writeShadow(k.records, k.target, desiredRecords(k.input, p.standby), inp.ctx.plan.mutate);
  if (res.conflict) return failed(inp, p.startedAt, `the shadow record ${k.target.recordName} cannot be switched: ${res.conflict}`);
  const { changeId: _, waitingFor: __, ...rest } = p;
  const stepAt = now(inp).toISOString();
  const next: DnsProgress = {
    ...rest,
    step: 'Switched',
    stepAt,
    steps: [...(p.steps ?? []), { step: 'Switched', at: stepAt }],
    ...(inp.lagSeconds !== undefined && { rpoSeconds: inp.lagSeconds }),
  };
  if (res.changeId) return waitInsync(inp, { ...next, changeId: res.changeId });
  return lookForAnswer(inp, k, next);
}

async function lookForAnswer(inp: DrillInput, k: Kit, p: DnsProgress): Promise<Step> {
  const switched = desiredRecords(k.input, p.standby);
  const check = await checkAnswer(k.client, k.target, switched[0]!, inp.r.spec.dns![p.standby].target);
  const at = now(inp);
  const d = decideAnswer(p, check, at, inp.answerTimeoutMs ?? DRILL_ANSWER_TIMEOUT_MS);
  if (d.kind === 'wait') return { progress: d.progress, requeueAfterMs: POLL_MS };
  if (d.kind === 'timedOut') return failed(inp, p.startedAt, d.message);
  const rtoSeconds = Math.round((at.getTime() - Date.parse(p.startedAt)) / 100) / 10;
  const region = inp.r.regions[p.standby] ?? p.standby;
  const rpoSeconds = p.rpoSeconds;
  return {
    done: {
      startedAt: p.startedAt,
      completedAt: at.toISOString(),
      result: 'Succeeded',
      rtoSeconds,
      ...(rpoSeconds !== undefined && { rpoSeconds }),
      steps: [...(p.steps ?? []), { step: 'Answered', at: at.toISOString() }],
      message:
        `the shadow record ${k.target.recordName} moved to ${region} in ` +
        `${rtoSeconds}s${rpoSeconds !== undefined ? `, replica lag ${rpoSeconds}s at the switch` : ''}; ${d.how}. ${DNS_MEASURES}`,
    },
    cleanup: true,
  };
}

/** Writes the shadow pair; a PENDING change comes back as its id. */
async function writeShadow(
  records: FailoverRecords,
  target: RecordsTarget,
  desired: RRSet[],
  mutate: Mutate,
): Promise<{ conflict?: string; changeId?: string }> {
  const res = await records.sync(target, desired, { mutate });
  if (res.ownership === 'foreign') return { conflict: `the name is claimed by ${res.claimedBy ?? 'someone else'}` };
  if (res.conflicts.length > 0) return { conflict: res.conflicts.map((c) => c.reason).join('; ') };
  return res.change?.status === 'PENDING' ? { changeId: res.change.id } : {};
}
