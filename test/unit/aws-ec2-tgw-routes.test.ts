import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEmptyPlan, planTgwRoutes, type TgwRoute, type TgwRoutePlan, type TgwRoutePlanInput } from '../../src/aws/ec2/tgw-routes.ts';

const PEER = 'tgw-attach-peer';
const OLD_PEER = 'tgw-attach-oldpeer';
const USER = 'tgw-attach-user';

const route = (destinationCidr: string, attachmentIds: string[], state = 'active', type = 'static'): TgwRoute => ({
  destinationCidr,
  attachmentIds,
  state,
  type,
});
const want = (destinationCidr: string, attachmentId = PEER) => ({ destinationCidr, attachmentId });

interface Case {
  reason: string;
  input: Partial<TgwRoutePlanInput>;
  expect: Partial<TgwRoutePlan>;
}

const cases: Case[] = [
  {
    reason: 'nothing there yet: every desired CIDR is added',
    input: { desired: [want('10.1.0.0/16'), want('10.2.0.0/16')], current: [] },
    expect: { add: [want('10.1.0.0/16'), want('10.2.0.0/16')] },
  },
  {
    reason: 'a route to our attachment for a desired CIDR is left as it is',
    input: { desired: [want('10.1.0.0/16')], current: [route('10.1.0.0/16', [PEER])] },
    expect: { unchanged: [want('10.1.0.0/16')] },
  },
  {
    reason: 'moto omits the target: an active static route with the right CIDR counts as present',
    input: { desired: [want('10.1.0.0/16')], current: [route('10.1.0.0/16', [])] },
    expect: { unchanged: [want('10.1.0.0/16')] },
  },
  {
    reason: 'a CIDR dropped from the spec is removed when its route goes to our attachment',
    input: { desired: [want('10.1.0.0/16')], current: [route('10.1.0.0/16', [PEER]), route('10.2.0.0/16', [PEER])] },
    expect: { unchanged: [want('10.1.0.0/16')], remove: ['10.2.0.0/16'] },
  },
  {
    reason: 'a route the user added to another attachment is never removed',
    input: { desired: [want('10.1.0.0/16')], current: [route('10.1.0.0/16', [PEER]), route('192.168.0.0/16', [USER])] },
    expect: { unchanged: [want('10.1.0.0/16')] },
  },
  {
    reason: 'a route without a named target is removed only when we programmed that CIDR before',
    input: {
      desired: [want('10.1.0.0/16')],
      current: [route('10.1.0.0/16', []), route('10.2.0.0/16', []), route('172.16.0.0/12', [])],
      previouslyProgrammed: ['10.1.0.0/16', '10.2.0.0/16'],
    },
    expect: { unchanged: [want('10.1.0.0/16')], remove: ['10.2.0.0/16'] },
  },
  {
    reason: 'a desired CIDR taken by a route to someone else’s attachment is a conflict, not replaced',
    input: { desired: [want('10.1.0.0/16')], current: [route('10.1.0.0/16', [USER])] },
    expect: { conflicts: [{ destinationCidr: '10.1.0.0/16', wantedAttachmentId: PEER, currentAttachmentIds: [USER], reason: 'RouteToOtherAttachment' }] },
  },
  {
    reason: 'a route to our old (replaced) peering attachment is replaced',
    input: { desired: [want('10.1.0.0/16')], current: [route('10.1.0.0/16', [OLD_PEER], 'blackhole')], managedAttachmentIds: [PEER, OLD_PEER] },
    expect: { replace: [want('10.1.0.0/16')] },
  },
  {
    reason: 'a blackhole route without target that we programmed before is replaced',
    input: { desired: [want('10.1.0.0/16')], current: [route('10.1.0.0/16', [], 'blackhole')], previouslyProgrammed: ['10.1.0.0/16'] },
    expect: { replace: [want('10.1.0.0/16')] },
  },
  {
    reason: 'a blackhole route we never programmed is someone’s deliberate blackhole: conflict',
    input: { desired: [want('10.1.0.0/16')], current: [route('10.1.0.0/16', [], 'blackhole')] },
    expect: { conflicts: [{ destinationCidr: '10.1.0.0/16', wantedAttachmentId: PEER, currentAttachmentIds: [], reason: 'Blackhole' }] },
  },
  {
    reason: 'propagated and deleted routes are not ours: the static route is added beside them',
    input: {
      desired: [want('10.1.0.0/16'), want('10.2.0.0/16')],
      current: [route('10.1.0.0/16', [USER], 'active', 'propagated'), route('10.2.0.0/16', [PEER], 'deleted')],
    },
    expect: { add: [want('10.1.0.0/16'), want('10.2.0.0/16')] },
  },
  {
    reason: 'an empty desired set removes nothing (a half-read spec must not wipe the table)',
    input: { desired: [], current: [route('10.1.0.0/16', [PEER])] },
    expect: {},
  },
  {
    reason: 'an empty desired set with allowRemoveAll removes our routes and only ours',
    input: { desired: [], current: [route('10.1.0.0/16', [PEER]), route('10.9.0.0/16', [USER])], allowRemoveAll: true },
    expect: { remove: ['10.1.0.0/16'] },
  },
  {
    reason: 'CIDRs compare after trimming and lower-casing (IPv6 hex case)',
    input: { desired: [want(' 2001:DB8::/32 ')], current: [route('2001:db8::/32', [PEER])] },
    expect: { unchanged: [want('2001:db8::/32')] },
  },
  {
    reason: 'the same CIDR wanted to two attachments: the first wins, the second is a conflict',
    input: { desired: [want('10.1.0.0/16'), want('10.1.0.0/16', 'tgw-attach-vpc')], current: [] },
    expect: {
      add: [want('10.1.0.0/16')],
      conflicts: [{ destinationCidr: '10.1.0.0/16', wantedAttachmentId: 'tgw-attach-vpc', currentAttachmentIds: [PEER], reason: 'DuplicateDesired' }],
    },
  },
];

for (const c of cases) {
  test(`planTgwRoutes: ${c.reason}`, () => {
    const got = planTgwRoutes({ desired: [], current: [], managedAttachmentIds: [PEER], ...c.input });
    const full: TgwRoutePlan = { add: [], replace: [], remove: [], conflicts: [], unchanged: [], ...c.expect };
    assert.deepEqual(got, full);
  });
}

test('planTgwRoutes: applying the plan converges (planning again on the result is empty)', () => {
  const input: TgwRoutePlanInput = {
    desired: [want('10.1.0.0/16'), want('10.3.0.0/16')],
    current: [route('10.1.0.0/16', [PEER]), route('10.2.0.0/16', [PEER]), route('10.9.0.0/16', [USER])],
    managedAttachmentIds: [PEER],
  };
  const plan = planTgwRoutes(input);
  assert.equal(isEmptyPlan(plan), false);
  const after = input.current.filter((r) => !plan.remove.includes(r.destinationCidr)).concat(plan.add.map((a) => route(a.destinationCidr, [a.attachmentId])));
  assert.equal(isEmptyPlan(planTgwRoutes({ ...input, current: after })), true);
});
