// untilAborted: a reconcile stops waiting for shared work (a rate-limit token, a read shared with
// other reconciles) when it is cancelled; the work itself is not cancelled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AbortError, untilAborted } from '../../src/aws/abort-scope.ts';

test('the answer when it comes first; the rejection of the work as it is', async () => {
  assert.equal(await untilAborted(Promise.resolve(7), new AbortController().signal, 'x'), 7);
  await assert.rejects(untilAborted(Promise.reject(new Error('AWS said no')), new AbortController().signal, 'x'), /AWS said no/);
});

test('an abort while waiting ends the wait at once, and the work goes on for others', async () => {
  let finish: (v: number) => void = () => undefined;
  const work = new Promise<number>((r) => {
    finish = r;
  });
  const ac = new AbortController();
  const waiting = untilAborted(work, ac.signal, 'shared read');
  ac.abort(new Error('lease lost'));
  await assert.rejects(waiting, (e: unknown) => e instanceof AbortError && /shared read not started.*lease lost/.test(e.message));
  finish(3);
  assert.equal(await work, 3);
});

test('already aborted: refused without waiting, and a later failure of the work is not left unhandled', async () => {
  const ac = new AbortController();
  ac.abort();
  let unhandled = 0;
  const count = () => void unhandled++;
  process.on('unhandledRejection', count);
  try {
    await assert.rejects(untilAborted(Promise.reject(new Error('late')), ac.signal, 'x'), AbortError);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(unhandled, 0);
  } finally {
    process.off('unhandledRejection', count);
  }
});
