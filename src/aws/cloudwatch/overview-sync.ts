// The RegionPair's overview dashboard, with the same hash short-cut as the client dashboards:
// adding or removing a client changes the body (and the hash), anything else costs no call.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { contentHash } from './canonical.ts';
import type { Change, SyncOptions } from './changes.ts';
import { deleteDashboard, syncDashboard } from './dashboards.ts';
import { dashboardName, dashboardUrl, type OwnerRef } from './names.ts';
import { type OverviewInput, overviewDashboardBody } from './overview-dashboard.ts';
import type { DashboardBody } from './widgets.ts';

export interface DesiredOverview {
  name: string;
  url: string;
  body: DashboardBody;
  hash: string;
}

/** `owner` is the RegionPair; the dashboard is written through the primary region. */
export function desiredOverview(owner: OwnerRef, input: OverviewInput): DesiredOverview {
  const name = dashboardName(owner);
  const body = overviewDashboardBody(input);
  return { name, url: dashboardUrl(input.regions.primary, name), body, hash: contentHash({ name, body }) };
}

export async function syncOverview(
  cw: CloudWatchClient,
  desired: DesiredOverview,
  opts: SyncOptions & { lastHash?: string; verify?: boolean } = {},
): Promise<{ skipped: boolean; hash: string; changes: Change[] }> {
  if (!opts.verify && opts.lastHash === desired.hash) return { skipped: true, hash: desired.hash, changes: [] };
  // A drift check of an unchanged overview: the region's shared ListDashboards of every pair's
  // overview tells whether it changed since it last matched (dashboards.ts), not a GetDashboard each.
  const kindPrefix = opts.lastHash === desired.hash ? /^mrc_[a-z0-9-]+_[a-z]+_/.exec(desired.name)?.[0] : undefined;
  return {
    skipped: false,
    hash: desired.hash,
    changes: await syncDashboard(cw, desired.name, desired.body, { ...opts, ...(kindPrefix && { sharedPrefix: kindPrefix }) }),
  };
}

export function deleteOverview(cw: CloudWatchClient, owner: OwnerRef, opts: SyncOptions = {}): Promise<Change[]> {
  return deleteDashboard(cw, dashboardName(owner), opts);
}
