// --require-access-policy: off by default in the binary (and so in `make local`), on by flag or
// MRC_REQUIRE_ACCESS_POLICY (the chart and kustomize pass the flag), a typo is refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFlags, USAGE } from '../../src/flags.ts';

test('--require-access-policy: default false, flag and env turn it on, junk is refused', () => {
  assert.equal(parseFlags(['--cluster-id=a'], {}).requireAccessPolicy, false);
  assert.equal(parseFlags(['--cluster-id=a', '--require-access-policy=true'], {}).requireAccessPolicy, true);
  assert.equal(parseFlags(['--cluster-id=a'], { MRC_REQUIRE_ACCESS_POLICY: 'true' }).requireAccessPolicy, true);
  assert.equal(parseFlags(['--cluster-id=a', '--require-access-policy=false'], { MRC_REQUIRE_ACCESS_POLICY: 'true' }).requireAccessPolicy, false);
  assert.throws(() => parseFlags(['--cluster-id=a', '--require-access-policy=yes please'], {}), /--require-access-policy/);
  assert.match(USAGE, /--require-access-policy [\s\S]*\[MRC_REQUIRE_ACCESS_POLICY\]/);
});
