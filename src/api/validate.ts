// Checks the CRD schema cannot make: quadratic ones the CEL cost budget would not allow
// (overlaps inside one list), syntax CEL has no parser for (cron, time zones), and checks that need a
// second object (a client against its RegionPair). The schema's own rules are not repeated.
import { cidrsOverlap, overlappingPairs, parseCidr } from './cidr.ts';
import { DEFAULT_TIME_ZONE, parseCron, timeZoneError } from './cron.ts';
import type { ClientConnectionSpec, DnsSideSpec, FailoverPolicySpec, RegionPairSpec, RegionSideSpec } from './types.ts';

export interface FieldIssue {
  /** Path from the object root, Kubernetes style: spec.primary.cidrs[1]. */
  field: string;
  message: string;
}

export function validateRegionPair(spec: RegionPairSpec): FieldIssue[] {
  return [...sideIssues('spec.primary', spec.primary), ...sideIssues('spec.secondary', spec.secondary)];
}

function sideIssues(path: string, side: RegionSideSpec): FieldIssue[] {
  const issues = overlapsWithin(`${path}.cidrs`, side.cidrs, 'routes to overlapping blocks are ambiguous; merge them or drop one');
  // A subnet or route table belongs to one VPC, so listing it under two attachments is a typo.
  for (const key of ['subnetIds', 'routeTableIds'] as const) {
    const seen = new Map<string, number>();
    (side.vpcAttachments ?? []).forEach((att, i) => {
      (att[key] ?? []).forEach((id, k) => {
        const first = seen.get(id);
        if (first === undefined) seen.set(id, i);
        else if (first !== i) {
          issues.push({
            field: `${path}.vpcAttachments[${i}].${key}[${k}]`,
            message: `${id} is already listed under vpcAttachments[${first}]; it belongs to one VPC only`,
          });
        }
      });
    });
  }
  return issues;
}

export function validateFailoverPolicy(spec: FailoverPolicySpec): FieldIssue[] {
  const issues: FieldIssue[] = [];
  // CEL has no list of time zones: the zone is checked here, with the runtime's own.
  const timeZone = spec.drill?.timeZone;
  const zoneError = timeZone === undefined ? undefined : timeZoneError(timeZone);
  if (zoneError) issues.push({ field: 'spec.drill.timeZone', message: zoneError });
  const schedule = spec.drill?.schedule;
  if (schedule !== undefined) {
    // A bad zone is reported once, on its own field; the schedule is still checked (in UTC).
    const parsed = parseCron(schedule, zoneError ? DEFAULT_TIME_ZONE : timeZone);
    if (!parsed.ok) issues.push({ field: 'spec.drill.schedule', message: `not a valid cron expression: ${parsed.error}` });
  }
  return issues;
}

/** Not errors, but worth a warning Event: HTTP(S) checks on / stay green while dependencies are down. */
export function healthCheckWarnings(spec: FailoverPolicySpec): FieldIssue[] {
  if (!spec.dns) return [];
  const sides: Array<[string, DnsSideSpec]> = [
    ['spec.dns.primary.healthCheck.path', spec.dns.primary],
    ['spec.dns.secondary.healthCheck.path', spec.dns.secondary],
  ];
  return sides
    .filter(([, s]) => (s.healthCheck?.type === 'HTTP' || s.healthCheck?.type === 'HTTPS') && (s.healthCheck.path ?? '/') === '/')
    .map(([field]) => ({
      field,
      message: 'the health check requests /, which usually answers while the database or other dependencies are down; point it at a deep health endpoint',
    }));
}

export function validateClientConnection(spec: ClientConnectionSpec): FieldIssue[] {
  return overlapsWithin('spec.client.cidrs', spec.client.cidrs, 'two routes for one range; merge them or drop one');
}

/** A client's ranges must not overlap the pair's own networks: its routes would capture their traffic. */
export function validateClientAgainstPair(spec: ClientConnectionSpec, pair: RegionPairSpec): FieldIssue[] {
  const issues: FieldIssue[] = [];
  spec.client.cidrs.forEach((text, i) => {
    const mine = parseCidr(text);
    if (!mine) return;
    for (const sideName of ['primary', 'secondary'] as const) {
      const clash = pair[sideName].cidrs.find((other) => {
        const theirs = parseCidr(other);
        return theirs !== undefined && cidrsOverlap(mine, theirs);
      });
      if (clash) {
        issues.push({
          field: `spec.client.cidrs[${i}]`,
          message: `${text} overlaps ${clash} of the RegionPair's ${sideName} side; a client route would divert that network's traffic`,
        });
      }
    }
  });
  return issues;
}

function overlapsWithin(path: string, cidrs: readonly string[], why: string): FieldIssue[] {
  return overlappingPairs(cidrs).map(([i, j]) => ({
    field: `${path}[${j}]`,
    message: `${cidrs[j]} overlaps ${cidrs[i]} (${path}[${i}]): ${why}`,
  }));
}
