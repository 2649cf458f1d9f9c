import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change } from '@aws-sdk/client-route-53';
import { bisect, changeCost, changeIdentity, costOf, mergeChanges, packBatch, ROUTE53_LIMITS } from '../../src/aws/route53/batch-cost.ts';

const a = (action: Change['Action'], name: string, values: string[], setId?: string, type: 'A' | 'TXT' | 'CNAME' = 'A'): Change => ({
  Action: action,
  ResourceRecordSet: { Name: name, Type: type, TTL: 60, ResourceRecords: values.map((Value) => ({ Value })), ...(setId ? { SetIdentifier: setId } : {}) },
});
const alias = (action: Change['Action'], name: string, dns: string): Change => ({
  Action: action,
  ResourceRecordSet: { Name: name, Type: 'A', SetIdentifier: 's', AliasTarget: { DNSName: dns, HostedZoneId: 'Z1', EvaluateTargetHealth: false } },
});

test('changeCost counts ResourceRecord elements and value characters, UPSERT twice', () => {
  const cases = [
    { reason: 'a CREATE of one value costs one record and its characters', change: a('CREATE', 'x.', ['1.2.3.4']), want: { records: 1, chars: 7 } },
    { reason: 'an UPSERT counts twice in both limits', change: a('UPSERT', 'x.', ['1.2.3.4']), want: { records: 2, chars: 14 } },
    { reason: 'a DELETE of three values costs three', change: a('DELETE', 'x.', ['1.1.1.1', '2.2.2.2', '3.3.3.3']), want: { records: 3, chars: 21 } },
    { reason: 'an UPSERT of three values costs six', change: a('UPSERT', 'x.', ['1.1.1.1', '2.2.2.2', '3.3.3.3']), want: { records: 6, chars: 42 } },
    {
      reason: 'an alias counts as one record, its target name as characters',
      change: alias('CREATE', 'x.', 'nlb.example.com.'),
      want: { records: 1, chars: 16 },
    },
    { reason: 'an alias UPSERT counts twice too', change: alias('UPSERT', 'x.', 'nlb.example.com.'), want: { records: 2, chars: 32 } },
  ];
  for (const c of cases) assert.deepEqual(changeCost(c.change), c.want, c.reason);
});

test('costOf sums a list', () => {
  const cases = [
    { reason: 'nothing costs nothing', changes: [], want: { records: 0, chars: 0 } },
    {
      reason: 'a failover pair plus registry claim',
      changes: [a('UPSERT', 'x.', ['1.2.3.4'], 'p'), a('UPSERT', 'x.', ['5.6.7.8'], 's'), a('UPSERT', '_mrc.x.', ['"v"'], undefined, 'TXT')],
      want: { records: 6, chars: 34 },
    },
  ];
  for (const c of cases) assert.deepEqual(costOf(c.changes), c.want, c.reason);
});

const group = (owner: string, n: number, action: Change['Action'] = 'UPSERT') => ({
  owner,
  changes: Array.from({ length: n }, (_, i) => a(action, `${owner}.example.com.`, ['1.2.3.4'], `${owner}-${i}`)),
});

test('packBatch fills a batch first-fit in queue order', () => {
  const cases = [
    {
      reason: '250 owners of 2 UPSERTs (cost 4) fill exactly one 1,000-record batch',
      queue: Array.from({ length: 300 }, (_, i) => group(`o${i}`, 2)),
      limits: ROUTE53_LIMITS,
      wantBatch: 250,
      wantFirstRest: 'o250',
    },
    {
      reason: 'a group that does not fit leaves room for smaller ones behind it',
      queue: [group('small1', 1), group('big', 3), group('small2', 1)],
      limits: { maxRecords: 5, maxChars: 1000 },
      wantBatch: 2,
      wantFirstRest: 'big',
    },
    {
      reason: 'the character limit binds before the record limit',
      queue: [group('c1', 2), group('c2', 2)],
      limits: { maxRecords: 1000, maxChars: 40 },
      wantBatch: 1,
      wantFirstRest: 'c2',
    },
  ];
  for (const c of cases) {
    const { batch, rest } = packBatch(c.queue, c.limits);
    assert.equal(batch.length, c.wantBatch, c.reason);
    assert.equal(rest[0]?.owner, c.wantFirstRest, c.reason);
    assert.equal(batch.length + rest.length, c.queue.length, `${c.reason}: nothing lost`);
    assert.ok(costOf(batch.flatMap((g) => g.changes)).records <= c.limits.maxRecords, `${c.reason}: within the limit`);
  }
});

