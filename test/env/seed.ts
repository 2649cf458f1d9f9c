// Creates the AWS things a user would already have (VPCs, subnets, route tables, a hosted
// zone, a primary database) in moto, so examples and tests can reference real IDs.
import { CreateRouteTableCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand, CreateDBSubnetGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface SeedOptions {
  endpoint: string;
  credentials?: AwsCredentialIdentityProvider;
}

const base = (o: SeedOptions, region: string) => ({
  region,
  endpoint: o.endpoint,
  maxAttempts: 1,
  credentials: o.credentials ?? { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

export interface SeededVpc {
  vpcId: string;
  subnetIds: string[];
  routeTableId: string;
  cidr: string;
}

export async function seedVpc(o: SeedOptions, region: string, cidr: string): Promise<SeededVpc> {
  const ec2 = new EC2Client(base(o, region));
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  const vpcId = vpc.Vpc!.VpcId!;
  const [a, b] = cidr.split('.');
  const subnetIds: string[] = [];
  for (const [i, az] of ['a', 'b'].entries()) {
    const s = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `${a}.${b}.${i}.0/24`, AvailabilityZone: `${region}${az}` }));
    subnetIds.push(s.Subnet!.SubnetId!);
  }
  const rt = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
  ec2.destroy();
  return { vpcId, subnetIds, routeTableId: rt.RouteTable!.RouteTableId!, cidr };
}

export async function seedHostedZone(o: SeedOptions, name: string, privateVpc?: { vpcId: string; region: string }): Promise<string> {
  const r53 = new Route53Client(base(o, 'us-east-1'));
  const z = await r53.send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: `seed-${name}-${Date.now()}`,
      ...(privateVpc ? { VPC: { VPCId: privateVpc.vpcId, VPCRegion: privateVpc.region as never }, HostedZoneConfig: { PrivateZone: true } } : {}),
    }),
  );
  r53.destroy();
  return z.HostedZone!.Id!.replace('/hostedzone/', '');
}

/** A DB subnet group over the VPC's subnets: on AWS every instance in a VPC is in one, and it names the VPC. */
export async function seedDbSubnetGroup(o: SeedOptions, region: string, name: string, vpc: SeededVpc): Promise<string> {
  const rds = new RDSClient(base(o, region));
  await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: name, DBSubnetGroupDescription: `seeded: ${name}`, SubnetIds: vpc.subnetIds }));
  rds.destroy();
  return name;
}

/** `subnetGroup`: the instance's DB subnet group (seedDbSubnetGroup); without one moto reports none, where AWS shows its default group. */
export async function seedDatabase(o: SeedOptions, region: string, id: string, opts: { subnetGroup?: string } = {}): Promise<string> {
  const rds = new RDSClient(base(o, region));
  const db = await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      ...(opts.subnetGroup && { DBSubnetGroupName: opts.subnetGroup }),
      Engine: 'postgres',
      DBInstanceClass: 'db.r6g.large',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'not-a-real-password-1',
      BackupRetentionPeriod: 7,
    }),
  );
  rds.destroy();
  return db.DBInstance!.DBInstanceArn!;
}
