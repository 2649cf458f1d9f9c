import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FailoverPolicy, FailoverPolicyStatus, FailoverRecord } from '../../src/api/types.ts';
import { parseCli } from '../../src/cli/args.ts';
import { parseSubject } from '../../src/cli/commands/timeline.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { buildTimeline, NothingToDraw } from '../../src/cli/timeline.ts';
import { renderTimelineSvg } from '../../src/cli/timeline-svg.ts';
import { renderTimelineText } from '../../src/cli/timeline-text.ts';
import { allElements, byClass, parseXml, textOf, type XmlElement } from './xml-check.ts';

const T0 = Date.parse('2026-05-04T10:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
const NOW = new Date(T0 + 600_000);

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

const FAILOVER_STEPS = ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested', 'Promoted', 'SecretWritten', 'DnsSwitched', 'Completed'];
const SECONDS = [0, 1, 8, 9, 70, 72, 90, 95];

/** An unplanned failover as the state machine records it: us-east-1 went Unhealthy and stayed so. */
const failover = (extra: Partial<FailoverRecord> = {}): FailoverRecord => ({
  startedAt: at(0),
  completedAt: at(95),
  rtoSeconds: 95,
  rpoSeconds: 4,
  reason: 'PrimaryUnhealthy',
  from: 'us-east-1',
  to: 'us-west-2',
  step: 'Completed',
  fencing: 'Confirmed: security groups replaced',
  // Deliberately not in time order: the timeline sorts what status holds.
  steps: FAILOVER_STEPS.map((step, i) => ({ step, at: at(SECONDS[i]!), fromHealth: 'Unhealthy' as const, toHealth: 'Healthy' as const })).reverse(),
  ...extra,
});

const health = { primary: 'Unhealthy' as const, secondary: 'Healthy' as const, primarySince: at(-60), secondarySince: at(-3600) };

function svgOf(p: FailoverPolicy, subject: 'latest' | 'failover' | 'drill' = 'latest', now = NOW): XmlElement {
  return parseXml(renderTimelineSvg(buildTimeline(p, now, subject)));
}

const steps = (root: XmlElement) => byClass(root, 'step').map((g) => ({ step: g.attrs['data-step'], at: g.attrs['data-at'] }));
const lanes = (root: XmlElement) => byClass(root, 'lane').map((g) => g.attrs['data-lane']);
const spansOf = (root: XmlElement, lane: string) =>
  byClass(byClass(root, 'lane').find((g) => g.attrs['data-lane'] === lane)!, 'span').map((r) => ({
    label: r.attrs['data-label'],
    start: r.attrs['data-start'],
    end: r.attrs['data-end'],
  }));

// ---- the test's XML reader can fail: it refuses what is not well-formed.
const malformed: Array<[string, string]> = [
  ['<svg><g></svg>', 'mismatched close'],
  ['<svg>', 'unclosed root'],
  ['<svg><text>a & b</text></svg>', 'bare ampersand'],
  ['<svg><text>&nbsp;</text></svg>', 'entity XML does not define'],
  ['<svg x=1/>', 'unquoted attribute'],
  ['<svg x="1" x="2"/>', 'duplicate attribute'],
  ['<svg a="<"/>', '< in an attribute'],
  ['<svg/><svg/>', 'two roots'],
  ['<svg><text>1 < 2</text></svg>', 'raw < in text'],
];
for (const [xml, why] of malformed) test(`xml-check refuses ${why}`, () => assert.throws(() => parseXml(xml), /not well-formed/));
test('xml-check reads a well-formed document back', () => {
  const root = parseXml('<?xml version="1.0"?>\n<!-- c --><svg a="x &amp; y"><g class="step k"><text>1 &lt; 2 &#x263A;</text></g><br/></svg>\n');
  assert.equal(root.attrs.a, 'x & y');
  assert.equal(textOf(byClass(root, 'step')[0]!), '1 < 2 ☺');
  assert.deepEqual(
    allElements(root).map((e) => e.name),
    ['svg', 'g', 'text', 'br'],
  );
});

// ---- failover
test('a completed failover: the SVG parses and holds every step in time order, left to right', () => {
  const root = svgOf(policy({ lastFailover: failover(), health }));
  assert.equal(root.name, 'svg');
  assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
  assert.equal(root.attrs['data-subject'], 'failover');
  assert.deepEqual(
    steps(root),
    FAILOVER_STEPS.map((step, i) => ({ step, at: at(SECONDS[i]!) })),
  );
  const xs = byClass(root, 'step').map((g) => Number(allElements(g).find((e) => e.name === 'circle')!.attrs.cx));
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! > xs[i - 1]!, `step ${i + 1} is right of step ${i}: ${xs.join(', ')}`);
  const legend = byClass(root, 'step-label').map(textOf);
  FAILOVER_STEPS.forEach((s, i) => assert.match(legend[i]!, new RegExp(`^${i + 1} ${s} \\+${SECONDS[i]}s`)));
});

