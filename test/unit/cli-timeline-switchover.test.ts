// `multiregion timeline NAME drill` on a Switchover drill: both directions drawn from their own
// state-machine steps (fence, promote, Secret, DNS lanes per direction), the RTO of the switch to
// the standby and the worst RPO; `make drill` prints this text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FailoverPolicy, FailoverPolicyStatus } from '../../src/api/types.ts';
import { buildTimeline } from '../../src/cli/timeline.ts';
import { renderTimelineSvg } from '../../src/cli/timeline-svg.ts';
import { renderTimelineText } from '../../src/cli/timeline-text.ts';

const T0 = Date.parse('2026-05-04T03:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
const STEPS = ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested', 'Promoted', 'SecretWritten', 'DnsSwitched', 'Completed'];
const steps = (from: number) => STEPS.map((step, n) => ({ step, at: at(from + n * 5) }));

const policy = (status: FailoverPolicyStatus): FailoverPolicy => ({
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'FailoverPolicy',
  metadata: { name: 'orders', namespace: 'apps' },
  spec: {
    dns: {
      hostedZoneId: 'Z1',
      recordName: 'orders.example.com',
      primary: { region: 'us-east-1', target: { ips: ['192.0.2.1'] } },
      secondary: { region: 'us-west-2', target: { ips: ['192.0.2.2'] } },
    },
  },
  status,
});

const drill = (): FailoverPolicyStatus['lastDrill'] => ({
  type: 'Switchover',
  startedAt: at(0),
  completedAt: at(200),
  result: 'Succeeded',
  reason: 'OnDemand',
  rtoSeconds: 35,
  rpoSeconds: 0,
  directions: [
    { from: 'us-east-1', to: 'us-west-2', startedAt: at(2), completedAt: at(37), rtoSeconds: 35, rpoSeconds: 0, steps: steps(2) },
    { from: 'us-west-2', to: 'us-east-1', startedAt: at(150), completedAt: at(185), rtoSeconds: 35, rpoSeconds: 0, steps: steps(150) },
  ],
  writer: { region: 'us-east-1', identifier: 'orders-db-r1' },
  message: 'Switchover drill: both ways',
});

test('a Switchover drill: both directions with their own lanes and steps, RTO to the standby', () => {
  const t = buildTimeline(policy({ lastDrill: drill() }), new Date(T0 + 600_000), 'drill');
  assert.match(t.title, /Switchover drill \(OnDemand\), Succeeded; writer orders-db-r1 in us-east-1/);
  for (const n of [1, 2]) {
    for (const lane of ['fence', 'promote', 'Secret', 'DNS'])
      assert.ok(
        t.lanes.some((l) => l.name === `${n}. ${lane}`),
        `${n}. ${lane}`,
      );
  }
  assert.equal(t.steps[0]?.step, 'DrillStarted');
  assert.ok(t.steps.some((s) => s.step === '1. Fenced'));
  assert.ok(t.steps.some((s) => s.step === '2. Completed'));
  assert.equal(t.steps.at(-1)?.step, 'SwitchedBack');
  assert.equal(t.rto?.seconds, 35);
  assert.match(t.rto?.label ?? '', /to the standby/);
  const text = renderTimelineText(t);
  assert.match(text, /1\. fence .*fence old writer/);
  assert.match(text, /2\. DNS .*switch DNS/);
  assert.match(renderTimelineSvg(t), /<svg[\s>]/);
});

test('a Switchover drill that failed before any direction completed: drawn, and says so', () => {
  const d = { ...drill(), result: 'Failed', directions: [], message: 'the standby side us-west-2 turned Unhealthy' };
  const t = buildTimeline(policy({ lastDrill: d }), new Date(T0 + 600_000), 'drill');
  assert.match(t.title, /Failed/);
  assert.ok(t.notes.some((n) => /No direction completed/.test(n)));
  assert.equal(t.steps.at(-1)?.step, 'DrillFailed');
});
