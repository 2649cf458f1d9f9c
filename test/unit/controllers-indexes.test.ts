// What the spec.regionPairRef index holds for each object: the key of the pair it references,
// so that a RegionPair finds its clients and policies by its own key.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ObjectRef } from '../../src/api/types.ts';
import { pairIndexValue, regionPairRefOf } from '../../src/controllers/shared/indexes.ts';

const obj = (namespace: string, regionPairRef?: ObjectRef) => ({ metadata: { name: 'x', namespace }, spec: regionPairRef ? { regionPairRef } : {} });

describe('regionPairRefOf', () => {
  const cases: Array<{ reason: string; in: ReturnType<typeof obj>; want: string[] }> = [
    { reason: 'a ref without a namespace means the object’s own', in: obj('apps', { name: 'prod' }), want: ['apps/prod'] },
    { reason: 'a ref naming a namespace is indexed there', in: obj('apps', { name: 'prod', namespace: 'platform' }), want: ['platform/prod'] },
    { reason: 'a FailoverPolicy without a pair is in no value', in: obj('apps'), want: [] },
    { reason: 'an empty name references nothing', in: obj('apps', { name: '' }), want: [] },
  ];
  for (const c of cases) it(c.reason, () => assert.deepEqual(regionPairRefOf(c.in), c.want));

  it('a pair finds what references it by its own key', () => {
    const pair = { metadata: { name: 'prod', namespace: 'platform' } };
    assert.deepEqual(regionPairRefOf(obj('apps', { name: 'prod', namespace: 'platform' })), [pairIndexValue(pair)]);
    assert.deepEqual(regionPairRefOf(obj('platform', { name: 'prod' })), [pairIndexValue(pair)]);
  });
});
