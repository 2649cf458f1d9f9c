// The policy template's RDS statements (FailoverPolicy database: only the named instances) and the
// fence groups' EC2 statements. See iam-policy-template.ts for how each is guarded.
import { FENCE_TAGS } from '../../aws/rds/fence.ts';
import { PROMOTE_REQUESTED_TAG } from '../../aws/rds/instances.ts';
import { TAG_KEYS } from '../../aws/tags.ts';
import type { MaybeStatement, TemplateContext } from './iam-policy-types.ts';

/** Tags the controller adds to (and removes from) RDS instances it did not create: fence and promotion marks. */
export const RDS_MARK_KEYS = [FENCE_TAGS.from, FENCE_TAGS.group, FENCE_TAGS.at, FENCE_TAGS.failover, PROMOTE_REQUESTED_TAG];

export function databaseStatements({ input, ours, arn, ec2 }: TemplateContext): MaybeStatement[] {
  const { clusterId } = input;
  const databases = input.dbInstances.length > 0;
  const dbArns = input.dbInstances.flatMap((d) => (d.startsWith('arn:') ? [d] : arn('rds', '*', `db:${d}`)));
  return [
    // --- RDS (FailoverPolicy database): only the named instances ---
    databases && {
      Sid: 'NamedDatabases',
      Effect: 'Allow',
      Action: ['rds:CreateDBInstanceReadReplica', 'rds:ModifyDBInstance', 'rds:PromoteReadReplica', 'rds:RebootDBInstance'],
      Resource: dbArns,
    },
    // A replica's create names its placement (spec.database.placement): IAM checks the subnet,
    // parameter and option groups as resources of CreateDBInstanceReadReplica too.
    databases && {
      Sid: 'NamedDatabasesSubnetGroups',
      Effect: 'Allow',
      Action: ['rds:CreateDBInstanceReadReplica'],
      Resource: ['subgrp:*', 'pg:*', 'og:*'].flatMap((r) => arn('rds', '*', r)),
    },
    databases && {
      // Fence and promotion marks on instances the controller did not create: these keys only.
      Sid: 'NamedDatabasesMarks',
      Effect: 'Allow',
      Action: ['rds:AddTagsToResource', 'rds:RemoveTagsFromResource'],
      Resource: dbArns,
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': RDS_MARK_KEYS } },
    },
    databases && {
      // RDS authorizes a create's tags as AddTagsToResource and has no ec2:CreateAction: this
      // statement also lets our tag be added to an existing named instance (deploy/iam/README.md).
      Sid: 'TagReplicasAtCreation',
      Effect: 'Allow',
      Action: ['rds:AddTagsToResource'],
      Resource: dbArns,
      Condition: { StringEquals: { [`aws:RequestTag/${TAG_KEYS.cluster}`]: clusterId } },
    },
    databases && { Sid: 'DeleteOwnReplicas', Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: dbArns, Condition: ours },
    databases && {
      // DeleteDBInstance always takes a final snapshot: `<identifier>-final-<time>`.
      Sid: 'FinalSnapshots',
      Effect: 'Allow',
      Action: ['rds:CreateDBSnapshot'],
      Resource: [...dbArns, ...input.dbInstances.flatMap((d) => (d.startsWith('arn:') ? [snapshotArn(d)] : arn('rds', '*', `snapshot:${snapshotGlob(d)}`)))],
    },
    databases && {
      Sid: 'KmsForEncryptedReplicas',
      Effect: 'Allow',
      Action: ['kms:CreateGrant', 'kms:DescribeKey'],
      Resource: arn('kms', '*', 'key/*'),
      Condition: { StringLike: { 'kms:ViaService': 'rds.*.amazonaws.com' } },
    },
    databases && { Sid: 'CreateFenceGroups', Effect: 'Allow', Action: ['ec2:CreateSecurityGroup'], Resource: '*' },
    databases && {
      // A fence group allows nothing: its default egress rule goes, and any rule added since (ingress too).
      Sid: 'RevokeOwnFenceRules',
      Effect: 'Allow',
      Action: ['ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress'],
      Resource: ec2('security-group/*'),
      Condition: ours,
    },
    databases && {
      Sid: 'RevokeOwnFenceRuleIds',
      Effect: 'Allow',
      Action: ['ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress'],
      Resource: ec2('security-group-rule/*'),
    },
    databases && { Sid: 'DeleteOwnFenceGroups', Effect: 'Allow', Action: ['ec2:DeleteSecurityGroup'], Resource: '*', Condition: ours },
  ];
}

/** Final snapshots are `<identifier>-final-<time>`; a glob ending in `*` already covers them. */
function snapshotGlob(glob: string): string {
  return glob.endsWith('*') ? glob : `${glob}-final-*`;
}

/** `arn:…:rds:<region>:<account>:db:<glob>` → the same place's final snapshots. */
function snapshotArn(dbArn: string): string {
  const [head, glob = ''] = dbArn.split(':db:');
  return `${head}:snapshot:${snapshotGlob(glob)}`;
}
