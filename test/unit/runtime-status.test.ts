import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hasFinalizer, withFinalizer, withoutFinalizer } from '../../src/runtime/finalizers.ts';
import { deepFreeze, objectKey, objectPath } from '../../src/runtime/kube-object.ts';
import { mergePatchFor } from '../../src/runtime/merge-patch.ts';
import { desiredStatus, statusUnchanged } from '../../src/runtime/status.ts';

describe('mergePatchFor', () => {
  const cases: Array<{ reason: string; current: unknown; desired: unknown; want: unknown }> = [
    { reason: 'equal documents need no patch', current: { a: 1, b: { c: [1, 2] } }, desired: { a: 1, b: { c: [1, 2] } }, want: undefined },
    { reason: 'a changed scalar', current: { a: 1 }, desired: { a: 2 }, want: { a: 2 } },
    { reason: 'a dropped key is nulled out', current: { a: 1, gone: 'x' }, desired: { a: 1 }, want: { gone: null } },
    {
      reason: 'nested: only the changed leaf',
      current: { p: { id: 'tgw-1', rt: 'rt-1' } },
      desired: { p: { id: 'tgw-1', rt: 'rt-2' } },
      want: { p: { rt: 'rt-2' } },
    },
    { reason: 'nested drop', current: { p: { id: 'tgw-1', flow: 'fl-1' } }, desired: { p: { id: 'tgw-1' } }, want: { p: { flow: null } } },
    { reason: 'arrays are replaced whole', current: { c: [1, 2, 3] }, desired: { c: [1, 2] }, want: { c: [1, 2] } },
    { reason: 'undefined members count as absent', current: { a: 1 }, desired: { a: 1, b: undefined }, want: undefined },
    { reason: 'a new object member', current: {}, desired: { d: { x: 1 } }, want: { d: { x: 1 } } },
    { reason: 'scalar replaced by an object', current: { d: 'x' }, desired: { d: { x: 1 } }, want: { d: { x: 1 } } },
  ];
  for (const c of cases) it(c.reason, () => assert.deepEqual(mergePatchFor(c.current, c.desired), c.want));
});

describe('status comparison', () => {
  const obj = {
    metadata: { name: 'prod', namespace: 'platform', generation: 4 },
    status: { observedGeneration: 4, phase: 'Healthy', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const cases: Array<{ reason: string; status: Record<string, unknown>; unchanged: boolean }> = [
    {
      reason: 'same status (observedGeneration filled in) → no write',
      status: { phase: 'Healthy', conditions: [{ type: 'Ready', status: 'True' }] },
      unchanged: true,
    },
    { reason: 'a changed field → write', status: { phase: 'FailingOver', conditions: [{ type: 'Ready', status: 'True' }] }, unchanged: false },
    { reason: 'a removed field → write', status: { conditions: [{ type: 'Ready', status: 'True' }] }, unchanged: false },
    {
      reason: 'an added field → write',
      status: { phase: 'Healthy', conditions: [{ type: 'Ready', status: 'True' }], activeRegion: 'us-east-1' },
      unchanged: false,
    },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(statusUnchanged(obj, c.status), c.unchanged));

  it('a new generation makes an otherwise equal status a write', () =>
    assert.equal(
      statusUnchanged({ ...obj, metadata: { ...obj.metadata, generation: 5 } }, { phase: 'Healthy', conditions: [{ type: 'Ready', status: 'True' }] }),
      false,
    ));

  it('desiredStatus sets observedGeneration from metadata.generation', () =>
    assert.deepEqual(desiredStatus(obj, { phase: 'x', observedGeneration: 1 }), { phase: 'x', observedGeneration: 4 }));
});

describe('objectPath', () => {
  const cases: Array<{ reason: string; args: Parameters<typeof objectPath>; want: string }> = [
    {
      reason: 'namespaced CRD status',
      args: ['/apis/multiregion.dev/v1alpha1/regionpairs', 'platform', 'prod', 'status'],
      want: '/apis/multiregion.dev/v1alpha1/namespaces/platform/regionpairs/prod/status',
    },
    {
      reason: 'namespaced CRD object',
      args: ['/apis/multiregion.dev/v1alpha1/failoverpolicies', 'apps', 'orders'],
      want: '/apis/multiregion.dev/v1alpha1/namespaces/apps/failoverpolicies/orders',
    },
    { reason: 'core kind', args: ['/api/v1/secrets', 'apps', 'orders-db'], want: '/api/v1/namespaces/apps/secrets/orders-db' },
    { reason: 'cluster-scoped', args: ['/api/v1/namespaces', undefined, 'apps'], want: '/api/v1/namespaces/apps' },
    { reason: 'trailing slash tolerated', args: ['/apis/g/v1/widgets/', 'n', 'w'], want: '/apis/g/v1/namespaces/n/widgets/w' },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(objectPath(...c.args), c.want));

  it('objectKey is namespace/name, /name when cluster-scoped', () => {
    assert.equal(objectKey({ metadata: { name: 'a', namespace: 'n' } }), 'n/a');
    assert.equal(objectKey({ metadata: { name: 'a' } }), '/a');
  });
});

describe('deepFreeze', () => {
  it('makes nested members immutable', () => {
    const o = deepFreeze({ metadata: { name: 'a', finalizers: ['x'] }, status: { conditions: [{ type: 'Ready' }] } });
    assert.throws(() => {
      (o.metadata as { name: string }).name = 'b';
    }, TypeError);
    assert.throws(() => {
      o.metadata.finalizers.push('y');
    }, TypeError);
    assert.throws(() => {
      (o.status.conditions[0] as { type: string }).type = 'x';
    }, TypeError);
    assert.equal(structuredClone(o).metadata.finalizers.push('y'), 2, 'a clone is mutable');
  });
});

describe('finalizer helpers', () => {
  const F = 'multiregion.dev/finalizer';
  const cases: Array<{ reason: string; list: string[] | undefined; has: boolean; added: string[]; removed: string[] }> = [
    { reason: 'no finalizers', list: undefined, has: false, added: [F], removed: [] },
    { reason: 'ours only', list: [F], has: true, added: [F], removed: [] },
    { reason: "someone else's is kept", list: ['other/x'], has: false, added: ['other/x', F], removed: ['other/x'] },
    { reason: 'both', list: ['other/x', F], has: true, added: ['other/x', F], removed: ['other/x'] },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      assert.equal(hasFinalizer({ metadata: { finalizers: c.list } }, F), c.has);
      assert.deepEqual(withFinalizer(c.list, F), c.added);
      assert.deepEqual(withoutFinalizer(c.list, F), c.removed);
    });
  }
});
