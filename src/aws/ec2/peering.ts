// The TGW peering between the two sides. The primary requests it (tagged, in its own
// region/account); the secondary accepts it in its region/account, where it shows up with
// the same id. CreateTransitGatewayPeeringAttachment has no idempotency token: after a crash
// between create and status write, findPeeringByOwner finds it again before a second create.
import type { EC2Client, Filter, TransitGatewayPeeringAttachment } from '@aws-sdk/client-ec2';
import { errorCode, isNotFound } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';
import { TAG_KEYS, TAG_PREFIX, type TagsLike, tagsToMap } from '../tags.ts';
import type { ExternalResource, Owner } from '../types.ts';
import { isPresent, oldestFirst, sideTagSpec, sideTags } from './ownership.ts';
import { collectPages, collectPaginator } from './pages.ts';
import { clusterFilter, sharedReads } from './shared-reads.ts';

export interface PeeringSpec {
  owner: Owner;
  /** The requester side's TGW (primary). */
  transitGatewayId: string;
  peerTransitGatewayId: string;
  peerAccountId: string;
  peerRegion: string;
  /** From status, when known: looked up first. */
  attachmentId?: string;
  /**
   * Report a peering AWS is still deleting as existing, so deletion can wait for it. Sync
   * leaves it off: a deleting peering carries no traffic and never comes back, so to sync it
   * is absent and a new one is requested.
   */
  includeDeleting?: boolean;
}

export interface TgwEnd {
  transitGatewayId?: string;
  accountId?: string;
  region?: string;
}

export interface ObservedPeering {
  id: string;
  /** initiatingRequest | pendingAcceptance | pending | available | modifying | deleting | … */
  state: string;
  requester: TgwEnd;
  accepter: TgwEnd;
  tags: Record<string, string>;
  /**
   * Carries our ownership tags: only then may it be deleted. Known on the requester side only
   * (the accepter's view carries no tags of ours), so false everywhere else.
   */
  owned: boolean;
}

/** The accepter's view: 'notVisible' until the peering has reached its region/account. */
export interface AccepterView {
  state: 'notVisible' | 'gone' | string;
  observed?: ObservedPeering;
}

/** The requester always tags as the primary side. */
export const peeringTags = (owner: Owner) => sideTags(owner, 'primary', 'peering');

export function peeringRequester(ec2: EC2Client): ExternalResource<PeeringSpec, ObservedPeering> {
  return {
    async observe(spec) {
      const p = await findForSpec(ec2, spec, spec.includeDeleting);
      if (!p) return { exists: false, upToDate: false };
      const diff = peerDiff(p, spec);
      // A peering cannot be changed: a different peer means delete and request again.
      return { exists: true, upToDate: diff.length === 0, observed: p, ...(diff.length && { diff }) };
    },

    async create(spec) {
      // A fresh read: no idempotency token here, a cached "absent" would request a second peering.
      const existing = await findForSpec(ec2, spec, false, true);
      if (existing) {
        const diff = peerDiff(existing, spec);
        // Creating beside it would leave two; the controller deletes the stale one first.
        if (diff.length) throw new Error(`peering ${existing.id} joins other transit gateways (${diff.join('; ')}): delete it first`);
        return existing;
      }
      const out = await ec2.send(
        new ec2Sdk.CreateTransitGatewayPeeringAttachmentCommand({
          TransitGatewayId: spec.transitGatewayId,
          PeerTransitGatewayId: spec.peerTransitGatewayId,
          PeerAccountId: spec.peerAccountId,
          PeerRegion: spec.peerRegion,
          TagSpecifications: sideTagSpec('transit-gateway-attachment', spec.owner, 'primary', 'peering'),
        }),
      );
      if (!out.TransitGatewayPeeringAttachment?.TransitGatewayAttachmentId) throw new Error('CreateTransitGatewayPeeringAttachment returned no attachment');
      return toObserved(out.TransitGatewayPeeringAttachment, peeringTags(spec.owner));
    },

    async update() {},

    async delete(seen) {
      // Found by the id in status, it may not be ours (someone re-tagged it): left alone.
      if (!seen.owned) return;
      await deletePeering(ec2, seen.id, seen.tags);
    },
  };
}

/**
 * Our live peering, found by our ownership tags (the keys under multiregion.dev/; user tags
 * may have changed since the create). Tag filters narrow the call; the check is client-side
 * because moto ignores some filters. Deleted/rejected ones stay listed: they count as absent,
 * and so do deleting ones unless `match.includeDeleting`.
 */
