// Runs the Argo CD resource actions in deploy/argocd/ (failover, drill, reconcile-now and their
// discovery scripts) under lua5.4 the way Argo CD does: a global `obj`, the action's returned
// object applied as the change; an error() is what Argo CD shows instead. The actions must write
// what the CLI writes (src/cli/commands: failover's spec.failover.activeRegion, drill's and
// plan's annotations), and docs/argocd.md must carry the same text.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ANNOTATIONS } from '../../src/api/types.ts';
import { failoverRefusal, policyRegions } from '../../src/cli/commands/failover.ts';
import { type Json, toLua } from './lua-value.ts';
import { debianTool, deployDir, repoRoot, run } from './packaging-tools.ts';

const script = (f: string) => join(deployDir, 'argocd', f);

/** Runs `file` with `obj` set; prints what `emit` (Lua, over the result `r`) writes, or ERR:<message>. */
function lua(file: string, obj: Json, emit: string): string {
  const harness = [
    `obj = ${toLua(obj)}`,
    `local ok, r = pcall(dofile, ${toLua(script(file))})`,
    'if not ok then io.write("ERR:", tostring(r)) return end',
    emit,
  ].join('\n');
  return run(debianTool('lua5.4'), ['-'], { input: harness }).stdout;
}

const ann = (key: string) => `io.write(tostring(r.metadata.annotations[${toLua(key)}]))`;
const region = 'io.write(tostring(r.spec.failover.activeRegion))';

function policy(failover: Record<string, Json>, status: Record<string, Json> = {}, annotations?: Record<string, string>): { [k: string]: Json } {
  return {
    apiVersion: 'multiregion.dev/v1alpha1',
    kind: 'FailoverPolicy',
    metadata: { name: 'orders', namespace: 'apps', ...(annotations && { annotations }) },
    spec: {
      dns: { primary: { region: 'us-east-1' }, secondary: { region: 'us-west-2' } },
      database: { primary: { region: 'us-east-1' }, replica: { region: 'us-west-2' } },
      failover,
    },
    status,
  };
}

test('failover: sets spec.failover.activeRegion to the region that is not active, as `multiregion failover --to` does', () => {
  const east = policy({ mode: 'Manual', activeRegion: 'us-east-1' }, { activeRegion: 'us-east-1', phase: 'Healthy' });
  assert.equal(lua('action-failover.lua', east, region), 'us-west-2');
  assert.equal(failoverRefusal(east, 'us-west-2'), undefined, 'the CLI would make the same switch');
  const west = policy({ mode: 'Manual', activeRegion: 'us-west-2' }, { activeRegion: 'us-west-2', phase: 'FailedOver' });
  assert.equal(lua('action-failover.lua', west, region), 'us-east-1', 'and back');
  // No activeRegion anywhere yet: the primary serves, so the switch goes to the secondary.
  assert.equal(lua('action-failover.lua', policy({ mode: 'Manual' }), region), 'us-west-2');
  // The regions as the CLI reads them.
  assert.deepEqual(policyRegions(east), ['us-east-1', 'us-west-2']);
});

test('failover: refused like the CLI refuses (Automatic mode), while a failover runs, and without regions', () => {
  const automatic = policy({ mode: 'Automatic' }, { activeRegion: 'us-east-1' });
  assert.match(lua('action-failover.lua', automatic, region), /^ERR:spec\.failover\.mode is Automatic/);
  assert.match(failoverRefusal(automatic, 'us-west-2') ?? '', /^spec\.failover\.mode is Automatic/);
  assert.match(lua('action-failover.lua', policy({ mode: 'Manual' }, { phase: 'FailingOver' }), region), /^ERR:a failover is in progress/);
  const viaPair = { metadata: { name: 'orders', namespace: 'apps' }, spec: { regionPairRef: { name: 'prod' }, failover: { mode: 'Manual' } } };
  assert.match(lua('action-failover.lua', viaPair, region), /^ERR:the regions come from the RegionPair/);
});

const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

test('drill: sets multiregion.dev/drill-now to the time, keeping other annotations', () => {
  const out = lua('action-drill.lua', policy({ mode: 'Manual' }, {}, { team: 'payments' }), `${ann(ANNOTATIONS.drillNow)} io.write(" ") ${ann('team')}`);
  const [value, team] = out.split(' ');
  assert.match(value ?? '', stamp);
  assert.ok(!Number.isNaN(Date.parse(value ?? '')));
  assert.equal(team, 'payments');
  assert.match(lua('action-drill.lua', policy({ mode: 'Manual' }), ann(ANNOTATIONS.drillNow)), stamp, 'no annotations before');
});

test('reconcile-now: sets multiregion.dev/reconcile-now to the time, on every kind', () => {
  for (const kind of ['RegionPair', 'FailoverPolicy', 'ClientConnection']) {
    const obj = { apiVersion: 'multiregion.dev/v1alpha1', kind, metadata: { name: 'x', namespace: 'y' }, spec: {} };
    assert.match(lua('action-reconcile-now.lua', obj, ann(ANNOTATIONS.reconcileNow)), stamp, kind);
  }
});

