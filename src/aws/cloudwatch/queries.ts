// Logs Insights query text over a Transit Gateway flow-log group, scoped to one client's CIDRs.
//
// Facts the queries rely on (TGW flow logs, record format version 6):
// - Logs Insights discovers fields only for VPC flow logs, not TGW ones, so every query starts by
//   parsing @message with the default TGW field order (TGW_FLOW_LOG_FIELDS; a RegionPair that
//   sets a custom LogFormat must use tgwFlowLogFormat() so the two agree).
// - TGW records have no `action` field (that is VPC flow logs). The TGW never "rejects": it drops
//   packets and counts them per record in packets_lost_no_route, packets_lost_blackhole,
//   packets_lost_mtu_exceeded and packets_lost_ttl_expired. "Rejected traffic" here means records
//   where one of those counters is > 0.
// - One flow crossing the TGW is recorded at the attachment it enters by (flow_direction
//   "ingress") and again at the one it leaves by ("egress"). Byte counts use only the ingress
//   records so each flow is counted once per TGW. Drop counters are not filtered by direction: a
//   dropped packet never reaches a second attachment, so it is counted once already.
// - NODATA/SKIPDATA records carry '-' in every field; only log_status "OK" records are used.

export const TGW_FLOW_LOG_FIELDS = [
  'version',
  'resource_type',
  'account_id',
  'tgw_id',
  'tgw_attachment_id',
  'tgw_src_vpc_account_id',
  'tgw_dst_vpc_account_id',
  'tgw_src_vpc_id',
  'tgw_dst_vpc_id',
  'tgw_src_subnet_id',
  'tgw_dst_subnet_id',
  'tgw_src_eni',
  'tgw_dst_eni',
  'tgw_src_az_id',
  'tgw_dst_az_id',
  'tgw_pair_attachment_id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'log_status',
  'type',
  'packets_lost_no_route',
  'packets_lost_blackhole',
  'packets_lost_mtu_exceeded',
  'packets_lost_ttl_expired',
  'tcp_flags',
  'region',
  'flow_direction',
  'pkt_src_aws_service',
  'pkt_dst_aws_service',
] as const;

/** The CreateFlowLogs LogFormat that writes exactly the fields the queries parse, in that order. */
export function tgwFlowLogFormat(): string {
  return TGW_FLOW_LOG_FIELDS.map((f) => '${' + f.replace(/_/g, '-') + '}').join(' ');
}

export type Question = 'topTalkers' | 'rejectedTraffic' | 'bandwidthEgress' | 'bandwidthIngress';
export const QUESTIONS: readonly Question[] = ['topTalkers', 'rejectedTraffic', 'bandwidthEgress', 'bandwidthIngress'];

export interface QueryScope {
  cidrs: readonly string[];
  periodSeconds: number;
  /** Rows in the top-N tables. */
  top?: number;
}

const PARSE = `parse @message "${TGW_FLOW_LOG_FIELDS.map(() => '*').join(' ')}" as ${TGW_FLOW_LOG_FIELDS.join(', ')}`;
const OK_RECORDS = 'filter log_status = "OK"';
const INGRESS_RECORDS = 'filter log_status = "OK" and flow_direction = "ingress"';
const LOST = 'packets_lost_no_route + packets_lost_blackhole + packets_lost_mtu_exceeded + packets_lost_ttl_expired';

/** Pairs (source, destination) that moved the most bytes to or from the client. */
export function topTalkersQuery(scope: QueryScope): string {
  const cidrs = normalizeCidrs(scope.cidrs);
  return lines(
    PARSE,
    INGRESS_RECORDS,
    `filter ${inAny('srcaddr', cidrs)} or ${inAny('dstaddr', cidrs)}`,
    'stats sum(bytes) as totalBytes, sum(packets) as totalPackets by srcaddr, dstaddr',
    'sort totalBytes desc',
    `limit ${top(scope)}`,
  );
}

