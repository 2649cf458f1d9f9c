// The DNS half of a FailoverPolicy against one hosted zone (external-dns's loop for one name):
// read the records and the registry record → ownership → plan → check the change list again →
// re-read the registry just before writing → submit to the zone's batcher.
import type { Change, Route53Client } from '@aws-sdk/client-route-53';
import { listOnly, type Mutate, type MutationChange, mutateNow } from '../types.ts';
import type { SubmittedChange, ZoneBatcher } from './batcher.ts';
import { normalizeName } from './names.ts';
import { type Conflict, isEmptyPlan, plan, planChanges } from './plan.ts';
import { type RRSet, setIdentifiers } from './records.ts';
import { assertChangesOwned, type Ownership, ownedSetIdentifiers, type RegistryOwner, readOwnership, registryChanges, registryName } from './registry.ts';
import { readRecordsAt } from './zone-reader.ts';

export interface RecordsWriteOptions {
  /** Read and plan, write nothing (ignored when `mutate` is given: it decides). */
  dryRun?: boolean;
  /** Runs the one write (a batch of `changes.length` record changes): the caller's change path. */
  mutate?: Mutate;
  /** How that write is listed and reported; the default names `Route53FailoverRecords` and the count. */
  change?: (count: number) => MutationChange;
}

export interface RecordsTarget {
  zoneId: string;
  /** clusterId + namespace/name; an `Owner` from ../types.ts fits. */
  owner: RegistryOwner;
  recordName: string;
}

export interface SyncResult {
  ownership: Ownership['state'];
  /** Who holds the name when `ownership` is `foreign`. */
  claimedBy?: string;
  /** What was sent (or, in a dry run, would be sent); empty when already in sync. */
  changes: Change[];
  conflicts: Conflict[];
  /** The records at the name as read before any change. */
  current: RRSet[];
  /** The Route 53 change the `changes` went out in (not in a dry run): INSYNC or still PENDING. */
  change?: SubmittedChange;
}

/** The registry changed between the plan and the write: retry the reconcile. */
export class OwnershipChanged extends Error {
  constructor(recordName: string, was: string, now: string) {
    super(`ownership of ${normalizeName(recordName)} changed from ${was} to ${now} while planning; nothing was written`);
    this.name = 'OwnershipChanged';
  }
}

