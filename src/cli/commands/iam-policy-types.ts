// The IAM policy template's input and output (iam-policy-template.ts), and what the parts that
// write its statements per service share.

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** Validated input (see iam-policy.ts for the checks); lists are deduplicated, in the order given. */
export interface IamPolicyInput {
  clusterId: string;
  accounts: string[];
  partition: Partition;
  /** Role ARNs of RegionPair/FailoverPolicy sides (`roleArn`): sts:AssumeRole on these only. */
  sideRoles: string[];
  /** Flow-log delivery role ARNs (`spec.flowLogs.deliveryRoleArn`): iam:PassRole on these only. */
  flowLogsRoles: string[];
  /** CloudWatch Logs groups that flow logs deliver to. */
  logGroups: string[];
  /** RDS instance identifiers (globs) or full ARNs: fenced, replicated, promoted. */
  dbInstances: string[];
  /** Route 53 hosted zone ids that get failover records. */
  hostedZones: string[];
  /** VPC route tables (rtb-…) that get routes to the peer side. */
  routeTables: string[];
  /** TGW route tables the controller did not create (an adopted attachment's previous table). */
  tgwRouteTables: string[];
  /** FailoverPolicies with spec.globalAccelerator: create and manage accelerators tagged with the cluster id. */
  globalAccelerator: boolean;
  /** Accelerators the specs adopt by ARN (never deleted; their listener and dials are managed). */
  accelerators: string[];
  /** The fleet's DynamoDB lease table (--coordination-table; docs/multi-cluster.md), if clusters run as a fleet. */
  coordinationTable?: string;
}

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

/** What every service's statements are written with (controllerPolicy builds it once). */
export interface TemplateContext {
  input: IamPolicyInput;
  /** The condition "carries our cluster tag". */
  ours: { StringEquals: Record<string, string> };
  /** One ARN per account, e.g. arn('ec2', '*', 'transit-gateway/*'). */
  arn(service: string, region: string, resource: string): string[];
  ec2(resource: string): string[];
}

/** A statement, or false where the feature it serves was not named. */
export type MaybeStatement = Statement | false;
