// OwnWrites: which passes wait for their own last write to come back through the informer, and
// for how long; noteWrite: only the reconciled object's own writes are reported.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noteWrite, OwnWrites, withOwnWrites } from '../../src/runtime/own-writes.ts';

describe('OwnWrites', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };

  it('a key whose write the cache has not shown waits, and is resumed when that version arrives', () => {
    const c = clock();
    const w = new OwnWrites(5_000, c.now);
    w.wrote('ns/a', '12');
    c.advance(1_000);
    assert.equal(w.waitFor('ns/a'), 4_000, 'waits the rest of the bound');
    assert.equal(w.seen('ns/a', '11'), false, 'an older version is not the write');
    assert.equal(w.seen('ns/a', '12'), true, 'the write came back: the held pass runs now');
    assert.equal(w.waitFor('ns/a'), undefined, 'and goes ahead');
  });

  it('a write seen before any pass asked is no reason to wait, nor to wake a pass', () => {
    const w = new OwnWrites();
    w.wrote('ns/a', '7');
    assert.equal(w.seen('ns/a', '7'), false);
    assert.equal(w.waitFor('ns/a'), undefined);
  });

  it('a deletion ends the wait', () => {
    const w = new OwnWrites();
    w.wrote('ns/a', '7');
    w.waitFor('ns/a');
    assert.equal(w.seen('ns/a', undefined), true);
  });

  it('never waits past the bound (a write the watch never brings back)', () => {
    const c = clock();
    const w = new OwnWrites(5_000, c.now);
    w.wrote('ns/a', '7');
    c.advance(5_000);
    assert.equal(w.waitFor('ns/a'), undefined);
    assert.equal(w.waitFor('ns/a'), undefined, 'forgotten');
  });

  it('other keys are not held back', () => {
    const w = new OwnWrites();
    w.wrote('ns/a', '7');
    assert.equal(w.waitFor('ns/b'), undefined);
  });
});

describe('noteWrite', () => {
  it("reports the version of a write to the reconciled object's own paths only, never a read", async () => {
    const got: string[] = [];
    await withOwnWrites(
      ['/apis/x/v1/namespaces/n/ws/a', '/apis/x/v1/namespaces/n/ws/a/status'],
      (rv) => got.push(rv),
      async () => {
        noteWrite('PATCH', '/apis/x/v1/namespaces/n/ws/a/status', { metadata: { resourceVersion: '5' } });
        noteWrite('PATCH', '/apis/x/v1/namespaces/n/ws/b/status', { metadata: { resourceVersion: '6' } });
        noteWrite('POST', '/api/v1/namespaces/n/events', { metadata: { resourceVersion: '7' } });
        noteWrite('GET', '/apis/x/v1/namespaces/n/ws/a', { metadata: { resourceVersion: '8' } });
        noteWrite('PATCH', '/apis/x/v1/namespaces/n/ws/a', { metadata: { resourceVersion: '9' } });
      },
    );
    noteWrite('PATCH', '/apis/x/v1/namespaces/n/ws/a', { metadata: { resourceVersion: '10' } });
    assert.deepEqual(got, ['5', '9']);
  });
});
