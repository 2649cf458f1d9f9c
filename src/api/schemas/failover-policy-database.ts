// spec.database of a FailoverPolicy (the writer, its cross-region replica, where each region's
// replica is placed) and status.database.instances (what AWS reports for each of them).
import { DEFAULTS } from '../defaults.ts';
import { arr, awsId, bool, int, num, obj, region, roleArn, type Schema, str } from './common.ts';
import { connectionSecretSchema } from './connection-secret.ts';

const RDS_ID = { pattern: '^[a-zA-Z](-?[a-zA-Z0-9])*$', maxLength: 63 };
const INSTANCE_CLASS = { pattern: String.raw`^db\.[a-z0-9-]+\.[a-z0-9]+$`, maxLength: 64 };
/** Parameter and option group names: a letter first, letters, digits and single hyphens, no hyphen last. */
const GROUP_NAME = { pattern: '^[a-zA-Z](-?[a-zA-Z0-9])*$', maxLength: 255 };
/** The storage types a read replica can be created with (RDS CreateDBInstanceReadReplica StorageType). */
export const STORAGE_TYPES = ['standard', 'gp2', 'gp3', 'io1', 'io2'] as const;
/** Security groups per DB instance: RDS takes at most 5 VPC security groups on an instance. */
const MAX_SECURITY_GROUPS = 5;

const placementEntry = (): Schema =>
  obj(
    'How the replica in one region is created: every replica the controller creates there uses it, the first one and every re-seed after a failover. ' +
      'Fields left out take the RDS default (the region default VPC, no Multi-AZ, the engine default groups).',
    {
      region: region("The region this entry is for: the writer's or the replica's (spec.database.primary.region or spec.database.replica.region)."),
      dbSubnetGroupName: str(
        'DB subnet group in this region the replica is placed in (its VPC and subnets). Omitted: the default VPC, which production databases rarely use.',
        { pattern: '^[a-zA-Z0-9 ._-]+$', maxLength: 255 },
      ),
      vpcSecurityGroupIds: arr(
        "VPC security groups of the replica, in the subnet group's VPC. Omitted: the VPC's default security group.",
        awsId('sg', 'A VPC security group id.'),
        { minItems: 1, maxItems: MAX_SECURITY_GROUPS, 'x-kubernetes-list-type': 'set' },
      ),
      kmsKeyId: str(
        'KMS key of this region (key ARN, key id, alias ARN or alias name) for the replica of an encrypted writer. KMS keys are regional: ' +
          "a cross-region replica of an encrypted writer cannot be created without one. The controller checks the writer's encryption before each create " +
          'and reports Synced=False naming this field when it is missing, so give one ' +
          "for both regions: after a failover the re-seed goes to the old writer's region.",
        { minLength: 1, maxLength: 2048 },
      ),
      multiAZ: bool(
        'Create the replica as a Multi-AZ deployment (a standby in a second availability zone). Also applied to the writer a failover promotes in this region.',
      ),
      instanceClass: str(
        "Instance class of the replica, e.g. db.r6g.large. Omitted: the writer's class (the standby must carry the full load).",
        INSTANCE_CLASS,
      ),
      storageType: str("Storage type of the replica. Omitted: the writer's.", { enum: [...STORAGE_TYPES] }),
      parameterGroupName: str('DB parameter group in this region for the replica (parameter groups are regional). Omitted: the engine default.', GROUP_NAME),
      optionGroupName: str('Option group in this region for the replica (option groups are regional). Omitted: the engine default.', GROUP_NAME),
    },
    { required: ['region'] },
  );

