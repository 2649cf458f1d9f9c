// FailoverPolicy status.fenceSweep (issue 16 item 5): the deny-all fence groups still to delete.
// Hooked into failover-policy.ts by one line in status().
import { arr, int, obj, type Schema, str } from './common.ts';

const timestamp = (d: string): Schema => str(d, { format: 'date-time' });

export const fenceSweepStatus = (): Record<string, Schema> => ({
  fenceSweep: arr(
    'Instances whose deny-all fence security group (multiregion-fence-<identifier>, tagged as ours) is still to delete: a retired ex-writer ' +
      'whose deletion RDS has not finished, or an unfenced instance RDS has not detached the group from yet. Each is looked at again with ' +
      'backoff and removed once its group is deleted (Event FenceGroupDeleted); a group still in use is kept and reported (Event ' +
      'FenceGroupKept). Only groups with this cluster id and this object uid are ever deleted; the rest are swept when the policy is deleted.',
    obj(
      'One instance.',
      {
        region: str('Region of the instance and its fence group.'),
        identifier: str('DB instance identifier.'),
        since: timestamp('When it was recorded.'),
        attempts: int('Sweeps tried so far.', { minimum: 0 }),
        nextAttemptAt: timestamp('Not looked at again before this.'),
        message: str('Why the last attempt left the group.'),
      },
      { required: ['region', 'identifier', 'since', 'attempts', 'nextAttemptAt'] },
    ),
    { maxItems: 20, 'x-kubernetes-list-type': 'atomic' },
  ),
});
