// FailoverPolicy: Route 53 failover records + RDS cross-region replica for one application.
import { DEFAULTS } from '../defaults.ts';
import { MAX_STEP_MARKS } from '../types.ts';
import {
  arr,
  bool,
  type CelRule,
  deletionPolicy,
  HOSTED_ZONE_ID_PATTERN,
  hostname,
  int,
  num,
  obj,
  region,
  regionPairRef,
  rootSchema,
  type Schema,
  snsTopicArn,
  statusSchema,
  str,
  tags,
} from './common.ts';
import { rolloutStatusSchema } from './connection-secret.ts';
import { database, databaseInstancesStatus } from './failover-policy-database.ts';
import { drillInProgressFields, drillSpecFields, drillSpecRules, lastDrillFields } from './failover-policy-drill.ts';
import { fenceSweepStatus } from './failover-policy-fence-sweep.ts';
import { globalAcceleratorSpec, globalAcceleratorStatus } from './failover-policy-ga.ts';

const target = (): Schema =>
  obj(
    'Where the record points. Set exactly one of alias, ips, cname.',
    {
      alias: obj(
        "Route 53 alias to an AWS endpoint (NLB/ALB, CloudFront, another record). Preferred for load balancers: no TTL, free queries, follows the endpoint's IPs.",
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
    'Route 53 health check that decides whether this side answers. TCP/HTTP/HTTPS checks are sent from Route 53 checkers on the internet; they cannot reach private IPs, ' +
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
  message: `${field} is immutable: changing it would orphan the production records ${what}; create a new FailoverPolicy instead (deleting this one removes the old records)`,
});

const dns = (): Schema =>
  obj(
    'Route 53 failover records for one name. The controller owns only the two records whose SetIdentifier it wrote; other records in the zone are never touched.',
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

const failover = (): Schema =>
  obj(
    'How and when traffic and the writer move between regions.',
    {
      mode: str(
        'Manual: an operator moves traffic by setting activeRegion. Automatic: the controller fails over when the primary stays unhealthy for unhealthyForSeconds.',
        {
          enum: ['Manual', 'Automatic'],
          default: DEFAULTS.failover.mode,
        },
      ),
      unhealthyForSeconds: int('Automatic mode: how long the primary must be continuously unhealthy before failing over; avoids flapping on short blips.', {
        minimum: 10,
        maximum: 86400,
        default: DEFAULTS.failover.unhealthyForSeconds,
      }),
      activeRegion: region(
        'Manual mode: the region that should serve. Set it to the other region to fail over, back to fail back. Default: the primary region.',
      ),
      failback: str(
        'Automatic: once the old primary is healthy again, re-seed its replica, wait until lag <= maxReplicaLagSeconds, then switch back. Manual: stay failed over until an operator acts.',
        { enum: ['Manual', 'Automatic'], default: DEFAULTS.failover.failback },
      ),
      promoteWhenFenceUnconfirmed: bool(
        "What a failover does when it cannot fence the old writer because the old region's RDS API does not answer. " +
          'false (default): the failover waits until that API answers and the old writer is fenced, or until an operator accepts the risk ' +
          'for that one failover with the annotation multiregion.dev/accept-data-loss (multiregion failover NAME --accept-data-loss). ' +
          "true: it promotes the replica without a confirmed fence when the old side's health check is also Unhealthy, and fences the old writer as soon as its region answers. " +
          'Risk: when it is the controller that is cut off from the region (its network path to the RDS API), not the region itself, the old writer may still take writes: ' +
          'there are then two writers, and what is written to the old one is lost. Set true only where availability matters more than losing writes. ' +
          'A promotion this field let through records dataLossAccepted: Policy in status.lastFailover.',
        { default: DEFAULTS.failover.promoteWhenFenceUnconfirmed },
      ),
      failbackMaxAttemptsPerDay: int(
        'failback: Automatic only: how many automatic failbacks may start in any 24 hours (their start times are in status.failbackAttempts). ' +
          'Each failback moves production traffic and the writer; when the old primary keeps recovering and failing again, ' +
          'the controller stops failing back by itself after this many and reports FailbackBlocked until an operator acts.',
        { minimum: 1, maximum: 24, default: DEFAULTS.failover.failbackMaxAttemptsPerDay },
      ),
    },
    {
      'x-kubernetes-validations': [
        {
          rule: "!has(self.failback) || self.failback != 'Automatic' || (has(self.mode) && self.mode == 'Automatic')",
          message: 'failback: Automatic needs mode: Automatic; with manual failover, failing back is an operator decision too',
          fieldPath: '.failback',
        },
      ],
    },
  );

const spec = (): Schema =>
  obj(
    'Desired failover setup of one application: DNS records with health checks, an optional database replica, and the failover rules.',
    {
      regionPairRef: regionPairRef("RegionPair that gives default regions and roles; optional. Its namespace must allow this policy's namespace."),
      dns: dns(),
      database: database(),
      failover: { ...failover(), default: {} },
      drill: obj('Scheduled failover practice: Dns (a shadow record) or Switchover (a real planned switchover and back).', {
        ...drillSpecFields(),
        schedule: str(
          'Standard 5-field cron expression (minute hour day-of-month month day-of-week), read in timeZone: e.g. "0 3 1 */3 *" for 03:00 on the first day of every quarter. ' +
            'Names (MON, JAN), L (last) and # (nth weekday) are accepted; seconds and H (hashed) values are not. Checked by the controller.',
          { minLength: 1, maxLength: 128 },
        ),
        timeZone: str(
          'IANA time zone name the schedule is read in, e.g. Europe/Berlin; default UTC. A zone (not an offset) keeps the drill at the same ' +
            'local time across daylight-saving changes: a slot the clock skips runs in the hour after, a slot it repeats runs once. ' +
            'Checked by the controller against the time zones it knows (a bad name: Synced=False, reason InvalidSpec, naming this field).',
          { minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$' },
        ),
      }),
      alarms: obj('CloudWatch alarms the controller creates for this application.', {
        replicaLagSeconds: int('Alarm when replica lag exceeds this many seconds (set it below maxReplicaLagSeconds to hear before failover is blocked).', {
          minimum: 1,
        }),
        latencyMillis: int(
          "Alarm when the active side's health check measures a time to first byte above this many milliseconds (Route 53 TimeToFirstByte; HTTP and HTTPS checks). " +
            'Setting or removing it replaces the HTTP(S) health checks: Route 53 measures latency only for checks created with MeasureLatency. ' +
            'Global Accelerator publishes no latency metric, so this alarm also serves policies with spec.globalAccelerator.',
          { minimum: 1 },
        ),
        globalAcceleratorUnhealthyEndpoints: int(
          "Alarm when at least this many endpoints of the active side's Global Accelerator endpoint group are unhealthy (AWS/GlobalAccelerator UnhealthyEndpointCount, in us-west-2). Needs spec.globalAccelerator.",
          { minimum: 1 },
        ),
        snsTopicArn: snsTopicArn(),
      }),
      globalAccelerator: globalAcceleratorSpec(),
      tags: tags(),
      deletionPolicy: deletionPolicy(),
    },
    {
      required: ['dns'],
      'x-kubernetes-validations': [
        {
          rule: "!has(self.failover) || !has(self.failover.mode) || self.failover.mode != 'Automatic' || (has(self.dns.primary.healthCheck) && has(self.dns.secondary.healthCheck))",
          message: 'automatic failover decides from health checks: set dns.primary.healthCheck and dns.secondary.healthCheck',
          fieldPath: '.failover.mode',
        },
        {
          rule: '!has(self.database) || ((!has(self.dns.primary.region) || self.dns.primary.region == self.database.primary.region) && (!has(self.dns.secondary.region) || self.dns.secondary.region == self.database.replica.region))',
          message:
            'dns.primary.region must equal database.primary.region and dns.secondary.region database.replica.region: traffic and the writer move together',
          fieldPath: '.database',
        },
        {
          rule: '!has(self.failover) || !has(self.failover.activeRegion) || !has(self.database) || self.failover.activeRegion in [self.database.primary.region, self.database.replica.region]',
          message: 'activeRegion must be the region of database.primary or database.replica',
          fieldPath: '.failover.activeRegion',
        },
        {
          rule: '!has(self.failover) || !has(self.failover.activeRegion) || !has(self.dns.primary.region) || !has(self.dns.secondary.region) || self.failover.activeRegion in [self.dns.primary.region, self.dns.secondary.region]',
          message: 'activeRegion must be the region of dns.primary or dns.secondary',
          fieldPath: '.failover.activeRegion',
        },
        ...drillSpecRules(),
      ],
    },
  );

const timestamp = (d: string): Schema => str(d, { format: 'date-time' });
const health = (d: string): Schema => str(d, { enum: ['Healthy', 'Unhealthy', 'Unknown'] });
const stepMarks = (d: string): Schema =>
  arr(
    `${d} Oldest first, at most ${MAX_STEP_MARKS}; \`multiregion timeline\` draws them.`,
    obj(
      'One step and when it was recorded.',
      {
        step: str(
          'Step name, e.g. LagChecked, Fenced, PromoteRequested, Promoted, SecretWritten, DnsSwitched, Completed; for a drill ShadowWritten, Switched, Answered.',
        ),
        at: timestamp('When the step was recorded.'),
        fromHealth: health('Health of the region traffic leaves, when the step was recorded.'),
        toHealth: health('Health of the region traffic moves to, when the step was recorded.'),
      },
      { required: ['step', 'at'] },
    ),
    { maxItems: MAX_STEP_MARKS, 'x-kubernetes-list-type': 'atomic' },
  );
const failoverRecord = (d: string): Schema =>
  obj(d, {
    startedAt: timestamp('When the failover began.'),
    completedAt: timestamp('When traffic and the writer were both in the new region.'),
    rtoSeconds: num('Seconds from start to completion (recovery time).'),
    rpoSeconds: num('Replica lag in seconds at promotion: the window of writes that may be lost (recovery point).'),
    reason: str('Why it happened: ManualSwitch, PrimaryUnhealthy, Failback, Drill.'),
    from: str('Region traffic left.'),
    to: str('Region traffic moved to.'),
    step: str('Last state-machine step completed, recorded before the next begins, so a restart resumes and never promotes twice.'),
    fencing: str('How the old writer was fenced (made unable to take writes, or proven gone).'),
    stepAt: timestamp('When step was recorded: lag samples that prove a planned switchover caught up must be newer than the fence.'),
    fromIdentifier: str('DB instance identifier of the writer traffic left (kept fenced afterwards, retired per deletionPolicy).'),
    toIdentifier: str('DB instance identifier promoted to writer.'),
    dataLossAccepted: str(
      'Set when the promotion went ahead without a confirmed fence or a known RPO, and why: Policy (spec.failover.promoteWhenFenceUnconfirmed) ' +
        'or Annotation <value> (the multiregion.dev/accept-data-loss value an operator set). Absent: the old writer was fenced and the lag was known.',
    ),
    steps: stepMarks('Every step recorded, with the health of both regions at that moment.'),
  });

const status = (): Schema =>
  statusSchema('Observed state. Conditions: Ready, Synced, FailoverReady (the standby could take over now).', {
    activeRegion: str('Region serving traffic and holding the writer now.'),
    phase: str('Healthy, FailingOver, FailedOver, FailingBack or Degraded.', { enum: ['Healthy', 'FailingOver', 'FailedOver', 'FailingBack', 'Degraded'] }),
    health: obj('Latest health of each side.', {
      primary: health('Health of the primary side.'),
      secondary: health('Health of the secondary side.'),
      since: timestamp('When the overall health last changed.'),
      primarySince: timestamp("When the primary's health last changed."),
      secondarySince: timestamp("When the secondary's health last changed."),
    }),
    healthCheckIds: obj('Route 53 health checks owned by this policy.', {
      primary: str('Health check id of the primary record.'),
      secondary: str('Health check id of the secondary record.'),
    }),
    database: obj('Where the writer and the replica are now.', {
      writer: obj(
        'The instance taking writes.',
        { region: str('Region.'), identifier: str('DB instance identifier.') },
        { required: ['region', 'identifier'] },
      ),
      replica: obj(
        'The standby replica.',
        { region: str('Region.'), identifier: str('DB instance identifier.'), lagSeconds: num('Replica lag in seconds at the last observation.') },
        { required: ['region', 'identifier'] },
      ),
      rollout: rolloutStatusSchema(),
      instances: databaseInstancesStatus(),
    }),
    lastFailover: failoverRecord('The last completed failover or failback.'),
    inProgress: failoverRecord('The failover running now, step by step.'),
    history: arr(
      'The last 10 phase transitions, newest last.',
      obj(
        'One transition.',
        {
          at: timestamp('When.'),
          from: str('Active region before.'),
          to: str('Active region after.'),
          phase: str('Phase entered.'),
          reason: str('Why.'),
        },
        { required: ['at', 'phase', 'reason'] },
      ),
      { maxItems: 10, 'x-kubernetes-list-type': 'atomic' },
    ),
    alarmsHash: str('Content hash of the CloudWatch alarms last put: unchanged alarms are not put again on every resync.'),
    acceptedDataLoss: str(
      'The last multiregion.dev/accept-data-loss value the controller used. Each value lets one blocked failover go ahead; ' +
        'to accept data loss again, set a new value (multiregion failover NAME --accept-data-loss).',
    ),
    failbackAttempts: arr(
      'Start times of the automatic failbacks of the last 24 hours, counted against spec.failover.failbackMaxAttemptsPerDay.',
      timestamp('When one automatic failback started.'),
      { 'x-kubernetes-list-type': 'atomic' },
    ),
    lastDrill: obj('Outcome of the last drill.', {
      startedAt: timestamp('When it started.'),
      completedAt: timestamp('When it ended.'),
      result: str('Succeeded or Failed.'),
      rtoSeconds: num('Measured recovery time in seconds.'),
      rpoSeconds: num('Replica lag in seconds at the simulated promotion.'),
      message: str('What happened, and what to fix when it failed.'),
      reason: str('What started it: OnDemand (the multiregion.dev/drill-now annotation) or Schedule.'),
      trigger: str('The last multiregion.dev/drill-now value handled; a new value starts one drill.'),
      steps: stepMarks("The drill's steps."),
      ...lastDrillFields(),
    }),
    dnsChange: obj(
      'The Route 53 change of the failover records that is not INSYNC yet. Until it is, the records do not count as in place ' +
        "(FailoverReady, Ready and a failover's DNS step wait); the controller asks GetChange once per pass instead of waiting.",
      { id: str('Route 53 change id.'), submittedAt: timestamp('When Route 53 accepted the change.') },
      { required: ['id', 'submittedAt'] },
    ),
    drillInProgress: obj(
      'The drill running now, carried from pass to pass so that no reconcile waits for DNS; moved to lastDrill when it ends. ' +
        'A restarted controller resumes it, and fails it (removing the shadow records) once it ran past its timeouts.',
      {
        startedAt: timestamp('When it started.'),
        reason: str('OnDemand or Schedule.'),
        trigger: str('The multiregion.dev/drill-now value that started it.'),
        step: str('ShadowWritten (the shadow pair points at the active side) or Switched (its PRIMARY points at the standby).', {
          enum: ['ShadowWritten', 'Switched'],
        }),
        stepAt: timestamp('When step was recorded.'),
        standby: str('The side the shadow PRIMARY is switched to.', { enum: ['primary', 'secondary'] }),
        changeId: str('The Route 53 change of the step while it is not INSYNC.'),
        answerSince: timestamp('When the checks of the shadow answer began; the answer timeout counts from here.'),
        rpoSeconds: num('Replica lag in seconds at the switch.'),
        waitingFor: str('What the next pass looks for.'),
        steps: stepMarks('The steps recorded so far.'),
        ...drillInProgressFields(),
      },
      { required: ['startedAt', 'reason', 'stepAt'] },
    ),
    ...globalAcceleratorStatus(),
    ...fenceSweepStatus(),
  });

export const failoverPolicySchema = (): Schema =>
  rootSchema(
    'FailoverPolicy makes one application survive a region outage: Route 53 failover records with health checks, and an RDS writer with a cross-region replica, switched manually or automatically.',
    spec(),
    status(),
    'multiregion.dev/drill-now (any new value starts one drill), multiregion.dev/accept-data-loss (break-glass: any new value lets one failover that is blocked ' +
      'because the RPO is unknown or the old writer cannot be fenced go ahead; recorded in status.acceptedDataLoss and an Event).',
  );
