// Tenant boundaries, the pure half: which AccessPolicies cover a namespace, and whether they
// let it use each AWS resource an object names. No I/O here; access-gate.ts feeds it from the
// informer caches. Deny by default: no covering policy, or no covering policy listing a
// resource, is a denial naming the field (docs/tenancy.md).
import type { AccessPolicy, AccessPolicySpec, LabelSelector } from '../../api/types.ts';

/** One AWS resource an object names, and the spec field that names it. */
export type ResourceUse =
  | { field: string; type: 'roleArn'; arn: string }
  | { field: string; type: 'hostedZone'; zoneId: string; recordName: string }
  | { field: string; type: 'dbInstance'; region: string; identifier: string }
  | { field: string; type: 'transitGateway'; id: string }
  | { field: string; type: 'vpc'; id: string }
  | { field: string; type: 'transitGatewayAttachment'; id: string }
  | { field: string; type: 'snsTopic'; arn: string };

export interface NamespaceFacts {
  name: string;
  /** The Namespace object's labels; absent when the namespace is not known (no selector then matches). */
  labels?: Record<string, string>;
}

/** `*` any run of characters, `?` one character; everything else literal. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

const anyGlob = (patterns: readonly string[] | undefined, value: string): boolean => (patterns ?? []).some((p) => globMatch(p, value));

/** metav1.LabelSelector semantics: every matchLabels pair and every expression must hold; `{}` matches all. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    const ok = e.operator === 'In' ? inValues : e.operator === 'NotIn' ? !inValues : e.operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  return true;
}

export function covers(p: AccessPolicySpec, ns: NamespaceFacts): boolean {
  if ((p.namespaces ?? []).includes(ns.name)) return true;
  // An unknown namespace (labels not read) matches no selector: deny rather than guess.
  return p.namespaceSelector !== undefined && ns.labels !== undefined && selectorMatches(p.namespaceSelector, ns.labels);
}

/** Route 53 names compare case-insensitively, without the trailing dot. */
const dnsName = (s: string): string => s.toLowerCase().replace(/\.$/, '');
const bareZoneId = (s: string): string => s.replace(/^\/?hostedzone\//, '');
/** arn:aws:iam::111111111111:role/x → 111111111111 */
const arnAccount = (arn: string): string | undefined => arn.split(':')[4] || undefined;

export function recordAllowed(suffixes: readonly string[] | undefined, recordName: string): boolean {
  if (suffixes === undefined) return true;
  const name = dnsName(recordName);
  return suffixes.some((s) => {
    const suffix = dnsName(s);
    return name === suffix || name.endsWith(`.${suffix}`);
  });
}

/** Whether one policy lists the resource. */
export function allows(p: AccessPolicySpec, use: ResourceUse): boolean {
  switch (use.type) {
    case 'roleArn': {
      const account = arnAccount(use.arn);
      return anyGlob(p.roleArns, use.arn) || (account !== undefined && (p.accounts ?? []).includes(account));
    }
    case 'hostedZone':
      return (p.hostedZones ?? []).some((z) => bareZoneId(z.id) === bareZoneId(use.zoneId) && recordAllowed(z.recordSuffixes, use.recordName));
    case 'dbInstance':
      return (p.dbInstances ?? []).some((d) => d.region === use.region && anyGlob(d.identifiers, use.identifier.toLowerCase()));
    case 'transitGateway':
      return anyGlob(p.transitGateways, use.id);
    case 'vpc':
      return anyGlob(p.vpcs, use.id);
    case 'transitGatewayAttachment':
      return anyGlob(p.transitGatewayAttachments, use.id);
    case 'snsTopic':
      return anyGlob(p.snsTopicArns, use.arn);
  }
}

export function describeUse(use: ResourceUse): string {
  switch (use.type) {
    case 'roleArn':
      return `role ${use.arn}`;
    case 'hostedZone':
      return `record ${use.recordName} in hosted zone ${bareZoneId(use.zoneId)}`;
    case 'dbInstance':
      return `${use.identifier} in ${use.region}`;
    case 'transitGateway':
      return `transit gateway ${use.id}`;
    case 'vpc':
      return `VPC ${use.id}`;
    case 'transitGatewayAttachment':
      return `attachment ${use.id}`;
    case 'snsTopic':
      return `SNS topic ${use.arn}`;
  }
}

export interface AccessDecision {
  allowed: boolean;
  /** Names of the policies covering the namespace. */
  coveredBy: string[];
  /** One line per denied field (or one for the uncovered namespace). */
  denials: string[];
}

/** The union of every policy covering `ns` decides each use; nothing named is allowed without one. */
export function decideAccess(policies: readonly AccessPolicy[], ns: NamespaceFacts, uses: readonly ResourceUse[]): AccessDecision {
  const covering = policies.filter((p) => !p.metadata.deletionTimestamp && covers(p.spec, ns));
  const coveredBy = covering.map((p) => p.metadata.name).sort();
  if (covering.length === 0) {
    return {
      allowed: false,
      coveredBy,
      denials: [`no AccessPolicy covers namespace ${ns.name}: nothing is done in AWS for objects here until a cluster admin adds one (docs/tenancy.md)`],
    };
  }
  const denials = uses
    .filter((u) => !covering.some((p) => allows(p.spec, u)))
    .map((u) => `${u.field}: ${describeUse(u)} is not allowed for namespace ${ns.name} by any AccessPolicy`);
  return { allowed: denials.length === 0, coveredBy, denials };
}

/** The Synced message of a denied object: every denied field, then what to do. */
export function denialMessage(d: AccessDecision): string {
  const fix =
    d.coveredBy.length > 0 ? ` (covering: ${d.coveredBy.join(', ')}). A cluster admin must list the resource in an AccessPolicy, or change the spec.` : '';
  return `${d.denials.join('; ')}${fix} No AWS call is made for this object meanwhile, deletes included.`;
}
