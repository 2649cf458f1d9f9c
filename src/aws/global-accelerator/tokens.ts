// GA's creates take an IdempotencyToken: the same token answers with the resource the first call
// made. Derived from the owner and what the create is for, so a create repeated after a crash
// between the call and the status write (or by the SDK's own retry) cannot make a second one.
import { createHash } from 'node:crypto';
import type { Owner } from '../types.ts';

export type CreatePurpose = 'accelerator' | 'listener' | 'endpoint-group';

/**
 * `parent` names where the create goes (the accelerator ARN for a listener, the listener ARN and
 * Region for an endpoint group): a new parent is a new resource, never the answer to an old token.
 */
export function idempotencyToken(owner: Pick<Owner, 'clusterId' | 'uid'>, purpose: CreatePurpose, parent = ''): string {
  if (!owner.uid) throw new Error(`a Global Accelerator ${purpose} create needs the owner's uid for its IdempotencyToken`);
  const digest = createHash('sha256').update([owner.clusterId, owner.uid, purpose, parent].join('\u0000')).digest('hex');
  // 255 characters at most; the purpose stays readable in CloudTrail.
  return `mrc-${purpose}-${digest.slice(0, 40)}`;
}
