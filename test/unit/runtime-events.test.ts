import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AGGREGATION_WINDOW_MS, aggregationKey, nextEventAction, type SeenEvent, truncateMessage } from '../../src/runtime/events.ts';
import type { KubeObject } from '../../src/runtime/kube-object.ts';

const pair: KubeObject = {
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'RegionPair',
  metadata: { name: 'prod', namespace: 'platform', uid: 'u1', resourceVersion: '5' },
};
const key = (o: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) => aggregationKey(o, type, reason, message);

describe('aggregationKey', () => {
  const k0 = key(pair, 'Normal', 'Created', 'created tgw-1');
  const cases: Array<{ reason: string; other: string; same: boolean }> = [
    { reason: 'same object, type, reason and message', other: key(pair, 'Normal', 'Created', 'created tgw-1'), same: true },
    {
      reason: 'a newer resourceVersion of the same object still aggregates',
      other: key({ ...pair, metadata: { ...pair.metadata, resourceVersion: '9' } }, 'Normal', 'Created', 'created tgw-1'),
      same: true,
    },
    { reason: 'another message', other: key(pair, 'Normal', 'Created', 'created tgw-2'), same: false },
    { reason: 'another reason', other: key(pair, 'Normal', 'Deleted', 'created tgw-1'), same: false },
    { reason: 'another type', other: key(pair, 'Warning', 'Created', 'created tgw-1'), same: false },
    { reason: 'another object name', other: key({ ...pair, metadata: { ...pair.metadata, name: 'dev' } }, 'Normal', 'Created', 'created tgw-1'), same: false },
    {
      reason: 'same name in another namespace',
      other: key({ ...pair, metadata: { ...pair.metadata, namespace: 'x' } }, 'Normal', 'Created', 'created tgw-1'),
      same: false,
    },
    {
      reason: 'a re-created object (new uid)',
      other: key({ ...pair, metadata: { ...pair.metadata, uid: 'u2' } }, 'Normal', 'Created', 'created tgw-1'),
      same: false,
    },
    { reason: 'another kind with the same name', other: key({ ...pair, kind: 'FailoverPolicy' }, 'Normal', 'Created', 'created tgw-1'), same: false },
    {
      reason: 'fields do not run into each other',
      other: key({ ...pair, metadata: { ...pair.metadata, name: 'prod/platform' } }, 'Normal', 'Created', 'created tgw-1'),
      same: false,
    },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(c.other === k0, c.same));
});

describe('nextEventAction', () => {
  const seen: SeenEvent = { namespace: 'platform', name: 'prod.abc', count: 3, lastSeenMs: 1_000_000 };
  const cases: Array<{ reason: string; seen: SeenEvent | undefined; now: number; want: ReturnType<typeof nextEventAction> }> = [
    { reason: 'never seen: create', seen: undefined, now: 1_000_000, want: { action: 'create' } },
    { reason: 'seen a moment ago: bump the count', seen, now: 1_000_001, want: { action: 'bump', count: 4 } },
    { reason: 'seen just inside the window: bump', seen, now: 1_000_000 + AGGREGATION_WINDOW_MS - 1, want: { action: 'bump', count: 4 } },
    { reason: 'window over: a new Event', seen, now: 1_000_000 + AGGREGATION_WINDOW_MS, want: { action: 'create' } },
  ];
  for (const c of cases) it(c.reason, () => assert.deepEqual(nextEventAction(c.seen, c.now), c.want));

  it('honours a custom window', () => assert.deepEqual(nextEventAction(seen, 1_000_100, 50), { action: 'create' }));
});

describe('truncateMessage', () => {
  it('keeps short messages', () => assert.equal(truncateMessage('hello'), 'hello'));
  it('cuts long ones to 1024 characters with an ellipsis', () => {
    const t = truncateMessage('x'.repeat(5000));
    assert.equal(t.length, 1024);
    assert.ok(t.endsWith('...'));
  });
});
