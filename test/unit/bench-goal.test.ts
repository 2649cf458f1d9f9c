// The bench's goal verdicts come from what the run measured: the same code says "met" or
// "NOT met" depending on the figures, never on constants alone. Each verdict below is flipped by
// a worse figure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  benchTimeGoal,
  bindingFloor,
  callsByFamily,
  convergenceGoal,
  floorSeconds,
  judgePhase,
  memoryGoal,
  type PhaseFigures,
  type PhaseInput,
  readsGoal,
} from '../bench/goal.ts';

/** 100 clients at the published rates: 300 alarms bound the phase. */
const clients = (o: Partial<PhaseFigures> = {}): PhaseFigures => ({
  phase: 'ClientConnections',
  objects: 100,
  ready: 100,
  goalObjects: 1000,
  seconds: 100,
  awsCalls: { 'cloudwatch:PutMetricAlarm': 300, 'ec2:DescribeTransitGateways': 50, 'logs:PutQueryDefinition': 100 },
  ...o,
});

/** 1,000 clients with raised quotas: 3,000 alarms at 30/s, 5,000 Logs calls at 50/s. */
const RAISED = { 'cloudwatch:PutMetricAlarm': { ratePerSec: 30, burst: 30 }, logs: { ratePerSec: 50, burst: 50 } };
const atGoalSize = (seconds: number): PhaseFigures =>
  clients({
    objects: 1000,
    ready: 1000,
    seconds,
    awsCalls: { 'cloudwatch:PutMetricAlarm': 3000, 'logs:DescribeQueryDefinitions': 1000, 'logs:PutQueryDefinition': 4000 },
    rateLimits: RAISED,
  });

test('floorSeconds: the burst goes at once, the rest at the refill rate', () => {
  assert.equal(floorSeconds(3, { ratePerSec: 3, burst: 3 }), 0);
  assert.equal(floorSeconds(303, { ratePerSec: 3, burst: 3 }), 100);
});

test('callsByFamily: calls are filed as the limiter files them; Route 53 calls also draw from the account bucket', () => {
  assert.deepEqual(
    callsByFamily({
      'ec2:DescribeTransitGateways': 2,
      'ec2:SearchTransitGatewayRoutes': 3,
      'ec2:CreateTransitGatewayRoute': 4,
      'logs:PutQueryDefinition': 5,
      'logs:DescribeLogGroups': 6,
      'route53:ChangeResourceRecordSets': 7,
      // CloudWatch as the fault proxy names it (its signing name)
      'monitoring:PutMetricAlarm': 8,
      'monitoring:GetDashboard': 9,
    }),
    {
      'ec2:describe': 5,
      'ec2:mutate': 4,
      logs: 5,
      'logs:DescribeLogGroups': 6,
      'route53:ChangeResourceRecordSets': 7,
      route53: 7,
      'cloudwatch:PutMetricAlarm': 8,
      cloudwatch: 9,
    },
  );
});

test('bindingFloor: the rates given replace the published ones for the families they name', () => {
  const byFamily = { 'cloudwatch:PutMetricAlarm': 3000, logs: 5000 };
  assert.equal(bindingFloor(byFamily)?.family, 'cloudwatch:PutMetricAlarm'); // (3000 - 3) / 3 ≈ 999 s > (5000 - 5) / 5 = 999 s
  const raised = bindingFloor(byFamily, RAISED);
  assert.equal(raised?.family, 'cloudwatch:PutMetricAlarm');
  assert.equal(raised?.floorSeconds, 99); // (3000 - 30) / 30
});

test('judgePhase at published rates: the bound family and its floor come from the calls counted', () => {
  const v = judgePhase(clients());
  assert.equal(v.bound?.family, 'cloudwatch:PutMetricAlarm');
  assert.equal(v.bound?.floorSeconds, 99); // (300 - 3 burst) / 3 per s
  assert.ok(Math.abs(v.bound!.ratio - 100 / 99) < 1e-9);
  // at 1,000 clients: 10 × the measured 100 s, just above the floor of 3,000 alarms ((3000 - 3) / 3 s)
  assert.equal(v.projectedSeconds, 1000);
  assert.equal(v.goalBeyondRates, true);
  assert.equal(v.verdict, 'met');
});

test('judgePhase: the same phase twice as slow as its floor is not met; an object not Ready is not met', () => {
  assert.equal(judgePhase(clients({ seconds: 200 })).verdict, 'NOT met');
  assert.equal(judgePhase(clients({ ready: 99 })).verdict, 'NOT met');
});

