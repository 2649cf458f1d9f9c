// The failover record pair of one policy, built from the spec, and how records are compared.
// Roles are fixed to the active side: the record with Failover=PRIMARY always carries the
// active side's target and health check, the SECONDARY the other side's. A manual switch is
// therefore an UPSERT of both records in one change batch — atomic in Route 53 — and never a
// moment with two PRIMARY records, which Route 53 would refuse.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { DnsSpecError } from './dns-spec-error.ts';
import { normalizeName, toFqdn } from './names.ts';

export type RRSet = ResourceRecordSet;
export type Side = 'primary' | 'secondary';

/** The same shape as the API's RecordTarget: the controller can pass the spec through. */
export interface TargetInput {
  alias?: { dnsName: string; hostedZoneId: string; evaluateTargetHealth?: boolean };
  ips?: string[];
  cname?: string;
}

export interface FailoverSideInput {
  target: TargetInput;
  healthCheckId?: string;
}

export interface FailoverRecordsInput {
  /** The policy's metadata.name: SetIdentifiers are `<name>-primary` / `<name>-secondary`. */
  policyName: string;
  recordName: string;
  ttl: number;
  primary: FailoverSideInput;
  secondary: FailoverSideInput;
}

const MAX_SET_IDENTIFIER = 128;

export function setIdentifiers(policyName: string): { primary: string; secondary: string } {
  return { primary: `${policyName}-primary`, secondary: `${policyName}-secondary` };
}

/** The two failover records; throws DnsSpecError when the spec cannot make a valid pair. */
export function desiredRecords(input: FailoverRecordsInput, activeSide: Side): RRSet[] {
  const ids = setIdentifiers(input.policyName);
  if (ids.secondary.length > MAX_SET_IDENTIFIER) {
    throw new DnsSpecError('metadata.name', `name is too long for a Route 53 SetIdentifier (max ${MAX_SET_IDENTIFIER - 10} characters)`);
  }
  if (!Number.isInteger(input.ttl) || input.ttl < 0 || input.ttl > 2147483647) {
    throw new DnsSpecError('spec.dns.ttl', `ttl ${input.ttl} is not a whole number of seconds`);
  }
  const primaryType = recordType(input.primary.target, 'spec.dns.primary.target');
  const secondaryType = recordType(input.secondary.target, 'spec.dns.secondary.target');
  if (primaryType !== secondaryType) {
    throw new DnsSpecError(
      'spec.dns.secondary.target',
      `both sides must resolve to the same record type (primary gives ${primaryType}, secondary ${secondaryType}): a failover pair is one name and one type`,
    );
  }
  const active = activeSide === 'primary' ? input.primary : input.secondary;
  const standby = activeSide === 'primary' ? input.secondary : input.primary;
  const name = toFqdn(input.recordName);
  return [record(name, primaryType, ids.primary, 'PRIMARY', active, input.ttl), record(name, primaryType, ids.secondary, 'SECONDARY', standby, input.ttl)];
}

function record(name: string, type: string, setId: string, failover: 'PRIMARY' | 'SECONDARY', side: FailoverSideInput, ttl: number): RRSet {
  const { alias, ips, cname } = side.target;
  const base: RRSet = {
    Name: name,
    Type: type as RRSet['Type'],
    SetIdentifier: setId,
    Failover: failover,
    ...(side.healthCheckId ? { HealthCheckId: side.healthCheckId } : {}),
  };
  if (alias) {
    return {
      ...base,
      AliasTarget: { DNSName: toFqdn(alias.dnsName), HostedZoneId: alias.hostedZoneId, EvaluateTargetHealth: alias.evaluateTargetHealth ?? false },
    };
  }
  const values = ips ?? [toFqdn(cname ?? '')];
  return { ...base, TTL: ttl, ResourceRecords: values.map((Value) => ({ Value })) };
}

