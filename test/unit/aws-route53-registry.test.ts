import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change } from '@aws-sdk/client-route-53';
import { desiredRecords, type RRSet } from '../../src/aws/route53/records.ts';
import {
  assertChangesOwned,
  type Ownership,
  OwnershipViolation,
  ownedSetIdentifiers,
  parseRegistryValue,
  readOwnership,
  registryChanges,
  registryName,
  registryRecord,
  registryValue,
} from '../../src/aws/route53/registry.ts';

const me = { clusterId: 'c1', namespace: 'apps', name: 'orders' };
const NAME = 'orders.example.com';
const txt = (values: string[], name = '_mrc.orders.example.com.'): RRSet => ({
  Name: name,
  Type: 'TXT',
  TTL: 300,
  ResourceRecords: values.map((Value) => ({ Value })),
});

test('the registry record names the owner the way external-dns does', () => {
  assert.equal(registryName('Orders.Example.com.'), '_mrc.orders.example.com.');
  assert.equal(registryValue(me), '"heritage=multiregion-controller,cluster=c1,owner=apps/orders"');
  assert.deepEqual(parseRegistryValue(registryValue(me)), { heritage: 'multiregion-controller', cluster: 'c1', owner: 'apps/orders' });
});

test('readOwnership', () => {
  const cases = [
    { reason: 'no TXT: free', records: [], want: 'free' },
    { reason: 'our exact value: ours', records: [txt([registryValue(me)])], want: 'ours' },
    { reason: 'upper-case name from the zone is the same name', records: [txt([registryValue(me)], '_MRC.Orders.example.com')], want: 'ours' },
    { reason: 'another policy of this cluster', records: [txt([registryValue({ ...me, name: 'billing' })])], want: 'foreign' },
    { reason: 'the same policy name in another cluster', records: [txt([registryValue({ ...me, clusterId: 'c2' })])], want: 'foreign' },
    { reason: 'a TXT someone else wrote', records: [txt(['"v=spf1 -all"'])], want: 'foreign' },
    { reason: 'two claimants in one record is not ownership', records: [txt([registryValue(me), registryValue({ ...me, name: 'x' })])], want: 'foreign' },
    { reason: 'a TXT at another name does not count', records: [txt([registryValue(me)], '_mrc.other.example.com.')], want: 'free' },
  ];
  for (const c of cases) assert.equal(readOwnership(c.records, NAME, me).state, c.want, c.reason);
  const foreign = readOwnership([txt([registryValue({ ...me, namespace: 'billing' })])], NAME, me);
  assert.equal(foreign.state === 'foreign' && foreign.claimedBy, 'billing/orders in cluster c1');
});

test('ownedSetIdentifiers only when the registry is ours', () => {
  const ours: Ownership = { state: 'ours', record: txt([registryValue(me)]) };
  assert.deepEqual([...ownedSetIdentifiers(ours, 'orders')].sort(), ['orders-primary', 'orders-secondary']);
  assert.equal(ownedSetIdentifiers({ state: 'free' }, 'orders').size, 0);
});

test('registryChanges: claim a free name, release ours, nothing otherwise', () => {
  const ours: Ownership = { state: 'ours', record: txt([registryValue(me)]) };
  const foreign: Ownership = { state: 'foreign', record: txt(['"x"']), claimedBy: 'x' };
  const cases = [
    { reason: 'claim free', o: { state: 'free' } as Ownership, intent: 'claim' as const, want: ['UPSERT'] },
    { reason: 'claim ours again: nothing', o: ours, intent: 'claim' as const, want: [] },
    { reason: 'claim foreign: never', o: foreign, intent: 'claim' as const, want: [] },
    { reason: 'release ours', o: ours, intent: 'release' as const, want: ['DELETE'] },
    { reason: 'release foreign: never', o: foreign, intent: 'release' as const, want: [] },
  ];
  for (const c of cases)
    assert.deepEqual(
      registryChanges(c.o, NAME, me, c.intent).map((x) => x.Action),
      c.want,
      c.reason,
    );
});

const [p0, p1] = desiredRecords(
  { policyName: 'orders', recordName: NAME, ttl: 60, primary: { target: { ips: ['192.0.2.1'] } }, secondary: { target: { ips: ['192.0.2.2'] } } },
  'primary',
);
const records: RRSet[] = [p0!, p1!];
const up = (r: RRSet | undefined): Change => ({ Action: 'UPSERT', ResourceRecordSet: r });
const del = (r: RRSet | undefined): Change => ({ Action: 'DELETE', ResourceRecordSet: r });
const claim = up(registryRecord(NAME, me));

test('assertChangesOwned: the second check on the exact change list', () => {
  const ours: Ownership = { state: 'ours', record: registryRecord(NAME, me) };
  const free: Ownership = { state: 'free' };
  const foreign: Ownership = { state: 'foreign', record: txt(['"x"']), claimedBy: 'x' };
  const cases: { reason: string; changes: Change[]; o: Ownership; ok: boolean }[] = [
    { reason: 'owner updates its records', changes: [up(records[0]), up(records[1])], o: ours, ok: true },
    {
      reason: 'owner deletes its records and the registry record',
      changes: [del(records[0]), del(records[1]), del(registryRecord(NAME, me))],
      o: ours,
      ok: true,
    },
    { reason: 'a claim with its records', changes: [claim, up(records[0]), up(records[1])], o: free, ok: true },
    { reason: 'records on a free name without the claim', changes: [up(records[0])], o: free, ok: false },
    { reason: 'a DELETE on a merely claimed name', changes: [claim, del(records[0])], o: free, ok: false },
    { reason: 'anything on a foreign name', changes: [up(records[0])], o: foreign, ok: false },
    { reason: 'another SetIdentifier', changes: [up({ ...p0!, SetIdentifier: 'billing-primary' })], o: ours, ok: false },
    { reason: 'our SetIdentifier at another name', changes: [up({ ...p0!, Name: 'other.example.com.' })], o: ours, ok: false },
    {
      reason: 'a plain record that is not the registry record',
      changes: [up({ Name: `${NAME}.`, Type: 'A', TTL: 1, ResourceRecords: [{ Value: '1.1.1.1' }] })],
      o: ours,
      ok: false,
    },
    { reason: "a registry record with someone else's value", changes: [up(registryRecord(NAME, { ...me, name: 'x' }))], o: ours, ok: false },
  ];
  for (const c of cases) {
    if (c.ok) assert.doesNotThrow(() => assertChangesOwned(c.changes, c.o, NAME, me), c.reason);
    else assert.throws(() => assertChangesOwned(c.changes, c.o, NAME, me), OwnershipViolation, c.reason);
  }
});
