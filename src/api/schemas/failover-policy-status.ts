// FailoverPolicy status: where the writer and traffic are now, the failover running or last done
// (step by step), drills, and what the controller carries from pass to pass.
import { MAX_STEP_MARKS } from '../types.ts';
import { arr, num, obj, type Schema, statusSchema, str } from './common.ts';
import { rolloutStatusSchema } from './connection-secret.ts';
import { databaseInstancesStatus } from './failover-policy-database.ts';
import { drillInProgressFields, lastDrillFields } from './failover-policy-drill.ts';
import { fenceSweepStatus } from './failover-policy-fence-sweep.ts';
import { globalAcceleratorStatus } from './failover-policy-ga.ts';

const timestamp = (d: string): Schema => str(d, { format: 'date-time' });
const health = (d: string): Schema => str(d, { enum: ['Healthy', 'Unhealthy', 'Unknown'] });
const stepMarks = (d: string): Schema =>
  arr(
    `${d} Oldest first, at most ${MAX_STEP_MARKS}; \`multiregion timeline\` draws them.`,
    obj(
      'One step and when it was recorded.',
      {
        step: str(
          'Step name, e.g. LagChecked, Fenced, PromoteRequested, Promoted, SecretWritten, DnsSwitched, ' +
            'Completed; for a drill ShadowWritten, Switched, Answered.',
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

export const failoverPolicyStatus = (): Schema =>
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
