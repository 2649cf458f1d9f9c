// Flags of a fleet (docs/multi-cluster.md) and the ownership a fleet shares (owner.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailoverPolicy } from '../../src/api/types.ts';
import { fleetUid, ownerOf } from '../../src/controllers/shared/owner.ts';
import { parseFlags } from '../../src/flags.ts';

const parse = (...argv: string[]) => parseFlags(['--cluster-id=prod-use1', ...argv], {});
const FLEET = ['--fleet-id=prod', '--coordination-table=mrc-fleet', '--coordination-region=us-east-1'];

describe('fleet flags', () => {
  it('a single cluster: the fleet and member ids are the cluster id, no coordination', () => {
    const f = parse();
    assert.deepEqual([f.clusterId, f.fleetId, f.memberId, f.coordination], ['prod-use1', 'prod-use1', 'prod-use1', undefined]);
  });

  it('a member: the fleet id tags, the cluster id names the member, Kubernetes-like default durations', () => {
    const f = parse(...FLEET);
    assert.equal(f.fleetId, 'prod');
    assert.equal(f.memberId, 'prod-use1');
    assert.deepEqual(f.coordination, { table: 'mrc-fleet', region: 'us-east-1', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    assert.equal(parse(...FLEET, '--member-id=east').memberId, 'east');
    const env = parseFlags([], { MRC_CLUSTER_ID: 'a', MRC_FLEET_ID: 'prod', MRC_COORDINATION_TABLE: 't-1', MRC_COORDINATION_REGION: 'us-west-2' });
    assert.deepEqual([env.fleetId, env.coordination?.table, env.coordination?.region], ['prod', 't-1', 'us-west-2']);
  });

  const refused: Array<[string, string[], RegExp]> = [
    ['a fleet id without a lease table (every member would act)', ['--fleet-id=prod'], /needs --coordination-table.*every member would act/],
    ['a table without a Region', ['--coordination-table=mrc-fleet'], /--coordination-region is required/],
    ['a Region without a table', ['--coordination-region=us-east-1'], /--coordination-region needs --coordination-table/],
    ['a duration without a table', ['--coordination-lease-duration=20s'], /needs --coordination-table/],
    ['a table name DynamoDB refuses', ['--coordination-table=a b', '--coordination-region=us-east-1'], /not a DynamoDB table name/],
    ['a Region that is no Region', ['--coordination-table=t-1', '--coordination-region=east'], /not an AWS Region name/],
    ['a fleet id that is no tag value', ['--fleet-id=Prod!', ...FLEET.slice(1)], /--fleet-id: 1-40 lowercase/],
    [
      'a renew deadline within the clock-skew margin',
      [...FLEET, '--coordination-lease-duration=10s', '--coordination-renew-deadline=9500ms'],
      /clock-skew margin/,
    ],
    ['a retry period as long as the deadline', [...FLEET, '--coordination-retry-period=10s'], /retry period/],
  ];
  for (const [reason, argv, want] of refused) it(`refuses ${reason}`, () => assert.throws(() => parse(...argv), want));
});

describe('ownership shared by a fleet', () => {
  const policy = (uid: string, annotations?: Record<string, string>) =>
    ({
      kind: 'FailoverPolicy',
      metadata: { namespace: 'apps', name: 'orders', uid, ...(annotations && { annotations }) },
      spec: {},
    }) as unknown as FailoverPolicy;

  it("a single cluster tags the object's own uid", () => {
    assert.equal(ownerOf(policy('u-1'), 'prod').uid, 'u-1');
    assert.equal(ownerOf(policy('u-1'), { clusterId: 'prod' }).uid, 'u-1');
  });

  it("the copies in two members' clusters (two uids) are one owner in AWS; another fleet or name is another", () => {
    const a = ownerOf(policy('uid-in-east'), { clusterId: 'prod', sharedByFleet: true });
    const b = ownerOf(policy('uid-in-west'), { clusterId: 'prod', sharedByFleet: true });
    assert.deepEqual(a, b);
    assert.match(a.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(fleetUid(policy('x'), 'staging'), a.uid);
    const other = { ...policy('x'), metadata: { namespace: 'apps', name: 'payments', uid: 'x' } } as unknown as FailoverPolicy;
    assert.notEqual(fleetUid(other, 'prod'), a.uid);
  });

  it('the fleet-uid annotation keeps the uid a single cluster tagged with (migration); anything else there is refused', () => {
    const old = '0b7c6c2e-1f4a-4c39-9a53-5b0f1c7e2d11';
    assert.equal(ownerOf(policy('new-uid', { 'multiregion.dev/fleet-uid': old }), { clusterId: 'prod', sharedByFleet: true }).uid, old);
    assert.throws(() => ownerOf(policy('u', { 'multiregion.dev/fleet-uid': 'orders' }), { clusterId: 'prod', sharedByFleet: true }), /is not a uid/);
  });
});
