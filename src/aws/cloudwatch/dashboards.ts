// Dashboards written only when their content changed: GetDashboard, compare canonical JSON, and
// PutDashboard only on a difference. Dashboards cannot be tagged; ownership is the name (names.ts).
import {
  type CloudWatchClient,
  DeleteDashboardsCommand,
  GetDashboardCommand,
  PutDashboardCommand,
  type PutDashboardCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { isNotFound } from '../errors.ts';
import { canonicalJson, sameJson } from './canonical.ts';
import { type Change, clientRegion, type SyncOptions, tracked } from './changes.ts';

export async function syncDashboard(cw: CloudWatchClient, name: string, body: object | string, opts: SyncOptions = {}): Promise<Change[]> {
  const text = typeof body === 'string' ? body : canonicalJson(body);
  const current = await readDashboard(cw, name);
  if (current !== undefined && sameJson(current, text)) return [];
  const { mutate, changes } = tracked(opts);
  const change: Change = { action: current === undefined ? 'Create' : 'Update', resource: `dashboard ${name}`, region: await clientRegion(cw) };
  // Success may still carry validation warnings (e.g. a widget AWS will not render): surface them.
  const warningsOf = (out: PutDashboardCommandOutput) => (out.DashboardValidationMessages ?? []).map((m) => `${m.DataPath ?? ''} ${m.Message ?? ''}`.trim());
  const out = await mutate(
    change,
    () => cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: text })),
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
    const out = await cw.send(new GetDashboardCommand({ DashboardName: name }));
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
      await cw.send(new DeleteDashboardsCommand({ DashboardNames: [name] }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  });
  return changes;
}
