// Whose a connection Secret is (src/controllers/failover-policy/secret.ts): only one this policy
// controls is written as is; one an earlier controller version labelled is adopted; anything else
// is left alone, whatever its labels say.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimOf, ownerReferenceTo, type SecretMeta } from '../../src/controllers/failover-policy/secret.ts';

const policy = { name: 'orders', uid: 'uid-orders' };
const ours = ownerReferenceTo(policy);
const ourLabels = { 'app.kubernetes.io/managed-by': 'multiregion-controller', 'multiregion.dev/failover-policy': 'orders' };

const cases: Array<{ reason: string; meta: SecretMeta; want: ReturnType<typeof claimOf> }> = [
  { reason: 'our controller reference (this uid)', meta: { ownerReferences: [ours] }, want: 'Ours' },
  { reason: 'our reference beside another, non-controller owner', meta: { ownerReferences: [{ ...ours, uid: 'x', controller: false }, ours] }, want: 'Ours' },
  {
    reason: 'a policy of the same name but another uid (deleted and re-made; the old Secret awaits GC)',
    meta: { ownerReferences: [{ ...ours, uid: 'uid-old' }], labels: ourLabels },
    want: 'Foreign',
  },
  {
    reason: 'another kind controls it, even with our labels',
    meta: { ownerReferences: [{ ...ours, kind: 'ExternalSecret', apiVersion: 'external-secrets.io/v1' }], labels: ourLabels },
    want: 'Foreign',
  },
  { reason: 'written by an earlier version: our labels, no controller', meta: { labels: ourLabels }, want: 'Legacy' },
  { reason: 'our labels for another policy name', meta: { labels: { ...ourLabels, 'multiregion.dev/failover-policy': 'billing' } }, want: 'Foreign' },
  { reason: 'the policy label without managed-by', meta: { labels: { 'multiregion.dev/failover-policy': 'orders' } }, want: 'Foreign' },
  { reason: 'a plain Secret the team made', meta: { labels: { app: 'orders' } }, want: 'Foreign' },
  { reason: 'no metadata at all', meta: {}, want: 'Foreign' },
  {
    reason: 'a non-controller reference to this policy only (not ours to write)',
    meta: { ownerReferences: [{ ...ours, controller: false }] },
    want: 'Foreign',
  },
];

for (const c of cases) {
  test(`claimOf: ${c.reason} → ${c.want}`, () => {
    assert.equal(claimOf(c.meta, policy), c.want);
  });
}

test('the ownerReference names the FailoverPolicy by uid, as its controller', () => {
  assert.deepEqual(ownerReferenceTo(policy), {
    apiVersion: 'multiregion.dev/v1alpha1',
    kind: 'FailoverPolicy',
    name: 'orders',
    uid: 'uid-orders',
    controller: true,
    blockOwnerDeletion: true,
  });
});
