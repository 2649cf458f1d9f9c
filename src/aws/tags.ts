// Ownership tags: how the controller recognises what it created (and may therefore change or
// delete), and how it finds a resource again after a crash between create and status write.
import type { Filter, ResourceType, TagSpecification } from '@aws-sdk/client-ec2';
import type { Owner } from './types.ts';

export const TAG_PREFIX = 'multiregion.dev/';
export const TAG_KEYS = {
  cluster: `${TAG_PREFIX}cluster`,
  owner: `${TAG_PREFIX}owner`,
  kind: `${TAG_PREFIX}kind`,
  uid: `${TAG_PREFIX}uid`,
} as const;

export interface Tag {
  Key: string;
  Value: string;
}

/** Tags as the SDKs return them (lists with optional fields) or as a map (CloudWatch Logs). */
export type TagsLike = readonly { Key?: string | undefined; Value?: string | undefined }[] | Readonly<Record<string, string>>;

// The strictest service limits (Route 53 and RDS): 128-char keys, 256-char values.
const MAX_KEY = 128;
const MAX_VALUE = 256;

const clip = (s: string, max: number): string => (s.length > max ? s.slice(0, max) : s);

function ourTags(owner: Owner): Record<string, string> {
  return {
    [TAG_KEYS.cluster]: clip(owner.clusterId, MAX_VALUE),
    [TAG_KEYS.owner]: clip(`${owner.namespace}/${owner.name}`, MAX_VALUE),
    [TAG_KEYS.kind]: clip(owner.kind, MAX_VALUE),
    ...(owner.uid ? { [TAG_KEYS.uid]: owner.uid } : {}),
  };
}

/** Keys a user may not set: ours, and AWS's own (`aws:` is rejected by every service). */
function reserved(key: string): boolean {
  return key.startsWith(TAG_PREFIX) || key.toLowerCase().startsWith('aws:');
}

/**
 * Ownership tags first (fixed order), then `extra` from the resource module (e.g. `Name`),
 * then the user's tags sorted by key. User tags never override ours or the module's.
 */
export function ownershipTags(owner: Owner, extra: Readonly<Record<string, string>> = {}): Tag[] {
  const ours = ourTags(owner);
  const rest = new Map<string, string>();
  for (const [k, v] of Object.entries(owner.userTags ?? {})) {
    if (!reserved(k) && k.length <= MAX_KEY) rest.set(k, clip(v, MAX_VALUE));
  }
  for (const [k, v] of Object.entries(extra)) {
    if (!(k in ours)) rest.set(clip(k, MAX_KEY), clip(v, MAX_VALUE));
  }
  const sorted = [...rest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [...Object.entries(ours), ...sorted].map(([Key, Value]) => ({ Key, Value }));
}

export function tagsToMap(tags: TagsLike | undefined): Record<string, string> {
  if (!tags) return {};
  if (!Array.isArray(tags)) return { ...(tags as Record<string, string>) };
  const out: Record<string, string> = {};
  for (const t of tags as readonly { Key?: string; Value?: string }[]) {
    if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  }
  return out;
}

/**
 * True when the tags say this owner created the resource: cluster, owner and kind must match;
 * the uid too when both sides have one (a recreated object with the same name is someone else).
 */
export function isOwnedBy(tags: TagsLike | undefined, owner: Owner): boolean {
  const have = tagsToMap(tags);
  const want = ourTags(owner);
  for (const key of [TAG_KEYS.cluster, TAG_KEYS.owner, TAG_KEYS.kind]) {
    if (have[key] !== want[key]) return false;
  }
  const uid = have[TAG_KEYS.uid];
  return uid === undefined || !owner.uid || uid === owner.uid;
}

/**
 * The check before any delete, disassociate or other destructive call: stricter than isOwnedBy,
 * the resource must carry this cluster's id AND this object's uid. An id read from status (which
 * anyone who can write status controls) is never enough on its own.
 */
export function ownsForDelete(tags: TagsLike | undefined, owner: Owner): boolean {
  const have = tagsToMap(tags);
  return owner.uid !== '' && have[TAG_KEYS.uid] === owner.uid && isOwnedBy(have, owner);
}

/**
 * EC2 `Filters` that narrow a Describe to this owner's resources. Filters are a hint, not a
 * check: some Describe calls ignore tag filters, and the uid is not filtered — always confirm
 * with isOwnedBy.
 */
export function tagFilters(owner: Owner): Filter[] {
  const ours = ourTags(owner);
  return [TAG_KEYS.cluster, TAG_KEYS.owner, TAG_KEYS.kind].map((key) => ({
    Name: `tag:${key}`,
    Values: [ours[key] ?? ''],
  }));
}

// Tags per resource: Route 53 allows 10, the others 50. Ours come first, so the cut drops user tags.
const MAX_TAGS = { route53: 10, other: 50 } as const;

const copy = (tags: readonly Tag[], max: number): Tag[] => tags.slice(0, max).map((t) => ({ ...t }));

export function toEc2TagSpec(resourceType: ResourceType, tags: readonly Tag[]): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: copy(tags, MAX_TAGS.other) }];
}

export function toRdsTags(tags: readonly Tag[]): Tag[] {
  return copy(tags, MAX_TAGS.other);
}

export function toRoute53Tags(tags: readonly Tag[]): Tag[] {
  return copy(tags, MAX_TAGS.route53);
}

/** CloudWatch alarms and dashboards take the same list form. */
export function toCloudWatchTags(tags: readonly Tag[]): Tag[] {
  return copy(tags, MAX_TAGS.other);
}

/** CloudWatch Logs takes a map. */
export function toLogsTags(tags: readonly Tag[]): Record<string, string> {
  return Object.fromEntries(copy(tags, MAX_TAGS.other).map((t) => [t.Key, t.Value]));
}
