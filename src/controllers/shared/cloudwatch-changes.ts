// CloudWatch changes (a ClientConnection's dashboard and alarms, a RegionPair's overview
// dashboard) reported the one way: into status.plannedChanges, and as Events for creates and deletes.
import type { Change } from '../../aws/cloudwatch/changes.ts';
import type { SyncContext } from './lifecycle.ts';

/** CloudWatch changes into status.plannedChanges (dry-run) and Events (creates and deletes). */
export function record(ctx: SyncContext, changes: readonly Change[]): void {
  for (const c of changes) {
    ctx.plan.changes.push({ action: c.action, resource: c.resource, region: c.region, ...(c.detail && { detail: c.detail }) });
    if (ctx.plan.dryRun) continue;
    if (c.action === 'Create' || c.action === 'Delete') {
      const verb = c.action === 'Create' ? 'Created' : 'Deleted';
      const kind = c.resource.split(' ')[0] ?? 'resource';
      ctx.normal(
        `${verb}${kind.charAt(0).toUpperCase()}${kind.slice(1).replace(/[^A-Za-z]/g, '')}`,
        `${verb} ${c.resource} in ${c.region}${c.detail ? ` (${c.detail})` : ''}`,
      );
    }
  }
}
