// When status and AWS disagree about who the writer is, no failover running: the standby is a
// standalone writer (status lost — the object re-created or restored without status — or a
// promotion by hand). AWS is the truth where it proves our own work (our fence on the old
// writer, our promote tags on the new one); anything else is left for an operator.
import type { Observations, Work } from './failover-machine.ts';
import { requeue, WAIT } from './failover-ready.ts';

/**
 * The standby is a standalone writer although no failover is running: status was lost (the
 * object re-created, a restore without status) or someone promoted it by hand. If the recorded
 * writer is fenced by us or gone, AWS says who the writer is and status follows; if both take
 * writes, nothing is touched and an operator must decide.
 */
export function twoStandaloneInstances(w: Work): boolean {
  const { s, obs } = w;
  const writer = obs.writer;
  const standby = obs.standby;
  if (standby?.role !== 'writer' || !standby.reachable || standby.fenced) return false;
  if (!writer?.reachable) return standbyWriterWhileWriterUnreachable(w, standby);
  w.degraded = true;
  if (!writer.exists || (writer.fenced && writer.fenceTagged)) {
    const was = s.database.writer;
    return writerRecovered(w, standby, `${was.identifier} is ${writer.exists ? 'fenced' : 'gone'} and ${standby.identifier} in ${standby.region} takes writes`);
  }
  w.events.push({
    type: 'Warning',
    reason: 'TwoWriters',
    message:
      `${writer.identifier} in ${writer.region} and ${standby.identifier} in ${standby.region} ` +
      `both take writes; the controller changes nothing until one is fenced or deleted`,
  });
  requeue(w, WAIT.lag);
  return true;
}

/**
 * Status names a writer whose region does not answer, and the standby takes writes. If we
 * promoted it (our promote tags are on it), this is our own failover whose status was lost (the
 * object re-created or restored without status): AWS says where the writer is, status follows,
 * and the old one is fenced once its region answers. Otherwise someone else promoted it, and
 * nothing is touched.
 */
function standbyWriterWhileWriterUnreachable(w: Work, standby: NonNullable<Observations['standby']>): boolean {
  const { s } = w;
  const was = s.database.writer;
  w.degraded = true;
  if (!standby.promoteRequested) {
    w.events.push({
      type: 'Warning',
      reason: 'StandbyIsWriter',
      message:
        `${standby.identifier} in ${standby.region} takes writes but was not promoted by this controller, ` +
        `and ${was.identifier} in ${was.region} does not answer: changing nothing until an operator decides`,
    });
    requeue(w, WAIT.lag);
    return true;
  }
  return writerRecovered(
    w,
    standby,
    `${standby.identifier} in ${standby.region} was promoted by this controller and ${was.region} does not answer`,
    `Unconfirmed: ${was.region} does not answer; fenced as soon as it does`,
  );
}

/** Status follows AWS: the standby is the writer, recorded as a failover of its own. */
function writerRecovered(w: Work, standby: NonNullable<Observations['standby']>, why: string, fencing?: string): true {
  const { s, obs } = w;
  const was = s.database.writer;
  s.database = { writer: { region: standby.region, identifier: standby.identifier } };
  s.activeRegion = standby.region;
  // A new record: its completedAt names the next re-seeded replica, which must not collide.
  s.lastFailover = {
    completedAt: obs.now,
    reason: 'WriterRecovered',
    from: was.region,
    fromIdentifier: was.identifier,
    to: standby.region,
    toIdentifier: standby.identifier,
    ...(fencing && { fencing }),
  };
  w.actions.push({ type: 'recordStep', step: 'WriterRecovered' });
  w.events.push({ type: 'Warning', reason: 'WriterRecovered', message: `${why}: status now names it the writer` });
  w.transition = 'WriterRecovered';
  requeue(w, 0);
  return true;
}
