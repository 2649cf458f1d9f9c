// The fence groups a FailoverPolicy still has to delete (status.fenceSweep). A retired ex-writer
// is deleted by RDS over minutes, and an unfenced instance keeps its deny-all group attached for a
// while: deleting the group in the same pass would find it in use and leak it. So the instance is
// recorded (written before the DeleteDBInstance or the unfence, so a crash cannot lose it) and
// looked at again with backoff until its group is gone; a converged policy with nothing recorded
// makes no call here. Carried as a machine field (MACHINE_KEYS) so that every step write keeps it.
// The deletes themselves, and every ownership check, are in aws/rds/fence-sweep.ts.
import type { FenceSweepEntry } from '../../api/types.ts';
import { isRegionUnreachable } from '../../aws/rds/fence.ts';
import { FENCE_PREFIX } from '../../aws/rds/fence-group.ts';
import { type FenceSweepResult, sweepAllFenceGroups, sweepDone, sweepFenceGroupsOf } from '../../aws/rds/fence-sweep.ts';
import type { Owner } from '../../aws/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { describeError } from '../shared/sync-error.ts';
import type { FailoverAction } from './failover-machine.ts';
import type { ResolvedPolicy } from './resolve.ts';

/** First look again after this, doubling per attempt up to the cap (an RDS delete takes minutes). */
export const SWEEP_BACKOFF = { firstMs: 10_000, maxMs: 15 * 60_000 } as const;
/** status.fenceSweep holds at most this many (the CRD's maxItems); the oldest go first, to the sweep on deletion. */
const MAX_ENTRIES = 20;

export interface SweepIo {
  deps: ControllerDeps;
  r: ResolvedPolicy;
  owner: Owner;
  ctx: SyncContext;
}

/** Pure: the list with this instance recorded (once), due at once. */
export function withSweep(list: readonly FenceSweepEntry[] | undefined, region: string, identifier: string, now: Date): FenceSweepEntry[] {
  const cur = list ?? [];
  if (cur.some((e) => e.region === region && e.identifier === identifier)) return [...cur];
  const at = now.toISOString();
  return [...cur, { region, identifier, since: at, attempts: 0, nextAttemptAt: at }].slice(-MAX_ENTRIES);
}

/** Pure: the wait before attempt `attempts + 1`. */
export function backoffMs(attempts: number): number {
  return Math.min(SWEEP_BACKOFF.maxMs, SWEEP_BACKOFF.firstMs * 2 ** Math.max(0, attempts - 1));
}

/** Pure: how long until the first entry is due (0 when one is due now); undefined with none. */
export function nextDueMs(list: readonly FenceSweepEntry[] | undefined, now: Date): number | undefined {
  if (!list || list.length === 0) return undefined;
  return Math.max(0, Math.min(...list.map((e) => Date.parse(e.nextAttemptAt) - now.getTime())));
}

/**
 * Pure: the list with the instance of every retire and unfence among `actions` recorded, or
 * undefined when that changes nothing (the caller then need not write status for it).
 */
export function sweepsFor(actions: readonly FailoverAction[], list: readonly FenceSweepEntry[] | undefined, now: Date): FenceSweepEntry[] | undefined {
  let out: readonly FenceSweepEntry[] = list ?? [];
  for (const a of actions) if (a.type === 'retireInstance' || a.type === 'unfence') out = withSweep(out, a.region, a.identifier, now);
  return out.length === (list ?? []).length ? undefined : [...out];
}

/**
 * Tries every due entry once: the list left and the wait until its first entry is due. Never
 * throws (but on abort): an error is the entry's message, retried later.
 */
export async function runFenceSweeps(io: SweepIo, list: readonly FenceSweepEntry[] | undefined): Promise<{ list: FenceSweepEntry[]; requeueAfterMs?: number }> {
  if (!list || list.length === 0) return { list: [] };
  const now = io.ctx.now;
  const left: FenceSweepEntry[] = [];
  for (const e of list) {
    if (Date.parse(e.nextAttemptAt) > now.getTime()) {
      left.push(e);
      continue;
    }
    if (io.ctx.plan.dryRun) {
      await io.ctx.plan.apply(sweepChange(e), async () => undefined);
      left.push(e);
      continue;
    }
    const kept = await sweepOne(io, e);
    if (kept) left.push(kept);
  }
  const next = nextDueMs(left, now);
  return { list: left, ...(next !== undefined && { requeueAfterMs: Math.max(next, 1) }) };
}

