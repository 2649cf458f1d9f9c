import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  type Condition,
  type ConditionInput,
  conditionsEqual,
  Reason,
  ready,
  setCondition,
  setConditions,
  synced,
  toKubeTime,
} from '../../src/runtime/conditions.ts';

const T0 = '2025-01-01T00:00:00Z';
const NOW = new Date('2025-06-01T12:00:00.789Z');
const NOW_S = '2025-06-01T12:00:00Z';

const readyTrue: Condition = { type: 'Ready', status: 'True', reason: 'Available', message: 'ok', lastTransitionTime: T0, observedGeneration: 1 };
const syncedTrue: Condition = { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', message: 'ok', lastTransitionTime: T0, observedGeneration: 1 };

describe('setCondition', () => {
  const cases: Array<{ reason: string; list: Condition[] | undefined; cond: ConditionInput; gen: number | undefined; want: Condition[] }> = [
    {
      reason: 'a new type is appended with lastTransitionTime = now (second precision)',
      list: undefined,
      cond: { type: 'Ready', status: 'False', reason: 'Creating', message: 'creating TGW' },
      gen: 3,
      want: [{ type: 'Ready', status: 'False', reason: 'Creating', message: 'creating TGW', lastTransitionTime: NOW_S, observedGeneration: 3 }],
    },
    {
      reason: 'same status keeps lastTransitionTime even when reason, message and generation change',
      list: [readyTrue],
      cond: { type: 'Ready', status: 'True', reason: 'Available', message: 'all good now' },
      gen: 2,
      want: [{ ...readyTrue, message: 'all good now', observedGeneration: 2 }],
    },
    {
      reason: 'a status flip moves lastTransitionTime to now',
      list: [readyTrue],
      cond: { type: 'Ready', status: 'False', reason: 'Unavailable', message: 'peering down' },
      gen: 1,
      want: [{ type: 'Ready', status: 'False', reason: 'Unavailable', message: 'peering down', lastTransitionTime: NOW_S, observedGeneration: 1 }],
    },
    {
      reason: 'True → Unknown is a transition too',
      list: [readyTrue],
      cond: { type: 'Ready', status: 'Unknown', reason: 'Creating', message: '?' },
      gen: 1,
      want: [{ type: 'Ready', status: 'Unknown', reason: 'Creating', message: '?', lastTransitionTime: NOW_S, observedGeneration: 1 }],
    },
    {
      reason: 'other types are left alone and keep their position',
      list: [readyTrue, syncedTrue],
      cond: { type: 'Ready', status: 'False', reason: 'Deleting', message: 'bye' },
      gen: 1,
      want: [{ type: 'Ready', status: 'False', reason: 'Deleting', message: 'bye', lastTransitionTime: NOW_S, observedGeneration: 1 }, syncedTrue],
    },
    {
      reason: 'no generation known: observedGeneration is not set',
      list: [],
      cond: { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', message: 'ok' },
      gen: undefined,
      want: [{ type: 'Synced', status: 'True', reason: 'ReconcileSuccess', message: 'ok', lastTransitionTime: NOW_S }],
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const before = structuredClone(c.list);
      assert.deepEqual(setCondition(c.list, c.cond, c.gen, NOW), c.want);
      assert.deepEqual(c.list, before, 'input list must not be modified');
    });
  }

  it('setConditions applies several in order', () => {
    const got = setConditions([readyTrue], [ready.creating('x'), synced.success()], 4, NOW);
    assert.deepEqual(
      got.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime, c.observedGeneration]),
      [
        ['Ready', 'False', Reason.Creating, NOW_S, 4],
        ['Synced', 'True', Reason.ReconcileSuccess, NOW_S, 4],
      ],
    );
  });
});

describe('condition helpers', () => {
  const cases: Array<{ reason: string; got: ConditionInput; type: string; status: string; why: string }> = [
    { reason: 'ready.available', got: ready.available(), type: 'Ready', status: 'True', why: 'Available' },
    { reason: 'ready.creating', got: ready.creating('m'), type: 'Ready', status: 'False', why: 'Creating' },
    { reason: 'ready.deleting', got: ready.deleting('m'), type: 'Ready', status: 'False', why: 'Deleting' },
    { reason: 'ready.unavailable with a custom reason', got: ready.unavailable('m', 'PeeringPending'), type: 'Ready', status: 'False', why: 'PeeringPending' },
    { reason: 'synced.success', got: synced.success(), type: 'Synced', status: 'True', why: 'ReconcileSuccess' },
    { reason: 'synced.error default reason', got: synced.error('m'), type: 'Synced', status: 'False', why: 'ReconcileError' },
    { reason: 'synced.error with a specific reason', got: synced.error('m', 'RefNotPermitted'), type: 'Synced', status: 'False', why: 'RefNotPermitted' },
    { reason: 'synced.paused', got: synced.paused('paused by the test'), type: 'Synced', status: 'False', why: 'Paused' },
    { reason: 'synced.dryRun', got: synced.dryRun('planned, not applied'), type: 'Synced', status: 'True', why: 'DryRun' },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      assert.equal(c.got.type, c.type);
      assert.equal(c.got.status, c.status);
      assert.equal(c.got.reason, c.why);
      assert.match(c.got.reason, /^[A-Z][A-Za-z]*$/, 'reasons are CamelCase');
      assert.ok(c.got.message.length > 0);
    });
  }

  it('toKubeTime drops milliseconds', () => assert.equal(toKubeTime(NOW), NOW_S));
});

describe('conditionsEqual', () => {
  const cases: Array<{ reason: string; a: Condition[] | undefined; b: Condition[] | undefined; want: boolean }> = [
    { reason: 'both empty', a: undefined, b: [], want: true },
    { reason: 'same list', a: [readyTrue, syncedTrue], b: [readyTrue, syncedTrue], want: true },
    { reason: 'order does not matter', a: [readyTrue, syncedTrue], b: [syncedTrue, readyTrue], want: true },
    { reason: 'a missing type differs', a: [readyTrue], b: [readyTrue, syncedTrue], want: false },
    { reason: 'a different message differs', a: [readyTrue], b: [{ ...readyTrue, message: 'other' }], want: false },
    { reason: 'a different lastTransitionTime differs', a: [readyTrue], b: [{ ...readyTrue, lastTransitionTime: NOW_S }], want: false },
    { reason: 'a different observedGeneration differs', a: [readyTrue], b: [{ ...readyTrue, observedGeneration: 2 }], want: false },
    { reason: 'a different status differs', a: [readyTrue], b: [{ ...readyTrue, status: 'False' }], want: false },
    { reason: 'same length, different types', a: [readyTrue], b: [syncedTrue], want: false },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      assert.equal(conditionsEqual(c.a, c.b), c.want);
      assert.equal(conditionsEqual(c.b, c.a), c.want, 'symmetric');
    });
  }

  it('re-setting the same conditions yields an equal list (no status write needed)', () => {
    const again = setConditions([readyTrue, syncedTrue], [{ type: 'Ready', status: 'True', reason: 'Available', message: 'ok' }], 1, NOW);
    assert.equal(conditionsEqual(again, [readyTrue, syncedTrue]), true);
  });
});
