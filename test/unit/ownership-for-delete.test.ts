// The check before destructive calls: cluster id AND object uid, stricter than isOwnedBy; and
// its health-check form, which also accepts our CallerReference on a check with no tags of ours.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callerReference } from '../../src/aws/route53/health-check-config.ts';
import { ownsHealthCheck } from '../../src/aws/route53/health-checks.ts';
import { isOwnedBy, ownershipTags, ownsForDelete, TAG_KEYS, tagsToMap } from '../../src/aws/tags.ts';
import type { Owner } from '../../src/aws/types.ts';

const owner: Owner = { clusterId: 'prod-1', kind: 'FailoverPolicy', namespace: 'apps', name: 'orders', uid: 'uid-1' };
const ours = tagsToMap(ownershipTags(owner));
const without = (key: string) => Object.fromEntries(Object.entries(ours).filter(([k]) => k !== key));

test('ownsForDelete: our cluster id and uid are both required', () => {
  const cases: { reason: string; tags: Record<string, string>; want: boolean }[] = [
    { reason: 'all our tags', tags: ours, want: true },
    { reason: 'no uid tag (isOwnedBy would accept it)', tags: without(TAG_KEYS.uid), want: false },
    { reason: 'another uid: a recreated object of the same name', tags: { ...ours, [TAG_KEYS.uid]: 'uid-2' }, want: false },
    { reason: 'another cluster', tags: { ...ours, [TAG_KEYS.cluster]: 'staging' }, want: false },
    { reason: 'no cluster tag', tags: without(TAG_KEYS.cluster), want: false },
    { reason: 'no tags', tags: {}, want: false },
  ];
  for (const c of cases) assert.equal(ownsForDelete(c.tags, owner), c.want, c.reason);
  assert.equal(isOwnedBy(without(TAG_KEYS.uid), owner), true, 'the looser check, for contrast');
  assert.equal(ownsForDelete(ours, { ...owner, uid: '' }), false, 'an owner without a uid can prove nothing');
});

test('ownsHealthCheck: tags, or our reference on a check without tags of ours', () => {
  const ref = callerReference(owner, 'secondary', 3);
  assert.equal(ownsHealthCheck(ours, 'console-1', owner), true, 'our tags');
  assert.equal(ownsHealthCheck({}, ref, owner), true, 'created, then a crash before tagging');
  assert.equal(ownsHealthCheck({ [TAG_KEYS.cluster]: 'staging' }, ref, owner), false, 'our reference but someone else tagged it');
  assert.equal(ownsHealthCheck({}, 'console-1', owner), false, 'no tags, a foreign reference');
  assert.equal(ownsHealthCheck({}, callerReference({ ...owner, uid: 'uid-2' }, 'primary', 0), owner), false, "another object's reference");
});
