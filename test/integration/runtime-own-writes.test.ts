// Read-your-own-writes (src/runtime/own-writes.ts) against a real kube-apiserver: a reconcile that
// writes its status and asks to run again at once must see that write in its next pass. Without
// the guard the next pass often starts before the watch event reaches the cache, and works from
// the status of two passes ago (a RegionPair then labelled its own new VPC route as pre-existing).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kubeRequest, MERGE_PATCH } from '../../src/runtime/kube-request.ts';
import type { ObjectKey } from '../../src/runtime/reconciler.ts';
import { waitFor } from '../env/ports.ts';
import { createWidget, type TestCluster, uniqueName, type Widget, widgetManager, widgetPath } from './runtime-fixtures.ts';

const KIND = 'Widget';
const PASSES = 25;

let cluster: TestCluster;
let ns: string;
let stop: (() => Promise<void>) | undefined;
/** The status.count each pass found in the cache, by object name. */
const seen = new Map<string, number[]>();

before(async () => {
  ({ cluster, ns, stop } = await widgetManager('rt-own-writes', (manager, c, namespace) => async (key: ObjectKey) => {
    const w = manager.getCached<Widget>(KIND, key);
    if (!w) return;
    const count = Number(w.status?.count ?? 0);
    seen.set(key.name, [...(seen.get(key.name) ?? []), count]);
    if (count >= PASSES) return;
    await kubeRequest(c.kc, {
      method: 'PATCH',
      path: widgetPath(namespace, key.name, 'status'),
      contentType: MERGE_PATCH,
      body: { status: { count: count + 1 } },
    });
    // Run again at once: the pass that follows must start from this write.
    return { requeueAfterMs: 1 };
  }));
});

after(async () => stop?.());

test('a pass right after a status write sees that write, never the status before it', async () => {
  const names = [uniqueName('ow'), uniqueName('ow'), uniqueName('ow')];
  for (const n of names) await createWidget(cluster.kc, ns, n);
  await waitFor('every widget counted to the end', async () => names.every((n) => (seen.get(n) ?? []).includes(PASSES)), 60_000, 50);
  for (const n of names) {
    const counts = seen.get(n) ?? [];
    // Once at the end, a pass may run again with nothing to do (the fallback wake-up): only the count matters.
    const repeated = counts.filter((c, i) => i > 0 && c < PASSES && c <= counts[i - 1]!);
    assert.deepEqual(repeated, [], `${n}: passes that read a status older than their own last write (counts seen: ${counts.join(',')})`);
  }
});