export async function findPeeringByOwner(
  ec2: EC2Client,
  tags: TagsLike,
  match: { transitGatewayId?: string; includeDeleting?: boolean } = {},
): Promise<ObservedPeering | undefined> {
  const want = new Map(Object.entries(tagsToMap(tags)).filter(([k]) => k.startsWith(TAG_PREFIX)));
  // One filter on the most selective key: moto answers HTTP 500 to several tag filters that
  // each reject the same attachment. The full match is done below.
  const key = want.has(TAG_KEYS.uid) ? TAG_KEYS.uid : TAG_KEYS.owner;
  const value = want.get(key);
  if (value === undefined) throw new Error('findPeeringByOwner needs ownership tags');
  const all = await describePeerings(ec2, [{ Name: `tag:${key}`, Values: [value] }]);
  return pickOwnedPeering(all, tags, match);
}

export function pickOwnedPeering(
  all: TransitGatewayPeeringAttachment[],
  tags: TagsLike,
  match: { transitGatewayId?: string; includeDeleting?: boolean } = {},
): ObservedPeering | undefined {
  const mine = all.filter((p) => {
    if (!isPresent(p.State, match.includeDeleting)) return false;
    if (match.transitGatewayId && p.RequesterTgwInfo?.TransitGatewayId !== match.transitGatewayId) return false;
    return carriesOurTags(p.Tags, tags);
  });
  const first = oldestFirst(mine)[0];
  return first && toObserved(first, tags);
}

/** Every ownership tag of ours (the keys under multiregion.dev/) is on the peering; user tags may differ. */
function carriesOurTags(have: TagsLike | undefined, ours: TagsLike): boolean {
  const got = tagsToMap(have);
  return Object.entries(tagsToMap(ours))
    .filter(([k]) => k.startsWith(TAG_PREFIX))
    .every(([k, v]) => got[k] === v);
}

/** Either side: the peering by id, or undefined when this region/account does not see it (yet). */
export async function describePeering(ec2: EC2Client, id: string): Promise<ObservedPeering | undefined> {
  const [p] = await describePeerings(ec2, [], [id]);
  return p?.TransitGatewayAttachmentId === id ? toObserved(p) : undefined;
}

/** The accepter side's read: its region/account may not see the peering yet (eventually consistent). */
export async function observeAccepterSide(ec2Peer: EC2Client, id: string): Promise<AccepterView> {
  const p = await describePeering(ec2Peer, id);
  if (!p) return { state: 'notVisible' };
  // Sync's view: a peering being deleted is as good as gone (it is requested again).
  return { state: isPresent(p.state) ? p.state : 'gone', observed: p };
}

/**
 * Accepts when pendingAcceptance; otherwise reports the state (the controller requeues on
 * 'notVisible' and the in-between states, and re-requests on 'gone').
 */
export async function acceptPeering(ec2Peer: EC2Client, id: string): Promise<AccepterView> {
  const view = await observeAccepterSide(ec2Peer, id);
  if (view.state !== 'pendingAcceptance') return view;
  try {
    const out = await ec2Peer.send(new ec2Sdk.AcceptTransitGatewayPeeringAttachmentCommand({ TransitGatewayAttachmentId: id }));
    const p = out.TransitGatewayPeeringAttachment;
    return p ? { state: p.State ?? 'pending', observed: toObserved(p) } : observeAccepterSide(ec2Peer, id);
  } catch (err) {
    // Accepted meanwhile (a second controller pass, or a person): read what it is now.
    if (errorCode(err) === 'IncorrectState') return observeAccepterSide(ec2Peer, id);
    throw err;
  }
}

/**
 * Deletes peering `id` only while AWS shows it with our ownership tags `ours` (the multiregion.dev/
 * keys of what observe verified): an id alone, from status or a stale read, is never enough.
 * Succeeds when the peering is already gone.
 */
