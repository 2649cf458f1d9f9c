// What a sync did (or, in dry-run, would do). Each mutating call goes through the caller's
// `mutate` (the controllers' Planner: status.plannedChanges, Events, create-pending) without
// this module knowing Kubernetes; the list is also returned, for callers without a planner.
import { listOnly, type Mutate, mutateNow } from '../types.ts';

export interface Change {
  action: 'Create' | 'Update' | 'Delete';
  /** e.g. `dashboard mrc_prod_cc_clients_acme`, `alarm mrc/prod/cc/clients/acme/rejected-packets` */
  resource: string;
  region: string;
  detail?: string;
  /** See MutationChange.repeatable: an upsert by name, which can make nothing twice. */
  repeatable?: boolean;
}

export interface SyncOptions {
  /** Read and report, write nothing (ignored when `mutate` is given: it decides). */
  dryRun?: boolean;
  /** Runs each mutating call: the caller's one change path. Default: run at once (or list only, in dry-run). */
  mutate?: Mutate;
}

/** A mutate for CloudWatch and Logs changes, which always name their region. */
export type ChangeMutate = <T>(change: Change, fn: () => Promise<T>, describe?: (result: T) => string) => Promise<T | undefined>;

/** The mutate to use under `opts`, and the list of every change it was handed (in order). */
export function tracked(opts: SyncOptions): { mutate: ChangeMutate; changes: Change[] } {
  const changes: Change[] = [];
  const inner: Mutate = opts.mutate ?? (opts.dryRun ? listOnly([]) : mutateNow);
  const mutate: ChangeMutate = (change, fn, describe) => {
    changes.push(change);
    return inner(change, fn, describe);
  };
  return { mutate, changes };
}

/** The region an SDK client is bound to (its config holds a provider, not a string). */
export async function clientRegion(client: { config: { region: unknown } }): Promise<string> {
  const r = client.config.region;
  const v: unknown = typeof r === 'function' ? await (r as () => Promise<unknown>)() : r;
  return typeof v === 'string' ? v : '';
}
