// Route 53 health checks as an external resource (observe / create / update / delete).
// CreateHealthCheck has a CallerReference but moto does not honour it, and a crash can fall
// between the create and the status write: so a check is found again by its deterministic
// reference (tagged or not) before another is created.
import type { HealthCheck, HealthCheckConfig, ListHealthChecksCommandOutput, Route53Client } from '@aws-sdk/client-route-53';
import { errorCode, isAlreadyExists, isNotFound, toAwsError } from '../errors.ts';
import { route53Sdk } from '../sdk.ts';
import { isOwnedBy, ownershipTags, ownsForDelete, TAG_PREFIX, type Tag, tagsToMap, toRoute53Tags } from '../tags.ts';
import type { ExternalResource, Observation, Owner } from '../types.ts';
import { callerReference, callerReferencePrefix, diffHealthCheck, generationOf, requiresReplacement, updateInput } from './health-check-config.ts';
import type { Side } from './records.ts';

export const SIDE_TAG = `${TAG_PREFIX}side`;
const TAG_BATCH = 10; // ListTagsForResources takes at most 10 ids
const LIST_PAGE = 1000;
/** A reference refused as already used (a deleted check's) moves to the next generation, this many times. */
const MAX_GENERATION_SKIPS = 5;

export interface DesiredHealthCheck {
  owner: Owner;
  side: Side;
  config: HealthCheckConfig;
  /** The id recorded in status, if any. */
  knownId?: string;
  /** Create at this generation or later (replace() passes the old one + 1). */
  minGeneration?: number;
}

export interface ObservedHealthCheck {
  id: string;
  version: number | undefined;
  generation: number;
  config: HealthCheckConfig;
  /** False when found by reference only: created, then a crash before tagging. */
  tagged: boolean;
  /** Other checks of the same owner and side (duplicates, or the old one of a replacement). */
  strays: string[];
  /** Whose check this was observed as: delete() checks it against the live tags again. */
  owner: Owner;
}

/** What deleteId did: a check that is not provably ours is left alone, whatever status said. */
export type HealthCheckDeleteOutcome = 'Deleted' | 'Gone' | 'NotOurs';

export class HealthChecks implements ExternalResource<DesiredHealthCheck, ObservedHealthCheck> {
  constructor(private readonly client: Route53Client) {}

  /**
   * `listing`: the account's checks as a caller already listed them in this pass (see
   * listingOnce); without it, a lost check is looked for in a listing of its own.
   */
  async observe(spec: DesiredHealthCheck, listing?: () => Promise<HealthCheck[]>): Promise<Observation<ObservedHealthCheck>> {
    const seen = (spec.knownId && (await this.get(spec.knownId, spec))) || (await this.findByOwner(spec, listing ?? (() => this.listAll())));
    if (!seen) return { exists: false, upToDate: false };
    const diff = diffHealthCheck(spec.config, seen.config);
    if (!seen.tagged) diff.push('Tags: ownership tags missing');
    return { exists: true, upToDate: diff.length === 0, observed: seen, diff };
  }

  /** Creates and tags a check; an earlier attempt's check is returned instead where AWS recognises the reference. */
  async create(spec: DesiredHealthCheck): Promise<ObservedHealthCheck> {
    const prefix = callerReferencePrefix(spec.owner, spec.side);
    for (let generation = spec.minGeneration ?? 0, skips = 0; ; generation++, skips++) {
      let check: HealthCheck | undefined;
      try {
        const out = await this.client.send(
          new route53Sdk.CreateHealthCheckCommand({ CallerReference: callerReference(spec.owner, spec.side, generation), HealthCheckConfig: spec.config }),
        );
        check = out.HealthCheck;
      } catch (err) {
        if (isAlreadyExists(err) && skips < MAX_GENERATION_SKIPS) continue;
        throw toAwsError(err, { service: 'route53', operation: 'CreateHealthCheck', subject: `${spec.side} health check` });
      }
      if (!check?.Id) throw new Error('CreateHealthCheck returned no id');
      await this.tag(check.Id, spec);
      return toObserved(check, prefix, true, [], spec.owner);
    }
  }

