// A small model of IAM's evaluation of one identity policy, enough for the operators and keys our
// generated policy uses: it answers "would this request be allowed?" so the tests can state the
// policy's intent as requests (a foreign TGW's delete is refused, ours is allowed) instead of
// re-reading its JSON. Semantics as documented in the IAM User Guide ("Policy evaluation logic",
// "Condition operators", "Multivalued context keys"): every resource of a request must be allowed
// by some statement; within a statement every condition operator and key must hold; a missing key
// fails String*/Arn* and passes ForAllValues; only Allow statements (the policy has no Deny).
import type { PolicyDocument, Statement } from '../../src/cli/commands/iam-policy-template.ts';

export type ContextValue = string | string[];

export interface IamRequest {
  action: string;
  /** Every resource the action touches (EC2 authorizes each one). */
  resources: string[];
  /** Context keys per resource (aws:ResourceTag/… differ), merged over `context`. */
  resourceContext?: Record<string, Record<string, ContextValue>>;
  /** Request-wide keys: aws:RequestTag/…, aws:TagKeys, ec2:CreateAction, iam:PassedToService… */
  context?: Record<string, ContextValue>;
}

/** IAM's wildcard match: `*` any run of characters, `?` one character; case-sensitive. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

const asList = (v: ContextValue | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function holds(operator: string, wanted: string[], have: ContextValue | undefined): boolean {
  const [qualifier, op] = operator.includes(':') ? (operator.split(':') as [string, string]) : [undefined, operator];
  const match = (v: string): boolean => {
    switch (op) {
      case 'StringEquals':
        return wanted.includes(v);
      case 'StringLike':
      case 'ArnLike':
        return wanted.some((w) => globMatch(w, v));
      default:
        throw new Error(`the model does not know the condition operator ${operator}: extend packaging-iam-eval.ts`);
    }
  };
  if (op === 'Null') return wanted.every((w) => (w === 'true') === (have === undefined));
  const values = asList(have);
  if (qualifier === 'ForAllValues') return values.every(match);
  if (qualifier === 'ForAnyValue') return values.some(match);
  if (qualifier !== undefined) throw new Error(`unknown condition qualifier ${qualifier}`);
  return values.length > 0 && values.some(match);
}

function statementAllows(st: Statement, action: string, resource: string, context: Record<string, ContextValue>): boolean {
  if (!st.Action.includes(action)) return false;
  const resources = Array.isArray(st.Resource) ? st.Resource : [st.Resource];
  if (!resources.some((r) => globMatch(r, resource))) return false;
  for (const [operator, keys] of Object.entries(st.Condition ?? {})) {
    for (const [key, want] of Object.entries(keys)) if (!holds(operator, asList(want), context[key])) return false;
  }
  return true;
}

/** The statements that allow each resource of the request, or undefined when one is refused. */
export function allowedBy(policy: PolicyDocument, req: IamRequest): string[] | undefined {
  const sids: string[] = [];
  for (const resource of req.resources) {
    const context = { ...req.context, ...req.resourceContext?.[resource] };
    const st = policy.Statement.find((s) => statementAllows(s, req.action, resource, context));
    if (!st) return undefined;
    sids.push(st.Sid);
  }
  return sids;
}

export const allows = (policy: PolicyDocument, req: IamRequest): boolean => allowedBy(policy, req) !== undefined;
