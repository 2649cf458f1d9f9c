import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ANNOTATIONS, COMMAND_ANNOTATIONS } from '../../src/api/types.ts';
import type { KubeObject } from '../../src/runtime/kube-object.ts';
import { anyChange, shouldEnqueueUpdate } from '../../src/runtime/predicates.ts';

const base: KubeObject = {
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'RegionPair',
  metadata: {
    name: 'prod',
    namespace: 'platform',
    generation: 3,
    resourceVersion: '100',
    annotations: { 'team.example/owner': 'net', 'multiregion.dev/paused': 'false' },
    labels: { env: 'prod' },
    finalizers: ['multiregion.dev/finalizer'],
  },
  spec: { primary: { region: 'us-east-1' } },
  status: { observedGeneration: 3 },
};

type Change = (o: KubeObject) => void;
const changed = (fn: Change): KubeObject => {
  const o = structuredClone(base);
  o.metadata.resourceVersion = '101';
  fn(o);
  return o;
};

// The cases use this API's command annotations, as main.ts hands them to the runtime.
describe('shouldEnqueueUpdate', () => {
  const cases: Array<{ reason: string; change: Change; want: boolean }> = [
    {
      reason: 'a spec change bumps generation',
      change: (o) => {
        o.metadata.generation = 4;
      },
      want: true,
    },
    {
      reason: 'a status-only write does not',
      change: (o) => {
        o.status = { observedGeneration: 3, conditions: [] };
      },
      want: false,
    },
    {
      reason: 'an unrelated annotation does not',
      change: (o) => {
        o.metadata.annotations!['team.example/owner'] = 'db';
      },
      want: false,
    },
    {
      reason: 'a label change does not',
      change: (o) => {
        o.metadata.labels = { env: 'staging' };
      },
      want: false,
    },
    {
      reason: 'deletion requested',
      change: (o) => {
        o.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
      },
      want: true,
    },
    {
      reason: 'a finalizer removed (by someone)',
      change: (o) => {
        o.metadata.finalizers = [];
      },
      want: true,
    },
    {
      reason: 'a finalizer added',
      change: (o) => {
        o.metadata.finalizers!.push('other/x');
      },
      want: true,
    },
    {
      reason: 'reconcile-now set',
      change: (o) => {
        o.metadata.annotations!['multiregion.dev/reconcile-now'] = '1';
      },
      want: true,
    },
    {
      reason: 'paused flipped',
      change: (o) => {
        o.metadata.annotations!['multiregion.dev/paused'] = 'true';
      },
      want: true,
    },
    {
      reason: 'paused removed',
      change: (o) => {
        delete o.metadata.annotations!['multiregion.dev/paused'];
      },
      want: true,
    },
    {
      reason: 'dry-run set',
      change: (o) => {
        o.metadata.annotations!['multiregion.dev/dry-run'] = 'true';
      },
      want: true,
    },
    {
      reason: 'drill-now set',
      change: (o) => {
        o.metadata.annotations!['multiregion.dev/drill-now'] = 'x';
      },
      want: true,
    },
    {
      reason: 'accept-data-loss set (the break-glass a blocked failover waits for)',
      change: (o) => {
        o.metadata.annotations!['multiregion.dev/accept-data-loss'] = '2026-01-02T03:04:05.678Z';
      },
      want: true,
    },
    {
      reason: 'annotations map removed entirely (command annotation gone)',
      change: (o) => {
        delete o.metadata.annotations;
      },
      want: true,
    },
    { reason: 'nothing but the resourceVersion (a relist echo)', change: () => {}, want: false },
  ];
  for (const c of cases) {
    it(c.reason, () => assert.equal(shouldEnqueueUpdate(changed(c.change), base, COMMAND_ANNOTATIONS), c.want));
  }

  it('a new accept-data-loss value wakes it again (each value is used once)', () => {
    const withValue = (v: string) =>
      changed((o) => {
        o.metadata.annotations!['multiregion.dev/accept-data-loss'] = v;
      });
    assert.equal(shouldEnqueueUpdate(withValue('2026-01-02T03:05:00.000Z'), withValue('2026-01-02T03:04:00.000Z'), COMMAND_ANNOTATIONS), true);
    assert.equal(shouldEnqueueUpdate(withValue('2026-01-02T03:04:00.000Z'), withValue('2026-01-02T03:04:00.000Z'), COMMAND_ANNOTATIONS), false);
  });

  it("the API's command list is every annotation of the API (all but the controller's own create-pending record)", () => {
    const { createPending, ...commands } = ANNOTATIONS;
    assert.deepEqual([...COMMAND_ANNOTATIONS].sort(), Object.values(commands).sort());
    assert.equal(COMMAND_ANNOTATIONS.includes(createPending), false, 'the controller writes create-pending itself; waking on it would loop');
  });

  it('only the annotations the caller names wake it', () => {
    const n = changed((o) => {
      o.metadata.annotations!['team.example/owner'] = 'db';
    });
    assert.equal(shouldEnqueueUpdate(n, base, ['team.example/owner']), true);
    const p = changed((o) => {
      o.metadata.annotations!['multiregion.dev/paused'] = 'true';
    });
    assert.equal(shouldEnqueueUpdate(p, base, ['team.example/owner']), false);
  });
});

describe('anyChange', () => {
  it('fires on a status-only change (a dependent needs the new status)', () =>
    assert.equal(
      anyChange(
        changed((o) => {
          o.status = { x: 1 };
        }),
        base,
      ),
      true,
    ));
  it('not when the resourceVersion is the same', () => assert.equal(anyChange(structuredClone(base), base), false));
});
