// The AWS resources a RegionPair names, for the AccessPolicy check (shared/access.ts):
// each side's role, adopted Transit Gateway and attached VPCs, and the flow-log delivery role.
import type { RegionPair } from '../../api/types.ts';
import type { ResourceUse } from '../shared/access.ts';

export function regionPairUses(pair: RegionPair): ResourceUse[] {
  const uses: ResourceUse[] = [];
  for (const sideName of ['primary', 'secondary'] as const) {
    const side = pair.spec[sideName];
    const at = `spec.${sideName}`;
    if (side.roleArn) uses.push({ field: `${at}.roleArn`, type: 'roleArn', arn: side.roleArn });
    if (side.transitGateway?.id) uses.push({ field: `${at}.transitGateway.id`, type: 'transitGateway', id: side.transitGateway.id });
    (side.vpcAttachments ?? []).forEach((a, i) => {
      uses.push({ field: `${at}.vpcAttachments[${i}].vpcId`, type: 'vpc', id: a.vpcId });
    });
  }
  const delivery = pair.spec.flowLogs?.deliveryRoleArn;
  if (delivery) uses.push({ field: 'spec.flowLogs.deliveryRoleArn', type: 'roleArn', arn: delivery });
  return uses;
}