test('1,200 owners pack into ceil(total cost / 1000) batches when groups divide evenly', () => {
  let queue = Array.from({ length: 1200 }, (_, i) => group(`o${i}`, 2));
  const total = costOf(queue.flatMap((g) => g.changes)).records;
  let batches = 0;
  while (queue.length > 0) {
    queue = packBatch(queue, ROUTE53_LIMITS).rest;
    batches++;
  }
  assert.equal(batches, Math.ceil(total / 1000));
});

test('bisect splits owners into halves, the first half taking the odd one', () => {
  const cases = [
    {
      reason: 'even',
      groups: [1, 2, 3, 4],
      want: [
        [1, 2],
        [3, 4],
      ],
    },
    { reason: 'odd', groups: [1, 2, 3], want: [[1, 2], [3]] },
    { reason: 'two', groups: [1, 2], want: [[1], [2]] },
  ];
  for (const c of cases) assert.deepEqual(bisect(c.groups), c.want, c.reason);
});

test('mergeChanges: a newer change replaces the older one for the same record', () => {
  const cases = [
    {
      reason: 'a newer UPSERT of the same name and SetIdentifier replaces the older',
      older: [a('UPSERT', 'x.example.com.', ['1.1.1.1'], 'p')],
      newer: [a('UPSERT', 'X.example.com', ['2.2.2.2'], 'p')],
      want: ['2.2.2.2'],
    },
    {
      reason: 'a newer change of the pair with another type still replaces it (identity is name + SetIdentifier)',
      older: [a('UPSERT', 'x.', ['1.1.1.1'], 'p')],
      newer: [a('UPSERT', 'x.', ['target.example.com'], 'p', 'CNAME')],
      want: ['target.example.com'],
    },
    {
      reason: 'other records of the owner are kept, older first',
      older: [a('UPSERT', 'x.', ['1.1.1.1'], 'p'), a('UPSERT', 'x.', ['3.3.3.3'], 's')],
      newer: [a('UPSERT', 'x.', ['2.2.2.2'], 'p')],
      want: ['3.3.3.3', '2.2.2.2'],
    },
    {
      reason: 'plain records are identified by name and type',
      older: [a('UPSERT', '_mrc.x.', ['"a"'], undefined, 'TXT'), a('UPSERT', 'x.', ['1.1.1.1'], 'p')],
      newer: [a('UPSERT', '_mrc.x.', ['"b"'], undefined, 'TXT')],
      want: ['1.1.1.1', '"b"'],
    },
    {
      reason: 'a DELETE and UPSERT of one identity in the same newer submit are both kept',
      older: [],
      newer: [a('DELETE', 'x.', ['1.1.1.1'], 'p'), a('UPSERT', 'x.', ['t.example.com'], 'p', 'CNAME')],
      want: ['1.1.1.1', 't.example.com'],
    },
  ];
  for (const c of cases) {
    const got = mergeChanges(c.older, c.newer).map((ch) => ch.ResourceRecordSet?.ResourceRecords?.[0]?.Value);
    assert.deepEqual(got, c.want, c.reason);
  }
});

test('changeIdentity ignores case and the trailing dot', () => {
  assert.equal(changeIdentity(a('UPSERT', 'A.Example.com.', ['1'], 'p')), changeIdentity(a('DELETE', 'a.example.com', ['2'], 'p')));
  assert.notEqual(changeIdentity(a('UPSERT', 'a.example.com', ['1'], 'p')), changeIdentity(a('UPSERT', 'a.example.com', ['1'], 's')));
});