test(
  'a completed failover: lanes for health per side, fence, promote, Secret ' + 'and DNS, in the order the work happens; no rollout lane without rollout data',
  () => {
    const root = svgOf(policy({ lastFailover: failover(), health }));
    assert.deepEqual(lanes(root), ['health us-east-1 (from)', 'health us-west-2 (to)', 'fence', 'promote', 'Secret', 'DNS']);
    assert.deepEqual(spansOf(root, 'fence'), [
      { label: 'lag check (RPO guard)', start: at(0), end: at(1) },
      { label: 'fence old writer', start: at(1), end: at(8) },
    ]);
    assert.deepEqual(spansOf(root, 'promote'), [
      { label: 'replica catch-up', start: at(8), end: at(9) },
      { label: 'promote replica', start: at(9), end: at(70) },
    ]);
    assert.deepEqual(spansOf(root, 'Secret'), [{ label: 'write Secret', start: at(70), end: at(72) }]);
    assert.deepEqual(spansOf(root, 'DNS'), [{ label: 'switch DNS', start: at(72), end: at(90) }]);
    assert.deepEqual(spansOf(root, 'health us-east-1 (from)'), [{ label: 'Unhealthy', start: at(0), end: at(95) }]);
    assert.deepEqual(spansOf(root, 'health us-west-2 (to)'), [{ label: 'Healthy', start: at(0), end: at(95) }]);
  },
);

test('RTO is a bracket from start to completion and RPO a window of the lag ending at the lag check, both labelled', () => {
  const root = svgOf(policy({ lastFailover: failover(), health }));
  const [rto] = byClass(root, 'rto');
  const [rpo] = byClass(root, 'rpo');
  assert.deepEqual([rto?.attrs['data-seconds'], rto?.attrs['data-start'], rto?.attrs['data-end']], ['95', at(0), at(95)]);
  assert.match(textOf(byClass(rto!, 'measure-label')[0]!), /^RTO 95s$/);
  assert.deepEqual([rpo?.attrs['data-seconds'], rpo?.attrs['data-start'], rpo?.attrs['data-end']], ['4', at(-3), at(1)]);
  assert.match(textOf(byClass(rpo!, 'measure-label')[0]!), /^RPO 4s \(replica lag at the lag check\)$/);
  assert.match(textOf(byClass(root, 'summary')[0]!), /RTO 95s · RPO 4s/);
});

test('health changes recorded at the steps are drawn where they happened', () => {
  const f = failover();
  f.steps = f.steps!.map((m) => (Date.parse(m.at) >= T0 + 70_000 ? { ...m, fromHealth: 'Healthy' } : m));
  const root = svgOf(policy({ lastFailover: f }));
  assert.deepEqual(
    spansOf(root, 'health us-east-1 (from)').map((s) => [s.label, s.start, s.end]),
    [
      ['Unhealthy', at(0), at(70)],
      ['Healthy', at(70), at(95)],
    ],
  );
});

test('a rollout lane appears once status records rollout steps', () => {
  const f = failover();
  f.steps = [...f.steps!, { step: 'RolloutStarted', at: at(91) }, { step: 'RolloutCompleted', at: at(120) }];
  const root = svgOf(policy({ lastFailover: f }));
  assert.equal(lanes(root).at(-1), 'rollout');
  assert.deepEqual(spansOf(root, 'rollout'), [{ label: 'roll out workloads', start: at(91), end: at(120) }]);
});

