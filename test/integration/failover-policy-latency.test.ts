// spec.alarms.latencyMillis end to end: the HTTP(S) health checks are created with
// MeasureLatency (without it Route 53 publishes no TimeToFirstByte and the alarm never has
// data), read back with GetHealthCheck; the alarm reads TimeToFirstByte of the active check.
// Turning the alarm on for a policy whose checks lack MeasureLatency replaces the checks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { seedHostedZone } from '../env/seed.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { uniqueName } from './helpers.ts';

const NS = 'fp-latency';
const bed = new PolicyBed(NS, { eachTest: 'controller' });
const seed = {
  get endpoint() {
    return bed.stack.motoEndpoint;
  },
};

function spec(zoneId: string, name: string, alarms?: Record<string, unknown>): Record<string, any> {
  return {
    dns: {
      hostedZoneId: zoneId,
      recordName: `${name}.example.com`,
      ttl: 30,
      primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: { type: 'HTTPS', path: '/health/deep', port: 443 } },
      secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: { type: 'HTTP', path: '/health/deep', port: 80 } },
    },
    ...(alarms ? { alarms } : {}),
  };
}

async function latencyAlarm(): Promise<MetricAlarm | undefined> {
  // Route 53 publishes health-check metrics in us-east-1 only: that is where the alarm lives.
  const out = await bed.aws.cw('us-east-1').send(new DescribeAlarmsCommand({}));
  return (out.MetricAlarms ?? []).find((a) => a.AlarmName?.endsWith('health-check-latency'));
}

async function waitUntil(pred: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(250);
  }
  throw new Error('condition not met in time');
}

describe('FailoverPolicy latency alarm', () => {
  test('latencyMillis: checks created with MeasureLatency, an alarm on TimeToFirstByte of the active check', async () => {
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('lat');
    await bed.kube.apply(policyObj(NS, name, spec(zone, name, { latencyMillis: 250 })));
    const o = await bed.kube.waitCondition('FailoverPolicy', NS, name, 'Ready', 'True', undefined, 60_000);
    const ids = o.status.healthCheckIds;
    for (const side of ['primary', 'secondary'] as const) {
      const hc = await bed.aws.healthCheck(ids[side]);
      assert.equal(hc.HealthCheckConfig?.MeasureLatency, true, `${side} check measures latency`);
    }
    await waitUntil(async () => (await latencyAlarm()) !== undefined);
    const alarm = await latencyAlarm();
    assert.equal(alarm?.Namespace, 'AWS/Route53');
    assert.equal(alarm?.MetricName, 'TimeToFirstByte');
    assert.equal(alarm?.Threshold, 250);
    assert.deepEqual(alarm?.Dimensions, [{ Name: 'HealthCheckId', Value: ids.primary }]);
  });

  test('turning latencyMillis on replaces checks made without MeasureLatency; the records follow and the old checks go', async () => {
    const zone = await seedHostedZone(seed, 'example.com');
    const name = uniqueName('latchg');
    await bed.kube.apply(policyObj(NS, name, spec(zone, name)));
    const o = await bed.kube.waitCondition('FailoverPolicy', NS, name, 'Ready', 'True', undefined, 60_000);
    const old = o.status.healthCheckIds;
    assert.equal((await bed.aws.healthCheck(old.primary)).HealthCheckConfig?.MeasureLatency, false, 'off without a latency alarm');

    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: { alarms: { latencyMillis: 300 } } });
    const o2 = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      name,
      'both checks replaced',
      (x) => !!x.status?.healthCheckIds?.primary && x.status.healthCheckIds.primary !== old.primary && x.status.healthCheckIds.secondary !== old.secondary,
      60_000,
    );
    const now = o2.status.healthCheckIds;
    for (const side of ['primary', 'secondary'] as const) {
      assert.equal((await bed.aws.healthCheck(now[side])).HealthCheckConfig?.MeasureLatency, true, side);
    }
    await waitUntil(async () => {
      const recs = (await bed.aws.records(zone, `${name}.example.com`)).filter((r) => r.SetIdentifier);
      return recs.find((r) => r.SetIdentifier === `${name}-primary`)?.HealthCheckId === now.primary;
    });
    await waitUntil(async () => {
      const live = await bed.aws.healthCheckIds();
      return !live.includes(old.primary) && !live.includes(old.secondary);
    });
    await waitUntil(async () => (await latencyAlarm())?.Dimensions?.[0]?.Value === now.primary);
  });
});
