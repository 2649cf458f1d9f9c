// Deleting a RegionPair (deletionPolicy Delete): reverse order — routes → associations →
// peering → route tables → attachments → TGWs → flow logs and log group — each step only
// for what carries our tags, waiting (by requeue) while AWS is still deleting.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { defaultRegionPairSpec } from '../../api/defaults.ts';
import type { RegionPair, RegionPairStatus, RegionSideSpec } from '../../api/types.ts';
import { flowLog, flowLogsInto } from '../../aws/ec2/flow-logs.ts';
import type { Side } from '../../aws/ec2/ownership.ts';
import { peeringRequester } from '../../aws/ec2/peering.ts';
import { currentAssociation, deleteRouteTable, disassociate, restoreAssociation, tgwRouteTable } from '../../aws/ec2/tgw-route-table.ts';
import { applyTgwRoutePlan, isEmptyPlan, listStaticRoutes, planTgwRoutes } from '../../aws/ec2/tgw-routes.ts';
import { transitGateway } from '../../aws/ec2/transit-gateway.ts';
import { vpcAttachment } from '../../aws/ec2/vpc-attachment.ts';
import { applyVpcRoutePlan, describeVpcRoutes, isEmptyVpcPlan, planVpcRoutes } from '../../aws/ec2/vpc-routes.ts';
import { isNotFound } from '../../aws/errors.ts';
import { logGroup } from '../../aws/logs/log-group.ts';
import type { Owner } from '../../aws/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { FinalizeResult, SyncContext } from '../shared/lifecycle.ts';
import { ownerOf } from '../shared/owner.ts';
import { describeError } from '../shared/sync-error.ts';
import { targetOf } from '../shared/target.ts';
import { finalizePairOverview } from './overview.ts';
import { programmedByUs } from './routes.ts';

type Step = () => Promise<string | undefined>;

