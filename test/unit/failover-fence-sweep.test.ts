// status.fenceSweep bookkeeping (controllers/failover-policy/fence-sweep.ts): a retire or an
// unfence records its instance once, due at once; attempts back off up to the cap; the pass
// comes back when the first entry is due. The AWS side is tested on moto (aws-rds-fence-cleanup).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FenceSweepEntry } from '../../src/api/types.ts';
import type { FailoverAction } from '../../src/controllers/failover-policy/failover-machine.ts';
import { backoffMs, nextDueMs, SWEEP_BACKOFF, sweepsFor, withSweep } from '../../src/controllers/failover-policy/fence-sweep.ts';

const now = new Date('2026-01-01T00:00:00.000Z');
const retire: FailoverAction = { type: 'retireInstance', region: 'us-west-2', identifier: 'orders-db-replica', finalSnapshotIdentifier: 'x-final-1' };
const unfence: FailoverAction = { type: 'unfence', region: 'us-east-1', identifier: 'orders-db' };

test('a retire and an unfence record their instance once, due now; other actions record nothing', () => {
  const list = sweepsFor([retire, unfence, { type: 'fence', region: 'us-east-1', identifier: 'orders-db' }], undefined, now);
  assert.deepEqual(list, [
    { region: 'us-west-2', identifier: 'orders-db-replica', since: now.toISOString(), attempts: 0, nextAttemptAt: now.toISOString() },
    { region: 'us-east-1', identifier: 'orders-db', since: now.toISOString(), attempts: 0, nextAttemptAt: now.toISOString() },
  ]);
  assert.equal(sweepsFor([retire, unfence], list, new Date(now.getTime() + 5_000)), undefined, 'already recorded: no write needed');
  assert.equal(sweepsFor([{ type: 'promote', region: 'us-west-2', identifier: 'r' }], undefined, now), undefined);
});

test('an entry already recorded keeps its attempts and schedule', () => {
  const e: FenceSweepEntry = { region: 'us-west-2', identifier: 'a', since: 'x', attempts: 3, nextAttemptAt: '2026-01-01T01:00:00.000Z' };
  assert.deepEqual(withSweep([e], 'us-west-2', 'a', now), [e]);
});

test('the list stays within the CRD maxItems (20), dropping the oldest', () => {
  let list: FenceSweepEntry[] = [];
  for (let i = 0; i < 25; i++) list = withSweep(list, 'us-east-1', `db-${i}`, now);
  assert.equal(list.length, 20);
  assert.equal(list[0]?.identifier, 'db-5');
});

test('backoff doubles from the first wait up to the cap', () => {
  assert.equal(backoffMs(1), SWEEP_BACKOFF.firstMs);
  assert.equal(backoffMs(2), 2 * SWEEP_BACKOFF.firstMs);
  assert.equal(backoffMs(3), 4 * SWEEP_BACKOFF.firstMs);
  assert.equal(backoffMs(40), SWEEP_BACKOFF.maxMs);
});

test('the next pass comes when the first entry is due; none without entries', () => {
  assert.equal(nextDueMs(undefined, now), undefined);
  assert.equal(nextDueMs([], now), undefined);
  const at = (ms: number): FenceSweepEntry => ({
    region: 'r',
    identifier: `i${ms}`,
    since: '',
    attempts: 1,
    nextAttemptAt: new Date(now.getTime() + ms).toISOString(),
  });
  assert.equal(nextDueMs([at(30_000), at(10_000)], now), 10_000);
  assert.equal(nextDueMs([at(-5_000)], now), 0);
});
