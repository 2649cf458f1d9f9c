// FailoverPolicy spec.dns: the two Route 53 failover records of one name, their targets and
// health checks.
import { DEFAULTS } from '../defaults.ts';
import { arr, bool, type CelRule, HOSTED_ZONE_ID_PATTERN, hostname, int, obj, region, type Schema, str } from './common.ts';

const target = (): Schema =>
  obj(
    'Where the record points. Set exactly one of alias, ips, cname.',
    {
      alias: obj(
        'Route 53 alias to an AWS endpoint (NLB/ALB, CloudFront, another record). Preferred for load ' +
          "balancers: no TTL, free queries, follows the endpoint's IPs.",
        {
          dnsName: hostname('DNS name of the endpoint, e.g. nlb-1-abc.elb.us-east-1.amazonaws.com.'),
          hostedZoneId: str("Hosted zone id of the endpoint (the load balancer's CanonicalHostedZoneId), not the zone of this record.", {
            pattern: HOSTED_ZONE_ID_PATTERN,
            maxLength: 32,
          }),
          evaluateTargetHealth: bool(
            "Let Route 53 also use the endpoint's own health (e.g. NLB healthy targets) when answering; recommended for load balancers.",
          ),
        },
        { required: ['dnsName', 'hostedZoneId'] },
      ),
      ips: arr(
        'IP addresses for an A (IPv4) or AAAA (IPv6) record; all of one family.',
        str('An IPv4 or IPv6 address.', { maxLength: 45, 'x-kubernetes-validations': [{ rule: 'isIP(self)', message: 'must be an IPv4 or IPv6 address' }] }),
        {
          minItems: 1,
          maxItems: 16,
          'x-kubernetes-list-type': 'set',
          'x-kubernetes-validations': [
            {
              rule: 'self.all(x, !isIP(x) || !isIP(self[0]) || ip(x).family() == ip(self[0]).family())',
              message: 'all addresses must be of one family: a record is either A (IPv4) or AAAA (IPv6)',
            },
          ],
        },
      ),
      cname: hostname('Target name for a CNAME record. Not allowed at the zone apex (use alias there).'),
    },
    {
      'x-kubernetes-validations': [
        { rule: '[has(self.alias), has(self.ips), has(self.cname)].filter(x, x).size() == 1', message: 'set exactly one of alias, ips, cname' },
      ],
    },
  );

const healthCheck = (): Schema =>
  obj(
    'Route 53 health check that decides whether this side answers. TCP/HTTP/HTTPS checks are sent from ' +
      'Route 53 checkers on the internet; they cannot reach private IPs, ' +
      'so endpoints behind a private hosted zone use type CloudWatchAlarm, a check that follows the state of an alarm you define. ' +
      'Check a deep path (e.g. /health/deep): a check on / stays green while the database is down, and the controller warns about it.',
    {
      type: str('Kind of check.', { enum: ['TCP', 'HTTP', 'HTTPS', 'CloudWatchAlarm'] }),
      fqdn: hostname("Host to check (TCP/HTTP/HTTPS). Default: the target's CNAME or alias name; also sent as the Host header and SNI name."),
      ipAddress: str("IP to check instead of resolving fqdn (TCP/HTTP/HTTPS). Default: the target's first IP.", {
        maxLength: 45,
        'x-kubernetes-validations': [{ rule: 'isIP(self)', message: 'must be an IPv4 or IPv6 address' }],
      }),
      port: int('Port to check. Required for TCP; HTTP defaults to 80 and HTTPS to 443.', { minimum: 1, maximum: 65535 }),
      path: str('Request path for HTTP/HTTPS, starting with /. Use one that exercises dependencies (database, cache).', {
        maxLength: 255,
        pattern: '^/',
      }),
      intervalSeconds: int('Seconds between checks from each checker: 30 (standard) or 10 (fast, costs more).', {
        enum: [10, 30],
        default: DEFAULTS.healthCheck.intervalSeconds,
      }),
      failureThreshold: int('Consecutive failed checks before the endpoint counts as unhealthy (and as many successes to recover).', {
        minimum: 1,
        maximum: 10,
        default: DEFAULTS.healthCheck.failureThreshold,
      }),
      alarmName: str('CloudWatch alarm whose state this check follows (type CloudWatchAlarm).', { minLength: 1, maxLength: 255 }),
      alarmRegion: region('Region of the alarm (type CloudWatchAlarm). Default: the region of this side.'),
    },
    {
      required: ['type'],
      'x-kubernetes-validations': [
        {
          rule: "self.type != 'CloudWatchAlarm' || has(self.alarmName)",
          message: 'a CloudWatchAlarm health check needs alarmName',
          fieldPath: '.alarmName',
          reason: 'FieldValueRequired',
        },
        {
          rule: "self.type == 'CloudWatchAlarm' || (!has(self.alarmName) && !has(self.alarmRegion))",
          message: 'alarmName and alarmRegion apply only to type CloudWatchAlarm',
          fieldPath: '.alarmName',
          reason: 'FieldValueForbidden',
        },
        {
          rule: "self.type != 'CloudWatchAlarm' || (!has(self.fqdn) && !has(self.ipAddress) && !has(self.port) && !has(self.path))",
          message: 'a CloudWatchAlarm health check probes no endpoint: remove fqdn, ipAddress, port and path',
          reason: 'FieldValueForbidden',
        },
        { rule: "self.type != 'TCP' || has(self.port)", message: 'a TCP health check needs port', fieldPath: '.port', reason: 'FieldValueRequired' },
        {
          rule: "!has(self.path) || self.type in ['HTTP', 'HTTPS']",
          message: 'path applies only to HTTP and HTTPS checks',
          fieldPath: '.path',
          reason: 'FieldValueForbidden',
        },
      ],
    },
  );

