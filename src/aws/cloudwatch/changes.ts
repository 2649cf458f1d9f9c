// What a sync did (or, in dry-run, would do): the controller turns these into Events and
// status.plannedChanges without knowing CloudWatch.

export interface Change {
  action: 'Create' | 'Update' | 'Delete';
  /** e.g. `dashboard mrc_prod_cc_clients_acme`, `alarm mrc/prod/cc/clients/acme/rejected-packets` */
  resource: string;
  region: string;
  detail?: string;
}

export interface SyncOptions {
  /** Read and report, write nothing. */
  dryRun?: boolean;
}

/** The region an SDK client is bound to (its config holds a provider, not a string). */
export async function clientRegion(client: { config: { region: unknown } }): Promise<string> {
  const r = client.config.region;
  const v: unknown = typeof r === 'function' ? await (r as () => Promise<unknown>)() : r;
  return typeof v === 'string' ? v : '';
}
