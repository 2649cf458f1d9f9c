// Static checks of the Dockerfile (no Docker engine runs on the dev and CI machines): a
// multi-stage build whose runtime stage is a distroless Node 24 base pinned by digest and runs
// node directly as a numeric non-root user.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './packaging-tools.ts';

interface Instr {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instrs: Instr[];
}

/** Dockerfile -> stages of instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.replace(/\s+/g, ' ');
    if (op === 'FROM') {
      const f = /^(?:--\S+ )*(\S+)(?: AS (\S+))?$/i.exec(args);
      stages.push({ from: f?.[1] ?? args, name: f?.[2], instrs: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instrs.push({ op, args });
    }
  }
  return stages;
}

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const build = stages[0]!;
const runtime = stages.at(-1)!;
const ops = (s: Stage, op: string) => s.instrs.filter((i) => i.op === op).map((i) => i.args);

test('parseDockerfile joins continuations and names stages', () => {
  const s = parseDockerfile('FROM a AS b\n# c\nRUN x \\\n  && y\nFROM --platform=p d\nUSER 1');
  assert.deepEqual(s, [
    { from: 'a', name: 'b', instrs: [{ op: 'RUN', args: 'x && y' }] },
    { from: 'd', name: undefined, instrs: [{ op: 'USER', args: '1' }] },
  ]);
});

/** A stage's base with `${ARG}` replaced by the ARG's default. */
const baseOf = (s: Stage) => s.from.replace(/^\$\{(\w+)\}$/, (_m, name: string) => new RegExp(`^ARG ${name}=(\\S+)`, 'm').exec(dockerfile)?.[1] ?? '');
const DIGEST = /@sha256:[0-9a-f]{64}$/;

test('build stage on Node 24, runtime stage on distroless Node 24, both pinned by digest', () => {
  assert.ok(stages.length >= 2, 'the image must be multi-stage');
  assert.match(baseOf(build), /^node:24(-[a-z0-9-]+)?@sha256:/);
  assert.match(baseOf(runtime), /^gcr\.io\/distroless\/nodejs24-debian\d+(:[\w.-]+)?@sha256:/);
  for (const s of stages) assert.match(baseOf(s), DIGEST, `${s.name ?? s.from}: pin the base by digest`);
});

test('production dependencies are plain JavaScript (the build stage runs on the build platform)', () => {
  // The build stage is FROM --platform=$BUILDPLATFORM: a production package with a native part
  // or an install script would be built for the wrong platform in a multi-platform image.
  assert.match(dockerfile, new RegExp(`^FROM --platform=\\$BUILDPLATFORM \\S+ AS ${build.name}$`, 'm'));
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; os?: string[]; cpu?: string[]; hasInstallScript?: boolean }>;
  };
  const native = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && !p.dev && (p.os || p.cpu || p.hasInstallScript))
    .map(([path]) => path);
  assert.deepEqual(native, [], 'build these for the target platform instead');
});

test('build stage: npm ci, npm run build, then prune dev dependencies', () => {
  const runs = ops(build, 'RUN').join(' && ');
  const at = (needle: string) => runs.indexOf(needle);
  assert.ok(at('npm ci') >= 0, 'no npm ci');
  assert.ok(at('npm run build') > at('npm ci'), 'npm run build must follow npm ci');
  assert.ok(at('npm prune --omit=dev') > at('npm run build'), 'npm prune --omit=dev must follow the build');
});

test('every file the build stage copies exists, and .dockerignore lets it in', () => {
  const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  assert.equal(ignore[0], '*', '.dockerignore must start by excluding everything (an allowlist)');
  const allowed = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, '')));
  for (const copy of ops(build, 'COPY').filter((a) => !a.startsWith('--from'))) {
    const sources = copy
      .split(' ')
      .filter((s) => !s.startsWith('--'))
      .slice(0, -1);
    for (const src of sources) {
      assert.ok(existsSync(join(repoRoot, src)), `COPY ${src}: no such file`);
      assert.ok(allowed.has(src.replace(/\/$/, '')), `COPY ${src}: excluded by .dockerignore`);
    }
  }
});

test('runtime stage copies only dist, production node_modules and package.json from the build, and the allocator', () => {
  const copies = ops(runtime, 'COPY');
  const fromBuild = copies.filter((c) => c.startsWith(`--from=${build.name} `));
  const sources = fromBuild.map((c) => c.split(' ')[1]!.replace(/^\/app\//, '')).sort();
  assert.deepEqual(sources, ['dist', 'node_modules', 'package.json']);
  assert.deepEqual(
    copies.filter((c) => !fromBuild.includes(c)),
    ['--from=allocator /out/ ./lib/'],
    'every other runtime copy is the allocator stage output',
  );
});

test("jemalloc: the target architecture's Debian package, pinned, fetched without emulation, preloaded from the copied path", () => {
  const allocator = stages.find((s) => s.name === 'allocator');
  assert.ok(allocator, 'an allocator stage');
  assert.match(dockerfile, /^FROM --platform=\$BUILDPLATFORM \$\{BUILD_IMAGE\} AS allocator$/m, 'runs on the builder, like the build stage');
  assert.deepEqual(ops(allocator, 'ARG'), ['TARGETARCH']);
  const run = ops(allocator, 'RUN').join(' && ');
  assert.match(run, /dpkg --add-architecture "\$\{TARGETARCH\}"/);
  assert.match(run, /apt-get install -y --no-install-recommends "libjemalloc2:\$\{TARGETARCH\}=\d[\w.:~+-]*"/, 'pinned to a version');
  assert.match(run, /\/out\/libjemalloc\.so\.2 /);
  assert.match(run, /\/usr\/share\/doc\/libjemalloc2\/copyright \/out\//, 'its licence travels with it');
  // WORKDIR /app + COPY /out/ ./lib/ = where LD_PRELOAD points; a wrong path only makes ld.so warn.
  assert.deepEqual(ops(runtime, 'WORKDIR'), ['/app']);
  assert.match(ops(runtime, 'ENV').join(' '), /\bLD_PRELOAD=\/app\/lib\/libjemalloc\.so\.2 /);
  assert.match(ops(runtime, 'ENV').join(' '), /\bMALLOC_CONF=\S+/);
});

test("runtime: numeric non-root USER, HOME=/tmp, exec-form ENTRYPOINT running the base's node directly", () => {
  const user = ops(runtime, 'USER').at(-1) ?? '';
  assert.match(user, /^[1-9]\d*(:\d+)?$/, 'USER must be numeric and not 0 (runAsNonRoot checks it)');
  assert.match(ops(runtime, 'ENV').join(' '), /\bHOME=\/tmp\b/);
  const entry = ops(runtime, 'ENTRYPOINT').at(-1) ?? '';
  assert.deepEqual(JSON.parse(entry), ['/nodejs/bin/node', 'dist/main.js'], 'exec form, so SIGTERM reaches node');
  assert.deepEqual(ops(runtime, 'CMD'), [], 'no CMD: flags come from the pod args');
  assert.deepEqual(ops(runtime, 'RUN'), [], 'the runtime stage runs nothing at build time');
});

test('package.json start script and the image run the same file', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, 'node dist/main.js');
  assert.match(pkg.scripts.build ?? '', /tsconfig\.build\.json/);
  // The image runs the bundle build/bundle.ts writes over tsc's entry (docs/performance.md, Memory).
  assert.match(pkg.scripts.build ?? '', /tsconfig\.build\.json && node build\/bundle\.ts$/);
});
