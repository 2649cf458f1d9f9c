import { strict as assert } from 'node:assert';
import { describe, it, mock } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type BackoffOptions, backoffDelay } from '../../src/runtime/backoff.ts';
import { DEFAULT_QUEUE_BACKOFF, WorkQueue } from '../../src/runtime/workqueue.ts';

describe('WorkQueue coalescing', () => {
  const cases: Array<{ reason: string; adds: string[]; len: number }> = [
    { reason: 'one key added three times is queued once', adds: ['a', 'a', 'a'], len: 1 },
    { reason: 'distinct keys each get an entry', adds: ['a', 'b', 'c'], len: 3 },
    { reason: 'interleaved duplicates collapse onto the first entry', adds: ['a', 'b', 'a', 'b', 'c'], len: 3 },
    { reason: 'nothing added, nothing queued', adds: [], len: 0 },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const q = new WorkQueue();
      for (const k of c.adds) q.add(k);
      assert.equal(q.len(), c.len);
    });
  }

  it('reports depth through the callback', () => {
    const depths: number[] = [];
    const q = new WorkQueue({ onDepth: (d) => depths.push(d) });
    q.add('a');
    q.add('a');
    q.add('b');
    assert.deepEqual(depths, [1, 2]);
  });
});

describe('WorkQueue processing', () => {
  it('never hands one key to two workers, and re-queues a key added while it was processing', async () => {
    const q = new WorkQueue();
    const running = new Map<string, number>();
    let maxConcurrentSameKey = 0;
    const processed: string[] = [];
    const pool = q.run(4, async (key) => {
      running.set(key, (running.get(key) ?? 0) + 1);
      maxConcurrentSameKey = Math.max(maxConcurrentSameKey, running.get(key)!);
      processed.push(key);
      await delay(30);
      running.set(key, running.get(key)! - 1);
    });
    q.add('a');
    await delay(5); // 'a' is now being processed
    assert.equal(q.isProcessing('a'), true);
    q.add('a');
    q.add('a'); // coalesces with the previous re-add
    q.add('b');
    await delay(120);
    pool.stop();
    await pool.finished;
    assert.equal(maxConcurrentSameKey, 1);
    assert.deepEqual(processed.filter((k) => k === 'a').length, 2);
    assert.deepEqual(processed.filter((k) => k === 'b').length, 1);
  });

  it('runs different keys in parallel up to the worker count', async () => {
    const q = new WorkQueue();
    let running = 0;
    let peak = 0;
    const pool = q.run(3, async () => {
      peak = Math.max(peak, ++running);
      await delay(20);
      running--;
    });
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) q.add(k);
    await delay(80);
    pool.stop();
    await pool.finished;
    assert.equal(peak, 3);
  });

  it('retries a key with backoff when the handler throws', async () => {
    const q = new WorkQueue({ backoff: { baseMs: 1, maxMs: 5, jitter: 0 } });
    let calls = 0;
    const pool = q.run(1, async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
    });
    q.add('a');
    await delay(40);
    pool.stop();
    await pool.finished;
    assert.equal(calls, 2);
    assert.equal(q.numRequeues('a'), 1);
  });

  it('a stopped pool takes no further keys', async () => {
    const q = new WorkQueue();
    const seen: string[] = [];
    const pool = q.run(2, async (k) => void seen.push(k));
    pool.stop();
    await pool.finished;
    q.add('a');
    await delay(10);
    assert.deepEqual(seen, []);
    assert.equal(q.len(), 1);
  });
});

