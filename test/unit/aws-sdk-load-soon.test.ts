// A package asked for with loadSoon (src/aws/sdk.ts) is loaded on the next turn of the event loop:
// not in the caller's turn (the pass that asks goes on at once), and not left for the first use
// (the fence of an outage, for client-ec2). Its own file: nothing else here loads an SDK package.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { it } from 'node:test';
import { ec2Sdk, loadSoon, SDK_PACKAGES } from '../../src/aws/sdk.ts';

it('loads a package on the next turn of the event loop, not before', async () => {
  const require = createRequire(import.meta.url);
  const path = require.resolve(SDK_PACKAGES.ec2Sdk);
  const loaded = () => require.cache[path] !== undefined;
  assert.equal(loaded(), false, 'nothing in this file loaded client-ec2 yet');
  loadSoon(ec2Sdk);
  assert.equal(loaded(), false, "not in the caller's turn");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(loaded(), true, 'loaded on the next turn');
});
