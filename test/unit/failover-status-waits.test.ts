// A pass that ended on its promote leaves its status write to the next pass only when nothing but
// what every pass reads anew differs from what the step write stored (status-waits.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FailoverPolicyStatus } from '../../src/api/types.ts';
import { onlyObservedDiffer } from '../../src/controllers/failover-policy/status-waits.ts';

const stored: FailoverPolicyStatus = {
  activeRegion: 'us-east-1',
  phase: 'FailingOver',
  health: { primary: 'Unhealthy', secondary: 'Healthy', since: '2026-12-05T06:27:20Z' },
  database: {
    writer: { region: 'us-east-1', identifier: 'db' },
    replica: { region: 'us-west-2', identifier: 'db-replica', lagSeconds: 2 },
    instances: [{ region: 'us-east-1', identifier: 'db', role: 'writer', status: 'available' }],
  },
  inProgress: { reason: 'PrimaryUnhealthy', from: 'us-east-1', to: 'us-west-2', startedAt: '2026-12-05T06:27:31Z', step: 'PromoteRequested' },
  alarmsHash: 'a1',
  conditions: [{ type: 'Ready', status: 'True', reason: 'Available', message: 'ok', lastTransitionTime: '2026-12-05T06:00:00Z' }],
  observedGeneration: 1,
} as FailoverPolicyStatus;

test('conditions, health, the instances and the lag are read anew by the next pass: the write may wait', () => {
  const next = structuredClone(stored);
  next.conditions = [{ type: 'Ready', status: 'False', reason: 'FailoverInProgress', message: 'running', lastTransitionTime: '2026-12-05T06:27:32Z' }];
  next.health = { primary: 'Unhealthy', secondary: 'Unhealthy', since: '2026-12-05T06:27:32Z' };
  next.database!.instances = [{ region: 'us-east-1', identifier: 'db', role: 'writer', status: 'rebooting' }];
  next.database!.replica!.lagSeconds = 9;
  delete next.observedGeneration;
  assert.equal(onlyObservedDiffer(stored, next), true);
  assert.equal(onlyObservedDiffer(stored, structuredClone(stored)), true);
});

test('anything the next pass could not rebuild is written now', () => {
  const changes: Array<[string, (s: FailoverPolicyStatus) => void]> = [
    ['the step', (s) => (s.inProgress!.step = 'Promoted')],
    ['a Route 53 change id', (s) => ((s as Record<string, unknown>).dnsChange = { id: 'C1', submittedAt: '2026-12-05T06:27:32Z' })],
    ['the alarms hash', (s) => (s.alarmsHash = 'a2')],
    ['the writer', (s) => (s.database!.writer = { region: 'us-west-2', identifier: 'db-replica' })],
    ['the replica', (s) => (s.database!.replica = { region: 'us-west-2', identifier: 'other', lagSeconds: 2 })],
    ['the phase', (s) => (s.phase = 'FailedOver')],
    ['a removed field', (s) => delete s.alarmsHash],
  ];
  for (const [what, change] of changes) {
    const next = structuredClone(stored);
    change(next);
    assert.equal(onlyObservedDiffer(stored, next), false, what);
  }
  assert.equal(onlyObservedDiffer(undefined, stored), false, 'nothing stored yet');
});
