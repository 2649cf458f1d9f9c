// The AWS resources a ClientConnection names, for the AccessPolicy check (shared/access.ts): the
// attachment its routes point at and the alarm topic. The pair's TGW and route table are the
// pair's (guarded by its allowedNamespaces).
import type { ClientConnection } from '../../api/types.ts';
import type { ResourceUse } from '../shared/access.ts';

export function clientConnectionUses(c: ClientConnection): ResourceUse[] {
  const uses: ResourceUse[] = [{ field: 'spec.attachment.id', type: 'transitGatewayAttachment', id: c.spec.attachment.id }];
  const topic = c.spec.alarms?.snsTopicArn;
  if (topic) uses.push({ field: 'spec.alarms.snsTopicArn', type: 'snsTopic', arn: topic });
  return uses;
}
