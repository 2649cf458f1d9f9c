// The shared-read cache on its own: coalescing, the window (an injected clock), invalidation,
// failures and cancellation; and which EC2 writes drop which cached lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentAbortSignal, withAbortSignal } from '../../src/aws/abort-scope.ts';
import { SHARED_READ_TYPES, SharedReads, type SharedReadType, typesChangedBy, withSharedReadAge } from '../../src/aws/ec2/shared-reads.ts';

/** A read whose answer the test releases, counting how often it was started. */
function gate<T>() {
  let started = 0;
  const pending: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  const fetch = () => {
    started++;
    return new Promise<T>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return {
    fetch,
    get started() {
      return started;
    },
    resolve: (v: T) => pending.shift()!.resolve(v),
    reject: (e: unknown) => pending.shift()!.reject(e),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

test('concurrent callers share the read in flight', async () => {
  const reads = new SharedReads();
  const g = gate<string[]>();
  const all = Array.from({ length: 5 }, () => reads.read('transit-gateways', 'c', g.fetch));
  await tick();
  assert.equal(g.started, 1);
  g.resolve(['tgw-1']);
  assert.deepEqual(await Promise.all(all), Array(5).fill(['tgw-1']));
});

test('a finished read is served for the window, then read again', async () => {
  const c = clock();
  const reads = new SharedReads({ windowMs: 3_000, now: c.now });
  let n = 0;
  const fetch = async () => ++n;
  assert.equal(await reads.read('flow-logs', 'c', fetch), 1);
  c.advance(2_999);
  assert.equal(await reads.read('flow-logs', 'c', fetch), 1, 'inside the window: the same answer, no read');
  c.advance(1);
  assert.equal(await reads.read('flow-logs', 'c', fetch), 2, 'window over: read again');
});

test('a routine drift pass (withSharedReadAge) takes a list up to that age; any other pass reads again after the window', async () => {
  const c = clock();
  const reads = new SharedReads({ windowMs: 3_000, now: c.now });
  let n = 0;
  const fetch = async () => ++n;
  const drift = () => withSharedReadAge(16_000, () => reads.read('flow-logs', 'c', fetch));
  assert.equal(await drift(), 1);
  c.advance(10_000);
  assert.equal(await drift(), 1, 'the same drift wave: the list read at its start, no read');
  assert.equal(await reads.read('flow-logs', 'c', fetch), 2, 'a pass outside the scope (a spec change, reconcile-now) reads fresh');
  c.advance(15_999);
  assert.equal(await drift(), 2, 'that fresh read serves the drift passes after it');
  c.advance(1);
  assert.equal(await drift(), 3, 'older than the accepted age: read again');
  assert.equal(await withSharedReadAge(1_000, () => reads.read('flow-logs', 'c', fetch)), 3, 'never less than the window');
});

test('the sweep keeps a list as long as the longest age a caller accepted', async () => {
  const c = clock();
  const reads = new SharedReads({ windowMs: 3_000, now: c.now });
  let n = 0;
  const fetch = async () => ++n;
  await withSharedReadAge(60_000, () => reads.read('flow-logs', 'c', fetch));
  c.advance(30_000);
  await reads.read('route-tables', 'c', async () => 0); // sweeps
  assert.equal(await withSharedReadAge(60_000, () => reads.read('flow-logs', 'c', fetch)), 1, 'not swept at 30 s');
  c.advance(30_000);
  await reads.read('route-tables', 'c', async () => 0);
  assert.equal(reads.size, 1, 'past every accepted age: swept (only the new route-tables read left)');
});

test('the window counts from when the read finished, not when it started', async () => {
  const c = clock();
  const reads = new SharedReads({ windowMs: 1_000, now: c.now });
  const g = gate<number>();
  const first = reads.read('route-tables', 'c', g.fetch);
  await tick();
  c.advance(5_000);
  g.resolve(7);
  assert.equal(await first, 7);
  c.advance(500);
  assert.equal(await reads.read('route-tables', 'c', g.fetch), 7);
  assert.equal(g.started, 1);
});

test('reads past the window are dropped when another read starts', async () => {
  const c = clock();
  const reads = new SharedReads({ windowMs: 1_000, now: c.now });
  await reads.read('associations', 'tgw-rtb-1', async () => []);
  await reads.read('associations', 'tgw-rtb-2', async () => []);
  assert.equal(reads.size, 2);
  c.advance(1_000);
  await reads.read('associations', 'tgw-rtb-3', async () => []);
  assert.equal(reads.size, 1, 'only the new read is kept');
});

test('reads are keyed by type and variant', async () => {
  const reads = new SharedReads();
  let n = 0;
  const fetch = async () => ++n;
  await reads.read('transit-gateways', 'a', fetch);
  await reads.read('transit-gateways', 'b', fetch);
  await reads.read('route-tables', 'a', fetch);
  await reads.read('transit-gateways', 'a', fetch);
  assert.equal(n, 3);
});

test('invalidate drops finished reads of that type only', async () => {
  const reads = new SharedReads();
  let n = 0;
  const fetch = async () => ++n;
  await reads.read('transit-gateways', 'c', fetch);
  await reads.read('flow-logs', 'c', fetch);
  reads.invalidate(['transit-gateways']);
  assert.equal(await reads.read('transit-gateways', 'c', fetch), 3, 'read again after the write');
  assert.equal(await reads.read('flow-logs', 'c', fetch), 2, 'another type is kept');
});

test('invalidate during a read in flight: later callers read again, and the old read does not come back', async () => {
  const reads = new SharedReads();
  const g = gate<string>();
  const early = reads.read('vpc-attachments', 'c', g.fetch);
  await tick();
  reads.invalidate(['vpc-attachments']); // a write finished while the read was on its way
  const late = reads.read('vpc-attachments', 'c', g.fetch);
  await tick();
  assert.equal(g.started, 2, 'the caller after the write does not get the read from before it');
  g.resolve('before-write');
  g.resolve('after-write');
  assert.equal(await early, 'before-write');
  assert.equal(await late, 'after-write');
  assert.equal(await reads.read('vpc-attachments', 'c', g.fetch), 'after-write', 'the newer read is what stays cached');
  assert.equal(g.started, 2);
});

test('fresh reads again, and its answer serves the callers after it', async () => {
  const reads = new SharedReads();
  let n = 0;
  const fetch = async () => ++n;
  await reads.read('peering-attachments', 'c', fetch);
  assert.equal(await reads.read('peering-attachments', 'c', fetch, { fresh: true }), 2);
  assert.equal(await reads.read('peering-attachments', 'c', fetch), 2);
});

test('a failed read is shared by the callers waiting on it, and not kept', async () => {
  const reads = new SharedReads();
  const g = gate<string>();
  const a = reads.read('transit-gateways', 'c', g.fetch);
  const b = reads.read('transit-gateways', 'c', g.fetch);
  await tick();
  g.reject(new Error('throttled'));
  await assert.rejects(a, /throttled/);
  await assert.rejects(b, /throttled/);
  const c = reads.read('transit-gateways', 'c', g.fetch);
  await tick();
  assert.equal(g.started, 2, 'the next caller tries again');
  g.resolve('ok');
  assert.equal(await c, 'ok');
});

test('a cancelled reconcile stops waiting; the read goes on for the others and is not cancelled', async () => {
  const reads = new SharedReads();
  const g = gate<string>();
  let sawSignal: AbortSignal | undefined = new AbortController().signal;
  const fetch = () => {
    sawSignal = currentAbortSignal(); // the scope the read runs in: none
    return g.fetch();
  };
  const ac = new AbortController();
  const cancelled = withAbortSignal(ac.signal, () => reads.read('flow-logs', 'c', fetch));
  const other = reads.read('flow-logs', 'c', fetch);
  await tick();
  ac.abort(new Error('lease lost'));
  await assert.rejects(cancelled, /cancelled/);
  g.resolve('done');
  assert.equal(await other, 'done');
  assert.equal(sawSignal, undefined);
  assert.equal(g.started, 1);
});

test('which writes drop which lists', () => {
  const rows: Array<[string, readonly SharedReadType[], string]> = [
    ['DescribeTransitGateways', [], 'a read changes nothing'],
    ['GetTransitGatewayRouteTableAssociations', [], 'a read changes nothing'],
    ['SearchTransitGatewayRoutes', [], 'a read changes nothing'],
    ['CreateTransitGateway', ['transit-gateways'], 'its own list'],
    ['ModifyTransitGateway', ['transit-gateways'], 'its own list'],
    ['DeleteTransitGateway', ['transit-gateways'], 'its own list'],
    ['CreateTransitGatewayRouteTable', ['route-tables'], 'its own list'],
    ['DeleteTransitGatewayRouteTable', ['route-tables', 'associations', 'attachments'], 'its own list, its associations and the attachments showing them'],
    ['CreateTransitGatewayVpcAttachment', ['vpc-attachments', 'attachments'], 'its own list and the list of all attachments'],
    ['ModifyTransitGatewayVpcAttachment', ['vpc-attachments', 'attachments'], 'its own list and the list of all attachments'],
    ['DeleteTransitGatewayVpcAttachment', ['vpc-attachments', 'associations', 'attachments'], 'its own list, and its association'],
    ['CreateTransitGatewayPeeringAttachment', ['peering-attachments', 'attachments'], 'its own list and the list of all attachments'],
    ['AcceptTransitGatewayPeeringAttachment', ['peering-attachments', 'attachments'], 'accepting changes the state'],
    ['DeleteTransitGatewayPeeringAttachment', ['peering-attachments', 'associations', 'attachments'], 'its own list, and its association'],
    ['CreateFlowLogs', ['flow-logs'], 'its own list'],
    ['DeleteFlowLogs', ['flow-logs'], 'its own list'],
    ['CreateTransitGatewayRoute', [], 'TGW routes are cached per table by tgw-route-reads.ts'],
    ['AssociateTransitGatewayRouteTable', ['associations', 'attachments'], "the table's associations and the attachment's own"],
    ['DisassociateTransitGatewayRouteTable', ['associations', 'attachments'], "the table's associations and the attachment's own"],
    ['CreateRoute', ['vpc-route-tables'], 'the VPC route tables read for every pair'],
    ['DeleteRoute', ['vpc-route-tables'], 'the VPC route tables read for every pair'],
    ['ReplaceRoute', ['vpc-route-tables'], 'the VPC route tables read for every pair'],
    ['CreateTags', SHARED_READ_TYPES, 'tags decide what the filtered reads return'],
    ['DeleteTags', SHARED_READ_TYPES, 'tags decide what the filtered reads return'],
    ['SomeNewMutation', SHARED_READ_TYPES, 'an unknown write drops everything'],
  ];
  for (const [op, want, reason] of rows) assert.deepEqual([...typesChangedBy(op)], [...want], `${op}: ${reason}`);
});
