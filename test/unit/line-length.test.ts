// Biome formats at lineWidth 160 but cannot break strings, templates and comments: this catches those.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const repoRoot = join(import.meta.dirname, '..', '..');
const MAX = 160;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !join(e.parentPath, e.name).split(/[\\/]/).includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}

test(`no line in src/, test/ or build/ is longer than ${MAX} characters`, () => {
  const long = ['src', 'test', 'build'].flatMap((d) =>
    tsFiles(join(repoRoot, d)).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .flatMap((line, i) => (line.length > MAX ? [`${relative(repoRoot, file)}:${i + 1} (${line.length})`] : [])),
    ),
  );
  assert.deepEqual(long, [], `lines over ${MAX} characters:\n${long.join('\n')}`);
});