test('a running failover: the open step runs to now and says so; no RTO yet', () => {
  const ip = failover({ completedAt: undefined, rtoSeconds: undefined, step: 'PromoteRequested' });
  ip.steps = ip.steps!.filter((m) => ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested'].includes(m.step));
  const root = svgOf(policy({ inProgress: ip, lastFailover: failover({ startedAt: at(-86400), completedAt: at(-86000) }) }));
  assert.match(textOf(root.children.find((c) => typeof c !== 'string' && c.name === 'title') as XmlElement), /running, step PromoteRequested/);
  assert.deepEqual(spansOf(root, 'promote').at(-1), { label: 'promote replica (running)', start: at(9), end: NOW.toISOString() });
  assert.equal(byClass(root, 'rto').length, 0);
  assert.ok(!lanes(root).includes('Secret'), 'nothing drawn for steps not reached');
});

test('an unconfirmed fence is drawn as such', () => {
  const f = failover({ fencing: 'Unconfirmed: RDS in us-east-1 does not answer', dataLossAccepted: 'Annotation x' });
  f.steps = f.steps!.map((m) => (m.step === 'Fenced' ? { ...m, step: 'FenceUnconfirmed' } : m));
  const root = svgOf(policy({ lastFailover: f }));
  assert.equal(spansOf(root, 'fence')[1]?.label, 'fence (unconfirmed)');
  assert.ok(byClass(root, 'note').some((n) => /data loss accepted by Annotation x/.test(textOf(n))));
});

test('a failover recorded before step times were kept: start and end only, and a note saying so', () => {
  const root = svgOf(policy({ lastFailover: failover({ steps: undefined }) }));
  assert.deepEqual(lanes(root), ['health us-east-1 (from)', 'health us-west-2 (to)', 'failover']);
  assert.deepEqual(steps(root), [{ step: 'Started', at: at(0) }]);
  assert.ok(byClass(root, 'note').some((n) => /No step times in status/.test(textOf(n))));
});

// ---- drill
const drill = {
  startedAt: at(1000),
  completedAt: at(1064),
  result: 'Succeeded',
  rtoSeconds: 64,
  rpoSeconds: 0.5,
  reason: 'Schedule',
  message: 'the shadow record _drill.orders.example.com moved to us-west-2 in 64s',
  steps: [
    { step: 'ShadowWritten', at: at(1000) },
    { step: 'Switched', at: at(1040) },
    { step: 'Answered', at: at(1064) },
  ],
};

test('the latest of failover and drill is drawn by default; failover|drill picks one', () => {
  const p = policy({ lastFailover: failover(), lastDrill: drill, health });
  const root = svgOf(p);
  assert.equal(root.attrs['data-subject'], 'drill');
  assert.deepEqual(
    steps(root).map((s) => s.step),
    ['Started', 'ShadowWritten', 'Switched', 'Answered'],
  );
  assert.deepEqual(lanes(root), ['health us-east-1 (primary)', 'health us-west-2 (secondary)', 'DNS (shadow record)']);
  assert.deepEqual(
    spansOf(root, 'DNS (shadow record)').map((s) => s.label),
    ['write shadow pair', 'shadow pair in sync', 'switch to standby, await answer'],
  );
  assert.deepEqual([byClass(root, 'rto')[0]?.attrs['data-seconds'], byClass(root, 'rpo')[0]?.attrs['data-end']], ['64', at(1040)]);
  assert.equal(svgOf(p, 'failover').attrs['data-subject'], 'failover');
});

test('a failed drill with markup in its message: the SVG still parses and shows the failure', () => {
  const failed = { ...drill, result: 'Failed', rtoSeconds: undefined, message: 'answer was <b>"1.2.3.4" & more</b>', steps: drill.steps.slice(0, 2) };
  const svg = renderTimelineSvg(buildTimeline(policy({ lastDrill: failed }), NOW));
  const root = parseXml(svg);
  assert.deepEqual(spansOf(root, 'DNS (shadow record)').at(-1), { label: 'failed: answer was <b>"1.2.3.4" & more</b>', start: at(1040), end: at(1064) });
  assert.ok(!svg.includes('<b>'), 'the message is escaped');
});

test('nothing recorded: a clear error naming the policy and how to get a drill', () => {
  assert.throws(
    () => buildTimeline(policy({}), NOW),
    (e: unknown) => e instanceof NothingToDraw && /apps\/orders has no recorded failover or drill yet.*multiregion drill orders -n apps/.test(e.message),
  );
  assert.throws(() => buildTimeline(policy({ lastDrill: drill }), NOW, 'failover'), /no recorded failover yet \(status.lastFailover is empty\)/);
});

test('garbage in status (bad times) is skipped, never a crash', () => {
  const f = failover();
  f.steps = [...f.steps!, { step: 'Bogus', at: 'yesterday' }];
  const root = svgOf(policy({ lastFailover: f, health: { primary: 'Healthy', primarySince: 'not a time' } }));
  assert.ok(!steps(root).some((s) => s.step === 'Bogus'));
  assert.throws(() => buildTimeline(policy({ lastFailover: { ...failover(), startedAt: 'soon' } }), NOW), NothingToDraw);
});

test('text output: the same steps in order, the lanes, RTO and RPO', () => {
  const text = renderTimelineText(buildTimeline(policy({ lastFailover: failover(), health }), NOW));
  const order = FAILOVER_STEPS.map((s) => text.indexOf(`  ${s} `));
  assert.ok(
    order.every((pos, i) => pos > 0 && (i === 0 || pos > order[i - 1]!)),
    text,
  );
  assert.match(text, /^FailoverPolicy apps\/orders: PrimaryUnhealthy us-east-1 → us-west-2\nRTO 95s, RPO 4s/);
  assert.match(text, /fence +lag check \(RPO guard\) \+0s\.\.\+1s \(1s\); fence old writer \+1s\.\.\+8s \(7s\)/);
});

test('command line: timeline takes text (default) or svg and an optional failover|drill; other commands refuse svg', () => {
  assert.equal(parseCli(['timeline', 'orders']).output, 'text');
  assert.equal(parseCli(['timeline', 'orders', '-o', 'svg']).output, 'svg');
  assert.throws(
    () => parseCli(['timeline', 'orders', '-o', 'json']),
    (e: unknown) => e instanceof UsageError && /text, svg for timeline/.test(e.message),
  );
  assert.throws(() => parseCli(['status', '-o', 'svg']), UsageError);
  assert.equal(parseSubject(undefined), 'latest');
  assert.equal(parseSubject('drill'), 'drill');
  assert.throws(
    () => parseSubject('both'),
    (e: unknown) => e instanceof UsageError && e.exitCode === 2,
  );
});
