// The Lease holder's identity names the pod (the chart's POD_NAME) and is unique per process.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { defaultIdentity } from '../../src/runtime/leader.ts';

test('the identity starts with the name given (the pod), then the process and a random part', () => {
  const id = defaultIdentity('mrc-7d9f-abcde');
  assert.match(id, new RegExp(`^mrc-7d9f-abcde_${process.pid}_[0-9a-f]{8}$`));
  assert.notEqual(defaultIdentity('mrc-7d9f-abcde'), id, 'two processes (or restarts) of one pod never share an identity');
});

test('without a name, the host name', () => {
  assert.ok(defaultIdentity().startsWith(`${hostname()}_`));
});
