import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bandwidthEgressQuery,
  bandwidthIngressQuery,
  binSpan,
  clientQueries,
  normalizeCidrs,
  rejectedTrafficQuery,
  tgwFlowLogFormat,
  topTalkersQuery,
  withSource,
} from '../../src/aws/cloudwatch/queries.ts';

// Written out by hand (not built from the module): the default TGW flow-log field order, v6.
const PARSE =
  'parse @message "* * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * *" as ' +
  'version, resource_type, account_id, tgw_id, tgw_attachment_id, tgw_src_vpc_account_id, tgw_dst_vpc_account_id, ' +
  'tgw_src_vpc_id, tgw_dst_vpc_id, tgw_src_subnet_id, tgw_dst_subnet_id, tgw_src_eni, tgw_dst_eni, tgw_src_az_id, ' +
  'tgw_dst_az_id, tgw_pair_attachment_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, ' +
  'log_status, type, packets_lost_no_route, packets_lost_blackhole, packets_lost_mtu_exceeded, packets_lost_ttl_expired, ' +
  'tcp_flags, region, flow_direction, pkt_src_aws_service, pkt_dst_aws_service';

const cases = [
  {
    reason: 'one /24',
    cidrs: ['203.0.113.0/24'],
    periodSeconds: 300,
    src: 'isIpv4InSubnet(srcaddr, "203.0.113.0/24")',
    dst: 'isIpv4InSubnet(dstaddr, "203.0.113.0/24")',
    bin: '5m',
  },
  {
    reason: 'several CIDRs, given unsorted and with a duplicate: sorted and de-duplicated',
    cidrs: ['198.51.100.0/24', '10.20.0.0/16', '198.51.100.0/24'],
    periodSeconds: 3600,
    src: 'isIpv4InSubnet(srcaddr, "10.20.0.0/16") or isIpv4InSubnet(srcaddr, "198.51.100.0/24")',
    dst: 'isIpv4InSubnet(dstaddr, "10.20.0.0/16") or isIpv4InSubnet(dstaddr, "198.51.100.0/24")',
    bin: '1h',
  },
  {
    reason: 'a single host /32',
    cidrs: ['192.0.2.10/32'],
    periodSeconds: 60,
    src: 'isIpv4InSubnet(srcaddr, "192.0.2.10/32")',
    dst: 'isIpv4InSubnet(dstaddr, "192.0.2.10/32")',
    bin: '1m',
  },
  {
    reason: 'an IPv6 /64 uses isIpv6InSubnet',
    cidrs: ['2001:db8:1234:5678::/64'],
    periodSeconds: 90,
    src: 'isIpv6InSubnet(srcaddr, "2001:db8:1234:5678::/64")',
    dst: 'isIpv6InSubnet(dstaddr, "2001:db8:1234:5678::/64")',
    bin: '90s',
  },
];