const dnsSide = (which: 'primary' | 'secondary'): Schema =>
  obj(
    `The ${which} record (failover role ${which.toUpperCase()}, SetIdentifier <name>-${which}).`,
    {
      region: region(`Region this side serves. Default: the referenced RegionPair's ${which} region.`),
      target: target(),
      healthCheck: healthCheck(),
    },
    { required: ['target'] },
  );

/** CEL transition rule: the field keeps the value it was created with (issue 14: a change would orphan the production records). */
const immutable = (field: string, what: string): CelRule => ({
  rule: 'self == oldSelf',
  message:
    `${field} is immutable: changing it would orphan the production records ${what}; create a new ` +
    `FailoverPolicy instead (deleting this one removes the old records)`,
});

export const dns = (): Schema =>
  obj(
    'Route 53 failover records for one name. The controller owns only the two records whose ' +
      'SetIdentifier it wrote; other records in the zone are never touched. Optional when spec.globalAccelerator is set (at least one of the two; ' +
      "without dns no Route 53 call is made and health comes from the accelerator's endpoint groups). Cannot be removed once set.",
    {
      hostedZoneId: str(
        'Hosted zone holding the record (public or private), without the /hostedzone/ prefix, e.g. Z0123456789ABCDEFGHIJ. ' +
          'Immutable: the controller would lose track of the records it wrote in the old zone. To move the name, create a new FailoverPolicy.',
        { pattern: HOSTED_ZONE_ID_PATTERN, maxLength: 32, 'x-kubernetes-validations': [immutable('hostedZoneId', 'in the old zone')] },
      ),
      recordName: hostname(
        'Fully qualified record name, e.g. orders.example.com. Immutable: the controller would lose track of the records it wrote under the old name. ' +
          'To serve another name, create a new FailoverPolicy.',
        { 'x-kubernetes-validations': [immutable('recordName', 'under the old name')] },
      ),
      ttl: int('TTL in seconds of non-alias records. Clients keep using a failed region for up to this long after a failover, so keep it short.', {
        minimum: 0,
        maximum: 172800,
        default: DEFAULTS.dnsTtl,
      }),
      primary: dnsSide('primary'),
      secondary: dnsSide('secondary'),
    },
    {
      required: ['hostedZoneId', 'recordName', 'primary', 'secondary'],
      'x-kubernetes-validations': [
        {
          rule: '!has(self.primary.region) || !has(self.secondary.region) || self.primary.region != self.secondary.region',
          message: 'primary and secondary must serve different regions',
          fieldPath: '.secondary.region',
        },
      ],
    },
  );
