// Saved Logs Insights queries, written only when their text or log groups changed. They cannot be
// tagged: we find ours by the deterministic name prefix (names.ts ownerPrefix) and never look at,
// change or delete a definition outside that prefix.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { isNotFound } from '../errors.ts';
import { logsReads } from '../logs/shared-reads.ts';
import { logsSdk } from '../sdk.ts';
import { type Change, clientRegion, type SyncOptions, tracked } from './changes.ts';

export interface DesiredQueryDefinition {
  name: string;
  queryString: string;
  logGroupNames: string[];
}

export interface ExistingQueryDefinition extends DesiredQueryDefinition {
  id: string;
}

export interface QueryDefinitionPlan {
  /** Creates (no id) and updates (id of the definition to overwrite). */
  put: Array<DesiredQueryDefinition & { id?: string }>;
  delete: ExistingQueryDefinition[];
  /** Already as desired: name → id. */
  keep: Record<string, string>;
}

/**
 * Pure: what to put and delete so that, under `prefix`, exactly the desired definitions exist.
 * Duplicates of one name (a put that went through before a crash, then again) keep the first by
 * id and delete the rest.
 */
export function planQueryDefinitions(
  prefix: string,
  existing: readonly ExistingQueryDefinition[],
  desired: readonly DesiredQueryDefinition[],
): QueryDefinitionPlan {
  const ours = existing.filter((e) => e.name.startsWith(prefix)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const d of desired) if (!d.name.startsWith(prefix)) throw new Error(`query definition ${d.name} is outside ${prefix}`);
  const plan: QueryDefinitionPlan = { put: [], delete: [], keep: {} };
  const claimed = new Set<ExistingQueryDefinition>();
  for (const d of desired) {
    const match = ours.find((e) => e.name === d.name);
    if (match) claimed.add(match);
    if (match && match.queryString === d.queryString && sameSet(match.logGroupNames, d.logGroupNames)) plan.keep[d.name] = match.id;
    else plan.put.push(match ? { ...d, id: match.id } : { ...d });
  }
  plan.delete = ours.filter((e) => !claimed.has(e));
  return plan;
}

export interface QueryDefinitionSync {
  changes: Change[];
  /** name → queryDefinitionId, for status (empty in dry-run for definitions not yet created). */
  ids: Record<string, string>;
}

export interface QueryDefinitionSyncOptions extends SyncOptions {
  /**
   * A drift check of many owners: read the region's shared list of every definition under this
   * (wider) prefix, one DescribeQueryDefinitions for all of them; what it says must change is
   * listed again directly before anything is written.
   */
  sharedPrefix?: string;
}

export async function syncQueryDefinitions(
  logs: CloudWatchLogsClient,
  prefix: string,
  desired: readonly DesiredQueryDefinition[],
  opts: QueryDefinitionSyncOptions = {},
): Promise<QueryDefinitionSync> {
  let plan = planQueryDefinitions(
    prefix,
    opts.sharedPrefix ? await sharedUnder(logs, opts.sharedPrefix, prefix) : await listQueryDefinitions(logs, prefix),
    desired,
  );
  if (opts.sharedPrefix && (plan.put.length > 0 || plan.delete.length > 0))
    plan = planQueryDefinitions(prefix, await listQueryDefinitions(logs, prefix), desired);
  const region = await clientRegion(logs);
  const ids: Record<string, string> = { ...plan.keep };
  const { mutate, changes } = tracked(opts);
  for (const p of plan.put) {
    const out = await mutate({ action: p.id ? 'Update' : 'Create', resource: `query definition ${p.name}`, region }, () =>
      logs.send(
        new logsSdk.PutQueryDefinitionCommand({
          name: p.name,
          queryString: p.queryString,
          logGroupNames: p.logGroupNames,
          ...(p.id ? { queryDefinitionId: p.id } : {}),
        }),
      ),
    );
    // In dry-run (out undefined) only a definition that already exists has an id to report.
    if (out) ids[p.name] = out.queryDefinitionId ?? p.id ?? '';
    else if (p.id) ids[p.name] = p.id;
  }
  for (const d of plan.delete) {
    await mutate({ action: 'Delete', resource: `query definition ${d.name}`, region, detail: d.id }, () => deleteById(logs, d.id));
  }
  return { changes, ids };
}

/** Deletes every definition under the prefix (the owner is gone). */
export async function deleteQueryDefinitions(logs: CloudWatchLogsClient, prefix: string, opts: SyncOptions = {}): Promise<Change[]> {
  const { changes } = await syncQueryDefinitions(logs, prefix, [], opts);
  return changes;
}

export async function listQueryDefinitions(logs: CloudWatchLogsClient, prefix: string): Promise<ExistingQueryDefinition[]> {
  const out: ExistingQueryDefinition[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new logsSdk.DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: prefix, maxResults: 1000, nextToken }));
    for (const q of page.queryDefinitions ?? []) {
      if (!q.queryDefinitionId || !q.name) continue;
      out.push({ id: q.queryDefinitionId, name: q.name, queryString: q.queryString ?? '', logGroupNames: q.logGroupNames ?? [] });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

async function sharedUnder(logs: CloudWatchLogsClient, shared: string, prefix: string): Promise<ExistingQueryDefinition[]> {
  const all = await logsReads(logs).read('query-definitions', shared, () => listQueryDefinitions(logs, shared));
  return all.filter((d) => d.name.startsWith(prefix));
}

async function deleteById(logs: CloudWatchLogsClient, id: string): Promise<void> {
  try {
    await logs.send(new logsSdk.DeleteQueryDefinitionCommand({ queryDefinitionId: id }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
}
