// The memory bench measures the controller with the image's environment, read from the Dockerfile
// (test/bench/memory.ts): a setting added there is measured without a second copy in the bench.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { imageEnvironment } from '../bench/memory.ts';

test('the ENV lines of a Dockerfile, quoted or not, continued or not; HOME left out', () => {
  const dockerfile = ['FROM node AS build', 'ENV A=1', 'ENV B="two words" \\', '    HOME=/tmp \\', '    C=--x=y', 'RUN echo D=4'].join('\n');
  assert.deepEqual(imageEnvironment(dockerfile), { A: '1', B: 'two words', C: '--x=y' });
});

test("the repo's Dockerfile: the allocator setting and the NODE_OPTIONS the image runs with", () => {
  const env = imageEnvironment(readFileSync(join(import.meta.dirname, '..', '..', 'Dockerfile'), 'utf8'));
  assert.equal(env.NODE_ENV, 'production');
  assert.equal(env.MALLOC_ARENA_MAX, '1');
  assert.match(env.NODE_OPTIONS ?? '', /^--max-semi-space-size=2 --import=data:/);
  assert.equal(env.HOME, undefined);
});
