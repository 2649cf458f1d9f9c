// The fleet lease's timing (src/runtime/fleet-lease.ts) over a store with the conditional-write
// semantics of the DynamoDB item (the real table is driven in test/integration/aws-dynamodb-lease
// and test/reliability/fleet-*.test.ts): who acts, when a holder stops, when another takes over.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ACTING, actingCondition } from '../../src/controllers/shared/acting.ts';
import { checkFleetDurations, decideFleetLease, FleetLease, type FleetLeaseRecord, type FleetLeaseStore, fleetViewOf } from '../../src/runtime/fleet-lease.ts';
import { createLogger } from '../../src/runtime/logger.ts';

const logger = createLogger({ level: 'error' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One record with DynamoDB's conditions (lease-table.ts); `cut` makes it unreachable for a member, as a network cut does. */
class MemoryStore {
  record: FleetLeaseRecord | undefined;
  readonly cut = new Set<string>();
  readonly log: Array<{ at: number; who: string; op: string; ok: boolean }> = [];
  for(who: string): FleetLeaseStore {
    const reach = async (op: string) => {
      await sleep(2);
      if (this.cut.has(who)) throw new Error(`${op}: connect ETIMEDOUT`);
    };
    const done = <T>(op: string, v: T): T => {
      this.log.push({ at: performance.now(), who, op, ok: v !== undefined && v !== false });
      return v;
    };
    return {
      read: async () => {
        await reach('read');
        return this.record && { ...this.record };
      },
      acquire: async (seen, holder, durationMs, nowMs) => {
        await reach('acquire');
        const r = this.record;
        const ok = seen ? !!r && r.term === seen.term && r.expiresAtMs === seen.expiresAtMs && (r.expiresAtMs < nowMs || r.holder === '') : r === undefined;
        if (!ok) return done('acquire', undefined);
        this.record = { holder, term: (seen?.term ?? 0) + 1, expiresAtMs: nowMs + durationMs, durationMs };
        return done('acquire', { ...this.record });
      },
      renew: async (held, durationMs, nowMs) => {
        await reach('renew');
        const r = this.record;
        if (!r || r.holder !== held.holder || r.term !== held.term) return done('renew', undefined);
        this.record = { ...r, expiresAtMs: nowMs + durationMs, durationMs };
        return done('renew', { ...this.record });
      },
      release: async (held) => {
        await reach('release');
        const r = this.record;
        if (!r || r.holder !== held.holder || r.term !== held.term) return done('release', false);
        this.record = { ...r, holder: '', expiresAtMs: 0 };
        return done('release', true);
      },
    };
  }
}

const TIMING = { leaseDurationMs: 1_500, renewDeadlineMs: 400, retryPeriodMs: 100 };
const member = (store: MemoryStore, who: string, extra: Partial<ConstructorParameters<typeof FleetLease>[0]> = {}) =>
  new FleetLease({ store: store.for(who), identity: who, logger, ...TIMING, ...extra });

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<number> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
  return performance.now();
}

describe('decideFleetLease', () => {
  const rec = (holder: string, durationMs = 1000): FleetLeaseRecord => ({ holder, term: 3, expiresAtMs: 0, durationMs });
  const cases: Array<{ reason: string; record?: FleetLeaseRecord; now: number; seenAt: number; want: string }> = [
    { reason: 'no lease yet: take it', now: 0, seenAt: 0, want: 'acquire' },
    { reason: 'released: take it at once', record: rec(''), now: 0, seenAt: 0, want: 'acquire' },
    { reason: 'ours: renew', record: rec('me'), now: 0, seenAt: 0, want: 'renew' },
    { reason: "another's, seen unchanged for less than its duration: wait", record: rec('b'), now: 999, seenAt: 0, want: 'wait' },
    { reason: "another's, unchanged for its whole duration on our clock: take it", record: rec('b'), now: 1000, seenAt: 0, want: 'acquire' },
    { reason: 'first seen just now (we restarted): wait the whole duration again', record: rec('b'), now: 5000, seenAt: 5000, want: 'wait' },
  ];
  for (const c of cases) {
    it(c.reason, () => assert.equal(decideFleetLease(c.record, 'me', c.now, c.seenAt).action, c.want));
  }
});

describe('checkFleetDurations', () => {
  it('refuses a renew deadline within the clock-skew margin of the lease, and a retry period not below the deadline', () => {
    assert.doesNotThrow(() => checkFleetDurations(15_000, 10_000, 2_000));
    assert.throws(() => checkFleetDurations(10_000, 9_500, 2_000), /clock-skew margin/);
    assert.throws(() => checkFleetDurations(10_000, 10_000, 2_000), /clock-skew margin/);
    assert.throws(() => checkFleetDurations(15_000, 10_000, 10_000), /retry period/);
  });
});

describe('FleetLease', () => {
  it('exactly one of two members acts; the other sees who, and its metrics say so', async () => {
    const store = new MemoryStore();
    const registry = new Registry();
    const a = member(store, 'east/a');
    const b = member(store, 'west/b', { registry });
    a.start(() => {});
    await until('a acts', () => a.state().acting);
    b.start(() => {});
    await sleep(400);
    try {
      assert.equal(b.state().acting, false);
      assert.equal(b.state().holder, 'east/a');
      assert.equal(b.state().term, 1);
      assert.ok(a.state().signal && !a.state().signal?.aborted);
      assert.equal(b.state().signal, undefined);
      const page = await registry.metrics();
      assert.match(page, /multiregion_fleet_acting 0/);
      assert.match(page, /multiregion_fleet_lease_term 1/);
      assert.match(page, /multiregion_fleet_lease_holder\{holder="east\/a"\} 1/);
      const since = Number(/^multiregion_fleet_lease_seconds_since_renewal (\S+)$/m.exec(page)?.[1]);
      assert.ok(since >= 0 && since < 0.5, `b saw a renewal lately (${since} s ago)`);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('a holder cut off from the store stops acting at its renew deadline, before the other can take over; the other takes over after the lease', async () => {
    const store = new MemoryStore();
    const a = member(store, 'east/a');
    const b = member(store, 'west/b');
    a.start(() => {});
    await until('a acts', () => a.state().acting);
    b.start(() => {});
    await sleep(300);
    const signal = a.state().signal!;
    let abortedAt = 0;
    signal.addEventListener('abort', () => (abortedAt = performance.now()));
    const lastRenew = store.log.filter((l) => l.who === 'east/a' && l.op !== 'read' && l.ok).at(-1)!.at;
    store.cut.add('east/a');
    const bActsAt = await until('b acts', () => b.state().acting, 5_000);
    try {
      assert.ok(abortedAt > 0, "a's acting signal was aborted");
      assert.ok(abortedAt - lastRenew <= TIMING.renewDeadlineMs + 50, `a stopped ${Math.round(abortedAt - lastRenew)} ms after its last renewal`);
      assert.ok(bActsAt - abortedAt >= TIMING.leaseDurationMs - TIMING.renewDeadlineMs - 100, 'b acted only well after a stopped');
      assert.ok(bActsAt - lastRenew >= TIMING.leaseDurationMs, 'b waited out the whole lease after the last renewal');
      assert.equal(b.state().term, 2);
      assert.equal(a.state().acting, false);
      assert.match(String(a.state().problem), /did not answer/);
      // a's network comes back: it stands by behind b and never acts again.
      store.cut.delete('east/a');
      await sleep(400);
      assert.equal(a.state().acting, false);
      assert.equal(a.state().holder, 'west/b');
      assert.equal(a.state().problem, undefined);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('stop() stops acting and releases: the other takes over on its next try, not after the lease', async () => {
    const store = new MemoryStore();
    const a = member(store, 'east/a', { leaseDurationMs: 5_000 });
    const b = member(store, 'west/b', { leaseDurationMs: 5_000 });
    a.start(() => {});
    await until('a acts', () => a.state().acting);
    const signal = a.state().signal!;
    b.start(() => {});
    await sleep(200);
    const stoppedAt = performance.now();
    await a.stop();
    assert.ok(signal.aborted);
    const bAt = await until('b acts', () => b.state().acting, 2_000);
    assert.ok(bAt - stoppedAt < 1_000, `took ${Math.round(bAt - stoppedAt)} ms`);
    assert.equal(b.state().term, 2);
    await b.stop();
    assert.equal(store.record?.holder, '');
  });

  it('a holder whose lease was taken over stops acting as soon as its renewal is refused', async () => {
    const store = new MemoryStore();
    const a = member(store, 'east/a');
    const changes: boolean[] = [];
    a.start(() => changes.push(a.state().acting));
    await until('a acts', () => a.state().acting);
    // Someone else wrote the item (an operator, a member with a broken clock): the next renewal is refused.
    store.record = { holder: 'west/b', term: 7, expiresAtMs: Date.now() + 60_000, durationMs: 60_000 };
    await until('a stops', () => !a.state().acting, 1_000);
    await a.stop();
    assert.deepEqual(changes, [true, false]);
    assert.equal(a.state().holder, 'west/b');
  });

  it('the Acting condition names the holder and the term, and says what a standby does', () => {
    const view = (s: Parameters<typeof fleetViewOf>[0]) => fleetViewOf(s);
    const acting = actingCondition(view({ acting: true, self: 'east/a', holder: 'east/a', term: 4, leaseDurationMs: 15_000 }));
    assert.deepEqual([acting.type, acting.status, acting.reason], [ACTING, 'True', 'Acting']);
    assert.match(acting.message, /east\/a.*term 4/);
    const standby = actingCondition(view({ acting: false, self: 'west/b', holder: 'east/a', term: 4, leaseDurationMs: 15_000 }), { deleting: true });
    assert.deepEqual([standby.status, standby.reason], ['False', 'Standby']);
    assert.match(standby.message, /east\/a holds the fleet lease, term 4.*15 s.*no change in AWS.*finalizer/);
    const cut = actingCondition(view({ acting: false, self: 'west/b', leaseDurationMs: 15_000, problem: 'the fleet lease store did not answer: timeout' }));
    assert.match(cut.message, /not been read yet.*did not answer: timeout.*IAM/);
  });
});
