// Every AWS mutation of a reconcile goes through `Planner.apply`: in dry-run it is only
// listed (status.plannedChanges); otherwise it runs, and creates/deletes become Events.
import type { PlannedChange } from '../../api/types.ts';
import { OutcomeUnknownError } from '../../aws/middleware.ts';
import type { Mutate } from '../../aws/types.ts';
import { SyncError } from './sync-error.ts';

export type Announce = (reason: string, message: string) => void;

/** How long after a create whose answer was lost AWS reads may still not show what it made. */
export const CREATE_IN_DOUBT_WINDOW_MS = 90_000;

/**
 * The create-pending record as the reconcile found it: a create started by an earlier pass
 * that never learned its outcome (the controller stopped, or the answer was lost).
 */
export interface CreateInDoubt {
  resource: string;
  at: Date;
}

/** Pure: the `<resource>@<iso time>` value of the create-pending annotation, or undefined. */
export function parseCreatePending(value: string | undefined): CreateInDoubt | undefined {
  const m = value?.match(/^(.+)@(\d{4}-\d\d-\d\dT[^@]+)$/);
  const at = m?.[2] ? new Date(m[2]) : undefined;
  return m?.[1] && at && !Number.isNaN(at.getTime()) ? { resource: m[1], at } : undefined;
}

/**
 * crossplane-runtime's guard against a blind second create: the resource named by a create in
 * doubt was not found by its ownership tags, but AWS reads may lag the create; so no second one
 * is started until the window has passed. Requeued (not backed off) for the rest of the window.
 */
export class CreateInDoubtError extends SyncError {
  constructor(
    readonly inDoubt: CreateInDoubt,
    until: Date,
    readonly retryAfterMs: number,
    annotation: string,
  ) {
    super(
      `a create of ${inDoubt.resource} started at ${inDoubt.at.toISOString()} has no known outcome (the controller stopped or lost the answer) and AWS does not show it yet; ` +
        `no second one is created before about ${until.toISOString()}, when AWS reads can be trusted to show it. If it exists it is then found by its ownership tags; ` +
        `to create it now, remove the ${annotation} annotation.`,
      'CreatePending',
    );
    this.name = 'CreateInDoubtError';
  }
}

export interface CreateGuard {
  /** The record found at the start of the pass (parseCreatePending). */
  inDoubt?: CreateInDoubt;
  now: Date;
  windowMs: number;
  /** The annotation's name, for the message. */
  annotation: string;
  /** AWS answered a create with an error: its outcome is known (nothing made), the record goes. */
  createFailed?: () => Promise<void>;
}

export class Planner {
  readonly changes: PlannedChange[] = [];

  /**
   * `beforeCreate` records the intent on the object before any create (the create-pending
   * protocol). It is also the liveness check: it fails when the object is gone, so a reconcile
   * working from a stale cache never creates for an object that no longer exists.
   */
  constructor(
    readonly dryRun: boolean,
    private readonly announce: Announce,
    private readonly beforeCreate?: (resource: string) => Promise<void>,
    /** The reconcile's: aborted when the lease is lost or the process stops, and then nothing more is changed. */
    private readonly signal?: AbortSignal,
    private readonly guard?: CreateGuard,
  ) {}

  /** `apply` as the aws layer takes it: each of its mutating calls goes this one way. */
  readonly mutate: Mutate = (change, fn, describe) => this.apply(change, fn, describe);

  /** Runs `fn` unless dry-run; returns undefined in dry-run. */
  async apply<T>(change: PlannedChange, fn: () => Promise<T>, describe?: (r: T) => string): Promise<T | undefined> {
    this.changes.push(change);
    if (this.dryRun) return undefined;
    this.signal?.throwIfAborted();
    if (change.action === 'Create') {
      const which = createIdentity(change);
      this.refuseBlindCreate(which);
      await this.beforeCreate?.(which);
    }
    this.signal?.throwIfAborted();
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      // An answer that says "no" settles the create; a lost answer (or a call cut short) leaves it in doubt.
      const settled = change.action === 'Create' && !(err instanceof OutcomeUnknownError) && !this.signal?.aborted;
      if (settled) await this.guard?.createFailed?.().catch(() => undefined);
      throw err;
    }
    if (change.action === 'Create' || change.action === 'Delete' || change.action === 'Accept' || change.action === 'Promote') {
      const what = describe ? describe(result) : change.resource;
      const where = change.region ? ` in ${change.region}` : '';
      const verb = { Create: 'Created', Delete: 'Deleted', Accept: 'Accepted', Promote: 'Promoted' }[change.action];
      this.announce(`${verb}${kindOf(change.resource)}`, `${verb} ${what}${where}`);
    }
    return result;
  }

  private refuseBlindCreate(resource: string): void {
    const g = this.guard;
    if (!g?.inDoubt || g.inDoubt.resource !== resource) return;
    const until = new Date(g.inDoubt.at.getTime() + g.windowMs);
    const left = until.getTime() - g.now.getTime();
    if (left > 0) throw new CreateInDoubtError(g.inDoubt, until, left, g.annotation);
  }
}

/**
 * What the create-pending record names: the resource with its region and detail (e.g. the side),
 * so that a create in doubt holds back only a second create of the same thing, never the other
 * side's create of the same kind.
 */
export function createIdentity(change: Pick<PlannedChange, 'resource' | 'region' | 'detail'>): string {
  return [change.resource, change.region, change.detail].filter(Boolean).join(' ');
}

/** The Event reason's noun: the resource's first word, CamelCase (`dashboard mrc_x` → `Dashboard`). */
function kindOf(resource: string): string {
  const word = (resource.split(' ')[0] ?? '').replace(/[^A-Za-z]/g, '');
  return word.charAt(0).toUpperCase() + word.slice(1);
}
