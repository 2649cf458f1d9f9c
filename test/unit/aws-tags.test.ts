import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOwnedBy, ownershipTags, TAG_KEYS, tagFilters, tagsToMap, toEc2TagSpec, toLogsTags, toRdsTags, toRoute53Tags } from '../../src/aws/tags.ts';
import type { Owner } from '../../src/aws/types.ts';

const owner: Owner = {
  clusterId: 'prod-eu',
  kind: 'TransitGatewayMesh',
  namespace: 'net',
  name: 'core',
  uid: 'uid-1',
};

test('ownershipTags puts ours first, then module extras, then user tags by key', () => {
  const tags = ownershipTags({ ...owner, userTags: { team: 'net', app: 'x' } }, { Name: 'core-us-west-2' });
  assert.deepEqual(tags, [
    { Key: 'multiregion.dev/cluster', Value: 'prod-eu' },
    { Key: 'multiregion.dev/owner', Value: 'net/core' },
    { Key: 'multiregion.dev/kind', Value: 'TransitGatewayMesh' },
    { Key: 'multiregion.dev/uid', Value: 'uid-1' },
    { Key: 'Name', Value: 'core-us-west-2' },
    { Key: 'app', Value: 'x' },
    { Key: 'team', Value: 'net' },
  ]);
});

const overrides: { reason: string; userTags: Record<string, string>; extra?: Record<string, string>; key: string; want: string | undefined }[] = [
  { reason: 'a user cannot take over the owner tag', userTags: { 'multiregion.dev/owner': 'evil/x' }, key: TAG_KEYS.owner, want: 'net/core' },
  { reason: 'a user cannot set other keys under our prefix', userTags: { 'multiregion.dev/other': 'x' }, key: 'multiregion.dev/other', want: undefined },
  {
    reason: 'aws: keys are AWS-reserved and would fail the call',
    userTags: { 'aws:cloudformation:stack-name': 's' },
    key: 'aws:cloudformation:stack-name',
    want: undefined,
  },
  { reason: 'the module Name wins over a user Name', userTags: { Name: 'mine' }, extra: { Name: 'ours' }, key: 'Name', want: 'ours' },
  {
    reason: 'a module extra cannot override ownership either',
    userTags: {},
    extra: { [TAG_KEYS.kind]: 'Other' },
    key: TAG_KEYS.kind,
    want: 'TransitGatewayMesh',
  },
  { reason: 'plain user tags pass through', userTags: { CostCenter: '42' }, key: 'CostCenter', want: '42' },
];

for (const c of overrides) {
  test(`ownershipTags: ${c.reason}`, () => {
    const map = tagsToMap(ownershipTags({ ...owner, userTags: c.userTags }, c.extra));
    assert.equal(map[c.key], c.want);
  });
}

test('ownershipTags clips values to 256 chars and isOwnedBy still recognises them', () => {
  const long: Owner = { ...owner, name: 'n'.repeat(300) };
  const tags = ownershipTags(long);
  assert.equal(tagsToMap(tags)[TAG_KEYS.owner]?.length, 256);
  assert.equal(isOwnedBy(tags, long), true);
});

const ownership: { reason: string; tags: Record<string, string>; owner?: Partial<Owner>; want: boolean }[] = [
  { reason: 'all four tags match', tags: tagsToMap(ownershipTags(owner)), want: true },
  {
    reason: 'no uid tag (created before uids were written) still matches',
    tags: { [TAG_KEYS.cluster]: 'prod-eu', [TAG_KEYS.owner]: 'net/core', [TAG_KEYS.kind]: 'TransitGatewayMesh' },
    want: true,
  },
  { reason: 'another uid is a recreated object of the same name', tags: { ...tagsToMap(ownershipTags(owner)), [TAG_KEYS.uid]: 'uid-0' }, want: false },
  { reason: 'an owner without uid matches any uid', tags: tagsToMap(ownershipTags(owner)), owner: { uid: '' }, want: true },
  { reason: 'another cluster', tags: tagsToMap(ownershipTags(owner)), owner: { clusterId: 'prod-us' }, want: false },
  { reason: 'another namespace', tags: tagsToMap(ownershipTags(owner)), owner: { namespace: 'other' }, want: false },
  { reason: 'another kind', tags: tagsToMap(ownershipTags(owner)), owner: { kind: 'FailoverGroup' }, want: false },
  { reason: 'untagged', tags: {}, want: false },
  { reason: 'only a Name', tags: { Name: 'core' }, want: false },
];

for (const c of ownership) {
  test(`isOwnedBy: ${c.reason}`, () => {
    assert.equal(isOwnedBy(c.tags, { ...owner, ...c.owner }), c.want);
  });
}

test('isOwnedBy reads SDK tag lists with optional fields', () => {
  const sdkList: { Key?: string; Value?: string }[] = ownershipTags(owner).map((t) => ({ ...t }));
  sdkList.push({ Key: 'Empty' }, { Value: 'no key' });
  assert.equal(isOwnedBy(sdkList, owner), true);
  assert.equal(isOwnedBy(undefined, owner), false);
});

test('tagFilters narrow EC2 describes by cluster, owner and kind', () => {
  assert.deepEqual(tagFilters(owner), [
    { Name: 'tag:multiregion.dev/cluster', Values: ['prod-eu'] },
    { Name: 'tag:multiregion.dev/owner', Values: ['net/core'] },
    { Name: 'tag:multiregion.dev/kind', Values: ['TransitGatewayMesh'] },
  ]);
});

test('service shapes: EC2 spec, RDS and Route 53 lists, Logs map', () => {
  const tags = ownershipTags({ ...owner, userTags: { a: '1' } });
  assert.deepEqual(toEc2TagSpec('transit-gateway', tags), [{ ResourceType: 'transit-gateway', Tags: tags }]);
  assert.deepEqual(toRdsTags(tags), tags);
  assert.notEqual(toRdsTags(tags)[0], tags[0], 'copies, so callers cannot change each other');
  assert.deepEqual(toLogsTags(tags), {
    'multiregion.dev/cluster': 'prod-eu',
    'multiregion.dev/owner': 'net/core',
    'multiregion.dev/kind': 'TransitGatewayMesh',
    'multiregion.dev/uid': 'uid-1',
    a: '1',
  });
});

test('Route 53 takes at most 10 tags and keeps ours; EC2 at most 50', () => {
  const userTags = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']));
  const tags = ownershipTags({ ...owner, userTags });
  const r53 = toRoute53Tags(tags);
  assert.equal(r53.length, 10);
  assert.equal(isOwnedBy(r53, owner), true);
  assert.equal(toEc2TagSpec('vpc', tags)[0]?.Tags?.length, 50);
});
