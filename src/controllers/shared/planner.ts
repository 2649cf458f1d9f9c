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

/**
 * Pure: the records of the create-pending annotation, one `<resource>@<iso time>` a line.
 * One a create: a pass that refuses one create in doubt may still make another (the other half
 * of a FailoverPolicy), and that must not erase the record of the first.
 */
export function parseCreatePending(value: string | undefined): CreateInDoubt[] {
  return (value ?? '').split('\n').flatMap((line) => {
    const m = line.match(/^(.+)@(\d{4}-\d\d-\d\dT[^@]+)$/);
    const at = m?.[2] ? new Date(m[2]) : undefined;
    return m?.[1] && at && !Number.isNaN(at.getTime()) ? [{ resource: m[1], at }] : [];
  });
}

/** Pure: the annotation's value for these records; null (remove it) when there are none. */
export function formatCreatePending(records: readonly CreateInDoubt[]): string | null {
  return records.length ? records.map((r) => `${r.resource}@${r.at.toISOString()}`).join('\n') : null;
}

/** The records as a pass changes them: a create adds (or renews) its own, a refused create removes only its own. */
export class CreatePendingRecords {
  private readonly records: CreateInDoubt[];
  constructor(found: readonly CreateInDoubt[]) {
    this.records = [...found];
  }
  /** The annotation's value once `resource`'s create starts at `at`. */
  started(resource: string, at: Date): string {
    this.remove(resource);
    this.records.push({ resource, at });
    return formatCreatePending(this.records) as string;
  }
  /**
   * `resource`'s create answered: its outcome is known, so its record is left out of the next
   * value written (no write of its own: a pass of several creates writes once per create).
   */
  succeeded(resource: string): void {
    this.remove(resource);
  }
  /** The annotation's value once `resource`'s create is known to have made nothing. */
  settled(resource: string): string | null {
    this.remove(resource);
    return formatCreatePending(this.records);
  }
  private remove(resource: string): void {
    const i = this.records.findIndex((r) => r.resource === resource);
    if (i >= 0) this.records.splice(i, 1);
  }
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
      `a create of ${inDoubt.resource} started at ${inDoubt.at.toISOString()} has no known ` +
        `outcome (the controller stopped or lost the answer) and AWS does not show it yet; ` +
        `no second one is created before about ${until.toISOString()}, when AWS reads ` +
        `can be trusted to show it. If it exists it is then found by its ownership tags; ` +
        `to create it now, remove the ${annotation} annotation.`,
      'CreatePending',
    );
    this.name = 'CreateInDoubtError';
  }
}

export interface CreateGuard {
  /** The records found at the start of the pass (parseCreatePending). */
  inDoubt?: readonly CreateInDoubt[];
  now: Date;
  windowMs: number;
  /** The annotation's name, for the message. */
  annotation: string;
  /** AWS answered a create of `resource` with an error: its outcome is known (nothing made), its record goes. */
  createFailed?: (resource: string) => Promise<void>;
  /** AWS answered a create of `resource` with success: its record need not be written again. */
  createSucceeded?: (resource: string) => void;
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
  readonly mutate: Mutate = ({ repeatable, ...change }, fn, describe) => this.apply(change, fn, describe, { repeatable });

  /**
   * Runs `fn` unless dry-run; returns undefined in dry-run. `repeatable`: a create keyed by a name
   * AWS refuses to reuse (a log group, a VPC attachment per TGW and VPC), whose second call fails
   * with AlreadyExists and is adopted: it can make no duplicate, so it records no create-pending
   * and is never held back by one.
   */
  async apply<T>(change: PlannedChange, fn: () => Promise<T>, describe?: (r: T) => string, opts: { repeatable?: boolean } = {}): Promise<T | undefined> {
    this.changes.push(change);
    if (this.dryRun) return undefined;
    this.signal?.throwIfAborted();
    const which = change.action === 'Create' && !opts.repeatable ? createIdentity(change) : undefined;
    if (which) {
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
      if (settled && which) await this.guard?.createFailed?.(which).catch(() => undefined);
      throw err;
    }
    if (which) this.guard?.createSucceeded?.(which);
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
    const inDoubt = g?.inDoubt?.find((r) => r.resource === resource);
    if (!g || !inDoubt) return;
    const until = new Date(inDoubt.at.getTime() + g.windowMs);
    const left = until.getTime() - g.now.getTime();
    if (left > 0) throw new CreateInDoubtError(inDoubt, until, left, g.annotation);
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
