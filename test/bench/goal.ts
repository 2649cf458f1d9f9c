// The convergence goal (10 RegionPairs + 1,000 ClientConnections + 200 FailoverPolicies
// Ready in under 60 s, < 1% of AWS calls throttled), checked against what the bench measured
// and against the floor that AWS's published per-account rates put under it.
import { LIMITS } from '../../src/aws/ratelimit.ts';
import type { ClientsResult } from './clients.ts';
import type { PoliciesResult } from './policies.ts';
import type { ConvergenceResult } from './region-pairs.ts';

export const GOAL = { pairs: 10, clients: 1000, policies: 200, seconds: 60, throttledShare: 0.01 } as const;
/** PutMetricAlarm calls per ClientConnection, as the clients bench counts them at the proxy. */
export const ALARMS_PER_CLIENT = 3;
export const CHECKS_PER_POLICY = 2;

export interface GoalVerdict {
  met: boolean;
  lines: string[];
}

export function convergenceGoal(m: { pairs?: ConvergenceResult; clients?: ClientsResult; policies?: PoliciesResult }): GoalVerdict {
  const alarmRate = LIMITS['cloudwatch:PutMetricAlarm']!.ratePerSec;
  const checkRate = LIMITS['route53:CreateHealthCheck']!.ratePerSec;
  const alarmFloor = (GOAL.clients * ALARMS_PER_CLIENT) / alarmRate;
  const checkFloor = (GOAL.policies * CHECKS_PER_POLICY) / checkRate;
  const lines = [
    `goal: ${GOAL.pairs} RegionPairs + ${GOAL.clients} ClientConnections + ${GOAL.policies} FailoverPolicies Ready in < ${GOAL.seconds} s, < ${GOAL.throttledShare * 100}% throttled`,
    `floor from PutMetricAlarm at ${alarmRate}/s per account: ${GOAL.clients} × ${ALARMS_PER_CLIENT} = ${GOAL.clients * ALARMS_PER_CLIENT} alarms → ≥ ${Math.round(alarmFloor)} s (60 s fits ${GOAL.seconds * alarmRate} alarms = ${Math.floor((GOAL.seconds * alarmRate) / ALARMS_PER_CLIENT)} clients)`,
    `floor from CreateHealthCheck at ${checkRate}/s: ${GOAL.policies} × ${CHECKS_PER_POLICY} = ${GOAL.policies * CHECKS_PER_POLICY} checks → ≥ ${Math.round(checkFloor)} s (policies without health checks: none)`,
  ];
  if (m.pairs) lines.push(`measured: ${m.pairs.ready}/${m.pairs.pairs} RegionPairs in ${m.pairs.seconds.toFixed(1)} s`);
  if (m.clients) lines.push(`measured: ${m.clients.ready}/${m.clients.clients} ClientConnections in ${m.clients.seconds.toFixed(1)} s (${(m.clients.clients / m.clients.seconds).toFixed(2)}/s → ${GOAL.clients} would take ~${Math.round(GOAL.clients / (m.clients.clients / m.clients.seconds))} s)`);
  if (m.policies) lines.push(`measured: ${m.policies.ready}/${m.policies.policies} DNS-only FailoverPolicies in ${m.policies.seconds.toFixed(1)} s`);
  lines.push('throttling: moto never throttles, so the < 1% share is not measured here; the client-side buckets are what keep real AWS from throttling, and they are what sets the floor above');
  return { met: alarmFloor <= GOAL.seconds && checkFloor <= GOAL.seconds, lines };
}