describe('client query text (golden)', () => {
  for (const c of cases) {
    const scope = { cidrs: c.cidrs, periodSeconds: c.periodSeconds };
    it(`top talkers: ${c.reason}`, () => {
      assert.equal(
        topTalkersQuery(scope),
        [
          PARSE,
          'filter log_status = "OK" and flow_direction = "ingress"',
          `filter ${c.src} or ${c.dst}`,
          'stats sum(bytes) as totalBytes, sum(packets) as totalPackets by srcaddr, dstaddr',
          'sort totalBytes desc',
          'limit 20',
        ].join('\n| '),
      );
    });
    it(`rejected traffic: ${c.reason}`, () => {
      assert.equal(
        rejectedTrafficQuery(scope),
        [
          PARSE,
          'filter log_status = "OK"',
          `filter ${c.src} or ${c.dst}`,
          'fields packets_lost_no_route + packets_lost_blackhole + packets_lost_mtu_exceeded + packets_lost_ttl_expired as lostPackets',
          'filter lostPackets > 0',
          'stats sum(lostPackets) as dropped, sum(packets_lost_no_route) as noRoute, sum(packets_lost_blackhole) as blackhole, ' +
            'sum(packets_lost_mtu_exceeded) as mtuExceeded, sum(packets_lost_ttl_expired) as ttlExpired, count(*) as records by srcaddr, dstaddr',
          'sort dropped desc',
          'limit 20',
        ].join('\n| '),
      );
    });
    it(`bandwidth per direction: ${c.reason}`, () => {
      const head = [PARSE, 'filter log_status = "OK" and flow_direction = "ingress"'];
      assert.equal(bandwidthEgressQuery(scope), [...head, `filter ${c.src}`, `stats sum(bytes) as bytesFromClient by bin(${c.bin})`].join('\n| '));
      assert.equal(bandwidthIngressQuery(scope), [...head, `filter ${c.dst}`, `stats sum(bytes) as bytesToClient by bin(${c.bin})`].join('\n| '));
    });
  }

  it('never uses the VPC-only `action` field: TGW drops are the packets_lost_* counters', () => {
    for (const q of Object.values(clientQueries({ cidrs: ['10.0.0.0/8'], periodSeconds: 300 }))) {
      assert.doesNotMatch(q, /\baction\b|REJECT/);
    }
  });

  it('is deterministic and independent of CIDR order', () => {
    const a = clientQueries({ cidrs: ['10.1.0.0/16', '10.0.0.0/16'], periodSeconds: 300 });
    const b = clientQueries({ cidrs: ['10.0.0.0/16', '10.1.0.0/16'], periodSeconds: 300 });
    assert.deepEqual(a, b);
  });

  it('honours a custom top-N', () => {
    assert.match(topTalkersQuery({ cidrs: ['10.0.0.0/8'], periodSeconds: 300, top: 5 }), /\n\| limit 5$/);
  });
});

describe('input checks', () => {
  const bad = [
    { reason: 'no CIDR at all', cidrs: [] },
    { reason: 'a quote would break out of the query string', cidrs: ['10.0.0.0/8") or 1=1 or ("'] },
    { reason: 'octet above 255', cidrs: ['10.0.0.256/24'] },
    { reason: 'prefix above 32', cidrs: ['10.0.0.0/33'] },
    { reason: 'no prefix', cidrs: ['10.0.0.0'] },
    { reason: 'IPv6 prefix above 128', cidrs: ['2001:db8::/129'] },
  ];
  for (const b of bad) {
    it(`refuses ${b.reason}`, () => assert.throws(() => normalizeCidrs(b.cidrs), TypeError));
  }

  const spans = [
    { seconds: 30, want: '30s' },
    { seconds: 60, want: '1m' },
    { seconds: 300, want: '5m' },
    { seconds: 5400, want: '90m' },
    { seconds: 7200, want: '2h' },
    { seconds: 86400, want: '1d' },
  ];
  for (const s of spans) it(`bin span of ${s.seconds}s is ${s.want}`, () => assert.equal(binSpan(s.seconds), s.want));
  for (const s of [0, -60, 1.5]) it(`refuses period ${s}`, () => assert.throws(() => binSpan(s), TypeError));

  it('prefixes a log group with SOURCE and refuses a group name with a quote', () => {
    assert.equal(withSource('/aws/tgw/flow-logs', 'fields @timestamp'), "SOURCE '/aws/tgw/flow-logs' | fields @timestamp");
    assert.throws(() => withSource("/a' | x", 'fields @timestamp'), TypeError);
  });
});

describe('flow-log format', () => {
  it('matches the parse order with AWS hyphenated names', () => {
    const f = tgwFlowLogFormat();
    assert.ok(f.startsWith('${version} ${resource-type} ${account-id} ${tgw-id} ${tgw-attachment-id} '));
    assert.ok(f.includes(' ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${log-status} ${type} '));
    assert.ok(f.endsWith('${flow-direction} ${pkt-src-aws-service} ${pkt-dst-aws-service}'));
    assert.equal(f.split(' ').length, 36);
  });
});
