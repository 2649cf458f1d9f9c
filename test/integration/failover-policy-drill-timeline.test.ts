// spec.drill.timeZone and the drill's timeline end to end, with the real controller: a policy
// whose schedule is read in Europe/Berlin is accepted and drills; the drill's steps land in
// status.lastDrill.steps, and `multiregion timeline -o svg` draws them in order. A zone the
// controller does not know blocks the policy with Synced=False naming spec.drill.timeZone.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { seedHostedZone } from '../env/seed.ts';
import { repoRoot } from '../env/stack.ts';
import { byClass, parseXml } from '../unit/xml-check.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { condition, uniqueName } from './helpers.ts';

const NS = 'fp-drill-tz';
const bed = new PolicyBed(NS, { eachTest: 'controller' });

async function cli(...args: string[]): Promise<string> {
  const run = promisify(execFile);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args, `--kubeconfig=${bed.stack.kubeconfigPath}`],
    {
      cwd: repoRoot,
      timeout: 60_000,
    },
  );
  return stdout;
}

async function apply(name: string, drill: Record<string, string>): Promise<void> {
  const zone = await seedHostedZone({ endpoint: bed.stack.motoEndpoint }, 'example.com');
  const check = { type: 'HTTPS', path: '/health/deep', port: 443 };
  await bed.kube.apply(
    policyObj(NS, name, {
      dns: {
        hostedZoneId: zone,
        recordName: `${name}.example.com`,
        primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: check },
        secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: check },
      },
      failover: { mode: 'Manual', activeRegion: EAST },
      drill,
    }),
  );
}

describe('FailoverPolicy drill time zone and timeline', () => {
  test('a Europe/Berlin schedule is accepted; a drill records its steps and `timeline -o svg` draws them in order', async () => {
    const name = uniqueName('tz');
    await apply(name, { schedule: '0 3 1 */3 *', timeZone: 'Europe/Berlin' });
    const o = await bed.kube.waitFor('FailoverPolicy', NS, name, 'checks', (x) => !!x.status?.healthCheckIds?.secondary, 90_000);
    await bed.aws.putHealth(o.status.healthCheckIds.primary, 1);
    await bed.aws.putHealth(o.status.healthCheckIds.secondary, 1);
    await bed.kube.waitCondition('FailoverPolicy', NS, name, 'FailoverReady', 'True', undefined, 60_000);
    assert.equal(condition((await bed.kube.get('FailoverPolicy', NS, name))!, 'Synced')?.status, 'True');

    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/drill-now': 'tz-1' } } });
    const done = await bed.kube.waitFor('FailoverPolicy', NS, name, 'drill done', (x) => x.status?.lastDrill?.trigger === 'tz-1', 90_000);
    const d = done.status.lastDrill;
    assert.equal(d.result, 'Succeeded', d.message);
    const steps = (d.steps as Array<{ step: string; at: string }>).map((m) => m.step);
    assert.deepEqual(steps, ['ShadowWritten', 'Switched', 'Answered']);
    const times = (d.steps as Array<{ at: string }>).map((m) => Date.parse(m.at));
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!) && times[0]! >= Date.parse(d.startedAt), JSON.stringify(d.steps));

    const root = parseXml(await cli('timeline', name, '-n', NS, '-o', 'svg'));
    assert.equal(root.attrs['data-subject'], 'drill');
    assert.deepEqual(
      byClass(root, 'step').map((g) => g.attrs['data-step']),
      ['Started', ...steps],
    );
    assert.equal(byClass(root, 'rto')[0]?.attrs['data-seconds'], String(d.rtoSeconds));
  });

  test('an unknown time zone: Synced=False InvalidSpec naming spec.drill.timeZone, a Warning Event, nothing created in AWS', async () => {
    const name = uniqueName('tz-bad');
    await apply(name, { schedule: '0 3 * * *', timeZone: 'Europe/Berlim' });
    const o = await bed.kube.waitCondition('FailoverPolicy', NS, name, 'Synced', 'False', 'InvalidSpec', 60_000);
    assert.match(condition(o, 'Synced')?.message ?? '', /spec\.drill\.timeZone: "Europe\/Berlim" is not a known time zone/);
    assert.equal(o.status?.healthCheckIds, undefined, 'no health check was created');
    const events = await bed.kube.events(NS, name);
    assert.ok(
      events.some((e) => e.type === 'Warning' && e.reason === 'InvalidSpec' && e.message.includes('spec.drill.timeZone')),
      JSON.stringify(events),
    );
  });
});
