import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan, planChanges } from '../../src/aws/route53/plan.ts';
import type { RRSet } from '../../src/aws/route53/records.ts';

const rec = (over: Partial<RRSet> & { v?: string[] }): RRSet => {
  const { v, ...rest } = over;
  return { Name: 'orders.example.com.', Type: 'A', TTL: 60, ResourceRecords: (v ?? ['1.1.1.1']).map((Value) => ({ Value })), ...rest };
};
const P = (over: Partial<RRSet> & { v?: string[] } = {}) => rec({ SetIdentifier: 'orders-primary', Failover: 'PRIMARY', ...over });
const S = (over: Partial<RRSet> & { v?: string[] } = {}) => rec({ SetIdentifier: 'orders-secondary', Failover: 'SECONDARY', v: ['2.2.2.2'], ...over });
const OURS = new Set(['orders-primary', 'orders-secondary']);
const NONE = new Set<string>();

const ids = (rs: RRSet[]) => rs.map((r) => `${r.Type}:${r.SetIdentifier ?? '-'}`).sort();

test('plan', () => {
  const cases: { reason: string; current: RRSet[]; desired: RRSet[]; owned: Set<string>; upserts: string[]; deletes: string[]; conflicts: number }[] = [
    {
      reason: 'an empty zone gets both records',
      current: [],
      desired: [P(), S()],
      owned: NONE,
      upserts: ['A:orders-primary', 'A:orders-secondary'],
      deletes: [],
      conflicts: 0,
    },
    { reason: 'equal records produce nothing', current: [P(), S()], desired: [P(), S()], owned: OURS, upserts: [], deletes: [], conflicts: 0 },
    {
      reason: 'names differing only in case and trailing dot are equal',
      current: [P({ Name: 'orders.example.com.' }), S()],
      desired: [P({ Name: 'Orders.Example.COM' }), S()],
      owned: OURS,
      upserts: [],
      deletes: [],
      conflicts: 0,
    },
    {
      reason: 'value order does not matter',
      current: [P({ v: ['1.1.1.1', '3.3.3.3'] }), S()],
      desired: [P({ v: ['3.3.3.3', '1.1.1.1'] }), S()],
      owned: OURS,
      upserts: [],
      deletes: [],
      conflicts: 0,
    },
    {
      reason: 'an alias compares without TTL (Route 53 and moto report one) and with a normalized DNS name',
      current: [P({ TTL: 0, ResourceRecords: undefined, AliasTarget: { DNSName: 'NLB.example.com.', HostedZoneId: 'Z2', EvaluateTargetHealth: true } }), S()],
      desired: [
        P({ TTL: undefined, ResourceRecords: undefined, AliasTarget: { DNSName: 'nlb.example.com', HostedZoneId: 'Z2', EvaluateTargetHealth: true } }),
        S(),
      ],
      owned: OURS,
      upserts: [],
      deletes: [],
      conflicts: 0,
    },
    {
      reason: 'a changed value is an UPSERT of that record only',
      current: [P(), S()],
      desired: [P({ v: ['9.9.9.9'] }), S()],
      owned: OURS,
      upserts: ['A:orders-primary'],
      deletes: [],
      conflicts: 0,
    },
    {
      reason: 'a changed TTL is an UPSERT',
      current: [P(), S()],
      desired: [P({ TTL: 30 }), S({ TTL: 30 })],
      owned: OURS,
      upserts: ['A:orders-primary', 'A:orders-secondary'],
      deletes: [],
      conflicts: 0,
    },
    {
      reason: 'a new health check id is an UPSERT',
      current: [P(), S()],
      desired: [P({ HealthCheckId: 'hc-1' }), S()],
      owned: OURS,
      upserts: ['A:orders-primary'],
      deletes: [],
      conflicts: 0,
    },
    {
      reason: 'a manual switch swaps the contents of both records: two UPSERTs',
      current: [P(), S()],
      desired: [P({ v: ['2.2.2.2'] }), S({ v: ['1.1.1.1'] })],
      owned: OURS,
      upserts: ['A:orders-primary', 'A:orders-secondary'],
      deletes: [],
      conflicts: 0,
    },
    {
      reason: 'a type change deletes our old records and upserts the new ones',
      current: [P(), S()],
      desired: [P({ Type: 'CNAME', v: ['a.example.net'] }), S({ Type: 'CNAME', v: ['b.example.net'] })],
      owned: OURS,
      upserts: ['CNAME:orders-primary', 'CNAME:orders-secondary'],
      deletes: ['A:orders-primary', 'A:orders-secondary'],
      conflicts: 0,
    },
    {
      reason: 'a plain record at the name is a conflict: nothing is written there',
      current: [rec({ v: ['7.7.7.7'] })],
      desired: [P(), S()],
      owned: NONE,
      upserts: [],
      deletes: [],
      conflicts: 1,
    },
    {
      reason: 'a record with our SetIdentifier but no ownership is a conflict, and is left alone',
      current: [P({ v: ['6.6.6.6'] })],
      desired: [P(), S()],
      owned: NONE,
      upserts: [],
      deletes: [],
      conflicts: 1,
    },
    {
      reason: "someone else's failover records at our name and type are conflicts",
      current: [rec({ SetIdentifier: 'other-primary', Failover: 'PRIMARY' }), rec({ SetIdentifier: 'other-secondary', Failover: 'SECONDARY' })],
      desired: [P(), S()],
      owned: NONE,
      upserts: [],
      deletes: [],
      conflicts: 2,
    },
    {
      reason: 'a foreign CNAME at the name clashes with our A records',
      current: [rec({ Type: 'CNAME', v: ['x.example.net'] })],
      desired: [P(), S()],
      owned: NONE,
      upserts: [],
      deletes: [],
      conflicts: 1,
    },
    {
      reason: 'a foreign record of another type (TXT) at the name is no conflict and is not touched',
      current: [rec({ Type: 'TXT', v: ['"v=spf1"'] })],
      desired: [P(), S()],
      owned: NONE,
      upserts: ['A:orders-primary', 'A:orders-secondary'],
      deletes: [],
      conflicts: 0,
    },
    {
      reason: 'a conflict at the name also keeps our old records (no delete without replacement)',
      current: [P(), S(), rec({ Type: 'AAAA', v: ['2001:db8::1'] })],
      desired: [P({ Type: 'CNAME', v: ['a.example.net'] }), S({ Type: 'CNAME', v: ['b.example.net'] })],
      owned: OURS,
      upserts: [],
      deletes: [],
      conflicts: 1,
    },
    {
      reason: 'owned records that are no longer desired are deleted, foreign ones never',
      current: [P(), S(), rec({ Type: 'AAAA', SetIdentifier: 'someone', v: ['2001:db8::1'] })],
      desired: [P()],
      owned: OURS,
      upserts: [],
      deletes: ['A:orders-secondary'],
      conflicts: 0,
    },
    {
      reason: 'an empty desired set deletes only what we own',
      current: [P(), S(), rec({ Type: 'TXT', v: ['"x"'] }), rec({ SetIdentifier: 'other-primary', Failover: 'PRIMARY' })],
      desired: [],
      owned: OURS,
      upserts: [],
      deletes: ['A:orders-primary', 'A:orders-secondary'],
      conflicts: 0,
    },
  ];
  for (const c of cases) {
    const p = plan(c.current, c.desired, c.owned);
    assert.deepEqual(ids(p.upserts), c.upserts.sort(), `${c.reason}: upserts`);
    assert.deepEqual(ids(p.deletes), c.deletes.sort(), `${c.reason}: deletes`);
    assert.equal(p.conflicts.length, c.conflicts, `${c.reason}: conflicts ${JSON.stringify(p.conflicts)}`);
  }
});

test('conflicts say what to do', () => {
  const plain = plan([rec({})], [P()], NONE).conflicts[0];
  assert.match(plain?.reason ?? '', /plain A record orders\.example\.com .*delete it or choose another recordName/);
  const unproven = plan([P()], [P()], NONE).conflicts[0];
  assert.match(unproven?.reason ?? '', /without our ownership record/);
  assert.equal(unproven?.setIdentifier, 'orders-primary');
});

test('planChanges puts deletes before upserts', () => {
  const p = plan([P(), S()], [P({ Type: 'CNAME', v: ['a.example.net'] }), S({ Type: 'CNAME', v: ['b.example.net'] })], OURS);
  assert.deepEqual(
    planChanges(p).map((c) => c.Action),
    ['DELETE', 'DELETE', 'UPSERT', 'UPSERT'],
  );
});