  /** In-place change (path, port, threshold, endpoint, alarm) and missing tags. */
  async update(spec: DesiredHealthCheck, seen: ObservedHealthCheck): Promise<void> {
    const diff = diffHealthCheck(spec.config, seen.config);
    if (requiresReplacement(diff)) {
      throw new Error(`health check ${seen.id} cannot change in place (${diff.join('; ')}): use replace()`);
    }
    if (diff.length > 0) {
      try {
        await this.client.send(new route53Sdk.UpdateHealthCheckCommand(updateInput(seen.id, seen.version, spec.config, seen.config)));
      } catch (err) {
        throw toAwsError(err, { service: 'route53', operation: 'UpdateHealthCheck', subject: `health check ${seen.id}` });
      }
    }
    if (!seen.tagged) await this.tag(seen.id, spec);
  }

  /**
   * A new check for a change AWS cannot make in place (type, interval). The caller points the
   * records at the new id and only then deletes `seen`: a record never references a deleted check.
   */
  replace(spec: DesiredHealthCheck, seen: ObservedHealthCheck): Promise<ObservedHealthCheck> {
    return this.create({ ...spec, knownId: undefined, minGeneration: Math.max(spec.minGeneration ?? 0, seen.generation + 1) });
  }

  /** Deletes the check and its strays, each only after its ownership is checked; an already deleted one is success. */
  async delete(seen: ObservedHealthCheck): Promise<void> {
    for (const id of [seen.id, ...seen.strays]) await this.deleteId(id, seen.owner);
  }

  /**
   * Deletes the check only when it is provably this owner's: our cluster id and object uid in its
   * tags, or (created, then a crash before tagging) our deterministic CallerReference and no
   * ownership tags at all. Ids come from status, which is not proof of anything.
   */
  async deleteId(id: string, owner: Owner): Promise<HealthCheckDeleteOutcome> {
    const check = await this.read(id);
    if (!check) return 'Gone';
    const tags = (await this.tagsOf([id])).get(id) ?? {};
    if (!ownsHealthCheck(tags, check.CallerReference, owner)) return 'NotOurs';
    try {
      await this.client.send(new route53Sdk.DeleteHealthCheckCommand({ HealthCheckId: id }));
      return 'Deleted';
    } catch (err) {
      if (isNotFound(err) || errorCode(err) === 'NoSuchHealthCheck') return 'Gone';
      throw toAwsError(err, { service: 'route53', operation: 'DeleteHealthCheck', subject: `health check ${id}` });
    }
  }

  // The id from status is not trusted: anyone who can write status could name a foreign check,
  // which update() would then change. Our CallerReference (a hash of cluster id, object uid and
  // side) comes with the GetHealthCheck answer, so this costs no extra call; a check without it
  // is looked for by tags in findByOwner.
  private async get(id: string, spec: DesiredHealthCheck): Promise<ObservedHealthCheck | undefined> {
    const check = await this.read(id);
    const prefix = callerReferencePrefix(spec.owner, spec.side);
    if (!check?.Id || generationOf(check.CallerReference, prefix) === undefined) return undefined;
    return toObserved(check, prefix, true, [], spec.owner);
  }

  private async read(id: string): Promise<HealthCheck | undefined> {
    try {
      const out = await this.client.send(new route53Sdk.GetHealthCheckCommand({ HealthCheckId: id }));
      return out.HealthCheck?.Id ? out.HealthCheck : undefined;
    } catch (err) {
      if (errorCode(err) === 'NoSuchHealthCheck' || isNotFound(err)) return undefined;
      throw toAwsError(err, { service: 'route53', operation: 'GetHealthCheck', subject: `health check ${id}` });
    }
  }

  /**
   * All checks of this owner and side: those carrying our reference (every check this controller
   * creates does, and ListHealthChecks returns it), tagged or not (a crash between the create and
   * the tagging); the newest generation wins. Only their tags are read: in an account with many
   * checks, reading every check's tags cost one ListTagsForResources per ten checks, per side of
   * each new policy, at Route 53's 5 requests per second for the whole account.
   */
  private async findByOwner(spec: DesiredHealthCheck, listing: () => Promise<HealthCheck[]>): Promise<ObservedHealthCheck | undefined> {
    const prefix = callerReferencePrefix(spec.owner, spec.side);
    const ours = (await listing()).filter((c) => c.Id && generationOf(c.CallerReference, prefix) !== undefined);
    const tags = await this.tagsOf(ours.map((c) => c.Id as string));
    const mine = ours
      .map((c) => {
        const t = tags.get(c.Id ?? '') ?? {};
        return toObserved(c, prefix, isOwnedBy(t, spec.owner) && t[SIDE_TAG] === spec.side, [], spec.owner);
      })
      // Every reconcile must pick the same one: newest generation, tagged first, then by id.
      .sort((a, b) => b.generation - a.generation || Number(b.tagged) - Number(a.tagged) || (a.id < b.id ? -1 : 1));
    const [best, ...rest] = mine;
    return best ? { ...best, strays: rest.map((c) => c.id) } : undefined;
  }

