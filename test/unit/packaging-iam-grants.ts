// What a set of Allow statements grants, as IAM reads it: one (action, resource, condition) per
// action and resource of each statement. Two statement lists that grant the same set allow exactly
// the same requests (Allow only, no Deny or NotAction): how a split policy is compared with the whole.

import { type PolicyPart, splitPolicy } from '../../src/cli/commands/iam-policy-split.ts';
import type { PolicyDocument, Statement } from '../../src/cli/commands/iam-policy-template.ts';

export function grants(statements: readonly Statement[]): string[] {
  const out = new Set<string>();
  for (const s of statements) {
    const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    for (const a of s.Action) for (const r of resources) out.add(JSON.stringify([s.Effect, a, r, s.Condition ?? null]));
  }
  return [...out].sort();
}

export const grantsOfParts = (parts: readonly PolicyPart[]): string[] => grants(parts.flatMap((p) => p.policy.Statement));

/** IAM's count: the document's characters without whitespace. */
export const iamCount = (text: string): number => text.replace(/\s/g, '').length;

export const split = (policy: PolicyDocument): PolicyPart[] => splitPolicy(policy, 6_144);