export const database = (): Schema =>
  obj(
    'RDS failover: a cross-region read replica that is promoted when this policy fails over. Exactly one writer exists at any time; promotion is fenced.',
    {
      engine: str('Database engine. Instance-level cross-region read replicas exist for these engines (Aurora uses global clusters, not covered here).', {
        enum: ['postgres', 'mysql', 'mariadb'],
      }),
      primary: obj(
        'The current writer instance.',
        {
          region: region('Region of the writer.'),
          instanceIdentifier: str('DB instance identifier of the writer.', RDS_ID),
          roleArn: roleArn("Role to assume for RDS calls in the writer's account. Omitted: the RegionPair side's role, else the controller's own credentials."),
        },
        { required: ['region', 'instanceIdentifier'] },
      ),
      replica: obj(
        'The standby: a cross-region read replica of the writer, created when missing.',
        {
          region: region("Region of the replica; must differ from the writer's."),
          instanceIdentifier: str('DB instance identifier of the replica.', RDS_ID),
          instanceClass: str(
            "Instance class of replicas created in the replica's region, e.g. db.r6g.large. Default: the writer's class. " +
              "spec.database.placement's instanceClass for this region wins over it (this field is kept for policies written before placement).",
            INSTANCE_CLASS,
          ),
          kmsKeyId: str(
            "KMS key in the replica's region for an encrypted writer: KMS keys are regional, so a cross-region replica of an encrypted instance needs one. " +
              "spec.database.placement's kmsKeyId for this region wins over it (this field is kept for policies written before placement); " +
              "a re-seed in the writer's region needs placement's kmsKeyId for that region.",
            { minLength: 1, maxLength: 2048 },
          ),
          roleArn: roleArn(
            "Role to assume for RDS calls in the replica's account. Omitted: the RegionPair side's role, else the controller's own credentials.",
          ),
        },
        { required: ['region', 'instanceIdentifier'] },
      ),
      placement: arr(
        'Per region, how a replica created there is placed and configured (subnet group, security groups, KMS key, Multi-AZ, class, storage, groups). ' +
          'Used for the first replica and for every re-seed: after a failover the new ' +
          "standby is created in the old writer's region, so give an entry for both regions. " +
          'One entry per region.',
        placementEntry(),
        { maxItems: 2, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['region'] },
      ),
      backupRetentionDays: int(
        'Automated backup retention, in days, set on a writer a failover promotes (ModifyDBInstance right after the promotion). ' +
          'A promoted replica may have backups off, and an instance without automated backups ' +
          'cannot be the source of a read replica: without it no standby could be re-seeded.',
        { minimum: 1, maximum: 35, default: DEFAULTS.backupRetentionDays },
      ),
      maxReplicaLagSeconds: int('RPO guard: the replica is never promoted while its lag exceeds this, and FailoverReady is False.', {
        minimum: 0,
        maximum: 86400,
        default: DEFAULTS.maxReplicaLagSeconds,
      }),
      connectionSecret: connectionSecretSchema(),
    },
    {
      required: ['engine', 'primary', 'replica', 'connectionSecret'],
      'x-kubernetes-validations': [
        { rule: 'self.primary.region != self.replica.region', message: 'the replica must be in another region than the writer', fieldPath: '.replica.region' },
        {
          rule: '!has(self.placement) || self.placement.all(p, p.region == self.primary.region || p.region == self.replica.region)',
          message: "each placement entry must be for the writer's or the replica's region (spec.database.primary.region or spec.database.replica.region)",
          fieldPath: '.placement',
        },
      ],
    },
  );

/** status.database.instances: read back from AWS on the pass's own DescribeDBInstances. */
export const databaseInstancesStatus = (): Schema =>
  arr(
    'The writer and the standby as AWS reports them, read on each pass: role, class, encryption and Multi-AZ.',
    obj(
      'One DB instance.',
      {
        region: str('Region.'),
        identifier: str('DB instance identifier.'),
        role: str('writer (takes writes) or replica (the standby).', { enum: ['writer', 'replica'] }),
        status: str('DB instance status, e.g. available, creating, modifying.'),
        instanceClass: str('Instance class.'),
        encrypted: bool('Storage encrypted.'),
        multiAZ: bool('Multi-AZ deployment.'),
        backupRetentionDays: num('Automated backup retention in days (0: backups off).'),
      },
      { required: ['region', 'identifier', 'role'] },
    ),
    { maxItems: 4, 'x-kubernetes-list-type': 'atomic' },
  );