export async function finalizeRegionPair(deps: ControllerDeps, obj: RegionPair, ctx: SyncContext): Promise<FinalizeResult<RegionPairStatus>> {
  const spec = defaultRegionPairSpec(obj.spec);
  const owner = ownerOf(obj, deps);
  const st = obj.status ?? {};
  const sides: Array<[Side, RegionSideSpec]> = [
    ['primary', spec.primary],
    ['secondary', spec.secondary],
  ];
  const ec2 = (s: RegionSideSpec) => deps.aws.ec2(targetOf(s));
  const del = (resource: string, region: string, detail: string, fn: () => Promise<void>) =>
    ctx.plan.apply({ action: 'Delete', resource, region, detail }, fn, () => `${resource} ${detail}`);

  // includeDeleting: what AWS is still deleting is still there, and the finalizer waits for it.
  const tgwOf = async (side: Side, s: RegionSideSpec) => {
    const o = await transitGateway(ec2(s)).observe({ owner, side, includeDeleting: true, ...(s.transitGateway?.id && { adoptId: s.transitGateway.id }) });
    return o.observed;
  };

  const steps: Step[] = [
    // 1. routes we programmed: VPC routes to our TGW, TGW static routes to our peering.
    async () => {
      for (const [side, s] of sides) {
        const tgw = await tgwOf(side, s);
        if (!tgw) continue;
        const tables = (s.vpcAttachments ?? []).flatMap((a) => a.routeTableIds ?? []);
        if (tables.length) {
          // Only what this pair made: a route that was there first (preexisting) stays, per table.
          const prev = programmedByUs(st.routes ?? [])
            .filter((r) => r.region === s.region && r.target === tgw.id)
            .map((r) => (r.routeTableId ? { routeTableId: r.routeTableId, destinationCidr: r.destinationCidr } : r.destinationCidr));
          const plan = planVpcRoutes({
            transitGatewayId: tgw.id,
            transitGatewayOwned: tgw.owned,
            previouslyProgrammed: prev,
            desiredCidrs: [],
            tables: await describeVpcRoutes(ec2(s), tables),
            allowRemoveAll: true,
          });
          if (!isEmptyVpcPlan(plan))
            await del('VpcRoutes', s.region, `${plan.remove.length} routes to ${tgw.id}`, () => applyVpcRoutePlan(ec2(s), tgw.id, plan));
        }
        const rt = (await tgwRouteTable(ec2(s)).observe({ owner, side, transitGatewayId: tgw.id })).observed;
        const peeringId = st.peering?.attachmentId;
        if (rt && peeringId) {
          const prev = (st.routes ?? []).filter((r) => r.routeTableId === rt.id).map((r) => r.destinationCidr);
          const plan = planTgwRoutes({
            desired: [],
            current: await listStaticRoutes(ec2(s), rt.id),
            managedAttachmentIds: [peeringId],
            previouslyProgrammed: prev,
            allowRemoveAll: true,
          });
          if (!isEmptyPlan(plan))
            await del('TransitGatewayRoutes', s.region, `${plan.remove.length} routes in ${rt.id}`, () => applyTgwRoutePlan(ec2(s), rt.id, plan));
        }
      }
      return undefined;
    },
    // 2+3. the peering (deleting it also ends its associations).
    async () => {
      const p = await tgwOf('primary', spec.primary);
      const s = await tgwOf('secondary', spec.secondary);
      if (!p || !s) return undefined;
      const req = peeringRequester(ec2(spec.primary));
      const byTags = {
        owner,
        transitGatewayId: p.id,
        peerTransitGatewayId: s.id,
        peerAccountId: s.accountId ?? st.secondary?.accountId ?? '',
        peerRegion: spec.secondary.region,
        includeDeleting: true,
      };
      let o = await req.observe({ ...byTags, ...(st.peering?.attachmentId && { attachmentId: st.peering.attachmentId }) });
      // Found by the id in status but without our tags: not ours to delete, nor to wait for; ours
      // (left behind otherwise, and holding the TGWs' deletion) is found by its tags.
      if (o.observed && !o.observed.owned) o = await req.observe(byTags);
      if (!o.observed?.owned) return undefined;
      const seen = o.observed;
      if (seen.state === 'deleting') return `Waiting for peering ${seen.id} to be deleted.`;
      await del('TransitGatewayPeeringAttachment', spec.primary.region, seen.id, () => req.delete(seen));
      return `Deleting peering ${seen.id}.`;
    },
    // 3b. adopted attachments go back to the table they were associated with before the pair.
    async () => {
      let waiting: string | undefined;
      for (const [side, s] of sides) {
        for (const [attachmentId, previous] of Object.entries(st[side]?.previousAssociations ?? {})) {
          const w = await restorePrevious(ec2(s), s.region, attachmentId, previous, ctx);
          if (w) waiting = w;
        }
      }
      return waiting;
    },
    // 4. route tables (their delete disassociates the attachments the spec lists first).
    async () => {
      let waiting: string | undefined;
      for (const [side, s] of sides) {
        const tgw = await tgwOf(side, s);
        if (!tgw) continue;
        const r = tgwRouteTable(ec2(s));
        const rt = (await r.observe({ owner, side, transitGatewayId: tgw.id, includeDeleting: true })).observed;
        if (!rt?.owned) continue;
        if (rt.state === 'deleting') {
          waiting = `Waiting for route table ${rt.id} to be deleted.`;
          continue;
        }
        // Only the spec's attachments (and our peering) are disassociated; anything else in the table stays.
        const listed = new Set([...Object.values(st[side]?.vpcAttachmentIds ?? {}), ...(st.peering?.attachmentId ? [st.peering.attachmentId] : [])]);
        let unlisted: string[] = [];
        await del('TransitGatewayRouteTable', s.region, rt.id, async () => {
          unlisted = (await deleteRouteTable(ec2(s), rt, listed)).unlisted;
        });
        waiting = unlisted.length
          ? `Route table ${rt.id} is kept: ${unlisted.join(', ')} ${unlisted.length === 1 ? 'is' : 'are'} associated ` +
            `with it and not listed in the spec; disassociate ${unlisted.length === 1 ? 'it' : 'them'} to finish.`
          : `Deleting route table ${rt.id}.`;
      }
      return waiting;
    },
    // 5. VPC attachments we made.
    async () => {
      let waiting: string | undefined;
      for (const [side, s] of sides) {
        const tgw = await tgwOf(side, s);
        if (!tgw) continue;
        for (const att of s.vpcAttachments ?? []) {
          const r = vpcAttachment(ec2(s));
          const a = (
            await r.observe({
              owner,
              side,
              transitGatewayId: tgw.id,
              vpcId: att.vpcId,
              subnetIds: att.subnetIds,
              includeDeleting: true,
            })
          ).observed;
          if (!a?.owned) continue;
          if (a.state === 'deleting') {
            waiting = `Waiting for attachment ${a.id} to be deleted.`;
            continue;
          }
          await del('TransitGatewayVpcAttachment', s.region, a.id, () => r.delete(a));
          waiting = `Deleting attachment ${a.id}.`;
        }
      }
      return waiting;
    },
    // 6. TGWs we created (never adopted ones).
    async () => {
      let waiting: string | undefined;
      for (const [side, s] of sides) {
        const tgw = await tgwOf(side, s);
        if (!tgw || tgw.adopted || !tgw.owned) continue;
        if (tgw.state === 'deleting') {
          waiting = `Waiting for transit gateway ${tgw.id} to be deleted.`;
          continue;
        }
        await finalizeFlowLog(deps, owner, side, s, tgw.id, spec.flowLogs?.logGroupName, del);
        await del('TransitGateway', s.region, tgw.id, () => transitGateway(ec2(s)).delete(tgw));
        waiting = `Deleting transit gateway ${tgw.id}.`;
      }
      return waiting;
    },
    // 7. flow logs on adopted TGWs and the log groups we created.
    async () => {
      if (!spec.flowLogs?.enabled) return undefined;
      const name = spec.flowLogs.logGroupName;
      for (const [side, s] of sides) {
        const tgwId = s.transitGateway?.id;
        if (tgwId) await finalizeFlowLog(deps, owner, side, s, tgwId, name, del);
        const r = logGroup(deps.aws.logs(targetOf(s)));
        const g = (await r.observe({ owner, name })).observed;
        if (!g?.owned) continue;
        const others = await flowLogsInto(ec2(s), name);
        if (others.length) {
          ctx.normal(
            'LogGroupKept',
            `log group ${name} in ${s.region} is kept: ${others.length} other flow ` +
              `log(s) still deliver into it (${others.map((f) => f.FlowLogId).join(', ')}).`,
          );
          continue;
        }
        await del('LogGroup', s.region, g.name, () => r.delete(g));
      }
      return undefined;
    },
  ];

  for (const step of steps) {
    const waiting = await step();
    if (waiting) return { done: false, message: waiting, requeueAfterMs: 2_000 };
  }
  // 8. the overview dashboard, last: it shows the pair until the pair is gone.
  await finalizePairOverview(deps, obj, ctx);
  return { done: !ctx.plan.dryRun };
}

