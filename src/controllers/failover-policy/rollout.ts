// The application cutover (issue 17): pods that read the connection Secret through environment
// variables keep the old writer until they restart. After the Secret's data changes, the
// workloads of spec.database.connectionSecret.restartWorkloads / restartSelector are rolled the
// way `kubectl rollout restart` does it: pod-template annotations (restartedAt, and the Secret
// revision), in the policy's namespace only.
//
// Once per change, crash or not: the Secret's revision (a hash of its data, secret.ts) is the
// truth. A workload whose template already carries it is not patched again, so a pass killed
// between two patches resumes with the rest; status.database.rollout records the revision the
// rollout finished for, so an unchanged Secret patches nothing and costs one GET of the Secret.
// The first revision seen (a new policy, or restarts just configured) is only recorded: the
// workloads already run with it. A missing workload or a 403 is reported (condition
// WorkloadsRestarted, an Event), retried, and never fails the pass: the failover goes on.
import type { ConnectionSecretSpec, RolloutStatus } from '../../api/types.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import { httpStatusOf, isNotFound } from '../../runtime/kube-request.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { describeError } from '../shared/sync-error.ts';
import { connectionSecretRevision, type SecretPolicy } from './secret.ts';
import { getWorkload, listWorkloads, patchTemplateAnnotations, WORKLOAD_KINDS, type Workload, workloadName } from './workloads.ts';

export const RESTARTED_AT_ANNOTATION = 'multiregion.dev/restartedAt';
/** On the pod template: the Secret revision the workload was rolled for. */
export const SECRET_REVISION_ANNOTATION = 'multiregion.dev/secret-revision';
export const CONDITION = 'WorkloadsRestarted';
/** A workload that could not be rolled is tried again this often. */
export const ROLLOUT_RETRY_MS = 60_000;
const FIELD_MANAGER = 'multiregion-controller';
const FIELD = 'spec.database.connectionSecret';

export interface RolloutResult {
  /** status.database.rollout (undefined: nothing configured, the field goes) */
  rollout?: RolloutStatus;
  condition?: ConditionInput;
  requeueAfterMs?: number;
}

export const wantsRollout = (cs: ConnectionSecretSpec | undefined): boolean => !!cs && (!!cs.restartWorkloads?.length || !!cs.restartSelector);

