// `multiregion drill` on a Switchover drill's record: each direction printed with its RTO and
// RPO, and every result but Succeeded (Failed, Abandoned, NotStarted outside the window) is a
// failed command: DrillFailedError, which the CLI's main turns into exit code 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DrillFailedError, drillReport } from '../../src/cli/commands/drill.ts';

const base = { type: 'Switchover', startedAt: '2026-12-03T03:00:00Z', completedAt: '2026-12-03T03:09:00Z' };

test('a Switchover drill that succeeded: both directions with RTO and RPO, and the writer', () => {
  const text = drillReport({
    ...base,
    result: 'Succeeded',
    rtoSeconds: 95,
    rpoSeconds: 0,
    directions: [
      { from: 'us-east-1', to: 'us-west-2', rtoSeconds: 95, rpoSeconds: 0, toIdentifier: 'orders-db-replica' },
      { from: 'us-west-2', to: 'us-east-1', rtoSeconds: 88, rpoSeconds: 0, toIdentifier: 'orders-db-r1' },
    ],
    writer: { region: 'us-east-1', identifier: 'orders-db-r1' },
  });
  assert.match(text, /^Switchover drill result: Succeeded, RTO 95s, RPO 0s/);
  assert.match(text, /us-east-1 → us-west-2: RTO 95s, RPO 0s \(orders-db-replica promoted\)/);
  assert.match(text, /us-west-2 → us-east-1: RTO 88s, RPO 0s/);
  assert.match(text, /writer: orders-db-r1 in us-east-1/);
});

for (const result of ['Failed', 'Abandoned', 'NotStarted']) {
  test(`a Switchover drill ${result}: the command fails (exit 1) and names the writer`, () => {
    const d = { ...base, result, writer: { region: 'us-east-1', identifier: 'orders-db' }, message: `Switchover drill ${result}` };
    assert.throws(
      () => drillReport(d),
      (e: unknown) =>
        e instanceof DrillFailedError && !('exitCode' in e) && e.message.includes(`result: ${result}`) && e.message.includes('orders-db in us-east-1'),
    );
  });
}
