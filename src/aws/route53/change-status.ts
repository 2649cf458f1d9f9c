// One look at a Route 53 change: the caller that submitted it keeps its id (in status) and asks
// again on a later pass, so no worker waits the minute or so a change takes to be INSYNC.
import type { Route53Client } from '@aws-sdk/client-route-53';
import { toAwsError } from '../errors.ts';
import { route53Sdk } from '../sdk.ts';

export type ChangeStatus = 'PENDING' | 'INSYNC';

export async function getChangeStatus(client: Route53Client, id: string): Promise<ChangeStatus> {
  try {
    const out = await client.send(new route53Sdk.GetChangeCommand({ Id: id }));
    return out.ChangeInfo?.Status === 'INSYNC' ? 'INSYNC' : 'PENDING';
  } catch (err) {
    throw toAwsError(err, { service: 'route53', operation: 'GetChange', subject: `change ${id}` });
  }
}

/** Route 53 applies a change within about a minute: look often at first, then every ~15 s. */
export function changePollMs(submittedAt: string, now: Date): number {
  const elapsed = now.getTime() - Date.parse(submittedAt);
  if (!Number.isFinite(elapsed) || elapsed < 4_000) return 1_000;
  return Math.min(15_000, Math.round(elapsed / 4 / 1_000) * 1_000);
}
