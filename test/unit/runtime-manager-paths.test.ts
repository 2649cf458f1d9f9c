import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namespacedPath } from '../../src/runtime/manager.ts';

test('namespacedPath scopes a collection to one namespace (--watch-namespace)', () => {
  assert.equal(namespacedPath('/apis/multiregion.dev/v1alpha1/regionpairs', 'platform'), '/apis/multiregion.dev/v1alpha1/namespaces/platform/regionpairs');
  assert.equal(namespacedPath('/api/v1/secrets', 'apps'), '/api/v1/namespaces/apps/secrets');
});
