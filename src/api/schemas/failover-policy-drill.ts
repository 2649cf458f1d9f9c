// FailoverPolicy spec.drill and the drill's status parts (issue 17): a Dns drill flips a shadow
// record only; a Switchover drill runs the real planned switchover to the standby and back,
// inside its maintenance window.
import { arr, type CelRule, int, num, obj, type Schema, str } from './common.ts';

/** The controller applies these too: objects stored before the fields existed lack them. */
export const DRILL_DEFAULTS = { type: 'Dns' as const, windowMinutes: 60 };

const direction = (): Schema =>
  obj(
    'One direction of a Switchover drill: a planned switchover the failover state machine ran and completed.',
    {
      from: str('Region the writer and traffic left.'),
      to: str('Region the writer and traffic moved to.'),
      fromIdentifier: str('DB instance identifier of the writer that was fenced.'),
      toIdentifier: str('DB instance identifier promoted to writer.'),
      startedAt: str('When the switchover was triggered.', { format: 'date-time' }),
      completedAt: str('When the new writer took writes and DNS pointed at it.', { format: 'date-time' }),
      rtoSeconds: num('Seconds from trigger to completion: fence, catch-up, promotion, Secret and DNS (recovery time).'),
      rpoSeconds: num('Replica lag in seconds at promotion (0: the planned switchover waited for the replica to catch up).'),
      steps: arr(
        'The state-machine steps of this direction (Triggered … Completed), oldest first.',
        obj(
          'One step and when it was recorded.',
          {
            step: str('Step name.'),
            at: str('When.', { format: 'date-time' }),
            fromHealth: str('Health of the region left.'),
            toHealth: str('Health of the region entered.'),
          },
          { required: ['step', 'at'] },
        ),
        { maxItems: 16, 'x-kubernetes-list-type': 'atomic' },
      ),
    },
    { required: ['from', 'to'] },
  );

export const drillDirections = (): Schema =>
  arr('Switchover: each direction (to the standby, then back), with its RTO and RPO, in order.', direction(), {
    maxItems: 4,
    'x-kubernetes-list-type': 'atomic',
  });

const writerRef = (d: string): Schema => obj(d, { region: str('Region.'), identifier: str('DB instance identifier.') }, { required: ['region', 'identifier'] });

/** Fields spec.drill gains for the type and the window (merged into the drill object's properties). */
export const drillSpecFields = (): Record<string, Schema> => ({
  type: str(
    'Dns (default): the shadow record `_drill.<recordName>` is switched to the standby and the drill measures how long until Route 53 answers with it ' +
      '(DNS only: no fencing, no promotion, no Secret or application cutover). Switchover: a real planned switchover to the standby and back through ' +
      'the same state machine as a manual one (fence, catch-up, promote, Secret, DNS, re-seed), with RTO and RPO per direction; needs spec.database, ' +
      'causes a short write outage per direction, and starts only inside its window.',
    { enum: ['Dns', 'Switchover'], default: DRILL_DEFAULTS.type },
  ),
  windowMinutes: int(
    'Switchover: the drill starts only within this many minutes after its slot (schedule read in timeZone); outside, it is not started and status says ' +
      'when the next window opens. The drill may run past the window once started. Applies to the drill-now annotation too when a schedule is set.',
    { minimum: 1, maximum: 1440, default: DRILL_DEFAULTS.windowMinutes },
  ),
});

/** CEL on spec: a Switchover drill switches the database, so it needs one. */
export const drillSpecRules = (): CelRule[] => [
  {
    rule: "!has(self.drill) || !has(self.drill.type) || self.drill.type != 'Switchover' || has(self.database)",
    message: 'drill.type Switchover switches the database writer to the standby and back: it needs spec.database (use type Dns for a DNS-only policy)',
    fieldPath: '.drill.type',
  },
];

/** Fields status.lastDrill gains. */
export const lastDrillFields = (): Record<string, Schema> => ({
  type: str('Dns or Switchover.', { enum: ['Dns', 'Switchover'] }),
  directions: drillDirections(),
  writer: writerRef('Switchover: the writer when the drill ended; a drill that failed or was abandoned names where it left the writer.'),
});

/** Fields status.drillInProgress gains (a Switchover drill's state). */
export const drillInProgressFields = (): Record<string, Schema> => ({
  type: str('Dns or Switchover.', { enum: ['Dns', 'Switchover'] }),
  switchover: obj(
    "A Switchover drill's state. While it runs, the failover state machine makes activeRegion active instead of following spec.failover " +
      '(an override: the spec is not changed); the drill ends with the region that was active when it started active again.',
    {
      phase: str('SwitchingOver (to the standby), SwitchingBack (home again), or Ending (settling on a known writer after a failure or an abandonment).', {
        enum: ['SwitchingOver', 'SwitchingBack', 'Ending'],
      }),
      home: str('The region active when the drill started, where it ends.'),
      away: str("The standby's region the drill switches to."),
      activeRegion: str('The region the failover state machine is to make active now.'),
      phaseAt: str('When the phase began.', { format: 'date-time' }),
      directions: drillDirections(),
      failure: obj(
        'Why the drill ends early.',
        {
          result: str('Failed (the standby or the catch-up failed) or Abandoned (a real failover took precedence).', { enum: ['Failed', 'Abandoned'] }),
          message: str('What happened.'),
        },
        { required: ['result', 'message'] },
      ),
    },
    { required: ['phase', 'home', 'away', 'activeRegion', 'phaseAt'] },
  ),
});
