// Where a RegionPair side's AWS calls go: its region, and the role to assume there if any.
// A RegionPair syncs its sides with it and a ClientConnection reaches its pair's side the same way.
import type { RegionSideSpec } from '../../api/types.ts';
import type { AwsTarget } from '../../aws/types.ts';

export const targetOf = (s: RegionSideSpec): AwsTarget => ({
  region: s.region,
  ...(s.roleArn && { roleArn: s.roleArn }),
  ...(s.externalId && { externalId: s.externalId }),
});
