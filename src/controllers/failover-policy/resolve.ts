// What a FailoverPolicy's spec means once its RegionPair is known: the region each side serves,
// the account (role) each AWS call goes to, and whether the pair may be used at all.
import { type DefaultedFailoverPolicySpec, defaultFailoverPolicySpec } from '../../api/defaults.ts';
import type { FailoverPolicy, RegionPair } from '../../api/types.ts';
import type { Side } from '../../aws/route53/records.ts';
import type { AwsTarget } from '../../aws/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { refNamespace, refPermitted } from '../shared/owner.ts';
import { SyncError } from '../shared/sync-error.ts';

/** Route 53 is global; its API (and the health metrics in CloudWatch) live in us-east-1. */
export const ROUTE53_REGION = 'us-east-1';

export interface ResolvedPolicy {
  spec: DefaultedFailoverPolicySpec;
  pair?: RegionPair;
  /** Region each DNS side serves, when the spec, the pair or the database says it. */
  regions: Record<Side, string | undefined>;
  /** The account holding the hosted zone and the health checks. */
  route53: AwsTarget;
  /** RDS / EC2 / CloudWatch of one region, in the account the spec names for it. */
  targetIn(region: string): AwsTarget;
}

export const SIDES: readonly Side[] = ['primary', 'secondary'];

/**
 * Reads the referenced RegionPair from the cache. A pair in another namespace that does not list
 * ours is refused before any AWS call (a tenant must not act on someone else's network).
 */
export function resolvePolicy(deps: ControllerDeps, obj: FailoverPolicy): ResolvedPolicy {
  const spec = defaultFailoverPolicySpec(obj.spec);
  const ref = spec.regionPairRef;
  let pair: RegionPair | undefined;
  if (ref) {
    const ns = refNamespace(ref, obj.metadata.namespace);
    pair = deps.manager.cache<RegionPair>('RegionPair').get({ namespace: ns, name: ref.name });
    if (!pair) {
      throw new SyncError(
        `RegionPair ${ns}/${ref.name} does not exist; create it or remove spec.regionPairRef`,
        'RegionPairNotFound',
        'spec.regionPairRef',
        false,
      );
    }
    if (!refPermitted(pair, obj.metadata.namespace)) {
      throw new SyncError(
        `RegionPair ${ns}/${ref.name} does not list namespace ${obj.metadata.namespace} in ` +
          `spec.allowedNamespaces; ask its owner to add it. Nothing is done in AWS meanwhile.`,
        'RefNotPermitted',
        'spec.regionPairRef',
        true,
      );
    }
  }
  const db = spec.database;
  const regions: Record<Side, string | undefined> = {
    primary: spec.dns?.primary.region ?? pair?.spec.primary.region ?? db?.primary.region,
    secondary: spec.dns?.secondary.region ?? pair?.spec.secondary.region ?? db?.replica.region,
  };

  const role = (s: { roleArn?: string; externalId?: string } | undefined): Partial<AwsTarget> => ({
    ...(s?.roleArn && { roleArn: s.roleArn }),
    ...(s?.externalId && { externalId: s.externalId }),
  });
  return {
    spec,
    ...(pair && { pair }),
    regions,
    route53: { region: ROUTE53_REGION, ...role(pair?.spec.primary) },
    targetIn(region) {
      if (db?.primary.region === region && db.primary.roleArn) return { region, roleArn: db.primary.roleArn };
      if (db?.replica.region === region && db.replica.roleArn) return { region, roleArn: db.replica.roleArn };
      const side = pair && SIDES.find((s) => pair.spec[s].region === region);
      return { region, ...role(side && pair ? pair.spec[side] : undefined) };
    },
  };
}

/**
 * Without spec.dns (Global Accelerator only) nothing else can name a side's region: sync says so
 * before any AWS call. (Not in resolvePolicy: deletion resolves too, and must not be held by it.)
 */
export function requireSideRegions(r: ResolvedPolicy): void {
  if (r.spec.dns || (r.regions.primary && r.regions.secondary)) return;
  throw new SyncError(
    'a policy without spec.dns takes the region of both sides from spec.regionPairRef or spec.database (primary.region, replica.region); set one of them',
    'SideRegionsUnknown',
    'spec.regionPairRef',
    true,
  );
}

/** The side serving `region`, if any. */
export function sideOfRegion(r: ResolvedPolicy, region: string | undefined): Side | undefined {
  if (!region) return undefined;
  return SIDES.find((s) => r.regions[s] === region);
}

/** Same account: same role (undefined = the controller's own credentials). */
export const accountKey = (t: AwsTarget): string => `${t.roleArn ?? ''}|${t.externalId ?? ''}`;
