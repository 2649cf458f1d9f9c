// The pure parts of the application cutover: the data written under renamed keys, its revision
// (changes exactly when the data does), and the label selector as the API's query string.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsRollout } from '../../src/controllers/failover-policy/rollout.ts';
import { revisionOf, writtenData } from '../../src/controllers/failover-policy/secret.ts';
import { selectorQuery } from '../../src/controllers/failover-policy/workloads.ts';

const data = { host: 'db.example', port: '5432', region: 'us-east-1', role: 'writer', engine: 'postgres' };

test('writtenData renames only the keys asked for and keeps the values', () => {
  assert.deepEqual(writtenData(data), data);
  assert.deepEqual(writtenData(data, { host: 'DATABASE_HOST', port: 'DATABASE_PORT' }), {
    DATABASE_HOST: 'db.example',
    DATABASE_PORT: '5432',
    region: 'us-east-1',
    role: 'writer',
    engine: 'postgres',
  });
});

test('the revision changes exactly when the written data changes', () => {
  const a = revisionOf(writtenData(data));
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.equal(revisionOf(writtenData({ ...data })), a, 'same data, same revision');
  assert.equal(revisionOf(Object.fromEntries(Object.entries(writtenData(data)).reverse())), a, 'key order does not matter');
  assert.notEqual(revisionOf(writtenData({ ...data, host: 'db2.example' })), a, 'a new host');
  assert.notEqual(revisionOf(writtenData(data, { host: 'DATABASE_HOST' })), a, 'a renamed key');
  // No ambiguity between keys and values run together.
  assert.notEqual(revisionOf({ ab: 'c' }), revisionOf({ a: 'bc' }));
});

test('selectorQuery writes matchLabels and every operator as the apiserver reads them', () => {
  assert.equal(
    selectorQuery({
      matchLabels: { app: 'orders', tier: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'canary', operator: 'NotIn', values: ['true'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    }),
    'app=orders,tier=web,env in (prod,staging),canary notin (true),team,!legacy',
  );
});

test('a rollout is wanted only when workloads are listed or selected', () => {
  assert.equal(wantsRollout({ name: 's' }), false);
  assert.equal(wantsRollout({ name: 's', restartWorkloads: [] }), false);
  assert.equal(wantsRollout({ name: 's', restartWorkloads: [{ kind: 'Deployment', name: 'api' }] }), true);
  assert.equal(wantsRollout({ name: 's', restartSelector: { matchLabels: { app: 'orders' } } }), true);
});
