// Checks that the VPC, subnets and route tables a spec names exist and belong together, before
// anything is attached: AWS would refuse later with a less clear error, and some emulators
// don't refuse at all.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { errorCode } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';

export interface ReferenceProblem {
  /** Which list the bad id is in: vpcId | subnetIds | routeTableIds. */
  key: 'vpcId' | 'subnetIds' | 'routeTableIds';
  message: string;
}

async function existing<T>(read: () => Promise<T[]>): Promise<T[] | undefined> {
  try {
    return await read();
  } catch (err) {
    if (/NotFound|Malformed/.test(errorCode(err))) return undefined;
    throw err;
  }
}

export async function checkVpcReferences(ec2: EC2Client, vpcId: string, subnetIds: string[], routeTableIds: string[]): Promise<ReferenceProblem[]> {
  const vpcs = await existing(async () => (await ec2.send(new ec2Sdk.DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs ?? []);
  if (!vpcs?.some((v) => v.VpcId === vpcId)) return [{ key: 'vpcId', message: `VPC ${vpcId} does not exist in this region and account` }];
  const problems: ReferenceProblem[] = [];
  const subnets = await existing(async () => (await ec2.send(new ec2Sdk.DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets ?? []);
  for (const id of subnetIds) {
    const s = subnets?.find((x) => x.SubnetId === id);
    if (!s) problems.push({ key: 'subnetIds', message: `subnet ${id} does not exist` });
    else if (s.VpcId !== vpcId) problems.push({ key: 'subnetIds', message: `subnet ${id} is in ${s.VpcId}, not in ${vpcId}` });
  }
  if (routeTableIds.length) {
    const tables = await existing(async () => (await ec2.send(new ec2Sdk.DescribeRouteTablesCommand({ RouteTableIds: routeTableIds }))).RouteTables ?? []);
    for (const id of routeTableIds) {
      const t = tables?.find((x) => x.RouteTableId === id);
      if (!t) problems.push({ key: 'routeTableIds', message: `route table ${id} does not exist` });
      else if (t.VpcId !== vpcId) problems.push({ key: 'routeTableIds', message: `route table ${id} is in ${t.VpcId}, not in ${vpcId}` });
    }
  }
  return problems;
}
