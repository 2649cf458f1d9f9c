// The controller's policy as several managed policies, one per part of what the controller does
// (network, observability, database, dns, global-accelerator, core). The whole policy is over
// IAM's 6,144 characters for one managed policy (and, for a busy cluster, over the 10,240 that
// all inline policies of a role share); each part stays within 6,144. IAM counts characters
// without whitespace (reference_iam-quotas: "IAM doesn't count white space").
//
// Statements move whole, so no part grants anything the single policy does not: the union of the
// parts is the policy, statement for statement, except ReadOnly, whose actions (all on "*", no
// condition) go to the part that uses them, and a statement too big on its own, whose Resource
// list is cut over several statements (same Action and Condition). Attach every part: a part may rely on another (the
// fence groups' CreateSecurityGroup is tagged through network's TagOnlyAtCreation).
import type { PolicyDocument, Statement } from './iam-policy-template.ts';

export const PARTS = ['core', 'network', 'observability', 'database', 'dns', 'global-accelerator'] as const;
export type Part = (typeof PARTS)[number];

export interface PolicyPart {
  /** controller-policy-<part>.json; a part too big on its own is cut in numbered pieces (network-2…). */
  name: string;
  policy: PolicyDocument;
}

/** Where each statement of the template belongs. A Sid not listed goes by its first action's service. */
const PART_OF_SID: Record<string, Part> = {
  CreateNetworkResources: 'network',
  TagOnlyAtCreation: 'network',
  AcceptPeering: 'network',
  ModifyOwnTransitGateways: 'network',
  DeleteOwnNetworkResources: 'network',
  ModifyOwnAttachments: 'network',
  ModifyOwnAttachmentsSubnets: 'network',
  OwnTgwRouteTables: 'network',
  NamedTgwRouteTables: 'network',
  OwnTgwRouteTablesAttachments: 'network',
  NamedVpcRouteTables: 'network',
  NamedVpcRouteTablesTargets: 'network',
  CreateFlowLogs: 'observability',
  DeleteOwnFlowLogs: 'observability',
  PassFlowLogsDeliveryRoles: 'observability',
  FlowLogGroups: 'observability',
  LogsInsightsQueries: 'observability',
  OwnDashboards: 'observability',
  OwnAlarms: 'observability',
  NamedHostedZones: 'dns',
  CreateHealthChecks: 'dns',
  HealthChecks: 'dns',
  NamedDatabases: 'database',
  NamedDatabasesSubnetGroups: 'database',
  NamedDatabasesMarks: 'database',
  TagReplicasAtCreation: 'database',
  DeleteOwnReplicas: 'database',
  FinalSnapshots: 'database',
  KmsForEncryptedReplicas: 'database',
  CreateFenceGroups: 'database',
  RevokeOwnFenceRules: 'database',
  RevokeOwnFenceRuleIds: 'database',
  DeleteOwnFenceGroups: 'database',
  GlobalAcceleratorRead: 'global-accelerator',
  CreateAcceleratorsTagged: 'global-accelerator',
  OwnAccelerators: 'global-accelerator',
  NamedAccelerators: 'global-accelerator',
  GlobalAcceleratorServiceLinkedRole: 'global-accelerator',
  FleetLease: 'core',
  AssumeSideRoles: 'core',
};

/** Read actions that belong with a feature rather than with their service's part. */
const PART_OF_READ: Record<string, Part> = {
  'ec2:DescribeFlowLogs': 'observability',
  'ec2:DescribeSecurityGroups': 'database',
  'ec2:DescribeNetworkInterfaces': 'database',
};

const PART_OF_SERVICE: Record<string, Part> = {
  ec2: 'network',
  logs: 'observability',
  cloudwatch: 'observability',
  rds: 'database',
  kms: 'database',
  route53: 'dns',
  globalaccelerator: 'global-accelerator',
};

const READ_ONLY_SID = 'ReadOnly';

/** IAM's size of a policy: its characters without whitespace. */
export function iamSize(policy: unknown): number {
  return JSON.stringify(policy).replace(/\s/g, '').length;
}

const serviceOf = (action: string): string => action.split(':')[0] ?? '';
const partOfAction = (action: string): Part => PART_OF_READ[action] ?? PART_OF_SERVICE[serviceOf(action)] ?? 'core';
export const partOfStatement = (s: Statement): Part => PART_OF_SID[s.Sid] ?? partOfAction(s.Action[0] ?? '');

/** `database` → `Database`, `global-accelerator` → `GlobalAccelerator`: for Sids (alphanumeric only). */
const pascal = (p: string): string => p.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());

/**
 * The parts in PARTS order, each within `limit` characters as IAM counts them; parts with no
 * statement are left out. A part over the limit on its own (many accounts or named resources) is
 * cut, in order, into pieces `<part>`, `<part>-2`, …; a single statement over the limit is an error.
 */
export function splitPolicy(policy: PolicyDocument, limit: number): PolicyPart[] {
  const byPart = new Map<Part, Statement[]>(PARTS.map((p) => [p, []]));
  for (const s of policy.Statement) {
    if (s.Sid === READ_ONLY_SID && s.Resource === '*' && !s.Condition) {
      const reads = new Map<Part, string[]>();
      for (const a of s.Action) reads.set(partOfAction(a), [...(reads.get(partOfAction(a)) ?? []), a]);
      for (const [p, actions] of reads) byPart.get(p)?.unshift({ ...s, Sid: `${READ_ONLY_SID}${pascal(p)}`, Action: actions });
      continue;
    }
    byPart.get(partOfStatement(s))?.push(s);
  }
  const out: PolicyPart[] = [];
  for (const p of PARTS) {
    const statements = byPart.get(p) ?? [];
    if (statements.length > 0) out.push(...pieces(p, statements, limit));
  }
  return out;
}

const doc = (st: Statement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: st });

function pieces(part: Part, statements: Statement[], limit: number): PolicyPart[] {
  const out: Statement[][] = [[]];
  for (const s of statements.flatMap((x) => cutResources(x, limit))) {
    const cur = out[out.length - 1] as Statement[];
    if (cur.length > 0 && iamSize(doc([...cur, s])) > limit) out.push([s]);
    else cur.push(s);
  }
  return out.map((st, i) => ({ name: `controller-policy-${part}${i === 0 ? '' : `-${i + 1}`}.json`, policy: doc(st) }));
}

/**
 * A statement over the limit on its own (one ARN per account and named resource adds up): cut into
 * statements with the same Action and Condition and, together, the same Resources (`Sid`, `Sid2`, …).
 */
function cutResources(s: Statement, limit: number): Statement[] {
  if (iamSize(doc([s])) <= limit) return [s];
  const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
  const out: Statement[] = [];
  let cur: string[] = [];
  const make = (rs: string[]): Statement => ({ ...s, Sid: out.length === 0 ? s.Sid : `${s.Sid}${out.length + 1}`, Resource: rs });
  for (const r of resources) {
    if (cur.length > 0 && iamSize(doc([make([...cur, r])])) > limit) {
      out.push(make(cur));
      cur = [];
    }
    cur.push(r);
  }
  out.push(make(cur));
  const over = out.find((x) => iamSize(doc([x])) > limit);
  if (over) throw new Error(`IAM policy statement ${over.Sid} has ${iamSize(doc([over]))} characters with a single resource, over ${limit}`);
  return out;
}