/**
 * Puts one adopted attachment back in the table recorded before the pair moved it: off our
 * table first, then into the recorded one (AWS moves asynchronously, so each is a pass).
 * Undefined when it is back, gone, or its table no longer exists (said in an Event).
 */
async function restorePrevious(ec2: EC2Client, region: string, attachmentId: string, previous: string, ctx: SyncContext): Promise<string | undefined> {
  const now = await currentAssociation(ec2, attachmentId);
  if (now?.routeTableId === previous) return now.state === 'associated' ? undefined : `Waiting for ${attachmentId} to be associated with ${previous} again.`;
  const apply = (action: 'Associate' | 'Disassociate', detail: string, fn: () => Promise<void>) =>
    ctx.plan.apply({ action, resource: 'TransitGatewayRouteTableAssociation', region, detail }, fn);
  if (now) {
    if (now.state !== 'associated') return `Waiting for ${attachmentId} to leave ${now.routeTableId}.`;
    await apply('Disassociate', `${attachmentId} → ${now.routeTableId}`, () => disassociate(ec2, now.routeTableId, attachmentId));
    return `Moving ${attachmentId} back to ${previous}.`;
  }
  try {
    await apply('Associate', `${attachmentId} → ${previous}`, () => restoreAssociation(ec2, previous, attachmentId));
  } catch (err) {
    // The recorded table (or the attachment) is gone: nothing to put back, and the pair must still go.
    if (isNotFound(err)) {
      ctx.warn('AssociationNotRestored', `${attachmentId} was not put back in ${previous}: ${describeError(err).message}`);
      return undefined;
    }
    throw err;
  }
  return `Moving ${attachmentId} back to ${previous}.`;
}

async function finalizeFlowLog(
  deps: ControllerDeps,
  owner: Owner,
  side: Side,
  s: RegionSideSpec,
  tgwId: string,
  logGroupName: string | undefined,
  del: (resource: string, region: string, detail: string, fn: () => Promise<void>) => Promise<unknown>,
): Promise<void> {
  if (!logGroupName) return;
  const r = flowLog(deps.aws.ec2(targetOf(s)));
  const f = (await r.observe({ owner, side, transitGatewayId: tgwId, logGroupName })).observed;
  if (f?.owned) await del('FlowLog', s.region, f.id, () => r.delete(f));
}
