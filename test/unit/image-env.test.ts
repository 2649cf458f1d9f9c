// The tests and the bench that run dist/main.js as the image does take the image's environment
// from the Dockerfile (test/env/image-env.ts): a setting added there is measured and tested
// without a second copy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostLibrary, imageEnvironment, onThisHost } from '../env/image-env.ts';

test('the ENV lines of a Dockerfile, quoted or not, continued or not; HOME left out', () => {
  const dockerfile = ['FROM node AS build', 'ENV A=1', 'ENV B="two words" \\', '    HOME=/tmp \\', '    C=--x=y', 'RUN echo D=4'].join('\n');
  assert.deepEqual(imageEnvironment(dockerfile), { A: '1', B: 'two words', C: '--x=y' });
});

test("the repo's Dockerfile: jemalloc preloaded from the image's own copy, its settings, and the NODE_OPTIONS", () => {
  const env = imageEnvironment(readFileSync(join(import.meta.dirname, '..', '..', 'Dockerfile'), 'utf8'));
  assert.equal(env.NODE_ENV, 'production');
  assert.equal(env.LD_PRELOAD, '/app/lib/libjemalloc.so.2');
  assert.match(env.MALLOC_CONF ?? '', /^narenas:1,/);
  assert.equal(env.MALLOC_ARENA_MAX, undefined, 'a glibc setting is dead with jemalloc preloaded');
  assert.match(env.NODE_OPTIONS ?? '', /^--max-semi-space-size=2 --import=data:/);
  assert.equal(env.HOME, undefined);
});

test("the image's preload is pointed at this machine's copy of the same library", () => {
  const found = (file: string) => (file === 'libjemalloc.so.2' ? '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2' : undefined);
  const env = { LD_PRELOAD: '/app/lib/libjemalloc.so.2', MALLOC_CONF: 'narenas:1' };
  assert.deepEqual(onThisHost(env, found), { LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', MALLOC_CONF: 'narenas:1' });
  assert.deepEqual(onThisHost({ A: '1' }, found), { A: '1' });
});

test('a preloaded library this machine lacks is an error naming it, not a run on another allocator', () => {
  assert.throws(() => onThisHost({ LD_PRELOAD: '/app/lib/libmissing.so.1' }, () => undefined), /libmissing\.so\.1.*install-tools/);
});

test("hostLibrary looks in Debian's multiarch directory of the architecture first", () => {
  const have = new Set(['/usr/lib/aarch64-linux-gnu/libx.so', '/usr/lib/libx.so']);
  assert.equal(
    hostLibrary('libx.so', 'arm64', (p) => have.has(String(p))),
    '/usr/lib/aarch64-linux-gnu/libx.so',
  );
  assert.equal(
    hostLibrary('libx.so', 'x64', (p) => have.has(String(p))),
    '/usr/lib/libx.so',
  );
  assert.equal(
    hostLibrary('liby.so', 'x64', (p) => have.has(String(p))),
    undefined,
  );
});
