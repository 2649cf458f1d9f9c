// `multiregion iam-policy`: prints the controller's least-privilege IAM policy, filled in from
// the template (iam-policy-template.ts) with this cluster's id, its accounts and the resources the
// operator names. Needs no cluster and no AWS access. Bad input is a UsageError (exit code 2).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { iamSize, splitPolicy } from './iam-policy-split.ts';
import {
  controllerPolicy,
  DEFAULT_LOG_GROUP,
  type IamPolicyInput,
  PARTITIONS,
  type Partition,
  type PolicyDocument,
  sideRoleStatements,
} from './iam-policy-template.ts';
import { sideRoleTemplate } from './iam-side-role-template.ts';

export const IAM_POLICY_USAGE = `multiregion iam-policy — print the controller's IAM policy (JSON) for this cluster

Usage:
  multiregion iam-policy --cluster-id ID --account ACCOUNT [--account …] [options]

  --cluster-id ID          the controller's --cluster-id (the multiregion.dev/cluster tag value)
  --account ACCOUNT        a 12-digit account the controller works in (repeat for each)
  --partition P            aws (default), aws-cn or aws-us-gov
  --side-role ARN          a side's roleArn the controller may assume (repeat; none: no sts:AssumeRole)
  --flow-logs-role ARN     a flow-log delivery role it may pass (repeat; none: no flow logs)
  --log-group NAME         a log group flow logs deliver to (repeat; default ${DEFAULT_LOG_GROUP})
  --db-instance GLOB|ARN   an RDS instance it may fence, replicate and promote: identifier glob
                           (e.g. 'orders-db*', in every account and region) or ARN (repeat; none: no RDS writes)
  --hosted-zone ID         a Route 53 zone that gets failover records (repeat; none: no DNS writes)
  --global-accelerator     FailoverPolicies create Global Accelerators (tagged with the cluster id)
  --accelerator ARN        an accelerator a spec adopts: its listener, groups and dials (repeat; never deleted)
  --coordination-table T   the fleet's DynamoDB lease table (--coordination-table of the controllers; multi-cluster)
  --route-table RTB        a VPC route table that gets routes to the peer side (repeat)
  --tgw-route-table ID     a TGW route table the controller did not create that an adopted
                           attachment is moved out of and back into (repeat)
  --format F               policy (default): the identity policy; side-role-cfn: the CloudFormation
                           template of the role a side's account needs
  --split DIR              write the policy as managed policies of at most 6,144 characters each,
                           one per part (DIR/controller-policy-{core,network,observability,database,dns,
                           global-accelerator}.json; parts with nothing to allow are left out), and print
                           their names; attach every one to the controller's role
  -h, --help
`;

export { UsageError };