export async function deletePeering(ec2: EC2Client, id: string, ours: TagsLike): Promise<void> {
  // Look first: an unknown id is NotFound on AWS but HTTP 500 on moto.
  const [p] = await describePeerings(ec2, [], [id]);
  const now = p?.TransitGatewayAttachmentId === id ? toObserved(p, ours) : undefined;
  // Gone, or already being deleted: nothing to ask for.
  if (!now || !isPresent(now.state)) return;
  // No cluster tag to compare is no proof either.
  if (tagsToMap(ours)[TAG_KEYS.cluster] === undefined || !now.owned) return;
  try {
    await ec2.send(new ec2Sdk.DeleteTransitGatewayPeeringAttachmentCommand({ TransitGatewayAttachmentId: id }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export function describePeerings(ec2: EC2Client, filters: Filter[], ids?: string[]): Promise<TransitGatewayPeeringAttachment[]> {
  return collectPages(async (NextToken) => {
    try {
      const out = await ec2.send(
        new ec2Sdk.DescribeTransitGatewayPeeringAttachmentsCommand({
          ...(filters.length && { Filters: filters }),
          ...(ids && { TransitGatewayAttachmentIds: ids }),
          NextToken,
        }),
      );
      return { items: out.TransitGatewayPeeringAttachments, nextToken: out.NextToken };
    } catch (err) {
      if (ids && isNotFound(err)) return { items: [] };
      throw err;
    }
  });
}

/** Every peering attachment of this cluster in the client's region: one paginated read shared by every object. */
export function clusterPeerings(ec2: EC2Client, clusterId: string, fresh = false): Promise<TransitGatewayPeeringAttachment[]> {
  return sharedReads(ec2).read(
    'peering-attachments',
    clusterId,
    () =>
      collectPaginator(
        ec2Sdk.paginateDescribeTransitGatewayPeeringAttachments({ client: ec2, stopOnSameToken: true }, { Filters: clusterFilter(clusterId) }),
        (p) => p.TransitGatewayPeeringAttachments,
      ),
    { fresh },
  );
}

/**
 * The peering in status (when known) or ours by tags, both from the region's shared list; the
 * id in status is read directly only when the list lacks it (not tagged by this cluster, or gone).
 */
async function findForSpec(ec2: EC2Client, spec: PeeringSpec, includeDeleting = false, fresh = false): Promise<ObservedPeering | undefined> {
  const ours = peeringTags(spec.owner);
  const all = await clusterPeerings(ec2, spec.owner.clusterId, fresh);
  if (spec.attachmentId) {
    const listed = all.find((p) => p.TransitGatewayAttachmentId === spec.attachmentId);
    const byId = listed ? toObserved(listed) : await describePeering(ec2, spec.attachmentId);
    if (byId && isPresent(byId.state, includeDeleting)) return { ...byId, owned: carriesOurTags(byId.tags, ours) };
  }
  return pickOwnedPeering(all, ours, { transitGatewayId: spec.transitGatewayId, includeDeleting });
}

function peerDiff(p: ObservedPeering, spec: PeeringSpec): string[] {
  const diff: string[] = [];
  const a = p.accepter;
  if (a.transitGatewayId !== spec.peerTransitGatewayId) diff.push(`peer transit gateway: ${a.transitGatewayId} ≠ ${spec.peerTransitGatewayId}`);
  if (a.accountId !== spec.peerAccountId) diff.push(`peer account: ${a.accountId} ≠ ${spec.peerAccountId}`);
  if (a.region !== spec.peerRegion) diff.push(`peer region: ${a.region} ≠ ${spec.peerRegion}`);
  if (p.requester.transitGatewayId !== spec.transitGatewayId) diff.push(`transit gateway: ${p.requester.transitGatewayId} ≠ ${spec.transitGatewayId}`);
  return diff;
}

function end(info: { TransitGatewayId?: string | undefined; OwnerId?: string | undefined; Region?: string | undefined } | undefined): TgwEnd {
  return {
    ...(info?.TransitGatewayId && { transitGatewayId: info.TransitGatewayId }),
    ...(info?.OwnerId && { accountId: info.OwnerId }),
    ...(info?.Region && { region: info.Region }),
  };
}

/** `ours`: the owner's tags when known (the requester side), to tell whether it is ours. */
function toObserved(p: TransitGatewayPeeringAttachment, ours?: TagsLike): ObservedPeering {
  return {
    id: p.TransitGatewayAttachmentId ?? '',
    state: p.State ?? 'unknown',
    requester: end(p.RequesterTgwInfo),
    accepter: end(p.AccepterTgwInfo),
    tags: tagsToMap(p.Tags),
    owned: ours !== undefined && carriesOurTags(p.Tags, ours),
  };
}
