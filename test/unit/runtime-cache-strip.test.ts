// What the informer cache keeps of an object (stripForCache) and the contract that lets the
// manager hand cached objects out without a copy: they are deeply frozen, so a caller that
// writes to one fails loudly (ES modules are strict mode) instead of corrupting the cache.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { LAST_APPLIED_ANNOTATION, stripForCache } from '../../src/runtime/informer.ts';
import { deepFreeze, type KubeObject } from '../../src/runtime/kube-object.ts';

const managedFields = [
  { manager: 'kubectl', operation: 'Apply', apiVersion: 'multiregion.dev/v1alpha1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:primary': {} } } },
  { manager: 'multiregion-controller', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': {} } } },
];

function stored(annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'multiregion.dev/v1alpha1',
    kind: 'RegionPair',
    metadata: {
      name: 'a',
      namespace: 'ns',
      uid: '0b1c',
      generation: 3,
      resourceVersion: '42',
      creationTimestamp: '2026-01-01T00:00:00Z',
      deletionTimestamp: '2026-01-02T00:00:00Z',
      labels: { team: 'net' },
      finalizers: ['multiregion.dev/cleanup'],
      ...(annotations && { annotations }),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'ns', uid: 'u' }],
      managedFields,
      selfLink: '/apis/multiregion.dev/v1alpha1/namespaces/ns/regionpairs/a',
    } as KubeObject['metadata'],
    spec: { primary: { region: 'us-east-1' }, secondary: { region: 'us-west-2' } },
    status: { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

describe('stripForCache', () => {
  const cases: Array<{ reason: string; in: KubeObject; dropped: string[]; annotations?: Record<string, string> }> = [
    {
      reason: 'managedFields and selfLink are dropped; command annotations stay',
      in: stored({ 'multiregion.dev/reconcile-now': '1' }),
      dropped: ['managedFields', 'selfLink'],
      annotations: { 'multiregion.dev/reconcile-now': '1' },
    },
    {
      reason: "kubectl's last-applied copy of the object is dropped, the other annotations kept",
      in: stored({ [LAST_APPLIED_ANNOTATION]: '{"apiVersion":"multiregion.dev/v1alpha1"}', 'multiregion.dev/paused': 'true' }),
      dropped: ['managedFields', 'selfLink'],
      annotations: { 'multiregion.dev/paused': 'true' },
    },
    {
      reason: 'annotations that held only the last-applied copy go away entirely',
      in: stored({ [LAST_APPLIED_ANNOTATION]: '{}' }),
      dropped: ['managedFields', 'selfLink', 'annotations'],
    },
    { reason: 'an object without annotations stays without', in: stored(), dropped: ['managedFields', 'selfLink', 'annotations'] },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const out = stripForCache(c.in);
      const meta = out.metadata as unknown as Record<string, unknown>;
      for (const f of c.dropped) assert.equal(f in meta, false, `metadata.${f} dropped`);
      assert.deepEqual(out.metadata.annotations, c.annotations);
      // What status writes, finalizer patches, events and the reconcilers read is all kept.
      const src = c.in.metadata as unknown as Record<string, unknown>;
      for (const f of [
        'name',
        'namespace',
        'uid',
        'generation',
        'resourceVersion',
        'creationTimestamp',
        'deletionTimestamp',
        'labels',
        'finalizers',
        'ownerReferences',
      ]) {
        assert.deepEqual(meta[f], src[f], `metadata.${f} kept`);
      }
      assert.equal(out.apiVersion, c.in.apiVersion);
      assert.equal(out.kind, c.in.kind);
      assert.deepEqual(out.spec, c.in.spec);
      assert.deepEqual(out.status, c.in.status);
    });
  }

  it('leaves its input alone (it builds a new object)', () => {
    const input = stored({ [LAST_APPLIED_ANNOTATION]: '{}', x: 'y' });
    const copy = structuredClone(input);
    stripForCache(input);
    assert.deepEqual(input, copy);
  });
});

describe('cached objects are frozen and shared', () => {
  const cached = deepFreeze(stripForCache(stored({ 'multiregion.dev/paused': 'true' })));
  const writes: Array<{ reason: string; write: (o: KubeObject) => void }> = [
    { reason: 'setting a metadata field', write: (o) => void (o.metadata.resourceVersion = '43') },
    { reason: 'replacing finalizers (what adding a finalizer used to do)', write: (o) => void (o.metadata.finalizers = []) },
    { reason: 'pushing to a nested array', write: (o) => void (o.metadata.finalizers as string[]).push('x') },
    { reason: 'setting status', write: (o) => void (o.status = {}) },
    { reason: 'changing a nested spec field', write: (o) => void ((o.spec as { primary: { region: string } }).primary.region = 'eu-west-1') },
    { reason: 'deleting an annotation', write: (o) => void delete (o.metadata.annotations as Record<string, string>)['multiregion.dev/paused'] },
  ];
  for (const c of writes) it(`${c.reason} throws (strict mode)`, () => assert.throws(() => c.write(cached), TypeError));

  it('a structuredClone is a private, writable copy', () => {
    const mine = structuredClone(cached);
    mine.metadata.finalizers = [];
    (mine.spec as { primary: { region: string } }).primary.region = 'eu-west-1';
    assert.deepEqual(cached.metadata.finalizers, ['multiregion.dev/cleanup']);
    assert.equal((cached.spec as { primary: { region: string } }).primary.region, 'us-east-1');
  });
});