export async function syncRollout(
  deps: Pick<ControllerDeps, 'kc'>,
  policy: SecretPolicy,
  cs: ConnectionSecretSpec,
  prev: RolloutStatus | undefined,
  ctx: SyncContext,
): Promise<RolloutResult> {
  if (!wantsRollout(cs))
    // Restarts no longer configured: the condition a pass with them left says so from now on.
    return prev
      ? {
          condition: {
            type: CONDITION,
            status: 'True',
            reason: 'NotConfigured',
            message: 'No workloads are listed or selected for rolling (restartWorkloads, restartSelector).',
          },
        }
      : {};
  let revision: string | undefined;
  try {
    revision = await connectionSecretRevision(deps.kc, policy, cs.name, cs.keys, ctx.signal);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return { ...(prev && { rollout: prev }), condition: unknown('SecretUnreadable', `Secret ${cs.name} could not be read: ${describeError(err).message}`) };
  }
  if (revision === undefined)
    return {
      ...(prev && { rollout: prev }),
      condition: unknown('SecretNotWritten', `Secret ${cs.name} is not written yet; workloads are rolled after it changes.`),
    };
  const at = ctx.now.toISOString();
  if (!prev) {
    // Nothing to roll for: the workloads started with this revision or will (they wait for the Secret).
    return { rollout: { revision, restarted: [], at }, condition: done(revision, []) };
  }
  if (prev.revision === revision && !prev.failed?.length) return { rollout: prev, condition: done(revision, prev.restarted ?? []) };

  const targets = await findTargets(deps, policy.namespace, cs, ctx);
  const restarted: string[] = [];
  const patched: string[] = [];
  const failed = [...targets.failed];
  for (const w of targets.found) {
    const id = workloadName(w);
    if (w.templateAnnotations[SECRET_REVISION_ANNOTATION] === revision) {
      restarted.push(id);
      continue;
    }
    try {
      await ctx.plan.apply({ action: 'Update', resource: id, detail: `rollout restart for Secret ${cs.name} revision ${revision}` }, () =>
        patchTemplateAnnotations(
          deps.kc,
          policy.namespace,
          w,
          { [RESTARTED_AT_ANNOTATION]: at, [SECRET_REVISION_ANNOTATION]: revision },
          FIELD_MANAGER,
          ctx.signal,
        ),
      );
      restarted.push(id);
      patched.push(id);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      failed.push(`${id}: ${why(err)}`);
    }
  }
  if (ctx.plan.dryRun) return { ...(prev && { rollout: prev }), condition: done(prev.revision, prev.restarted ?? []) };
  if (patched.length > 0) ctx.normal('WorkloadsRestarted', `rolled for Secret ${cs.name} revision ${revision}: ${patched.join(', ')}`);
  if (failed.length > 0) ctx.warn('WorkloadRestartFailed', `not rolled for Secret ${cs.name} revision ${revision} (retried): ${failed.join('; ')}`);
  const rollout: RolloutStatus = { revision, restarted, ...(failed.length > 0 && { failed }), at };
  if (failed.length === 0) return { rollout, condition: done(revision, restarted) };
  return {
    rollout,
    condition: {
      type: CONDITION,
      status: 'False',
      reason: failed.some((f) => f.endsWith(FORBIDDEN)) ? 'RolloutForbidden' : failed.some((f) => f.endsWith(MISSING)) ? 'WorkloadMissing' : 'RolloutFailed',
      message:
        `${FIELD}: not rolled for Secret ${cs.name} revision ${revision}: ${failed.join('; ')}. ` +
        'Create the workload or remove it from restartWorkloads; for a 403 add the namespace to the Helm value rbac.rolloutNamespaces. ' +
        'Retried on its own; the failover is not held up by it.',
    },
    requeueAfterMs: ROLLOUT_RETRY_MS,
  };
}

const MISSING = 'not found';
const FORBIDDEN = '403 Forbidden';

function why(err: unknown): string {
  if (isNotFound(err)) return MISSING;
  if (httpStatusOf(err) === 403) return FORBIDDEN;
  return describeError(err).message;
}

/** The listed workloads that exist, and the selected ones (each once), plus why others are not there. */
async function findTargets(
  deps: Pick<ControllerDeps, 'kc'>,
  namespace: string,
  cs: ConnectionSecretSpec,
  ctx: SyncContext,
): Promise<{ found: Workload[]; failed: string[] }> {
  const found = new Map<string, Workload>();
  const failed: string[] = [];
  for (const ref of cs.restartWorkloads ?? []) {
    try {
      const w = await getWorkload(deps.kc, namespace, ref, ctx.signal);
      found.set(workloadName(w), w);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      failed.push(`${workloadName(ref)}: ${why(err)}`);
    }
  }
  if (cs.restartSelector) {
    for (const kind of WORKLOAD_KINDS) {
      try {
        for (const w of await listWorkloads(deps.kc, namespace, kind, cs.restartSelector, ctx.signal)) found.set(workloadName(w), w);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        failed.push(`${kind}s selected by restartSelector: ${why(err)}`);
      }
    }
  }
  return { found: [...found.values()], failed };
}

function done(revision: string, restarted: string[]): ConditionInput {
  return {
    type: CONDITION,
    status: 'True',
    reason: 'RolledOut',
    message:
      restarted.length > 0
        ? `Rolled for the connection Secret's revision ${revision}: ${restarted.join(', ')}.`
        : `No workload needed rolling for the connection Secret's revision ${revision}; they are rolled at its next change.`,
  };
}

const unknown = (reason: string, message: string): ConditionInput => ({ type: CONDITION, status: 'Unknown', reason, message });