/** The entry for next time, or undefined when its group is gone. */
async function sweepOne(io: SweepIo, e: FenceSweepEntry): Promise<FenceSweepEntry | undefined> {
  const { deps, r, owner, ctx } = io;
  let res: FenceSweepResult;
  try {
    res = await sweepFenceGroupsOf(deps.aws.rds(r.targetIn(e.region)), deps.aws.ec2(r.targetIn(e.region)), e.identifier, owner);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    const message = `could not sweep: ${describeError(err).message}`;
    ctx.log.debug('fence sweep failed', { region: e.region, identifier: e.identifier, error: message });
    return later(e, ctx.now, message);
  }
  if (res.deleted.length > 0) ctx.normal('FenceGroupDeleted', `deleted the fence group ${res.deleted.join(', ')} of ${e.identifier} in ${e.region}`);
  if (sweepDone(res)) return undefined;
  if (res.kept.length > 0) {
    const why = res.kept.map((k) => `${k.groupId}: ${k.reason}`).join('; ');
    ctx.warn('FenceGroupKept', `the fence group of ${e.identifier} in ${e.region} is still in use, kept and tried again later (${why})`);
    return later(e, ctx.now, `kept: ${why}`);
  }
  return later(e, ctx.now, res.waiting ?? 'waiting');
}

function later(e: FenceSweepEntry, now: Date, message: string): FenceSweepEntry {
  const attempts = e.attempts + 1;
  return { ...e, attempts, nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)).toISOString(), message };
}

const sweepChange = (e: { region: string; identifier: string }) => ({
  action: 'Delete' as const,
  resource: 'SecurityGroup',
  region: e.region,
  detail: `fence group of ${e.identifier}, once unused`,
});

/**
 * On the policy's deletion: every fence group of this object in its regions, recorded or not (a
 * lost record must not leak one). A group whose instance is being deleted holds the deletion
 * (`waiting`); one in use by an instance that stays (a fenced ex-writer the policy did not
 * create) is left, reported once, since deleting it would unfence that instance.
 */
export async function finalizeFenceSweeps(io: SweepIo, regions: readonly string[]): Promise<{ waiting?: string }> {
  const { deps, r, owner, ctx } = io;
  const waits: string[] = [];
  for (const region of regions) {
    if (ctx.plan.dryRun) {
      await ctx.plan.apply({ action: 'Delete', resource: 'SecurityGroup', region, detail: 'fence groups of this policy, once unused' }, async () => undefined);
      continue;
    }
    let results: Awaited<ReturnType<typeof sweepAllFenceGroups>>;
    try {
      results = await sweepAllFenceGroups(deps.aws.rds(r.targetIn(region)), deps.aws.ec2(r.targetIn(region)), owner);
    } catch (err) {
      // A region that does not answer (the outage the failover was for) cannot hold the deletion
      // for ever: its groups are left, named, for the operator once the region is back.
      if (!isRegionUnreachable(err) || ctx.signal.aborted) throw err;
      ctx.warn(
        'FenceGroupsUnreachable',
        `${region} did not answer (${describeError(err)}): the fence groups of this policy there (${FENCE_PREFIX}<instance>, ` +
          `tagged with its uid) are left; delete them by hand once the region is back and no instance uses them`,
      );
      continue;
    }
    for (const [identifier, res] of results) {
      if (res.deleted.length > 0) ctx.normal('FenceGroupDeleted', `deleted the fence group ${res.deleted.join(', ')} of ${identifier} in ${region}`);
      if (res.settles) waits.push(`${identifier} in ${region}`);
      else if (res.waiting !== undefined || res.kept.length > 0) {
        const why = res.waiting ?? res.kept.map((k) => `${k.groupId}: ${k.reason}`).join('; ');
        ctx.warn('FenceGroupKept', `the fence group of ${identifier} in ${region} is left in place (${why}); delete it by hand once unused`);
      }
    }
  }
  return waits.length > 0 ? { waiting: `the fence groups of ${waits.join(', ')} are deleted once RDS has deleted or detached them` } : {};
}
