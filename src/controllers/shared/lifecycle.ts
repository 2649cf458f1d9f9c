// One reconcile, the same for every kind (crossplane-runtime's managed reconciler):
// get → paused? → deleting? (finalize) → validate → finalizer before any create → sync → status.
import { ANNOTATIONS, type AnyKind, type Condition, FINALIZER, type PlannedChange } from '../../api/types.ts';
import { withAbortSignal } from '../../aws/abort-scope.ts';
import { withSharedReadAge } from '../../aws/ec2/shared-reads.ts';
import { OutcomeUnknownError } from '../../aws/middleware.ts';
import { type ConditionInput, ready, setCondition, synced } from '../../runtime/conditions.ts';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../../runtime/finalizers.ts';
import { objectPath } from '../../runtime/kube-object.ts';
import { kubeRequest, MERGE_PATCH } from '../../runtime/kube-request.ts';
import type { Logger } from '../../runtime/logger.ts';
import { type ObjectKey, type Reconcile, type ReconcileResult, TerminalError } from '../../runtime/reconciler.ts';
import { actingCondition } from './acting.ts';
import type { ControllerDeps } from './deps.ts';
import { CREATE_IN_DOUBT_WINDOW_MS, CreateInDoubtError, CreatePendingRecords, Planner, parseCreatePending } from './planner.ts';
import { RoutinePasses } from './routine-pass.ts';
import { describeError, SyncError } from './sync-error.ts';

export interface FieldError {
  field: string;
  message: string;
}

/** Synced messages naming this API's annotation, status field and AWS: the runtime knows none of them. */
export const PAUSED_MESSAGE = `The ${ANNOTATIONS.paused} annotation is "true": no AWS calls are made. Remove it to resume.`;
export const DRY_RUN_MESSAGE = 'Dry run: status.plannedChanges lists what would change; nothing was changed in AWS.';

export interface SyncContext {
  plan: Planner;
  log: Logger;
  signal: AbortSignal;
  /** Records a Warning Event (aggregated by the recorder). */
  warn(reason: string, message: string): void;
  normal(reason: string, message: string): void;
  now: Date;
}

export interface SyncResult<S> {
  /** The kind's own status fields (conditions excluded). */
  status: S;
  /** Kind-specific conditions and Ready; Synced is set by the lifecycle. */
  conditions: ConditionInput[];
  requeueAfterMs?: number;
  /** When requeueAfterMs started counting (ReconcileResult.requeueFrom). */
  requeueFrom?: number;
  /**
   * A part of the object failed while the rest went on (a FailoverPolicy's DNS half must not
   * stop its database half): the status above is written, then Synced=False and a retry with
   * backoff as for a thrown error.
   */
  partialError?: unknown;
  /**
   * What a restart needs was stored during the pass, and the pass comes back at once
   * (requeueAfterMs ≤ STATUS_WAIT_MAX_MS): its status is left to that next pass, whose write
   * carries it. One write less where writes crowd (a FailoverPolicy's pass that ended on its
   * promote, in a wave of failovers); honoured only without an error and outside dry-run.
   */
  statusWriteWaits?: boolean;
}

const requeueOf = (r: Pick<SyncResult<object>, 'requeueAfterMs' | 'requeueFrom'>): ReconcileResult => ({
  ...(r.requeueAfterMs !== undefined && { requeueAfterMs: r.requeueAfterMs }),
  ...(r.requeueFrom !== undefined && { requeueFrom: r.requeueFrom }),
});

/**
 * The longest requeue after which a pass may leave its status to the next one: a FailoverPolicy's
 * first look after its promote comes 2 s later (failover-policy/database.ts).
 */
export const STATUS_WAIT_MAX_MS = 2_000;

export interface FinalizeResult<S> {
  done: boolean;
  status?: S;
  message?: string;
  requeueAfterMs?: number;
}

