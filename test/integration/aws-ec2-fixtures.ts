// Shared set-up for the aws-ec2-* integration tests: SDK clients against moto in two regions
// and two accounts, and the VPCs the modules attach. Plain SDK clients, no retries (moto
// answers some bad calls with HTML 500s).

import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRouteTableCommand, CreateSubnetCommand, CreateVpcCommand, DescribeAvailabilityZonesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { Owner } from '../../src/aws/types.ts';

export const PRIMARY_REGION = 'us-east-1';
export const SECONDARY_REGION = 'us-west-2';
export const DEFAULT_ACCOUNT = '123456789012';
export const SECOND_ACCOUNT = '222222222222';
export const SECOND_ROLE = `arn:aws:iam::${SECOND_ACCOUNT}:role/x`;

const staticCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function ec2Client(endpoint: string, region: string, roleArn?: string): EC2Client {
  return nameFailures(new EC2Client({ region, endpoint, maxAttempts: 1, credentials: credentialsFor(endpoint, region, roleArn) }));
}

export function logsClient(endpoint: string, region: string, roleArn?: string): CloudWatchLogsClient {
  return nameFailures(new CloudWatchLogsClient({ region, endpoint, maxAttempts: 1, credentials: credentialsFor(endpoint, region, roleArn) }));
}

/** moto's HTML 500s say nothing: put the operation and input into the failure message. */
function nameFailures<C extends EC2Client | CloudWatchLogsClient>(client: C): C {
  (client as EC2Client).middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if (err instanceof Error) err.message = `${String(context.commandName)} ${JSON.stringify(args.input)}: ${err.message}`;
        throw err;
      }
    },
    { step: 'initialize', name: 'nameFailuresForTests' },
  );
  return client;
}

function credentialsFor(endpoint: string, region: string, roleArn: string | undefined) {
  if (!roleArn) return staticCredentials;
  // moto maps keys from AssumeRole into the role's account: that is the second account.
  return fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: 'aws-ec2-tests' },
    masterCredentials: staticCredentials,
    clientConfig: { region, endpoint, maxAttempts: 1 },
  });
}

export function testOwner(overrides: Partial<Owner> = {}): Owner {
  return { clusterId: 'test-cluster', kind: 'RegionPair', namespace: 'platform', name: 'prod', uid: 'uid-prod-1', userTags: { team: 'network' }, ...overrides };
}

export interface TestVpc {
  vpcId: string;
  subnetIds: string[];
  routeTableId: string;
}

/** A VPC with one subnet per requested AZ index and an extra route table (the user's). */
export async function makeVpc(ec2: EC2Client, cidr16: string, subnets = 2): Promise<TestVpc> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: `${cidr16}.0.0/16` }));
  const vpcId = vpc.Vpc!.VpcId!;
  const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [];
  const subnetIds: string[] = [];
  for (let i = 0; i < subnets; i++) {
    const s = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `${cidr16}.${i + 1}.0/24`, AvailabilityZone: zones[i % zones.length]?.ZoneName }),
    );
    subnetIds.push(s.Subnet!.SubnetId!);
  }
  const rt = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
  return { vpcId, subnetIds, routeTableId: rt.RouteTable!.RouteTableId! };
}
