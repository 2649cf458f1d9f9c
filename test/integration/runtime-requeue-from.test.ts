// A pass that sets a timer from what it observed (a FailoverPolicy's unhealthyForSeconds) and then
// goes on working must come back when the timer runs out, not that long after the pass ended:
// ReconcileResult.requeueFrom says when the delay started counting. Without it, a wave of passes
// that each took a while would fire their failovers late by their own length.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReconcileResult } from '../../src/runtime/reconciler.ts';
import { waitFor } from '../env/ports.ts';
import { createWidget, type TestCluster, uniqueName, widgetManager } from './runtime-fixtures.ts';

/** The timer each first pass sets, and how long the rest of that pass takes after setting it. */
const TIMER_MS = 3_000;
const REST_OF_PASS_MS = 3_000;

let cluster: TestCluster;
let ns: string;
let stop: (() => Promise<void>) | undefined;
/** When each pass of an object started (performance.now()), by name. */
const starts = new Map<string, number[]>();

before(async () => {
  ({ cluster, ns, stop } = await widgetManager('rt-requeue-from', () => async (key): Promise<ReconcileResult | undefined> => {
    const at = performance.now();
    const seen = [...(starts.get(key.name) ?? []), at];
    starts.set(key.name, seen);
    if (seen.length > 1) return undefined;
    await sleep(REST_OF_PASS_MS);
    return key.name.startsWith('from-') ? { requeueAfterMs: TIMER_MS, requeueFrom: at } : { requeueAfterMs: TIMER_MS };
  }));
});

after(async () => stop?.());

test('a requeue counted from the pass’s own decision comes back when its timer runs out, not that long after the pass', async () => {
  const timed = uniqueName('from');
  const plain = uniqueName('plain');
  await Promise.all([createWidget(cluster.kc, ns, timed), createWidget(cluster.kc, ns, plain)]);
  await waitFor('both second passes', async () => (starts.get(timed)?.length ?? 0) > 1 && (starts.get(plain)?.length ?? 0) > 1, 30_000);
  const gap = (name: string): number => {
    const [first, second] = starts.get(name)!;
    return second! - first!;
  };
  // The timer alone: 3 s after the first pass started. Counted from the pass's end: 6 s.
  assert.ok(gap(timed) >= TIMER_MS - 50 && gap(timed) < TIMER_MS + REST_OF_PASS_MS - 1_000, `from the decision: ${Math.round(gap(timed))} ms`);
  assert.ok(gap(plain) >= TIMER_MS + REST_OF_PASS_MS - 50, `from the pass's end: ${Math.round(gap(plain))} ms`);
});
