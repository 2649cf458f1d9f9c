// Dashboards written only when their content changed: GetDashboard, compare canonical JSON, and
// PutDashboard only on a difference. Dashboards cannot be tagged; ownership is the name (names.ts).
import { createHash } from 'node:crypto';
import type { CloudWatchClient, DashboardEntry, PutDashboardCommandOutput } from '@aws-sdk/client-cloudwatch';
import { isNotFound } from '../errors.ts';
import { cloudwatchSdk } from '../sdk.ts';
import { canonicalJson, sameJson } from './canonical.ts';
import { type Change, clientRegion, type SyncOptions, tracked } from './changes.ts';
import { dashboardsUnder } from './shared-reads.ts';

export interface DashboardSyncOptions extends SyncOptions {
  /**
   * A drift check of many owners: the region's shared ListDashboards under this prefix tells
   * whether the dashboard changed since it last matched (last-modified time and size); only
   * then is its body read. The API has no cheaper way to see a body.
   */
  sharedPrefix?: string;
}

/** Per client: dashboards whose body matched, with the list entry seen then and a hash of the body (not the body: memory). */
const matchedByClient = new WeakMap<CloudWatchClient, Map<string, { modified: number; size: number; hash: string }>>();

const hashOf = (text: string): string => createHash('sha256').update(text).digest('base64');

export async function syncDashboard(cw: CloudWatchClient, name: string, body: object | string, opts: DashboardSyncOptions = {}): Promise<Change[]> {
  const text = typeof body === 'string' ? body : canonicalJson(body);
  let matched = matchedByClient.get(cw);
  if (!matched) {
    matched = new Map();
    matchedByClient.set(cw, matched);
  }
  const entry = opts.sharedPrefix ? (await dashboardsUnder(cw, opts.sharedPrefix)).get(name) : undefined;
  const last = matched.get(name);
  const hash = opts.sharedPrefix ? hashOf(text) : '';
  const unchanged = (e: DashboardEntry | undefined) =>
    !!e && !!last && last.hash === hash && e.LastModified?.getTime() === last.modified && e.Size === last.size;
  if (unchanged(entry)) return [];
  matched.delete(name);
  const current = await readDashboard(cw, name);
  if (current !== undefined && sameJson(current, text)) {
    if (entry?.LastModified && entry.Size !== undefined) matched.set(name, { modified: entry.LastModified.getTime(), size: entry.Size, hash });
    return [];
  }
  const { mutate, changes } = tracked(opts);
  // PutDashboard is an upsert by name: a create repeated after a lost answer makes no second dashboard.
  const change: Change = {
    action: current === undefined ? 'Create' : 'Update',
    resource: `dashboard ${name}`,
    region: await clientRegion(cw),
    repeatable: true,
  };
  // Success may still carry validation warnings (e.g. a widget AWS will not render): surface them.
  const warningsOf = (out: PutDashboardCommandOutput) => (out.DashboardValidationMessages ?? []).map((m) => `${m.DataPath ?? ''} ${m.Message ?? ''}`.trim());
  const out = await mutate(
    change,
    () => cw.send(new cloudwatchSdk.PutDashboardCommand({ DashboardName: name, DashboardBody: text })),
    (o) => {
      const w = warningsOf(o);
      return w.length > 0 ? `${change.resource} (${w.join('; ')})` : change.resource;
    },
  );
  const warnings = out ? warningsOf(out) : [];
  if (warnings.length > 0) change.detail = warnings.join('; ');
  return changes;
}

/** The body as AWS holds it, or undefined when there is no such dashboard. */
export async function readDashboard(cw: CloudWatchClient, name: string): Promise<string | undefined> {
  try {
    const out = await cw.send(new cloudwatchSdk.GetDashboardCommand({ DashboardName: name }));
    return out.DashboardBody ?? '';
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Deletes one of our dashboards; already gone is success (and no change). */
export async function deleteDashboard(cw: CloudWatchClient, name: string, opts: SyncOptions = {}): Promise<Change[]> {
  if ((await readDashboard(cw, name)) === undefined) return [];
  const { mutate, changes } = tracked(opts);
  await mutate({ action: 'Delete', resource: `dashboard ${name}`, region: await clientRegion(cw) }, async () => {
    try {
      await cw.send(new cloudwatchSdk.DeleteDashboardsCommand({ DashboardNames: [name] }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  });
  return changes;
}
