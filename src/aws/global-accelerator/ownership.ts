// Ownership of accelerators. Only accelerators carry tags in Global Accelerator (listeners and
// endpoint groups cannot be tagged), so a listener or endpoint group is ours when the accelerator
// it belongs to is: every update or delete under an accelerator we created first reads the
// accelerator's tags again. An adopted accelerator (named by ARN in the spec) is configured on the
// spec's word and never deleted.
import type { GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import { AwsError, isNotFound } from '../errors.ts';
import { globalAcceleratorSdk } from '../sdk.ts';
import { ownershipTags, ownsForDelete, TAG_KEYS, type Tag, tagsToMap } from '../tags.ts';
import type { Owner } from '../types.ts';
import { GA_API_REGION } from './api-region.ts';

/** Tags per accelerator (Global Accelerator's limit); ours come first, so a cut drops user tags. */
const MAX_TAGS = 50;

/** An accelerator the controller works on: found by our tags, created by us, or adopted by ARN. */
export interface AcceleratorRef {
  arn: string;
  /** Named by ARN in the spec: configured as the spec says, never deleted. */
  adopted: boolean;
}

export function acceleratorTags(owner: Owner): Tag[] {
  return ownershipTags(owner).slice(0, MAX_TAGS);
}

/** The accelerator's tags as a map; undefined when the accelerator does not exist (any more). */
export async function readTags(ga: GlobalAcceleratorClient, acceleratorArn: string): Promise<Record<string, string> | undefined> {
  try {
    const out = await ga.send(new globalAcceleratorSdk.ListTagsForResourceCommand({ ResourceArn: acceleratorArn }));
    return tagsToMap(out.Tags);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A change refused because the accelerator is not this object's: retrying cannot help. */
export class GaOwnershipError extends AwsError {
  constructor(
    readonly acceleratorArn: string,
    owner: Owner,
    operation: string,
  ) {
    super({
      class: 'Terminal',
      code: 'NotOwned',
      service: 'globalaccelerator',
      operation,
      region: GA_API_REGION,
      subject: `accelerator ${acceleratorArn}`,
      message:
        `it does not carry this object's ownership tags (${TAG_KEYS.cluster}=${owner.clusterId}, ${TAG_KEYS.uid}=${owner.uid}). ` +
        'The controller changes or deletes only accelerators it created; one it did not create is configured only when adopted by its ARN, and never deleted.',
    });
    this.name = 'GaOwnershipError';
  }
}

/**
 * The check before every update or delete of an accelerator we created or of anything under it:
 * a fresh read of its tags must name this cluster and this object's uid (an ARN from status alone
 * is never enough). A vanished accelerator passes: the call that follows finds it gone.
 */
export async function assertOwned(ga: GlobalAcceleratorClient, owner: Owner, acceleratorArn: string, operation: string): Promise<void> {
  const tags = await readTags(ga, acceleratorArn);
  if (tags !== undefined && !ownsForDelete(tags, owner)) throw new GaOwnershipError(acceleratorArn, owner, operation);
}

/** Before a change under `acc`: an adopted accelerator is the spec's to configure; one of ours must still carry our tags. */
export async function guardChange(ga: GlobalAcceleratorClient, owner: Owner, acc: AcceleratorRef, operation: string): Promise<void> {
  if (!acc.adopted) await assertOwned(ga, owner, acc.arn, operation);
}
