// Per-side ownership on top of the base tags: a RegionPair owns one TGW, one route table and
// so on per side, and the peering attachment is visible from both sides, so the side is part
// of what identifies a resource.
import type { Filter, ResourceType, TagSpecification } from '@aws-sdk/client-ec2';
import { isOwnedBy, ownershipTags, TAG_KEYS, TAG_PREFIX, type Tag, type TagsLike, tagsToMap, toEc2TagSpec } from '../tags.ts';
import type { Owner } from '../types.ts';

export type Side = 'primary' | 'secondary';

export const SIDE_TAG = `${TAG_PREFIX}side`;

/** Our tags for one side's resource, with a readable Name (the user's own Name wins). */
export function sideTags(owner: Owner, side: Side, what: string): Tag[] {
  const userName = owner.userTags?.Name;
  return ownershipTags(owner, { [SIDE_TAG]: side, ...(userName ? {} : { Name: `${owner.name}-${side}-${what}` }) });
}

export function sideTagSpec(resourceType: ResourceType, owner: Owner, side: Side, what: string): TagSpecification[] {
  return toEc2TagSpec(resourceType, sideTags(owner, side, what));
}

/**
 * Server-side narrowing: a hint, since some Describe calls ignore tag filters. One filter
 * only, on the most selective key: moto fails with HTTP 500 when several tag filters
 * each reject the same resource, and ownership is decided client-side anyway.
 */
export function ownerFilter(owner: Owner): Filter[] {
  return owner.uid ? [{ Name: `tag:${TAG_KEYS.uid}`, Values: [owner.uid] }] : [{ Name: `tag:${TAG_KEYS.owner}`, Values: [`${owner.namespace}/${owner.name}`] }];
}

/** The real check, done client-side on the returned tags. */
export function ownedOnSide(tags: TagsLike | undefined, owner: Owner, side: Side): boolean {
  return isOwnedBy(tags, owner) && tagsToMap(tags)[SIDE_TAG] === side;
}

/** States in which an EC2 network resource no longer counts: deleted ones stay listed for a while. */
const GONE = new Set(['deleted', 'failed', 'failing', 'rejected', 'rejecting']);

export function isGone(state: string | undefined): boolean {
  return state !== undefined && GONE.has(state);
}

/**
 * AWS accepted the delete and is still working on it (minutes for a TGW or an attachment).
 * Such a resource still exists — a finalizer must wait for it, or it leaves it behind — but it
 * is not usable: nothing can be attached, associated or routed to it, and it never comes back.
 */
export function isDeleting(state: string | undefined): boolean {
  return state === 'deleting';
}

/**
 * Whether a listed resource counts as there. Sync leaves `includeDeleting` off, so a resource
 * being deleted is absent to it and never used; deletion turns it on to wait for AWS to finish.
 */
export function isPresent(state: string | undefined, includeDeleting = false): boolean {
  return !isGone(state) && (includeDeleting || !isDeleting(state));
}

/** Oldest first, so that when a crash left two copies every reconcile picks the same one. */
export function oldestFirst<T extends { CreationTime?: Date | undefined }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.CreationTime?.getTime() ?? 0) - (b.CreationTime?.getTime() ?? 0));
}