export interface KindHandler<T extends AnyKind> {
  kind: T['kind'];
  path: string;
  validate?(obj: T): FieldError[];
  sync(obj: T, ctx: SyncContext): Promise<SyncResult<NonNullable<T['status']>>>;
  finalize(obj: T, ctx: SyncContext): Promise<FinalizeResult<NonNullable<T['status']>>>;
  /** Called when the object is gone from the cache (e.g. to forget metrics). */
  forget?(key: ObjectKey): void;
  /** Tenant boundaries (access-gate.ts): a message when the object may not act in AWS at all. */
  accessDenied?(obj: T): string | undefined;
  /**
   * How old the shared AWS lists a routine drift pass may take are (routine-pass.ts); unset:
   * every pass reads them within their own few-second window.
   */
  routineReadAgeMs?: number;
}

const isTrue = (v: string | undefined): boolean => v === 'true';
const OUTCOME_UNKNOWN_REQUEUE_MS = 1_000;
const PARTIAL_RETRY_MS = 30_000;
const isOutcomeUnknown = (err: unknown): boolean => err instanceof OutcomeUnknownError;
const pendingMarked = new WeakSet<object>();
const ctxPendingSet = (obj: object): boolean => pendingMarked.has(obj);

async function patchAnnotation(deps: ControllerDeps, path: string, obj: AnyKind, key: string, value: string | null, signal: AbortSignal): Promise<void> {
  await kubeRequest(deps.kc, {
    method: 'PATCH',
    path: objectPath(path, obj.metadata.namespace, obj.metadata.name),
    contentType: MERGE_PATCH,
    // The uid makes it a precondition: a deleted (or deleted and re-created) object fails it.
    body: { metadata: { uid: obj.metadata.uid, annotations: { [key]: value } } },
    signal,
  });
  if (value === null) delete obj.metadata.annotations?.[key];
  else pendingMarked.add(obj);
}

