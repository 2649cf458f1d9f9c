// Set-up shared by the tests of a FailoverPolicy with a database (the integration tests and the
// reliability crash matrix): a seeded primary, the policy, and the health and lag datapoints
// that stand in for Route 53's checkers and RDS. AWS is read back with plain SDK clients.
import assert from 'node:assert/strict';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { seedDatabase, seedHostedZone } from '../env/seed.ts';
import type { Stack } from '../env/stack.ts';
import { type Aws, EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { type Kube, type Obj, uniqueName } from './helpers.ts';

export interface DbSetup {
  name: string;
  zone: string;
  db: string;
  replica: string;
  secret: string;
}

export class DbPolicies {
  constructor(
    private readonly stack: Stack,
    private readonly kube: Kube,
    private readonly aws: Aws,
    readonly ns: string,
  ) {}

  /**
   * A seeded primary in us-east-1 and a policy with DNS and a replica in us-west-2. `o.database`:
   * more spec.database fields (placement, backupRetentionDays); `o.seed`: seeds the primary instead.
   */
  async setup(
    failover: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    o: { database?: Record<string, unknown>; seed?: (region: string, id: string) => Promise<unknown> } = {},
  ): Promise<DbSetup> {
    const name = uniqueName('orders');
    const db = `${name}-db`;
    const s: DbSetup = {
      name,
      zone: await seedHostedZone({ endpoint: this.stack.motoEndpoint }, 'example.com'),
      db,
      replica: `${db}-replica`,
      secret: `${name}-conn`,
    };
    await (o.seed ? o.seed(EAST, db) : seedDatabase({ endpoint: this.stack.motoEndpoint }, EAST, db));
    const check = { type: 'HTTPS', path: '/health/deep', port: 443 };
    await this.kube.apply(
      policyObj(this.ns, name, {
        dns: {
          hostedZoneId: s.zone,
          recordName: `${name}.example.com`,
          primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: check },
          secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: check },
        },
        database: {
          engine: 'postgres',
          primary: { region: EAST, instanceIdentifier: db },
          replica: { region: WEST, instanceIdentifier: s.replica },
          maxReplicaLagSeconds: 30,
          connectionSecret: { name: s.secret },
          ...o.database,
        },
        failover,
        ...extra,
      }),
    );
    return s;
  }

  /**
   * Both sides healthy and the replica `lag` seconds behind. One lag datapoint only: moto's
   * GetMetricData does not compute Maximum over several datapoints of one period.
   */
  async healthyAndReady(s: DbSetup, lag = 2): Promise<Obj> {
    const o = await this.kube.waitFor(
      'FailoverPolicy',
      this.ns,
      s.name,
      'checks and replica',
      (x) => !!x.status?.healthCheckIds?.secondary && !!x.status?.database?.replica,
    );
    await this.aws.putLag(WEST, s.replica, lag);
    await this.aws.putHealth(o.status.healthCheckIds.primary, 1);
    await this.aws.putHealth(o.status.healthCheckIds.secondary, 1);
    return lag <= 30
      ? this.kube.waitCondition('FailoverPolicy', this.ns, s.name, 'FailoverReady', 'True', 'StandbyReady', 60_000)
      : this.kube.waitCondition('FailoverPolicy', this.ns, s.name, 'FailoverReady', 'False', 'ReplicaLagTooHigh', 60_000);
  }

  async secretData(name: string): Promise<Record<string, string>> {
    const s = (await this.kube.get('Secret', this.ns, name, 'v1')) as unknown as { data: Record<string, string> } | undefined;
    assert.ok(s, `Secret ${name}`);
    return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  }

  async instance(region: string, id: string) {
    return (await this.aws.rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  }

  /**
   * moto gives a cross-region replica the SOURCE's security group ids, which do not exist in the
   * replica's region (AWS gives it groups of its own region), so fencing it later fails with
   * InvalidGroup.NotFound. Tests move such a replica onto its region's default group first.
   */
  async moveToRegionDefaultGroup(region: string, identifier: string): Promise<void> {
    const groups =
      (await this.aws.ec2(region).send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }))).SecurityGroups ?? [];
    const sg = groups[0]?.GroupId;
    assert.ok(sg, `a default security group in ${region}`);
    await this.aws.rds(region).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: identifier, VpcSecurityGroupIds: [sg], ApplyImmediately: true }));
  }

  async primaryRecordValue(s: DbSetup): Promise<string | undefined> {
    const recs = await this.aws.records(s.zone, `${s.name}.example.com`);
    return recs.find((r) => r.SetIdentifier === `${s.name}-primary`)?.ResourceRecords?.[0]?.Value;
  }
}
