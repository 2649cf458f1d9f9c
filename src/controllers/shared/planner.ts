// Every AWS mutation of a reconcile goes through `Planner.apply`: in dry-run it is only
// listed (status.plannedChanges); otherwise it runs, and creates/deletes become Events.
import type { PlannedChange } from '../../api/types.ts';

export type Announce = (reason: string, message: string) => void;

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
  ) {}

  /** Runs `fn` unless dry-run; returns undefined in dry-run. */
  async apply<T>(change: PlannedChange, fn: () => Promise<T>, describe?: (r: T) => string): Promise<T | undefined> {
    this.changes.push(change);
    if (this.dryRun) return undefined;
    this.signal?.throwIfAborted();
    if (change.action === 'Create') await this.beforeCreate?.(change.resource);
    this.signal?.throwIfAborted();
    const result = await fn();
    if (change.action === 'Create' || change.action === 'Delete' || change.action === 'Accept' || change.action === 'Promote') {
      const what = describe ? describe(result) : change.resource;
      const where = change.region ? ` in ${change.region}` : '';
      const verb = { Create: 'Created', Delete: 'Deleted', Accept: 'Accepted', Promote: 'Promoted' }[change.action];
      this.announce(`${verb}${change.resource.replace(/[^A-Za-z]/g, '')}`, `${verb} ${what}${where}`);
    }
    return result;
  }
}