const discovered = (file: string, obj: Json) =>
  lua(
    file,
    obj,
    'local names = {} for k in pairs(r) do names[#names + 1] = k end table.sort(names) ' +
      'for _, k in ipairs(names) do io.write(k, "=", tostring(r[k].disabled), ":", tostring(r[k].displayName), "\\n") end',
  ).trim();

test('discovery: FailoverPolicy offers failover (named with its target), drill and reconcile-now; greys out what would be refused', () => {
  assert.equal(
    discovered('actions-discovery-failoverpolicy.lua', policy({ mode: 'Manual' }, { activeRegion: 'us-east-1', phase: 'Healthy' })),
    'drill=false:nil\nfailover=false:Fail over to us-west-2\nreconcile-now=false:nil',
  );
  assert.match(discovered('actions-discovery-failoverpolicy.lua', policy({ mode: 'Automatic' }, { activeRegion: 'us-east-1' })), /^failover=true:/m);
  assert.match(discovered('actions-discovery-failoverpolicy.lua', policy({ mode: 'Manual' }, { phase: 'FailingBack' })), /^drill=true:nil\nfailover=true:/m);
  assert.equal(discovered('actions-discovery.lua', { metadata: { name: 'prod' }, spec: {} }), 'reconcile-now=false:nil');
});

test('docs/argocd.md carries the action scripts verbatim, under the keys Argo CD reads', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'argocd.md'), 'utf8');
  const embedded = (key: string, file: string) => {
    const at = doc.indexOf(key);
    assert.ok(at >= 0, `docs/argocd.md lacks ${key}`);
    const lines = readFileSync(script(file), 'utf8').trimEnd().split('\n');
    const firstLine = lines[0]!;
    const start = doc.indexOf(firstLine, at);
    assert.ok(start >= 0, `${file} is not in docs/argocd.md under ${key}`);
    const indent = /( *)$/.exec(doc.slice(0, start))?.[1] ?? '';
    const body = lines.map((l) => (l ? indent + l : l)).join('\n');
    assert.ok(doc.slice(at).includes(body), `${file} differs from its copy in docs/argocd.md`);
  };
  for (const kind of ['RegionPair', 'FailoverPolicy', 'ClientConnection']) {
    const key = `resource.customizations.actions.multiregion.dev_${kind}: |`;
    const section = doc.slice(doc.indexOf(key));
    assert.ok(doc.includes(key), `docs/argocd.md lacks ${key}`);
    embedded(key, kind === 'FailoverPolicy' ? 'actions-discovery-failoverpolicy.lua' : 'actions-discovery.lua');
    assert.match(section, /- name: reconcile-now\n\s+action\.lua: \|/);
  }
  const fp = 'resource.customizations.actions.multiregion.dev_FailoverPolicy: |';
  for (const [name, file] of [
    ['failover', 'action-failover.lua'],
    ['drill', 'action-drill.lua'],
    ['reconcile-now', 'action-reconcile-now.lua'],
  ] as const) {
    const key = `- name: ${name}\n`;
    assert.ok(doc.slice(doc.indexOf(fp)).includes(key), `no ${name} action for FailoverPolicy`);
    embedded(fp, file);
  }
});

test('the argocd-cm snippet parses as Argo CD reads it: each key a YAML document of discovery.lua and definitions', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'argocd.md'), 'utf8');
  const block = [...doc.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).find((b) => b.includes('resource.customizations.actions.'));
  assert.ok(block, 'a yaml block with the actions');
  const data = (parse(block) as { data: Record<string, string> }).data;
  const read = (f: string) => readFileSync(script(f), 'utf8');
  const expected: Record<string, [string, Array<[string, string]>]> = {
    FailoverPolicy: [
      'actions-discovery-failoverpolicy.lua',
      [
        ['failover', 'action-failover.lua'],
        ['drill', 'action-drill.lua'],
        ['reconcile-now', 'action-reconcile-now.lua'],
      ],
    ],
    RegionPair: ['actions-discovery.lua', [['reconcile-now', 'action-reconcile-now.lua']]],
    ClientConnection: ['actions-discovery.lua', [['reconcile-now', 'action-reconcile-now.lua']]],
  };
  for (const [kind, [discovery, actions]] of Object.entries(expected)) {
    const inner = parse(data[`resource.customizations.actions.multiregion.dev_${kind}`] ?? '') as {
      'discovery.lua': string;
      definitions: Array<{ name: string; 'action.lua': string }>;
    };
    assert.equal(inner['discovery.lua'], read(discovery), `${kind} discovery`);
    assert.deepEqual(
      inner.definitions.map((d) => [d.name, d['action.lua']]),
      actions.map(([n, f]) => [n, read(f)]),
      `${kind} definitions`,
    );
  }
});