  /**
   * One listing of the account's checks, taken when first asked for and then shared: both sides
   * of a policy look for their lost checks in it (each side finds only its own reference, so a
   * check one side creates after the listing is nothing the other looks for).
   */
  listingOnce(): () => Promise<HealthCheck[]> {
    let listed: Promise<HealthCheck[]> | undefined;
    return () => {
      listed ??= this.listAll();
      return listed;
    };
  }

  private async listAll(): Promise<HealthCheck[]> {
    const out: HealthCheck[] = [];
    let marker: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      let page: ListHealthChecksCommandOutput;
      try {
        page = await this.client.send(new route53Sdk.ListHealthChecksCommand({ MaxItems: LIST_PAGE, ...(marker ? { Marker: marker } : {}) }));
      } catch (err) {
        throw toAwsError(err, { service: 'route53', operation: 'ListHealthChecks' });
      }
      out.push(...(page.HealthChecks ?? []));
      if (!page.IsTruncated || !page.NextMarker || seen.has(page.NextMarker)) return out;
      seen.add(page.NextMarker);
      marker = page.NextMarker;
    }
  }

  private async tagsOf(ids: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    for (let i = 0; i < ids.length; i += TAG_BATCH) {
      try {
        const page = await this.client.send(
          new route53Sdk.ListTagsForResourcesCommand({ ResourceType: 'healthcheck', ResourceIds: ids.slice(i, i + TAG_BATCH) }),
        );
        for (const set of page.ResourceTagSets ?? []) if (set.ResourceId) out.set(set.ResourceId, tagsToMap(set.Tags));
      } catch (err) {
        throw toAwsError(err, { service: 'route53', operation: 'ListTagsForResources' });
      }
    }
    return out;
  }

  private async tag(id: string, spec: DesiredHealthCheck): Promise<void> {
    try {
      await this.client.send(
        new route53Sdk.ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id, AddTags: healthCheckTags(spec.owner, spec.side) }),
      );
    } catch (err) {
      throw toAwsError(err, { service: 'route53', operation: 'ChangeTagsForResource', subject: `health check ${id}` });
    }
  }
}

/**
 * Ownership tags, then side and Name, then the user's: Route 53 keeps 10 tags, and the side
 * tag is what find-by-owner matches, so user tags are the ones cut.
 */
export function healthCheckTags(owner: Owner, side: Side): Tag[] {
  const extra = { [SIDE_TAG]: side, Name: `${owner.namespace}/${owner.name} ${side}` };
  const ours = ownershipTags({ ...owner, userTags: {} }, extra);
  const keys = new Set(ours.map((t) => t.Key));
  const user = ownershipTags(owner, extra).filter((t) => !keys.has(t.Key) && t.Key !== 'Name');
  return toRoute53Tags([...ours, ...user]);
}

/** Pure: may this owner delete the check? Tags with our cluster id and uid, or our reference on an untagged check. */
export function ownsHealthCheck(tags: Record<string, string>, callerRef: string | undefined, owner: Owner): boolean {
  if (ownsForDelete(tags, owner)) return true;
  const anyOfOurs = Object.keys(tags).some((k) => k.startsWith(TAG_PREFIX));
  return !anyOfOurs && (['primary', 'secondary'] as const).some((side) => generationOf(callerRef, callerReferencePrefix(owner, side)) !== undefined);
}

function toObserved(c: HealthCheck, prefix: string, tagged: boolean, strays: string[], owner: Owner): ObservedHealthCheck {
  return {
    id: c.Id ?? '',
    version: c.HealthCheckVersion,
    generation: generationOf(c.CallerReference, prefix) ?? 0,
    config: c.HealthCheckConfig ?? { Type: undefined },
    tagged,
    strays,
    owner,
  };
}