export class FailoverRecords {
  // Two policies of this controller claiming one name must not interleave read and write.
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: Route53Client,
    private readonly batcher: ZoneBatcher,
  ) {}

  /**
   * Makes the records at `recordName` the desired ones (from desiredRecords()). `desired` may be a
   * function of the records read here: a caller that decides from them (which side the records
   * serve now) takes this read instead of one of its own, one ListResourceRecordSets less.
   */
  async sync(target: RecordsTarget, desired: RRSet[] | ((current: RRSet[]) => RRSet[]), opts: RecordsWriteOptions = {}): Promise<SyncResult> {
    const ids = setIdentifiers(target.owner.name);
    const checked = (want: RRSet[]): RRSet[] => {
      // external-dns#414: an empty desired set must never be read as "delete everything".
      if (want.length === 0) throw new Error('refusing to sync an empty desired record set; call remove() to delete records');
      for (const d of want) {
        if (normalizeName(d.Name ?? '') !== normalizeName(target.recordName) || (d.SetIdentifier !== ids.primary && d.SetIdentifier !== ids.secondary)) {
          throw new Error(`desired record ${d.Name} (${d.SetIdentifier}) is not one of ${target.owner.name}'s records at ${target.recordName}`);
        }
      }
      return want;
    };
    if (typeof desired !== 'function') checked(desired);
    return this.locked(target, async () => {
      const { current, ownership } = await this.read(target);
      const want = typeof desired === 'function' ? checked(desired(current)) : desired;
      if (ownership.state === 'foreign') return foreignResult(target, ownership, current);
      const p = plan(current, want, ownedSetIdentifiers(ownership, target.owner.name));
      if (isEmptyPlan(p)) return { ownership: ownership.state, changes: [], conflicts: p.conflicts, current };
      const changes = [...(p.upserts.length > 0 ? registryChanges(ownership, target.recordName, target.owner, 'claim') : []), ...planChanges(p)];
      const change = await this.write(target, ownership, changes, opts, 'Update');
      return { ownership: ownership.state, changes, conflicts: p.conflicts, current, ...(change && { change }) };
    });
  }

  /** Deletes our records at `recordName` and the registry record; leaves anything not provably ours. */
  async remove(target: RecordsTarget, opts: RecordsWriteOptions = {}): Promise<SyncResult> {
    return this.locked(target, async () => {
      const { current, ownership } = await this.read(target);
      if (ownership.state === 'foreign') return foreignResult(target, ownership, current);
      if (ownership.state === 'free') return { ownership: 'free', changes: [], conflicts: [], current };
      const p = plan(current, [], ownedSetIdentifiers(ownership, target.owner.name));
      // The registry record goes in the same batch, last: our records never outlive it.
      const changes = [...planChanges(p), ...registryChanges(ownership, target.recordName, target.owner, 'release')];
      const change = await this.write(target, ownership, changes, opts, 'Delete');
      return { ownership: ownership.state, changes, conflicts: [], current, ...(change && { change }) };
    });
  }

  private async read(target: RecordsTarget): Promise<{ current: RRSet[]; ownership: Ownership }> {
    const [current, atRegistry] = await Promise.all([
      readRecordsAt(this.client, target.zoneId, target.recordName),
      readRecordsAt(this.client, target.zoneId, registryName(target.recordName)),
    ]);
    return { current, ownership: readOwnership(atRegistry, target.recordName, target.owner) };
  }

  /** Sends the changes; resolves once Route 53 accepted them (see batcher.ts), not when they are INSYNC. */
  private async write(
    target: RecordsTarget,
    ownership: Ownership,
    changes: Change[],
    opts: RecordsWriteOptions,
    action: 'Update' | 'Delete',
  ): Promise<SubmittedChange | undefined> {
    assertChangesOwned(changes, ownership, target.recordName, target.owner);
    if (changes.length === 0) return undefined;
    const name = normalizeName(target.recordName);
    const change = opts.change?.(changes.length) ?? { action, resource: 'Route53FailoverRecords', detail: `${changes.length} changes at ${name}` };
    // One batch, one mutation: in a dry run it is only listed (and not even the registry is re-read).
    const mutate = opts.mutate ?? (opts.dryRun ? listOnly([]) : mutateNow);
    return mutate(
      change,
      async () => {
        const fresh = readOwnership(await readRecordsAt(this.client, target.zoneId, registryName(target.recordName)), target.recordName, target.owner);
        if (fresh.state !== ownership.state) throw new OwnershipChanged(target.recordName, ownership.state, fresh.state);
        return this.batcher.submit(target.zoneId, changes, `${target.owner.namespace}/${target.owner.name}`);
      },
      () => `failover records at ${name}`,
    );
  }

  private async locked<T>(target: RecordsTarget, fn: () => Promise<T>): Promise<T> {
    const key = `${target.zoneId}|${normalizeName(target.recordName)}`;
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }
}

function foreignResult(target: RecordsTarget, ownership: Extract<Ownership, { state: 'foreign' }>, current: RRSet[]): SyncResult {
  return {
    ownership: 'foreign',
    claimedBy: ownership.claimedBy,
    changes: [],
    conflicts: [
      {
        name: normalizeName(target.recordName),
        type: 'TXT',
        reason:
          `${normalizeName(registryName(target.recordName))} says the name belongs ` +
          `to ${ownership.claimedBy}; choose another recordName or remove that claim`,
      },
    ],
    current,
  };
}
