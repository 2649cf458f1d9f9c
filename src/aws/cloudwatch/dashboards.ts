// Dashboards written only when their content changed: GetDashboard, compare canonical JSON, and
// PutDashboard only on a difference. Dashboards cannot be tagged; ownership is the name (names.ts).
import { type CloudWatchClient, DeleteDashboardsCommand, GetDashboardCommand, PutDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { isNotFound } from '../errors.ts';
import { canonicalJson, sameJson } from './canonical.ts';
import { type Change, clientRegion, type SyncOptions } from './changes.ts';

export async function syncDashboard(cw: CloudWatchClient, name: string, body: object | string, opts: SyncOptions = {}): Promise<Change[]> {
  const text = typeof body === 'string' ? body : canonicalJson(body);
  const current = await readDashboard(cw, name);
  if (current !== undefined && sameJson(current, text)) return [];
  const change: Change = { action: current === undefined ? 'Create' : 'Update', resource: `dashboard ${name}`, region: await clientRegion(cw) };
  if (opts.dryRun) return [change];
  const out = await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: text }));
  // Success may still carry validation warnings (e.g. a widget AWS will not render): surface them.
  const warnings = (out.DashboardValidationMessages ?? []).map((m) => `${m.DataPath ?? ''} ${m.Message ?? ''}`.trim());
  return [warnings.length > 0 ? { ...change, detail: warnings.join('; ') } : change];
}

/** The body as AWS holds it, or undefined when there is no such dashboard. */
export async function readDashboard(cw: CloudWatchClient, name: string): Promise<string | undefined> {
  try {
    const out = await cw.send(new GetDashboardCommand({ DashboardName: name }));
    return out.DashboardBody ?? '';
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Deletes one of our dashboards; already gone is success. */
export async function deleteDashboard(cw: CloudWatchClient, name: string, opts: SyncOptions = {}): Promise<Change[]> {
  const change: Change = { action: 'Delete', resource: `dashboard ${name}`, region: await clientRegion(cw) };
  if (opts.dryRun) return (await readDashboard(cw, name)) === undefined ? [] : [change];
  try {
    await cw.send(new DeleteDashboardsCommand({ DashboardNames: [name] }));
    return [change];
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}
