// The peering: the primary side requests it, the secondary side accepts it (in its own
// account when its role differs), then both sides associate it with their route table.
// pendingAcceptance → available is waited for by requeueing, never by blocking a worker.
import { acceptPeering, type ObservedPeering, observeAccepterSide, peeringRequester } from '../../aws/ec2/peering.ts';
import type { Owner } from '../../aws/types.ts';
import { ensure } from '../shared/ensure.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { associate, type SideState } from './side.ts';

export interface PeeringOutcome {
  attachmentId?: string;
  state?: string;
  available: boolean;
  message: string;
}

export async function syncPeering(owner: Owner, p: SideState, s: SideState, knownId: string | undefined, ctx: SyncContext): Promise<PeeringOutcome> {
  if (!p.tgw || !s.tgw || !s.status.accountId) return { available: false, message: 'Waiting for both transit gateways.' };
  const requester = peeringRequester(p.ec2);
  const spec = {
    owner,
    transitGatewayId: p.tgw.id,
    peerTransitGatewayId: s.tgw.id,
    peerAccountId: s.status.accountId,
    peerRegion: s.spec.region,
    ...(knownId && { attachmentId: knownId }),
  };
  let seen = await requester.observe(spec);
  if (knownId && seen.observed && !seen.observed.owned) {
    // An id in status is no proof (anyone who can write status sets it): a peering without our
    // tags is left alone, and ours is looked up by its tags, so status heals to it.
    ctx.warn(
      'ForeignPeering',
      `status names peering ${knownId}, which does not carry this pair's ownership tags: left alone; the pair's own is found by its tags`,
    );
    const { attachmentId: _foreign, ...byTags } = spec;
    seen = await requester.observe(byTags);
  }
  let peering: ObservedPeering | undefined = seen.observed;
  if (seen.exists && !seen.upToDate && peering) {
    // The peer changed (e.g. another secondary TGW): a peering cannot be modified, so replace it.
    const stale = peering;
    await ctx.plan.apply(
      { action: 'Delete', resource: 'TransitGatewayPeeringAttachment', region: p.spec.region, detail: (seen.diff ?? []).join('; ') },
      () => requester.delete(stale),
      () => `peering ${stale.id} (peer changed)`,
    );
    return { attachmentId: stale.id, state: 'deleting', available: false, message: `Replacing peering ${stale.id}: ${(seen.diff ?? []).join('; ')}.` };
  }
  if (!seen.exists) {
    // No client token on this API: the Planner records the intent first; a restart finds it by its tags.
    const r = await ensure(
      requester,
      spec,
      ctx.plan,
      { resource: 'TransitGatewayPeeringAttachment', region: p.spec.region, detail: `${p.tgw.id} → ${s.tgw.id} (${s.spec.region})` },
      (o) => `peering ${o.id} from ${p.tgw!.id} to ${s.tgw!.id}`,
    );
    peering = r.observed;
  }
  if (!peering) return { available: false, message: 'The peering would be requested.' };

  let state = peering.state;
  if (state === 'pendingAcceptance' || state === 'initiatingRequest' || state === 'pending') {
    const view = ctx.plan.dryRun ? await observeAccepterSide(s.ec2, peering.id) : undefined;
    if (ctx.plan.dryRun) {
      // Through the Planner like every change: in a dry run it is listed and nothing runs.
      if (view?.state === 'pendingAcceptance')
        await ctx.plan.apply(
          { action: 'Accept', resource: 'TransitGatewayPeeringAttachment', region: s.spec.region, detail: peering.id },
          async () => undefined,
        );
    } else {
      const before = await observeAccepterSide(s.ec2, peering.id);
      const after =
        before.state === 'pendingAcceptance'
          ? await ctx.plan.apply(
              { action: 'Accept', resource: 'TransitGatewayPeeringAttachment', region: s.spec.region, detail: peering.id },
              () => acceptPeering(s.ec2, peering!.id),
              () => `peering ${peering!.id}`,
            )
          : before;
      state = after?.state === 'notVisible' ? state : (after?.state ?? state);
    }
  }
  const out: PeeringOutcome = { attachmentId: peering.id, state, available: state === 'available', message: '' };
  if (!out.available) {
    out.message = `Peering ${peering.id} is ${state}; waiting for it to become available.`;
    return out;
  }
  for (const side of [p, s]) {
    if (side.status.routeTableId) await associate(side, side.status.routeTableId, peering.id, ctx);
  }
  out.message = `Peering ${peering.id} is available.`;
  return out;
}
