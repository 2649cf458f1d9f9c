// Deterministic names for everything this folder writes to CloudWatch. Dashboards and query
// definitions cannot carry tags, so the name *is* the ownership record: it holds the cluster id,
// the owner's kind, namespace and name, and we only ever delete names we computed ourselves.
import { createHash } from 'node:crypto';
import type { Owner } from '../types.ts';

export type OwnerRef = Pick<Owner, 'clusterId' | 'kind' | 'namespace' | 'name'>;

const MAX_NAME = 255;
/** Room kept after a query-definition/alarm prefix for the longest suffix we append. */
const SUFFIX_ROOM = 32;

// The CRD short names: short enough to keep names readable, distinct per kind.
const KIND_SLUGS: Record<string, string> = { ClientConnection: 'cc', RegionPair: 'rp', FailoverPolicy: 'fp' };

function kindSlug(kind: string): string {
  return KIND_SLUGS[kind] ?? slug(kind);
}

/** Lower-case letters, digits and '-': what a cluster id may contribute to a name. */
function slug(s: string): string {
  const out = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return out === '' ? 'x' : out;
}

function hash8(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

/** Keeps names within a limit while staying unique: the cut is replaced by a hash of the whole. */
function fit(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 9)}-${hash8(s)}`;
}

/**
 * Dashboard names allow only A-Za-z0-9, '-' and '_' (≤255). Kubernetes namespaces and names never
 * contain '_', so '_' separates the parts without ambiguity (with '-', namespace `a-b` + name `c`
 * would collide with `a` + `b-c`). Dots of object names become '_': that can only happen in the
 * last part, so it stays unambiguous too.
 */
export function dashboardName(owner: OwnerRef): string {
  const name = owner.name.replace(/[^A-Za-z0-9-]/g, '_');
  return fit(`mrc_${slug(owner.clusterId)}_${kindSlug(owner.kind)}_${owner.namespace}_${name}`, MAX_NAME);
}

/** Console link to a dashboard; dashboards are global, the region only picks the console. */
export function dashboardUrl(region: string, name: string): string {
  const q = `cloudwatch/home?region=${region}#dashboards/dashboard/${encodeURIComponent(name)}`;
  if (region.startsWith('cn-')) return `https://console.amazonaws.cn/${q}`;
  if (region.startsWith('us-gov-')) return `https://console.amazonaws-us-gov.com/${q}`;
  return `https://${region}.console.aws.amazon.com/${q}`;
}

/**
 * The prefixes every owner of one kind in this cluster shares: one list read under them serves
 * all of those owners (alarms and query definitions; dashboards). Only a prefix the owner's own
 * names start with is returned (a cluster id long enough to be cut by `fit` gets none).
 */
export function kindPrefixes(owner: OwnerRef): { owned?: string; dashboard?: string } {
  const owned = `mrc/${slug(owner.clusterId)}/${kindSlug(owner.kind)}/`;
  const dashboard = `mrc_${slug(owner.clusterId)}_${kindSlug(owner.kind)}_`;
  return {
    ...(ownerPrefix(owner).startsWith(owned) && { owned }),
    ...(dashboardName(owner).startsWith(dashboard) && { dashboard }),
  };
}

/** `mrc/<cluster>/<kind>/<namespace>/<name>/`: the prefix shared by the owner's query definitions and alarms. */
export function ownerPrefix(owner: OwnerRef): string {
  const base = `mrc/${slug(owner.clusterId)}/${kindSlug(owner.kind)}/${owner.namespace}/${owner.name}`;
  return `${fit(base, MAX_NAME - 1 - SUFFIX_ROOM)}/`;
}

/** One name under the owner's prefix; `suffix` is one of our fixed words (≤32 chars). */
export function ownedName(owner: OwnerRef, suffix: string): string {
  if (suffix.length > SUFFIX_ROOM || suffix.includes('/')) throw new Error(`bad name suffix ${suffix}`);
  return ownerPrefix(owner) + suffix;
}

/** The ARN CloudWatch gives a metric alarm: known before the alarm exists, so dashboards can list it. */
export function alarmArn(region: string, accountId: string, alarmName: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${alarmName}`;
}
