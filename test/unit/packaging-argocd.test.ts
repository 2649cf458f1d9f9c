// Runs deploy/argocd/health-*.lua under lua5.4 with sample objects, the way Argo CD does:
// a global `obj`, the script's returned table read for status and message.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Json, toLua } from './lua-value.ts';
import { debianTool, deployDir, repoRoot, run } from './packaging-tools.ts';

function health(script: string, obj: Json): { status: string; message: string } {
  const harness = [`obj = ${toLua(obj)}`, `local hs = dofile(${toLua(script)})`, 'io.write(tostring(hs.status), "\\n", tostring(hs.message))'].join('\n');
  const out = run(debianTool('lua5.4'), ['-'], { input: harness }).stdout;
  const [status = '', ...rest] = out.split('\n');
  return { status, message: rest.join('\n') };
}

const kinds = ['RegionPair', 'FailoverPolicy', 'ClientConnection'] as const;
type Kind = (typeof kinds)[number];
const scriptOf = (k: Kind) => join(deployDir, 'argocd', `health-${k.toLowerCase()}.lua`);

const cond = (type: string, status: string, reason: string, message = '') => ({ type, status, reason, message });
const ready = cond('Ready', 'True', 'Available', 'all resources converged');
const synced = cond('Synced', 'True', 'ReconcileSuccess');

function object(o: { annotations?: Record<string, string>; generation?: number; deleting?: boolean; status?: Record<string, Json> | null }): Json {
  const metadata: Record<string, Json> = { name: 'prod', namespace: 'platform', generation: o.generation ?? 3 };
  if (o.annotations) metadata.annotations = o.annotations;
  if (o.deleting) metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
  const obj: Record<string, Json> = { apiVersion: 'multiregion.dev/v1alpha1', metadata, spec: {} };
  if (o.status !== null) obj.status = { observedGeneration: 3, conditions: [ready, synced], ...(o.status ?? {}) };
  return obj;
}

interface Case {
  reason: string;
  kinds?: readonly Kind[];
  obj: Json;
  status: string;
  message?: RegExp;
}

