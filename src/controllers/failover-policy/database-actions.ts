// The database pass's actions against AWS and Kubernetes, each one change through the Planner.

import type { DBInstance } from '@aws-sdk/client-rds';
import { fence, unfence } from '../../aws/rds/fence.ts';
import { applyWriterSettings, createCrossRegionReplica, deleteWithFinalSnapshot, promote, ReplicaConflictError } from '../../aws/rds/instances.ts';
import { describeError, SyncError } from '../shared/sync-error.ts';
import { type Answers, answerKey, type DatabaseRun, secretPolicyOf } from './database-run.ts';
import type { FailoverAction } from './failover-machine.ts';
import { plannedChangeOf } from './failover-ready.ts';
import { FenceGroups } from './fence-prep.ts';
import { settingsOf } from './placement.ts';
import { sideOfRegion } from './resolve.ts';
import { writeConnectionSecret } from './secret.ts';

/** Fence and unfence of a region that did not answer this pass wait for the next pass (the machine re-emits them). */
export function skipSilent(run: DatabaseRun, a: FailoverAction, silent: Map<string, string>): boolean {
  if ((a.type !== 'fence' && a.type !== 'unfence') || !silent.has(a.region)) return false;
  run.ctx.log.debug('not sent: the region did not answer earlier in this pass', { action: a.type, region: a.region });
  return true;
}

/**
 * Runs one action. What it returns is the instance as the action left it, when the action's own
 * calls say so (a confirmed fence): the pass's next round takes it instead of describing again.
 */
export async function execute(run: DatabaseRun, a: FailoverAction, answers: Answers = new Map()): Promise<DBInstance | undefined> {
  const { deps, r, owner, ctx, obj } = run;
  const rds = (region: string) => deps.aws.rds(r.targetIn(region));
  // Each change is one Planner.apply: listed in dry-run (and not run), otherwise run, with the
  // create's intent recorded first and creates/deletes/promotions reported as Events.
  const change = plannedChangeOf(a);
  if (!change) return;
  switch (a.type) {
    case 'recordStep':
      return;
    case 'createReplica': {
      await ctx.plan.apply(
        change,
        () =>
          createCrossRegionReplica(rds(a.region), {
            sourceArn: a.sourceArn,
            sourceRegion: a.sourceRegion,
            identifier: a.identifier,
            ...settingsOf(a),
            owner,
            adoptExisting: a.adoptExisting,
          }).catch((err: unknown) => {
            if (err instanceof ReplicaConflictError)
              throw new SyncError(err.message, 'ReplicaConflict', 'spec.database.replica.instanceIdentifier', true, { cause: err });
            throw err;
          }),
        (res) => `read replica ${a.identifier} (${res.outcome})`,
      );
      return;
    }
    case 'configureWriter':
      await ctx.plan.apply(change, async () => {
        const want = { backupRetentionDays: a.backupRetentionDays, ...(a.multiAZ !== undefined && { multiAZ: a.multiAZ }) };
        const how = await applyWriterSettings(rds(a.region), a.identifier, want, answers.get(answerKey(a)));
        if (how === 'Modified') ctx.normal('WriterConfigured', `new writer ${a.identifier} in ${a.region}: ${change.detail}`);
      });
      return;
    case 'fence': {
      let left: DBInstance | undefined;
      await ctx.plan.apply(change, async () => {
        const instance = answers.get(answerKey(a));
        const prepared = run.fenceGroups?.preparedIn(FenceGroups.key(r.targetIn(a.region), a.identifier));
        const res = await fence(rds(a.region), deps.aws.ec2(r.targetIn(a.region)), a.identifier, owner, {
          ...(instance && { instance }),
          ...(prepared && { preparedGroupId: prepared }),
          ...(a.mark !== undefined && { mark: a.mark }),
        });
        if (res.confirmed) ctx.normal('Fenced', `old writer ${a.identifier} in ${a.region}: ${res.reason}`);
        else ctx.warn('FencePending', `old writer ${a.identifier} in ${a.region} not fenced yet: ${res.reason}`);
        left = res.instance;
      });
      return left;
    }
    case 'unfence':
      await ctx.plan.apply(change, async () => {
        // The fence ends here; its deny-all group, recorded in status.fenceSweep, goes once RDS has detached it.
        const res = await unfence(rds(a.region), a.identifier);
        if (res === 'Restored') ctx.normal('Unfenced', `${a.identifier} in ${a.region} has its security groups back`);
      });
      return;
    case 'promote':
      await ctx.plan.apply(
        change,
        () => promote(rds(a.region), a.identifier, new Date(), answers.get(answerKey(a)), a.mark),
        () => `replica ${a.identifier}${a.why ? ` (${a.why})` : ''}`,
      );
      return;
    case 'writeSecret':
      await ctx.plan.apply(change, async () => {
        const engine = r.spec.database?.engine ?? '';
        const how = await writeConnectionSecret(
          deps.kc,
          secretPolicyOf(obj),
          a.name,
          { ...a.data, engine },
          ctx.signal,
          r.spec.database?.connectionSecret.keys,
        );
        if (how === 'Adopted') ctx.normal('SecretAdopted', `connection Secret ${a.name} (our labels, no owner) now has this FailoverPolicy as its owner`);
        ctx.normal('SecretWritten', `connection Secret ${a.name} names the writer in ${a.data.region}`);
      });
      return;
    case 'switchDns': {
      // The records' own changes go through the Planner inside syncRecords; in dry-run only this is listed.
      if (ctx.plan.dryRun) {
        await ctx.plan.apply(change, async () => undefined);
        return;
      }
      const side = sideOfRegion(r, a.activeRegion);
      if (!side)
        throw new SyncError(`no DNS side serves ${a.activeRegion}: set spec.dns.primary.region / secondary.region`, 'DnsRegionUnknown', 'spec.dns', true);
      try {
        await run.dns.syncRecords(side);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        // The database half goes on: the DNS step is retried, or deferred while Route 53's API is down.
        run.dns.state.error = describeError(err).message;
        ctx.warn('DnsDeferred', `cannot move the records to ${a.activeRegion} now: ${run.dns.state.error}`);
        return;
      }
      if (run.dns.state.conflict)
        throw new SyncError(`cannot move traffic to ${a.activeRegion}: ${run.dns.state.conflict}`, 'RecordConflict', 'spec.dns.recordName');
      ctx.normal(
        'DnsSwitched',
        r.spec.dns
          ? `PRIMARY record now serves ${a.activeRegion}`
          : `no spec.dns: no records to move, the step completes at once; the Global Accelerator dials move to ${a.activeRegion}`,
      );
      return;
    }
    case 'retireInstance':
      await ctx.plan.apply(
        change,
        // Its deny-all group, recorded in status.fenceSweep, goes once RDS has deleted the instance.
        () => deleteWithFinalSnapshot(rds(a.region), a.identifier, a.finalSnapshotIdentifier, owner),
        () => `ex-writer ${a.identifier} (final snapshot ${a.finalSnapshotIdentifier})`,
      );
      return;
  }
}
