// The bench's goal verdict comes from what the run measured: the same code says "met" or
// "NOT met" depending on the figures, never on constants alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientsResult } from '../bench/clients.ts';
import { convergenceGoal, floorSeconds, judgePhase, type PhaseFigures } from '../bench/goal.ts';
import type { PoliciesResult } from '../bench/policies.ts';
import type { ConvergenceResult } from '../bench/region-pairs.ts';

const clients = (o: Partial<PhaseFigures> = {}): PhaseFigures => ({
  phase: 'ClientConnections',
  objects: 100,
  ready: 100,
  goalObjects: 1000,
  seconds: 100,
  awsCalls: { 'cloudwatch:PutMetricAlarm': 300, 'ec2:DescribeTransitGateways': 50, 'logs:PutQueryDefinition': 100 },
  ...o,
});

test('floorSeconds: the burst goes at once, the rest at the refill rate', () => {
  assert.equal(floorSeconds(3, { ratePerSec: 3, burst: 3 }), 0);
  assert.equal(floorSeconds(303, { ratePerSec: 3, burst: 3 }), 100);
});

test('judgePhase: the bound family and its floor come from the calls counted', () => {
  const v = judgePhase(clients());
  assert.equal(v.bound?.family, 'cloudwatch:PutMetricAlarm');
  assert.equal(v.bound?.floorSeconds, 99); // (300 - 3 burst) / 3 per s
  assert.ok(Math.abs(v.bound!.ratio - 100 / 99) < 1e-9);
  assert.equal(v.paceMet, true);
  // at 1,000 clients: 10 × the measured 100 s, just above the floor of 3,000 alarms ((3000 - 3) / 3 s)
  assert.equal(v.projectedSeconds, 1000);
});

test('judgePhase: the same phase twice as slow as its floor is not met; an object not Ready is not met', () => {
  assert.equal(judgePhase(clients({ seconds: 200 })).paceMet, false);
  assert.equal(judgePhase(clients({ ready: 99 })).paceMet, false);
});

test('judgePhase: a floor of seconds is noise; the pace then stands on Readiness alone', () => {
  const v = judgePhase({
    phase: 'RegionPairs',
    objects: 10,
    ready: 10,
    goalObjects: 10,
    seconds: 25,
    awsCalls: { 'ec2:CreateTransitGateway': 20, 'ec2:DescribeTransitGateways': 200 },
  });
  assert.equal(v.paceMet, true);
  assert.equal(v.projectedSeconds, 25);
});

test('convergenceGoal: met only when every phase was measured and all fit the goal from their own figures', () => {
  const pairs = { pairs: 10, ready: 10, seconds: 20, awsCalls: { 'ec2:CreateTransitGateway': 20 } } as unknown as ConvergenceResult;
  const policies = { policies: 200, ready: 200, seconds: 30, awsCalls: { 'route53:ChangeResourceRecordSets': 3 } } as unknown as PoliciesResult;
  const fast = { clients: 1000, ready: 1000, seconds: 33, awsCalls: { 'cloudwatch:PutMetricAlarm': 100 } } as unknown as ClientsResult;
  const slow = { ...fast, awsCalls: { 'cloudwatch:PutMetricAlarm': 3000 } } as unknown as ClientsResult;
  assert.equal(convergenceGoal({ pairs, clients: fast, policies }).met, true);
  assert.equal(convergenceGoal({ pairs, clients: slow, policies }).met, false);
  assert.equal(convergenceGoal({ pairs, policies }).met, false);
  assert.match(convergenceGoal({ pairs, policies }).lines.join('\n'), /not judged/);
});
