// The coalesced reads on their own (src/aws/rds/coalesced-reads.ts): many askers of one turn go out
// in one read; an answer never comes from a read sent before its question; a read that is slow
// stops holding new questions back; failures reach only the askers of the failed read (or, when
// AWS refused a read of several keys, only the key at fault); a cancelled asker stops waiting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError, withAbortSignal } from '../../src/aws/abort-scope.ts';
import { CoalescedReads } from '../../src/aws/rds/coalesced-reads.ts';

/** A fetch whose answers the test releases; it records the keys of every call it was given. */
function gate() {
  const calls: string[][] = [];
  const open: Array<{ keys: string[]; resolve: (m: Map<string, string>) => void; reject: (e: unknown) => void }> = [];
  const fetch = (keys: string[]) =>
    new Promise<Map<string, string>>((resolve, reject) => {
      calls.push([...keys]);
      open.push({ keys, resolve, reject });
    });
  /** Answers the oldest open call: every key found, valued `<key>@<call number>`. */
  const answer = (missing: string[] = []) => {
    const c = open.shift()!;
    const n = calls.length - open.length;
    c.resolve(new Map(c.keys.filter((k) => !missing.includes(k)).map((k) => [k, `${k}@${n}`])));
  };
  const fail = (err: unknown) => open.shift()!.reject(err);
  return {
    fetch,
    calls,
    answer,
    fail,
    get open() {
      return open.length;
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));
/** A few turns: a read that ended schedules the next one on a later turn. */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await turn();
};

test('askers of one turn share one read, each gets its own key; a key not found is undefined', async () => {
  const g = gate();
  const reads = new CoalescedReads(g.fetch);
  const asked = ['db-1', 'db-2', 'db-3', 'db-2', 'gone'].map((k) => reads.read(k));
  await turn();
  assert.deepEqual(g.calls, [['db-1', 'db-2', 'db-3', 'gone']], 'one call, each key once');
  g.answer(['gone']);
  assert.deepEqual(await Promise.all(asked), ['db-1@1', 'db-2@1', 'db-3@1', 'db-2@1', undefined]);
});

test('a question asked while a read is out waits for the next read, and everything asked meanwhile goes in it', async () => {
  const g = gate();
  const reads = new CoalescedReads(g.fetch, { patienceMs: 60_000 });
  const first = reads.read('db-1');
  await turn();
  // Asked after the first read was sent, for the same key and others: never answered by it.
  const later = [reads.read('db-1'), reads.read('db-2'), reads.read('db-3')];
  await turn();
  assert.equal(g.calls.length, 1, 'held back while the first read is out');
  g.answer();
  assert.equal(await first, 'db-1@1');
  await turns();
  assert.deepEqual(g.calls[1], ['db-1', 'db-2', 'db-3'], 'one second read for all three');
  g.answer();
  assert.deepEqual(await Promise.all(later), ['db-1@2', 'db-2@2', 'db-3@2'], 'answered by the read sent after they asked');
});

test('a read out longer than patience no longer holds new questions back (a dead region costs one timeout, not two)', async () => {
  const g = gate();
  const reads = new CoalescedReads(g.fetch, { patienceMs: 30 });
  void reads.read('db-1').catch(() => undefined);
  await turn();
  const t0 = performance.now();
  const second = reads.read('db-2');
  while (g.calls.length < 2 && performance.now() - t0 < 2_000) await sleep(5);
  assert.equal(g.calls.length, 2, 'the second read went out while the first was still out');
  assert.ok(performance.now() - t0 < 1_000, 'after about the patience, not when the first read ended');
  g.answer();
  g.answer();
  assert.equal(await second, 'db-2@2');
});

test('more keys than one call takes: several calls of one read, each answering its own keys', async () => {
  const g = gate();
  const reads = new CoalescedReads(g.fetch, { maxKeys: 2 });
  const asked = ['a', 'b', 'c', 'd', 'e'].map((k) => reads.read(k));
  await turn();
  assert.deepEqual(g.calls, [['a', 'b'], ['c', 'd'], ['e']]);
  g.answer();
  g.answer();
  g.answer();
  assert.deepEqual(await Promise.all(asked), ['a@1', 'b@1', 'c@2', 'd@2', 'e@3']);
});

test('a failed read rejects its own askers only; the next read is sent anew', async () => {
  const g = gate();
  const reads = new CoalescedReads(g.fetch, { patienceMs: 60_000 });
  const first = reads.read('db-1');
  await turn();
  const later = reads.read('db-1');
  const down = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
  g.fail(down);
  await assert.rejects(first, /ETIMEDOUT/);
  await turns();
  assert.equal(g.calls.length, 2, 'the question asked meanwhile is sent in a read of its own');
  g.answer();
  assert.equal(await later, 'db-1@2');
});

test('AWS refusing a read of several keys: each key is read alone, so only the key at fault fails', async () => {
  const refused = Object.assign(new Error('bad identifier'), { $metadata: { httpStatusCode: 400 } });
  const calls: string[][] = [];
  const reads = new CoalescedReads<string>(
    async (keys) => {
      calls.push(keys);
      if (keys.includes('BAD')) throw refused;
      return new Map(keys.map((k) => [k, `${k}!`]));
    },
    { splitOn: (e) => e === refused },
  );
  const [a, bad, b] = [reads.read('a'), reads.read('BAD'), reads.read('b')];
  assert.equal(await a, 'a!');
  assert.equal(await b, 'b!');
  await assert.rejects(bad, /bad identifier/);
  assert.deepEqual(calls, [['a', 'BAD', 'b'], ['a'], ['BAD'], ['b']]);
});

test("an error that is not the request's fault fails the whole read, without a call per key", async () => {
  const calls: string[][] = [];
  const reads = new CoalescedReads<string>(
    async (keys) => {
      calls.push(keys);
      throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    },
    { splitOn: () => false },
  );
  const asked = [reads.read('a'), reads.read('b')];
  for (const p of asked) await assert.rejects(p, /Rate exceeded/);
  assert.equal(calls.length, 1);
});

test('a cancelled asker stops waiting at once; the read still answers the others', async () => {
  const g = gate();
  const reads = new CoalescedReads(g.fetch);
  const ac = new AbortController();
  const cancelled = withAbortSignal(ac.signal, () => reads.read('db-1'));
  const other = reads.read('db-2');
  await turn();
  ac.abort(new Error('lease lost'));
  await assert.rejects(cancelled, (e: unknown) => e instanceof AbortError);
  g.answer();
  assert.equal(await other, 'db-2@1');
});