/** A, AAAA or CNAME, from which one of alias / ips / cname the target sets. */
export function recordType(target: TargetInput, field: string): 'A' | 'AAAA' | 'CNAME' {
  const set = (['alias', 'ips', 'cname'] as const).filter((k) => target[k] !== undefined);
  if (set.length !== 1) throw new DnsSpecError(field, `set exactly one of alias, ips or cname (found ${set.length === 0 ? 'none' : set.join(', ')})`);
  if (target.alias) {
    if (!target.alias.dnsName || !target.alias.hostedZoneId) throw new DnsSpecError(`${field}.alias`, 'alias needs dnsName and hostedZoneId');
    return 'A';
  }
  if (target.cname !== undefined) {
    if (!/^[a-z0-9_*]([a-z0-9_.-]*[a-z0-9_])?\.?$/i.test(target.cname)) throw new DnsSpecError(`${field}.cname`, `"${target.cname}" is not a DNS name`);
    return 'CNAME';
  }
  const ips = target.ips ?? [];
  if (ips.length === 0) throw new DnsSpecError(`${field}.ips`, 'ips must list at least one address');
  const v4 = ips.filter(isIPv4).length;
  const v6 = ips.filter(isIPv6).length;
  if (v4 + v6 !== ips.length) throw new DnsSpecError(`${field}.ips`, `not an IP address: ${ips.filter((ip) => !isIPv4(ip) && !isIPv6(ip)).join(', ')}`);
  if (v4 > 0 && v6 > 0) throw new DnsSpecError(`${field}.ips`, 'mix of IPv4 and IPv6 addresses: one record holds one type (A or AAAA)');
  return v4 > 0 ? 'A' : 'AAAA';
}

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIPv6(s: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(s) || !s.includes(':')) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  const last = groups[groups.length - 1];
  // biome-ignore lint/complexity/useOptionalChain: `last?.includes` would leave `last` possibly undefined below
  const v4Tail = last !== undefined && last.includes('.');
  if (v4Tail && !isIPv4(last)) return false;
  const hexGroups = v4Tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return false;
  const width = hexGroups.length + (v4Tail ? 2 : 0);
  return halves.length === 2 ? width < 8 : width === 8;
}

/** Identity of a record set in a zone: name, type and (for routing policies) SetIdentifier. */
export function recordKey(r: RRSet): string {
  return `${normalizeName(r.Name ?? '')}|${r.Type ?? ''}|${r.SetIdentifier ?? ''}`;
}

/**
 * Everything Route 53 routes on, in a form where equal means equal: names without the
 * trailing dot and in lower case, values sorted, alias records without a TTL (Route 53 and
 * moto report one anyway).
 */
export function canonicalRecord(r: RRSet): string {
  const type = r.Type ?? '';
  const nameLike = type === 'CNAME' || type === 'NS' || type === 'PTR';
  const values = (r.ResourceRecords ?? []).map((v) => (nameLike ? normalizeName(v.Value ?? '') : (v.Value ?? ''))).sort();
  return JSON.stringify({
    name: normalizeName(r.Name ?? ''),
    type,
    setId: r.SetIdentifier ?? null,
    failover: r.Failover ?? null,
    weight: r.Weight ?? null,
    region: r.Region ?? null,
    geo: r.GeoLocation ?? null,
    multi: r.MultiValueAnswer ?? null,
    healthCheckId: r.HealthCheckId ?? null,
    ttl: r.AliasTarget ? null : (r.TTL ?? null),
    values: r.AliasTarget ? null : values,
    alias: r.AliasTarget
      ? {
          dns: normalizeName(r.AliasTarget.DNSName ?? ''),
          zone: r.AliasTarget.HostedZoneId ?? '',
          eval: r.AliasTarget.EvaluateTargetHealth ?? false,
        }
      : null,
  });
}

export function sameRecord(a: RRSet, b: RRSet): boolean {
  return canonicalRecord(a) === canonicalRecord(b);
}