const cases: Case[] = [
  {
    reason: 'the paused annotation wins over everything',
    obj: object({ annotations: { 'multiregion.dev/paused': 'true' }, status: { conditions: [cond('Ready', 'False', 'Unavailable')] } }),
    status: 'Suspended',
    message: /paused/i,
  },
  { reason: 'paused "false" is not paused', obj: object({ annotations: { 'multiregion.dev/paused': 'false' } }), status: 'Healthy' },
  { reason: 'no status yet: the controller has not seen it', obj: object({ status: null }), status: 'Progressing', message: /generation 3/ },
  { reason: 'a newer generation than the one observed', obj: object({ generation: 4 }), status: 'Progressing', message: /generation 4/ },
  { reason: 'being deleted', obj: object({ deleting: true }), status: 'Progressing', message: /Deleting/ },
  { reason: 'Ready True and Synced True', obj: object({}), status: 'Healthy' },
  { reason: 'Ready missing', obj: object({ status: { conditions: [synced] } }), status: 'Progressing', message: /Ready/ },
  {
    reason: 'Ready Unknown',
    obj: object({ status: { conditions: [cond('Ready', 'Unknown', 'Reconciling', 'first reconcile'), synced] } }),
    status: 'Progressing',
    message: /first reconcile/,
  },
  {
    reason: 'Ready False while creating',
    obj: object({ status: { conditions: [cond('Ready', 'False', 'Creating', 'creating the transit gateway'), synced] } }),
    status: 'Progressing',
    message: /^Creating: creating the transit gateway$/,
  },
  {
    reason: 'Ready False waiting for the peer',
    obj: object({ status: { conditions: [cond('Ready', 'False', 'PendingAcceptance', 'peering awaits acceptance'), synced] } }),
    status: 'Progressing',
  },
  {
    reason: 'Ready False for a broken resource',
    obj: object({ status: { conditions: [cond('Ready', 'False', 'Unavailable', 'the TGW was deleted outside'), synced] } }),
    status: 'Degraded',
    message: /^Unavailable: the TGW was deleted outside$/,
  },
  {
    reason: 'Synced False outranks Ready True',
    obj: object({ status: { conditions: [ready, cond('Synced', 'False', 'RefNotPermitted', 'namespace apps is not in allowedNamespaces')] } }),
    status: 'Degraded',
    message: /^RefNotPermitted: namespace apps/,
  },
  {
    reason: 'Synced False with a reconcile error',
    obj: object({ status: { conditions: [ready, cond('Synced', 'False', 'ReconcileError', 'AccessDenied')] } }),
    status: 'Degraded',
    message: /AccessDenied/,
  },
  {
    reason: 'Synced Paused left over after the annotation went away',
    obj: object({ status: { conditions: [ready, cond('Synced', 'False', 'Paused', 'paused')] } }),
    status: 'Progressing',
  },
  {
    reason: 'RegionPair says the peering state when healthy',
    kinds: ['RegionPair'],
    obj: object({ status: { peering: { attachmentId: 'tgw-attach-1', state: 'available' } } }),
    status: 'Healthy',
    message: /^Peering available$/,
  },
  {
    reason: 'ClientConnection names its dashboard when healthy',
    kinds: ['ClientConnection'],
    obj: object({ status: { dashboardName: 'acme-prod' } }),
    status: 'Healthy',
    message: /^Dashboard acme-prod$/,
  },
  {
    reason: 'FailoverPolicy phase Degraded even with Ready True',
    kinds: ['FailoverPolicy'],
    obj: object({ status: { phase: 'Degraded', conditions: [ready, synced, cond('FailoverReady', 'False', 'ReplicaMissing', 'no replica in us-west-2')] } }),
    status: 'Degraded',
    message: /no replica in us-west-2/,
  },
  {
    reason: 'FailoverPolicy failing over',
    kinds: ['FailoverPolicy'],
    obj: object({ status: { phase: 'FailingOver', activeRegion: 'us-east-1' } }),
    status: 'Progressing',
    message: /FailingOver, active region us-east-1/,
  },
  {
    reason: 'FailoverPolicy failing back',
    kinds: ['FailoverPolicy'],
    obj: object({ status: { phase: 'FailingBack' } }),
    status: 'Progressing',
    message: /FailingBack/,
  },
  {
    reason: 'FailoverPolicy failed over and settled',
    kinds: ['FailoverPolicy'],
    obj: object({ status: { phase: 'FailedOver', activeRegion: 'us-west-2' } }),
    status: 'Healthy',
    message: /^Active region us-west-2$/,
  },
  {
    reason: 'FailoverPolicy healthy but the standby is not ready: says so',
    kinds: ['FailoverPolicy'],
    obj: object({
      status: { phase: 'Healthy', activeRegion: 'us-east-1', conditions: [ready, synced, cond('FailoverReady', 'False', 'ReplicaLagging', 'lag 120s > 60s')] },
    }),
    status: 'Healthy',
    message: /standby not ready: lag 120s > 60s/,
  },
  {
    reason: 'FailoverPolicy with an accelerator: the dials are in the healthy message',
    kinds: ['FailoverPolicy'],
    obj: object({ status: { activeRegion: 'us-east-1', globalAccelerator: { status: 'DEPLOYED', dials: { primary: 100, secondary: 0 } } } }),
    status: 'Healthy',
    message: /^Active region us-east-1; GA dials P:100 S:0$/,
  },
  {
    reason: 'FailoverPolicy whose accelerator is IN_PROGRESS is Progressing, with the dials',
    kinds: ['FailoverPolicy'],
    obj: object({ status: { activeRegion: 'us-east-1', globalAccelerator: { status: 'IN_PROGRESS', dials: { primary: 100, secondary: 0 } } } }),
    status: 'Progressing',
    message: /^Global Accelerator IN_PROGRESS: a change is deploying; GA dials P:100 S:0$/,
  },
  {
    reason: 'FailoverPolicy in a gradual shift is Progressing, with its step and dials',
    kinds: ['FailoverPolicy'],
    obj: object({
      status: {
        activeRegion: 'us-east-1',
        globalAccelerator: {
          status: 'DEPLOYED',
          dials: { primary: 50, secondary: 50 },
          shift: { from: 'us-east-1', to: 'us-west-2', step: 1, stepAt: '2026-01-01T00:00:00Z', startedAt: '2026-01-01T00:00:00Z' },
        },
      },
    }),
    status: 'Progressing',
    message: /^Shifting traffic to us-west-2, step 2; GA dials P:50 S:50$/,
  },
  {
    reason: 'FailoverPolicy whose shift rolled back is Degraded and says why',
    kinds: ['FailoverPolicy'],
    obj: object({
      status: {
        globalAccelerator: {
          status: 'DEPLOYED',
          dials: { primary: 100, secondary: 0 },
          shift: { from: 'us-east-1', to: 'us-west-2', step: 1, rolledBack: true, message: 'us-west-2 turned Unhealthy at 50%' },
        },
      },
    }),
    status: 'Degraded',
    message: /^Shift to us-west-2 rolled back: us-west-2 turned Unhealthy at 50%; GA dials P:100 S:0$/,
  },
  {
    reason: 'FailoverPolicy not Ready for a broken reason stays Degraded with an accelerator IN_PROGRESS',
    kinds: ['FailoverPolicy'],
    obj: object({
      status: {
        conditions: [cond('Ready', 'False', 'RecordConflict', 'foreign record'), synced],
        globalAccelerator: { status: 'IN_PROGRESS', dials: { primary: 100 } },
      },
    }),
    status: 'Degraded',
    message: /^RecordConflict: foreign record; GA dials P:100 S:\?$/,
  },
];

for (const c of cases) {
  for (const kind of c.kinds ?? kinds) {
    test(`argocd health ${kind}: ${c.reason}`, () => {
      const got = health(scriptOf(kind), c.obj);
      assert.equal(got.status, c.status, `message was: ${got.message}`);
      if (c.message) assert.match(got.message, c.message);
    });
  }
}

test('toLua escapes quotes, backslashes and newlines', () => {
  const tricky = 'a "quoted" \\ path\nnext';
  const out = run(debianTool('lua5.4'), ['-'], { input: `io.write(${toLua(tricky)})` }).stdout;
  assert.equal(out, tricky);
});

test('docs/argocd.md embeds each health script verbatim', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'argocd.md'), 'utf8');
  for (const kind of kinds) {
    const key = `resource.customizations.health.multiregion.dev_${kind}: |`;
    const at = doc.indexOf(key);
    assert.ok(at >= 0, `docs/argocd.md lacks ${key}`);
    const indent = /\n( *)\S/.exec(doc.slice(at + key.length))?.[1] ?? '';
    const body = readFileSync(scriptOf(kind), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (l ? indent + l : l))
      .join('\n');
    assert.ok(doc.slice(at).includes(body), `the ${kind} script in docs/argocd.md differs from ${scriptOf(kind)}`);
  }
});
