// FailoverPolicy: Route 53 failover records + RDS cross-region replica for one application.
import { DEFAULTS } from '../defaults.ts';
import { bool, deletionPolicy, int, obj, region, regionPairRef, rootSchema, type Schema, snsTopicArn, str, tags } from './common.ts';
import { database } from './failover-policy-database.ts';
import { dns } from './failover-policy-dns.ts';
import { drillSpecFields, drillSpecRules } from './failover-policy-drill.ts';
import { globalAcceleratorSpec } from './failover-policy-ga.ts';
import { failoverPolicyStatus } from './failover-policy-status.ts';
import { trafficRules } from './failover-policy-traffic.ts';

const failover = (): Schema =>
  obj(
    'How and when traffic and the writer move between regions.',
    {
      mode: str(
        'Manual: an operator moves traffic by setting activeRegion. Automatic: the controller fails over ' +
          'when the primary stays unhealthy for unhealthyForSeconds.',
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
        'Automatic: once the old primary is healthy again, re-seed its replica, wait until lag <= ' +
          'maxReplicaLagSeconds, then switch back. Manual: stay failed over until an operator acts.',
        { enum: ['Manual', 'Automatic'], default: DEFAULTS.failover.failback },
      ),
      promoteWhenFenceUnconfirmed: bool(
        "What a failover does when it cannot fence the old writer because the old region's RDS API does not answer. " +
          'false (default): the failover waits until that API answers and the old writer is fenced, or until an operator accepts the risk ' +
          'for that one failover with the annotation multiregion.dev/accept-data-loss (multiregion failover NAME --accept-data-loss). ' +
          "true: it promotes the replica without a confirmed fence when the old side's health check is also " +
          'Unhealthy, and fences the old writer as soon as its region answers. ' +
          'Risk: when it is the controller that is cut off from the region (its network path to the RDS API), ' +
          'not the region itself, the old writer may still take writes: ' +
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
          'Standard 5-field cron expression (minute hour day-of-month month day-of-week), read in timeZone: ' +
            'e.g. "0 3 1 */3 *" for 03:00 on the first day of every quarter. ' +
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
          "Alarm when the active side's health check measures a time to first byte above this many " +
            'milliseconds (Route 53 TimeToFirstByte; HTTP and HTTPS checks). ' +
            'Setting or removing it replaces the HTTP(S) health checks: Route 53 measures latency only for checks created with MeasureLatency. ' +
            'Global Accelerator publishes no latency metric, so this alarm also serves policies with spec.globalAccelerator.',
          { minimum: 1 },
        ),
        globalAcceleratorUnhealthyEndpoints: int(
          "Alarm when at least this many endpoints of the active side's Global Accelerator endpoint group are unhealthy " +
            '(AWS/GlobalAccelerator UnhealthyEndpointCount, in us-west-2). Needs spec.globalAccelerator.',
          { minimum: 1 },
        ),
        snsTopicArn: snsTopicArn(),
      }),
      globalAccelerator: globalAcceleratorSpec(),
      tags: tags(),
      deletionPolicy: deletionPolicy(),
    },
    {
      'x-kubernetes-validations': [
        ...trafficRules(),
        {
          rule:
            "!has(self.dns) || !has(self.failover) || !has(self.failover.mode) || self.failover.mode != 'Automatic' || " +
            '(has(self.dns.primary.healthCheck) && has(self.dns.secondary.healthCheck))',
          message:
            'automatic failover decides from health checks: set dns.primary.healthCheck and ' +
            'dns.secondary.healthCheck (without spec.dns, from the Global Accelerator endpoint health)',
          fieldPath: '.failover.mode',
        },
        {
          rule:
            '!has(self.database) || !has(self.dns) || ((!has(self.dns.primary.region) || self.dns.primary.region == self.database.primary.region) && ' +
            '(!has(self.dns.secondary.region) || self.dns.secondary.region == self.database.replica.region))',
          message:
            'dns.primary.region must equal database.primary.region and dns.secondary.region database.replica.region: traffic and the writer move together',
          fieldPath: '.database',
        },
        {
          rule:
            '!has(self.failover) || !has(self.failover.activeRegion) || !has(self.database) || ' +
            'self.failover.activeRegion in [self.database.primary.region, self.database.replica.region]',
          message: 'activeRegion must be the region of database.primary or database.replica',
          fieldPath: '.failover.activeRegion',
        },
        {
          rule:
            '!has(self.failover) || !has(self.failover.activeRegion) || !has(self.dns) || !has(self.dns.primary.region) || ' +
            '!has(self.dns.secondary.region) || self.failover.activeRegion in [self.dns.primary.region, self.dns.secondary.region]',
          message: 'activeRegion must be the region of dns.primary or dns.secondary',
          fieldPath: '.failover.activeRegion',
        },
        ...drillSpecRules(),
      ],
    },
  );

export const failoverPolicySchema = (): Schema =>
  rootSchema(
    'FailoverPolicy makes one application survive a region outage: Route 53 failover records with ' +
      'health checks, and an RDS writer with a cross-region replica, switched manually or automatically.',
    spec(),
    failoverPolicyStatus(),
    'multiregion.dev/drill-now (any new value starts one drill), multiregion.dev/accept-data-loss ' +
      '(break-glass: any new value lets one failover that is blocked ' +
      'because the RPO is unknown or the old writer cannot be fenced go ahead; recorded in status.acceptedDataLoss and an Event).',
  );