export function makeReconcile<T extends AnyKind>(deps: ControllerDeps, h: KindHandler<T>): Reconcile {
  const now = deps.now ?? (() => new Date());
  const routine = new RoutinePasses();

  // Every AWS call of the reconcile carries its signal (lease lost, shutdown): in-flight calls
  // are cut and no mutating call starts once it is aborted.
  return (key, rctx) => withAbortSignal(rctx?.signal ?? new AbortController().signal, () => reconcileOne(key, rctx));

  async function reconcileOne(key: ObjectKey, rctx: Parameters<Reconcile>[1]): Promise<ReconcileResult | void> {
    const cached = deps.manager.cache<T>(h.kind).get(key);
    if (!cached) {
      h.forget?.(key);
      routine.forget(key);
      return;
    }
    // The cache hands out its frozen object; this pass changes its copy (finalizers, status).
    const obj = structuredClone(cached);
    const signal = rctx?.signal ?? new AbortController().signal;
    const log = deps.logger.child({ kind: h.kind, namespace: key.namespace, name: key.name });
    const ann = obj.metadata.annotations ?? {};
    const dryRun = isTrue(ann[ANNOTATIONS.dryRun]);
    const at = now();
    const pending = parseCreatePending(ann[ANNOTATIONS.createPending]);
    const records = new CreatePendingRecords(pending);
    const ctx: SyncContext = {
      plan: new Planner(
        dryRun,
        (reason, message) => void deps.events.normal(obj, reason, message),
        (resource) => patchAnnotation(deps, h.path, obj, ANNOTATIONS.createPending, records.started(resource, at), signal),
        signal,
        // The create-pending record left by a pass that never finished: a create of what it names,
        // which this pass did not find by its tags, waits out AWS's read lag instead of repeating.
        {
          inDoubt: pending,
          now: at,
          windowMs: deps.createPendingWindowMs ?? CREATE_IN_DOUBT_WINDOW_MS,
          annotation: ANNOTATIONS.createPending,
          createFailed: (resource) => patchAnnotation(deps, h.path, obj, ANNOTATIONS.createPending, records.settled(resource), signal),
          createSucceeded: (resource) => records.succeeded(resource),
        },
      ),
      log,
      signal,
      now: at,
      warn: (reason, message) => void deps.events.warning(obj, reason, message),
      normal: (reason, message) => void deps.events.normal(obj, reason, message),
    };
    // A kind may persist status during the pass (the failover machine records each step before
    // acting on it): every write below starts from what is stored now, never from a snapshot
    // taken before the pass, or an error would roll recorded steps back.
    const storedStatus = () => (obj.status ?? {}) as Record<string, unknown> & { conditions?: Condition[] };
    const gen = obj.metadata.generation ?? 0;
    // A fleet member's every status write says whether it acts (docs/multi-cluster.md).
    const fleet = rctx?.fleet;
    const acting = fleet && actingCondition(fleet, { deleting: !!obj.metadata.deletionTimestamp && hasFinalizer(obj, FINALIZER) });
    const withConds = (status: Record<string, unknown>, conds: ConditionInput[]): Record<string, unknown> => {
      let list = (storedStatus().conditions ?? []) as Condition[];
      for (const c of acting ? [...conds, acting] : conds) list = setCondition(list, c, gen, at) as Condition[];
      return { ...status, conditions: list };
    };
    const writeStatus = (status: Record<string, unknown>) => deps.status.write(h.path, obj, status, { signal });

    // Standby: another member acts. No AWS call at all, no finalizer added or removed; the
    // object only says who acts. The manager wakes every object when that changes.
    if (fleet && !fleet.acting) {
      await writeStatus(withConds(storedStatus(), []));
      return;
    }

    // Paused: no AWS call at all, not even on delete (the finalizer stays until unpaused).
    if (isTrue(ann[ANNOTATIONS.paused])) {
      await writeStatus(withConds(storedStatus(), [synced.paused(PAUSED_MESSAGE)]));
      return;
    }

    // Outside its AccessPolicies: no AWS call, not even the finalizer's deletes (a narrowed policy
    // never deletes anything). Only an Orphan delete, which calls nothing, still goes through.
    const leavesAws = obj.metadata.deletionTimestamp && (!hasFinalizer(obj, FINALIZER) || obj.spec.deletionPolicy === 'Orphan');
    const denied = leavesAws ? undefined : h.accessDenied?.(obj);
    if (denied !== undefined) {
      ctx.warn('AccessDenied', denied);
      const blocked = obj.metadata.deletionTimestamp
        ? 'Deletion blocked: this object may no longer touch what it names, so nothing is deleted in AWS. Widen ' +
          'an AccessPolicy to let the cleanup run, or set spec.deletionPolicy: Orphan to leave everything in AWS.'
        : 'Access denied; see Synced.';
      await writeStatus(withConds(storedStatus(), [synced.error(denied, 'AccessDenied'), ready.unavailable(blocked, 'AccessDenied')]));
      return;
    }

    if (obj.metadata.deletionTimestamp) {
      if (!hasFinalizer(obj, FINALIZER)) return;
      if ((obj.spec.deletionPolicy ?? 'Delete') === 'Orphan') {
        ctx.normal('Orphaned', 'deletionPolicy is Orphan: every AWS resource is left in place.');
        await removeFinalizer(deps.kc, h.path, obj, FINALIZER, signal);
        return;
      }
      try {
        const r = await h.finalize(obj, ctx);
        if (r.done) {
          await removeFinalizer(deps.kc, h.path, obj, FINALIZER, signal);
          return;
        }
        await writeStatus(withConds({ ...storedStatus(), ...(r.status ?? {}) }, [ready.deleting(r.message ?? 'Deleting AWS resources.'), synced.success()]));
        return { requeueAfterMs: r.requeueAfterMs ?? 5_000 };
      } catch (err) {
        return failed(err);
      }
    }

    const invalid = h.validate?.(obj) ?? [];
    if (invalid.length > 0) {
      const msg = invalid.map((e) => `${e.field}: ${e.message}`).join('; ');
      ctx.warn('InvalidSpec', msg);
      await writeStatus(withConds(storedStatus(), [synced.error(msg, 'InvalidSpec'), ready.unavailable('The spec is invalid; see Synced.', 'InvalidSpec')]));
      throw new TerminalError(msg, 'InvalidSpec');
    }

    try {
      if (!dryRun && !hasFinalizer(obj, FINALIZER)) {
        const stored = await addFinalizer(deps.kc, h.path, obj, FINALIZER, signal);
        obj.metadata.resourceVersion = stored.metadata.resourceVersion;
        obj.metadata.finalizers = stored.metadata.finalizers;
      }
      const age = h.routineReadAgeMs;
      const r = age && routine.isRoutine(key, obj) ? await withSharedReadAge(age, () => h.sync(obj, ctx)) : await h.sync(obj, ctx);
      const planned: PlannedChange[] | undefined = dryRun ? ctx.plan.changes : undefined;
      const status: Record<string, unknown> = { ...(r.status as Record<string, unknown>) };
      if (planned) status.plannedChanges = planned;
      else delete status.plannedChanges;
      // Cleared before the status write, so whoever sees the new status (Ready=True) also sees
      // no create left in doubt: every create of this pass has its answer by now. Not when a part
      // failed (a FailoverPolicy's database half refused a create in doubt while its DNS half went
      // on): that part's record must outlive this pass, or the next one creates blindly.
      if (r.partialError === undefined && (obj.metadata.annotations?.[ANNOTATIONS.createPending] !== undefined || ctxPendingSet(obj))) {
        await patchAnnotation(deps, h.path, obj, ANNOTATIONS.createPending, null, signal);
      }
      // The part that went on keeps its own pace (a failover must not wait out a backoff grown
      // by a Route 53 outage); the failed part is retried at that pace too, at most PARTIAL_RETRY_MS.
      if (r.partialError !== undefined)
        return await failed(r.partialError, status, r.conditions, Math.min(r.requeueAfterMs ?? PARTIAL_RETRY_MS, PARTIAL_RETRY_MS));
      if (r.statusWriteWaits && !dryRun && r.requeueAfterMs !== undefined && r.requeueAfterMs > 0 && r.requeueAfterMs <= STATUS_WAIT_MAX_MS) {
        // The stored conditions are those of before this pass: not a routine pass's to trust.
        routine.forget(key);
        return requeueOf(r);
      }
      await writeStatus(withConds(status, [...r.conditions, dryRun ? synced.dryRun(DRY_RUN_MESSAGE) : synced.success()]));
      routine.passed(key, obj);
      return r.requeueAfterMs !== undefined ? requeueOf(r) : undefined;
    } catch (err) {
      return failed(err);
    }

    async function failed(
      err: unknown,
      status: Record<string, unknown> = storedStatus(),
      conds: ConditionInput[] = [],
      partialRetryMs?: number,
    ): Promise<ReconcileResult> {
      routine.forget(key);
      if (signal.aborted) throw err;
      const d = describeError(err);
      log.warn('reconcile failed', { reason: d.reason, error: d.message });
      ctx.warn(d.reason, d.message);
      try {
        await writeStatus(withConds(status, [...conds, synced.error(d.message, d.reason)]));
      } catch (statusErr) {
        log.warn('could not write the error to status', { error: String(statusErr) });
      }
      if (partialRetryMs !== undefined) return { requeueAfterMs: partialRetryMs };
      // Refused a blind second create: looked at again once AWS reads can be trusted, not backed off.
      if (err instanceof CreateInDoubtError) return { requeueAfterMs: err.retryAfterMs };
      if (d.terminal) throw new TerminalError(d.message, d.reason);
      // A create whose answer was lost is not an AWS problem to back off from: the next pass
      // reads first, finds what was made (or not) by its tags, and carries on.
      if (isOutcomeUnknown(err)) return { requeueAfterMs: OUTCOME_UNKNOWN_REQUEUE_MS };
      throw err instanceof SyncError ? err : new Error(d.message, { cause: err });
    }
  }
}