// Same rule as the controller's --cluster-id (src/flags.ts): it becomes a tag value and a name part.
const CLUSTER_ID = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const ACCOUNT = /^\d{12}$/;
const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
// RDS identifiers are letters, digits and hyphens; `*` and `?` make a glob.
const DB_GLOB = /^[A-Za-z0-9*?-]{1,63}$/;
const DB_ARN = /^arn:([a-z-]+):rds:([a-z0-9-]+|\*):(\d{12}):db:([A-Za-z0-9*?-]{1,63})$/;
const HOSTED_ZONE = /^[A-Z0-9]{1,32}$/;
const ROUTE_TABLE = /^rtb-[0-9a-f]{8,17}$/;
const TGW_ROUTE_TABLE = /^tgw-rtb-[0-9a-f]{8,17}$/;
const ACCELERATOR_ARN = /^arn:[a-z-]+:globalaccelerator::\d{12}:accelerator\/[0-9a-f-]{36}$/;
const DYNAMODB_TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
const LOG_GROUP = /^[A-Za-z0-9._/#-]{1,512}$/;

const unique = (xs: string[]): string[] => [...new Set(xs)];

function check(values: string[], flag: string, ok: (v: string) => string | undefined): string[] {
  for (const v of values) {
    const problem = ok(v);
    if (problem) throw new UsageError(`--${flag} ${JSON.stringify(v)}: ${problem}`);
  }
  return unique(values);
}

function roleArns(values: string[], flag: string, partition: Partition): string[] {
  return check(values, flag, (v) => {
    const m = ROLE_ARN.exec(v);
    if (!m) return 'not an IAM role ARN (arn:aws:iam::123456789012:role/NAME; no wildcards: name each role)';
    if (m[1] !== partition) return `is in partition ${m[1]}, not --partition ${partition}`;
    return undefined;
  });
}

function dbInstance(v: string, partition: Partition): string | undefined {
  if (v.startsWith('arn:')) {
    const m = DB_ARN.exec(v);
    if (!m) return 'not an RDS DB instance ARN (arn:aws:rds:REGION:123456789012:db:IDENTIFIER)';
    if (m[1] !== partition) return `is in partition ${m[1]}, not --partition ${partition}`;
    return onlyWildcards(m[4]!);
  }
  if (!DB_GLOB.test(v)) return 'not an RDS identifier glob (letters, digits, -, * and ?)';
  return onlyWildcards(v);
}

function onlyWildcards(glob: string): string | undefined {
  return /^[*?-]*$/.test(glob) ? "matches every instance: name the FailoverPolicies' instances (e.g. orders-db*)" : undefined;
}

/** Command line → validated input and output format. */
export function parseIamPolicyArgs(argv: string[]): { input: IamPolicyInput; format: 'policy' | 'side-role-cfn'; split?: string } | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${IAM_POLICY_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n\n${IAM_POLICY_USAGE}`);

  const clusterId = values['cluster-id'];
  if (clusterId === undefined) throw new UsageError("--cluster-id is required: the value of the controller's --cluster-id");
  if (!CLUSTER_ID.test(clusterId))
    throw new UsageError(`--cluster-id ${JSON.stringify(clusterId)}: 1-40 lowercase letters, digits or dashes (as the controller's)`);
  const partition = values.partition ?? 'aws';
  if (!(PARTITIONS as readonly string[]).includes(partition)) throw new UsageError(`--partition ${JSON.stringify(partition)}: one of ${PARTITIONS.join(', ')}`);
  const p = partition as Partition;
  const accounts = check(values.account ?? [], 'account', (v) => (ACCOUNT.test(v) ? undefined : 'not a 12-digit AWS account id'));
  if (accounts.length === 0) throw new UsageError("--account is required: each account the controller works in (its own and every side role's)");
  const format = values.format ?? 'policy';
  if (format !== 'policy' && format !== 'side-role-cfn') throw new UsageError(`--format ${JSON.stringify(format)}: policy or side-role-cfn`);
  const split = values.split;
  if (split !== undefined && format !== 'policy')
    throw new UsageError('--split writes the controller policy in parts; the side-role-cfn template already holds its statements as managed policies');
  if (split === '') throw new UsageError('--split needs a directory');

  const flowLogsRoles = roleArns(values['flow-logs-role'] ?? [], 'flow-logs-role', p);
  const logGroups = check(values['log-group'] ?? [], 'log-group', (v) => (LOG_GROUP.test(v) ? undefined : 'not a log group name'));
  if (logGroups.length > 0 && flowLogsRoles.length === 0) throw new UsageError('--log-group needs --flow-logs-role: flow logs deliver with a role');
  return {
    format,
    ...(split !== undefined && { split }),
    input: {
      clusterId,
      accounts,
      partition: p,
      sideRoles: roleArns(values['side-role'] ?? [], 'side-role', p),
      flowLogsRoles,
      logGroups: logGroups.length > 0 ? logGroups : [DEFAULT_LOG_GROUP],
      dbInstances: check(values['db-instance'] ?? [], 'db-instance', (v) => dbInstance(v, p)),
      hostedZones: check(
        (values['hosted-zone'] ?? []).map((z) => z.replace(/^\/hostedzone\//, '')),
        'hosted-zone',
        (v) => (HOSTED_ZONE.test(v) ? undefined : 'not a Route 53 hosted zone id (e.g. Z0123456789ABCDEFGHIJ)'),
      ),
      routeTables: check(values['route-table'] ?? [], 'route-table', (v) => (ROUTE_TABLE.test(v) ? undefined : 'not a VPC route table id (rtb-…)')),
      tgwRouteTables: check(values['tgw-route-table'] ?? [], 'tgw-route-table', (v) =>
        TGW_ROUTE_TABLE.test(v) ? undefined : 'not a Transit Gateway route table id (tgw-rtb-…)',
      ),
      globalAccelerator: values['global-accelerator'] ?? false,
      ...(values['coordination-table'] !== undefined && {
        coordinationTable: check([values['coordination-table']], 'coordination-table', (v) =>
          DYNAMODB_TABLE.test(v) ? undefined : 'not a DynamoDB table name (3-255 of letters, digits, _ - .)',
        )[0],
      }),
      accelerators: check(values.accelerator ?? [], 'accelerator', (v) =>
        ACCELERATOR_ARN.test(v) ? undefined : 'not a Global Accelerator ARN (arn:aws:globalaccelerator::ACCOUNT:accelerator/ID)',
      ),
    },
  };
}

function parse(argv: string[]) {
  const many = { type: 'string', multiple: true } as const;
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'cluster-id': { type: 'string' },
      account: many,
      partition: { type: 'string' },
      'side-role': many,
      'flow-logs-role': many,
      'log-group': many,
      'db-instance': many,
      'hosted-zone': many,
      'route-table': many,
      'tgw-route-table': many,
      'global-accelerator': { type: 'boolean' },
      accelerator: many,
      'coordination-table': { type: 'string' },
      format: { type: 'string' },
      split: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** What the printed policy leaves out, so a missing flag shows up now rather than as AccessDenied later. */
export function omissions(input: IamPolicyInput): string[] {
  const out: string[] = [];
  if (input.sideRoles.length === 0) out.push('no --side-role: sides with a roleArn cannot be assumed');
  if (input.flowLogsRoles.length === 0) out.push('no --flow-logs-role: RegionPair flow logs are not allowed');
  if (input.dbInstances.length === 0) out.push('no --db-instance: FailoverPolicy databases are not allowed (no replica, fence or promotion)');
  if (input.hostedZones.length === 0) out.push('no --hosted-zone: FailoverPolicy DNS records and health checks are not allowed');
  if (input.routeTables.length === 0) out.push('no --route-table: no routes in VPC route tables (vpcAttachments[].routeTableIds)');
  return out;
}

// IAM's size limits, in characters without whitespace (IAM does not count it): a managed policy,
// and all inline policies of one role together.
export const MANAGED_POLICY_LIMIT = 6_144;
export const INLINE_POLICIES_LIMIT = 10_240;

export function policySize(policy: PolicyDocument): number {
  return iamSize(policy);
}

function sizeNote(size: number): string | undefined {
  if (size > INLINE_POLICIES_LIMIT) {
    return (
      `the policy has ${size} characters, over IAM's ${INLINE_POLICIES_LIMIT} for a role's ` +
      `inline policies: use --split DIR (managed policies of at most ${MANAGED_POLICY_LIMIT} each)`
    );
  }
  if (size > MANAGED_POLICY_LIMIT)
    return (
      `the policy has ${size} characters, over IAM's ${MANAGED_POLICY_LIMIT} for a ` +
      `managed policy: attach it to the role inline (put-role-policy), or use --split DIR`
    );
  return undefined;
}

export function iamPolicyCommand(argv: string[], log: (s: string) => void): string {
  const parsed = parseIamPolicyArgs(argv);
  if (parsed === 'help') return IAM_POLICY_USAGE;
  const policy = controllerPolicy(parsed.input);
  for (const note of omissions(parsed.input)) log(`note: ${note}`);
  if (parsed.split !== undefined) return writeParts(policy, parsed.split, log);
  if (parsed.format === 'side-role-cfn') {
    const statements = sideRoleStatements(policy);
    return `${JSON.stringify(sideRoleTemplate(splitPolicy({ Version: '2012-10-17', Statement: statements }, MANAGED_POLICY_LIMIT)), null, 2)}\n`;
  }
  const size = sizeNote(policySize(policy));
  if (size) log(`note: ${size}`);
  return `${JSON.stringify(policy, null, 2)}\n`;
}

/** The policy's parts as files in `dir`; stdout lists them with their size as IAM counts it. */
function writeParts(policy: PolicyDocument, dir: string, log: (s: string) => void): string {
  const parts = splitPolicy(policy, MANAGED_POLICY_LIMIT);
  mkdirSync(dir, { recursive: true });
  const written = new Set(parts.map((p) => p.name));
  // Files of an earlier run that this one did not write would grant what this policy no longer does.
  const stale = existsSync(dir) ? readdirSync(dir).filter((f) => /^controller-policy-[a-z0-9-]+\.json$/.test(f) && !written.has(f)) : [];
  for (const f of stale) log(`note: ${join(dir, f)} is not part of this policy: delete it (and detach it from the role)`);
  for (const p of parts) writeFileSync(join(dir, p.name), `${JSON.stringify(p.policy, null, 2)}\n`);
  return `${parts.map((p) => `${join(dir, p.name)}\t${iamSize(p.policy)} characters`).join('\n')}\n`;
}
