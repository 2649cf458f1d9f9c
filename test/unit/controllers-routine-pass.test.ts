// Which passes may take shared AWS lists as old as a drift wave: only an object nothing has
// changed since this process last reconciled it, Ready and Synced.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANNOTATIONS, type AnyKind } from '../../src/api/types.ts';
import { RoutinePasses, routineReadAgeMs } from '../../src/controllers/shared/routine-pass.ts';

const key = { namespace: 'net', name: 'eu' };
function pair(o: { gen?: number; token?: string; ready?: 'True' | 'False'; synced?: 'True' | 'False'; observed?: number; condGen?: number } = {}): AnyKind {
  const gen = o.gen ?? 3;
  const cond = (type: string, status: string) => ({ type, status, reason: 'x', message: '', lastTransitionTime: '', observedGeneration: o.condGen ?? gen });
  return {
    apiVersion: 'multiregion.dev/v1alpha1',
    kind: 'RegionPair',
    metadata: { name: 'eu', namespace: 'net', generation: gen, annotations: o.token ? { [ANNOTATIONS.reconcileNow]: o.token } : {} },
    spec: {},
    status: { observedGeneration: o.observed ?? gen, conditions: [cond('Ready', o.ready ?? 'True'), cond('Synced', o.synced ?? 'True')] },
  } as unknown as AnyKind;
}

describe('RoutinePasses', () => {
  it('the first pass of this process is never routine; the next pass over the same object is', () => {
    const r = new RoutinePasses();
    assert.equal(r.isRoutine(key, pair()), false);
    r.passed(key, pair());
    assert.equal(r.isRoutine(key, pair()), true);
  });

  const fresh: Array<[string, AnyKind]> = [
    ['a spec change (new generation)', pair({ gen: 4 })],
    ['a new reconcile-now value', pair({ token: '2026-12-04T06:00:00Z' })],
    ['not Ready', pair({ ready: 'False' })],
    ['Synced=False (the last pass failed)', pair({ synced: 'False' })],
    ['conditions of an older generation', pair({ condGen: 2 })],
    ['status of an older generation', pair({ observed: 2 })],
  ];
  for (const [why, obj] of fresh) {
    it(`reads fresh after ${why}`, () => {
      const r = new RoutinePasses();
      r.passed(key, pair());
      assert.equal(r.isRoutine(key, obj), false);
    });
  }

  it('a failed or forgotten key starts over', () => {
    const r = new RoutinePasses();
    r.passed(key, pair());
    r.forget(key);
    assert.equal(r.isRoutine(key, pair()), false);
    assert.equal(r.isRoutine({ namespace: 'other', name: 'eu' }, pair()), false, 'per key');
  });

  it('the accepted age is most of one drift interval: a wave shares one read, the next wave reads again', () => {
    assert.equal(routineReadAgeMs(300_000), 240_000);
    assert.ok(routineReadAgeMs(20_000) < 20_000 * 0.9, 'under the earliest next pass (−10 % jitter)');
  });
});