describe('backoffDelay', () => {
  const o: BackoffOptions = DEFAULT_QUEUE_BACKOFF;
  const cases: Array<{ reason: string; attempt: number; nominal: number }> = [
    { reason: 'first retry waits the base delay', attempt: 0, nominal: 5 },
    { reason: 'each retry doubles', attempt: 1, nominal: 10 },
    { reason: 'ten retries: 5 ms · 2^10', attempt: 10, nominal: 5120 },
    { reason: 'caps at the maximum (~1000 s)', attempt: 30, nominal: 1_000_000 },
    { reason: 'huge attempt counts stay at the cap, not Infinity', attempt: 5000, nominal: 1_000_000 },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const low = backoffDelay(c.attempt, o, () => 0);
      const mid = backoffDelay(c.attempt, o, () => 0.5);
      const high = backoffDelay(c.attempt, o, () => 0.999999);
      assert.ok(Math.abs(low - c.nominal * (1 - o.jitter)) < 1e-6, `low ${low}`);
      assert.ok(Math.abs(mid - c.nominal) < 1e-6, `mid ${mid}`);
      assert.ok(high <= Math.min(o.maxMs, c.nominal * (1 + o.jitter)) + 1e-6, `high ${high}`);
      assert.ok(high >= mid, `high ${high} < mid ${mid}`);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(c.attempt, o);
        assert.ok(d >= c.nominal * (1 - o.jitter) - 1e-6 && d <= Math.min(o.maxMs, c.nominal * (1 + o.jitter)) + 1e-6, `random ${d}`);
      }
    });
  }
});

describe('WorkQueue delays (mocked clock)', () => {
  const withClock = (fn: () => void) => () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      fn();
    } finally {
      mock.timers.reset();
    }
  };

  it(
    'addAfter makes the key ready only when the delay has passed',
    withClock(() => {
      const q = new WorkQueue();
      q.addAfter('a', 100);
      mock.timers.tick(99);
      assert.equal(q.len(), 0);
      mock.timers.tick(1);
      assert.equal(q.len(), 1);
    }),
  );

  it(
    'of two delays for one key the earlier wins',
    withClock(() => {
      const q = new WorkQueue();
      q.addAfter('a', 500);
      q.addAfter('a', 50);
      q.addAfter('a', 300);
      mock.timers.tick(50);
      assert.equal(q.len(), 1);
    }),
  );

  it('addRateLimited doubles per failure, counts retries, and forget resets it', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const settle = () => new Promise((r) => setImmediate(r));
    try {
      let retries = 0;
      const q = new WorkQueue({ random: () => 0.5, onRetry: () => retries++ });
      const took: string[] = [];
      const pool = q.run(1, async (k) => void took.push(k));
      const expectProcessedAfter = async (ms: number) => {
        const before = took.length;
        q.addRateLimited('a');
        mock.timers.tick(ms - 1);
        await settle();
        assert.equal(took.length, before, `not processed before ${ms} ms`);
        mock.timers.tick(1);
        await settle();
        assert.equal(took.length, before + 1, `processed at ${ms} ms`);
      };
      for (const ms of [5, 10, 20, 40]) await expectProcessedAfter(ms);
      assert.equal(q.numRequeues('a'), 4);
      assert.equal(retries, 4);
      q.forget('a');
      assert.equal(q.numRequeues('a'), 0);
      await expectProcessedAfter(5);
      pool.stop();
      await pool.finished;
    } finally {
      mock.timers.reset();
    }
  });
});

describe('WorkQueue shutdown', () => {
  it('stops handing out keys, drops queued ones, ignores new adds, and waits for in-flight', async () => {
    const q = new WorkQueue();
    const processed: string[] = [];
    let finished = 0;
    const pool = q.run(1, async (k) => {
      processed.push(k);
      await delay(40);
      finished++;
    });
    q.add('a');
    q.add('b');
    await delay(5);
    const drained = await q.shutDown({ drainMs: 500 });
    assert.equal(drained, true);
    assert.equal(finished, 1);
    q.add('c');
    await pool.finished;
    assert.deepEqual(processed, ['a']);
    assert.equal(q.len(), 0);
  });

  it('reports false when in-flight work outlasts the drain period', async () => {
    const q = new WorkQueue();
    const pool = q.run(1, async () => void (await delay(100)));
    q.add('a');
    await delay(5);
    assert.equal(await q.shutDown({ drainMs: 10 }), false);
    await pool.finished;
  });
});