/** Flows to or from the client with packets dropped by the TGW, by cause. */
export function rejectedTrafficQuery(scope: QueryScope): string {
  const cidrs = normalizeCidrs(scope.cidrs);
  return lines(
    PARSE,
    OK_RECORDS,
    `filter ${inAny('srcaddr', cidrs)} or ${inAny('dstaddr', cidrs)}`,
    `fields ${LOST} as lostPackets`,
    'filter lostPackets > 0',
    'stats sum(lostPackets) as dropped, sum(packets_lost_no_route) as noRoute, sum(packets_lost_blackhole) as blackhole, ' +
      'sum(packets_lost_mtu_exceeded) as mtuExceeded, sum(packets_lost_ttl_expired) as ttlExpired, count(*) as records by srcaddr, dstaddr',
    'sort dropped desc',
    `limit ${top(scope)}`,
  );
}

/** Bytes per bin sent by the client (client is the source: egress from the client). */
export function bandwidthEgressQuery(scope: QueryScope): string {
  const cidrs = normalizeCidrs(scope.cidrs);
  return lines(PARSE, INGRESS_RECORDS, `filter ${inAny('srcaddr', cidrs)}`, `stats sum(bytes) as bytesFromClient by bin(${binSpan(scope.periodSeconds)})`);
}

/** Bytes per bin sent to the client (client is the destination: ingress to the client). */
export function bandwidthIngressQuery(scope: QueryScope): string {
  const cidrs = normalizeCidrs(scope.cidrs);
  return lines(PARSE, INGRESS_RECORDS, `filter ${inAny('dstaddr', cidrs)}`, `stats sum(bytes) as bytesToClient by bin(${binSpan(scope.periodSeconds)})`);
}

const BUILDERS: Record<Question, (s: QueryScope) => string> = {
  topTalkers: topTalkersQuery,
  rejectedTraffic: rejectedTrafficQuery,
  bandwidthEgress: bandwidthEgressQuery,
  bandwidthIngress: bandwidthIngressQuery,
};

/** Every question's query text for one client. */
export function clientQueries(scope: QueryScope): Record<Question, string> {
  return Object.fromEntries(QUESTIONS.map((q) => [q, BUILDERS[q](scope)])) as Record<Question, string>;
}

/** `SOURCE '<group>' | <query>`: the form a dashboard log widget takes. */
export function withSource(logGroupName: string, query: string): string {
  if (!/^[\w./#-]{1,512}$/.test(logGroupName)) throw new TypeError(`invalid log group name ${JSON.stringify(logGroupName)}`);
  return `SOURCE '${logGroupName}' | ${query}`;
}

/** Logs Insights bin() span: the largest whole unit, since `300s` reads worse than `5m`. */
export function binSpan(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new TypeError(`periodSeconds must be a positive integer, got ${seconds}`);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV6_CIDR = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\/(\d{1,3})$/;

/**
 * Sorted and de-duplicated, so the text (and the hash of it) does not change when a spec only
 * reorders its CIDRs. Anything that is not a CIDR is refused: the value lands inside a quoted
 * string of the query.
 */
export function normalizeCidrs(cidrs: readonly string[]): string[] {
  if (cidrs.length === 0) throw new TypeError('a client needs at least one CIDR');
  for (const c of cidrs) {
    const v4 = IPV4_CIDR.exec(c);
    const ok = v4 ? v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32 : IPV6_CIDR.test(c) && Number(c.split('/')[1]) <= 128;
    if (!ok) throw new TypeError(`invalid CIDR ${JSON.stringify(c)}`);
  }
  return [...new Set(cidrs)].sort();
}

function inAny(field: 'srcaddr' | 'dstaddr', cidrs: readonly string[]): string {
  return cidrs.map((c) => `${c.includes(':') ? 'isIpv6InSubnet' : 'isIpv4InSubnet'}(${field}, "${c}")`).join(' or ');
}

function top(scope: QueryScope): number {
  const n = scope.top ?? 20;
  if (!Number.isInteger(n) || n <= 0 || n > 10_000) throw new TypeError(`top must be 1..10000, got ${n}`);
  return n;
}

function lines(...parts: string[]): string {
  return parts.join('\n| ');
}