test('judgePhase with raised rates: the floor is at the rates run with, the published floor beside it', () => {
  const v = judgePhase(atGoalSize(105));
  assert.equal(v.bound?.floorSeconds, 99);
  assert.equal(v.bound?.ratePerSec, 30);
  assert.ok(Math.abs(v.bound!.ratio - 105 / 99) < 1e-9);
  assert.equal(v.published?.ratePerSec, 3);
  assert.ok(v.published!.floorSeconds > 990);
  assert.ok(v.projectedSeconds > 990, 'at published rates the phase cannot beat their floor');
  assert.equal(v.verdict, 'met');
  // 20 s more and the ratio is 1.26: the controller lost time beyond the rates it ran with.
  assert.equal(judgePhase(atGoalSize(125)).verdict, 'NOT met');
});

test('judgePhase: a floor of seconds is noise; a phase the rates allow is judged by its time at the goal size', () => {
  const pairs = (seconds: number): PhaseFigures => ({
    phase: 'RegionPairs',
    objects: 10,
    ready: 10,
    goalObjects: 10,
    seconds,
    awsCalls: { 'ec2:CreateTransitGateway': 20, 'ec2:DescribeTransitGateways': 200 },
  });
  const v = judgePhase(pairs(25));
  assert.equal(v.goalBeyondRates, false);
  assert.equal(v.projectedSeconds, 25);
  assert.equal(v.verdict, 'met');
  assert.equal(judgePhase(pairs(75)).verdict, 'NOT met');
  // Raised rates whose floor is under 10 s cannot be judged by a ratio when the goal is beyond the published rates.
  const noFloor = judgePhase({
    ...atGoalSize(30),
    rateLimits: { 'cloudwatch:PutMetricAlarm': { ratePerSec: 3000, burst: 3000 }, logs: { ratePerSec: 5000, burst: 5000 } },
  });
  assert.equal(noFloor.verdict, 'not judged');
});

test('convergenceGoal: judged only when every phase was measured; a worse phase flips it', () => {
  const pairs: PhaseInput = { objects: 10, ready: 10, seconds: 20, awsCalls: { 'ec2:CreateTransitGateway': 20 } };
  const policies: PhaseInput = { objects: 200, ready: 200, seconds: 30, awsCalls: { 'route53:ChangeResourceRecordSets': 3 } };
  const fast: PhaseInput = { objects: 1000, ready: 1000, seconds: 33, awsCalls: { 'cloudwatch:PutMetricAlarm': 100 } };
  const slowPairs: PhaseInput = { ...pairs, seconds: 90 };
  assert.equal(convergenceGoal({ pairs, clients: fast, policies }).verdict, 'met');
  assert.equal(convergenceGoal({ pairs: slowPairs, clients: fast, policies }).verdict, 'NOT met');
  const raised = atGoalSize(105);
  const g = convergenceGoal({ pairs, clients: raised, policies });
  assert.equal(g.verdict, 'met');
  assert.match(g.lines.join('\n'), /out of reach for ClientConnections/);
  assert.match(g.lines.join('\n'), /at published rates: 3000 cloudwatch:PutMetricAlarm at 3\/s/);
  assert.equal(convergenceGoal({ pairs, clients: atGoalSize(150), policies }).verdict, 'NOT met');
  assert.equal(convergenceGoal({ pairs, policies }).verdict, 'not judged');
  assert.match(convergenceGoal({ pairs, policies }).lines.join('\n'), /not judged/);
});

test('readsGoal: reads per pass at 100 pairs under twice those at 10', () => {
  assert.equal(readsGoal({ pairs: 10, readsPerPass: 60 }, { pairs: 100, readsPerPass: 100 }).verdict, 'met');
  assert.equal(readsGoal({ pairs: 10, readsPerPass: 60 }, { pairs: 100, readsPerPass: 130 }).verdict, 'NOT met');
  assert.equal(readsGoal({ pairs: 10, readsPerPass: 60 }).verdict, 'not judged');
  assert.equal(readsGoal({ pairs: 10, readsPerPass: 60 }, { pairs: 100, readsPerPass: Number.NaN }).verdict, 'not judged');
});

test('memoryGoal: RSS at 5,000 objects of the compiled controller, at most 150 MB', () => {
  const m = (rssMiB: number, controller = 'node dist/main.js (NODE_OPTIONS=…)') => ({
    controller,
    steps: [
      { objects: 100, rssMiB: 120 },
      { objects: 5000, rssMiB },
    ],
  });
  assert.equal(memoryGoal(m(140)).verdict, 'met');
  assert.equal(memoryGoal(m(150)).verdict, 'NOT met'); // 150 MiB is 157 MB
  assert.equal(memoryGoal(m(140, 'src/main.ts under tsx')).verdict, 'not judged');
  assert.equal(memoryGoal({ controller: 'node dist/main.js', steps: [{ objects: 1000, rssMiB: 100 }] }).verdict, 'not judged');
  assert.equal(memoryGoal(undefined).verdict, 'not judged');
});

test('benchTimeGoal: the full run within 15 minutes', () => {
  assert.equal(benchTimeGoal(880, true).verdict, 'met');
  assert.equal(benchTimeGoal(920, true).verdict, 'NOT met');
  assert.equal(benchTimeGoal(300, false).verdict, 'not judged');
});
