// Ownership of failover records, provable from Route 53 itself (external-dns's TXT registry):
// a TXT record `_mrc.<recordName>` holding
//   "heritage=multiregion-controller,cluster=<id>,owner=<ns>/<name>"
// says which policy owns the SetIdentifiers `<name>-primary` / `<name>-secondary` at
// <recordName>. It is written in the same change batch as the records (a batch is atomic),
// so records of ours never exist without it. Records without it are someone else's, even when
// their SetIdentifier looks like ours.
import type { Change } from '@aws-sdk/client-route-53';
import { normalizeName, toFqdn } from './names.ts';
import { type RRSet, setIdentifiers } from './records.ts';

export const REGISTRY_PREFIX = '_mrc.';
export const HERITAGE = 'multiregion-controller';
/** The registry record changes only with the owner; a long TTL costs nothing. */
export const REGISTRY_TTL = 300;

export interface RegistryOwner {
  clusterId: string;
  namespace: string;
  name: string;
}

export type Ownership =
  /** The registry record is ours: the policy's SetIdentifiers at the name are ours. */
  | { state: 'ours'; record: RRSet }
  /** No registry record: nobody has claimed the name. */
  | { state: 'free' }
  /** Someone else's registry record (another policy, cluster or tool). */
  | { state: 'foreign'; record: RRSet; claimedBy: string };

export function registryName(recordName: string): string {
  return toFqdn(`${REGISTRY_PREFIX}${normalizeName(recordName)}`);
}

/** The TXT value, quoted as Route 53 stores TXT strings. */
export function registryValue(owner: RegistryOwner): string {
  return `"heritage=${HERITAGE},cluster=${owner.clusterId},owner=${owner.namespace}/${owner.name}"`;
}

export function parseRegistryValue(value: string): { heritage?: string; cluster?: string; owner?: string } {
  const out: Record<string, string> = {};
  for (const part of value.replace(/^"|"$/g, '').split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

export function registryRecord(recordName: string, owner: RegistryOwner): RRSet {
  return { Name: registryName(recordName), Type: 'TXT', TTL: REGISTRY_TTL, ResourceRecords: [{ Value: registryValue(owner) }] };
}

/** Who owns `recordName`, from the records read at its registry name. */
export function readOwnership(atRegistryName: RRSet[], recordName: string, owner: RegistryOwner): Ownership {
  const name = normalizeName(registryName(recordName));
  const txt = atRegistryName.find((r) => r.Type === 'TXT' && normalizeName(r.Name ?? '') === name && !r.SetIdentifier);
  if (!txt) return { state: 'free' };
  const values = (txt.ResourceRecords ?? []).map((v) => v.Value ?? '');
  // Exactly our one value: a second value would mean two claimants, which is not ownership.
  if (values.length === 1 && values[0] === registryValue(owner)) return { state: 'ours', record: txt };
  const parsed = values.map(parseRegistryValue).find((p) => p.heritage === HERITAGE);
  const claimedBy = parsed ? `${parsed.owner ?? '?'} in cluster ${parsed.cluster ?? '?'}` : `a TXT record not written by ${HERITAGE}`;
  return { state: 'foreign', record: txt, claimedBy };
}

/** The SetIdentifiers this ownership entitles the policy to change. */
export function ownedSetIdentifiers(ownership: Ownership, policyName: string): Set<string> {
  if (ownership.state !== 'ours') return new Set();
  const ids = setIdentifiers(policyName);
  return new Set([ids.primary, ids.secondary]);
}

/**
 * The registry's half of a write: claim a free name, or release ours when our records go.
 * The claim is an UPSERT, not a CREATE: moto rejects a CREATE identical to one it saw before
 * (a policy released and reclaimed) whenever any record sorts after it. Racing claimants are
 * kept apart instead by the per-name lock in failover-records.ts and the re-read of the
 * registry just before the write; only two clusters claiming one name in the same instant
 * remain unguarded.
 */
export function registryChanges(ownership: Ownership, recordName: string, owner: RegistryOwner, intent: 'claim' | 'release'): Change[] {
  if (intent === 'claim' && ownership.state === 'free') {
    return [{ Action: 'UPSERT', ResourceRecordSet: registryRecord(recordName, owner) }];
  }
  if (intent === 'release' && ownership.state === 'ours') {
    return [{ Action: 'DELETE', ResourceRecordSet: ownership.record }];
  }
  return [];
}

/** A change the registry does not allow: a bug upstream, never sent. */
export class OwnershipViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OwnershipViolation';
  }
}

/**
 * The second ownership check, on the exact change list about to be sent (external-dns checks
 * in the plan and again in the registry before the provider writes): only this policy's
 * SetIdentifiers at its own name, and only its own registry record. DELETEs need proven
 * ownership; a claim of a free name may only UPSERT.
 */
export function assertChangesOwned(changes: readonly Change[], ownership: Ownership, recordName: string, owner: RegistryOwner): void {
  if (ownership.state === 'foreign') throw new OwnershipViolation(`${normalizeName(recordName)} is owned by someone else: no change allowed`);
  const ids = setIdentifiers(owner.name);
  const ours = new Set([ids.primary, ids.secondary]);
  const name = normalizeName(recordName);
  const regName = normalizeName(registryName(recordName));
  const claiming = changes.some((c) => c.Action === 'UPSERT' && isRegistryRecordOf(c, regName, owner));
  for (const c of changes) {
    const rr = c.ResourceRecordSet;
    const where = `${c.Action} ${rr?.Type} ${rr?.Name}${rr?.SetIdentifier ? ` (${rr.SetIdentifier})` : ''}`;
    if (rr?.SetIdentifier !== undefined) {
      if (normalizeName(rr.Name ?? '') !== name || !ours.has(rr.SetIdentifier)) throw new OwnershipViolation(`${where}: not one of our records`);
      const allowed = ownership.state === 'ours' || (claiming && c.Action === 'UPSERT');
      if (!allowed) throw new OwnershipViolation(`${where}: ownership of ${name} is not proven`);
      continue;
    }
    if (!isRegistryRecordOf(c, regName, owner)) throw new OwnershipViolation(`${where}: only the registry record may be written without a SetIdentifier`);
    if (c.Action === 'DELETE' && ownership.state !== 'ours') throw new OwnershipViolation(`${where}: not our registry record`);
  }
}

function isRegistryRecordOf(c: Change, regName: string, owner: RegistryOwner): boolean {
  const rr = c.ResourceRecordSet;
  const values = (rr?.ResourceRecords ?? []).map((v) => v.Value);
  return rr?.Type === 'TXT' && normalizeName(rr.Name ?? '') === regName && values.length === 1 && values[0] === registryValue(owner);
}
