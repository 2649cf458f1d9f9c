// build/sourcemap-filter.ts: the bundle's source map keeps the mappings into src/ only (the rest
// costs ~9 MiB of RSS in a controller whose stack traces only need src/). Checked against a real
// esbuild bundle read back through Node's own SourceMap, the one that rewrites stack traces.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { decodeSegment, encodeSegment, keepSources } from '../../build/sourcemap-filter.ts';

describe('VLQ segments', () => {
  it('encode as the Source Map v3 format does, and decode back', () => {
    assert.equal(encodeSegment([0]), 'A');
    assert.equal(encodeSegment([1]), 'C');
    assert.equal(encodeSegment([-1]), 'D');
    assert.equal(encodeSegment([16]), 'gB');
    assert.equal(encodeSegment([0, 0, 1, -3]), 'AACH');
    const values = [0, 1, -1, 15, 16, -16, 31, 32, 1000, -123_456, 2 ** 30, -(2 ** 31)];
    assert.deepEqual(decodeSegment(encodeSegment(values)), values);
  });

  it('refuses text that is not base64 VLQ, or ends inside a number', () => {
    assert.throws(() => decodeSegment('A!'), /not base64 VLQ/);
    assert.throws(() => decodeSegment('g'), /truncated/);
  });
});

/** The original file of a lookup; none for a position with no mapping (Node then names the bundle itself). */
function sourceOf(entry: object): string | undefined {
  return (entry as { originalSource?: string }).originalSource;
}

describe('keepSources on an esbuild bundle', () => {
  let dir = '';
  let js = '';
  let map: SourceMapPayload;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mrc-sourcemap-'));
    const files: Record<string, string> = {
      'src/main.ts': "import { ours } from './a.ts';\nimport { other } from 'dep2';\nconsole.log(ours(1), other());\n",
      'src/a.ts': "import { helper } from 'dep';\nexport function ours(x: number): number {\n  const y = helper(x) + 1;\n  return y * 2;\n}\n",
      'node_modules/dep/index.js': 'export function helper(x) {\n  const z = x + 41;\n  return z;\n}\n',
      // Bundled after src/a.ts: the filter must not let src/a.ts's last mapping cover it.
      'node_modules/dep2/index.js': "export function other() {\n  return 'other' + String(1);\n}\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const out = await build({
      absWorkingDir: dir,
      entryPoints: ['src/main.ts'],
      outfile: 'dist/main.js',
      bundle: true,
      format: 'esm',
      platform: 'node',
      sourcemap: 'external',
      write: false,
      logLevel: 'silent',
    });
    js = out.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
    map = JSON.parse(out.outputFiles.find((f) => f.path.endsWith('.map'))?.text ?? '{}') as SourceMapPayload;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('maps every position in our code as before, and no position in a package to our code', () => {
    assert.deepEqual(map.sources, ['../node_modules/dep/index.js', '../src/a.ts', '../node_modules/dep2/index.js', '../src/main.ts']);
    const before = new SourceMap(map);
    const after = new SourceMap(keepSources(map, (s) => s.startsWith('../src/')));
    let ours = 0;
    let theirs = 0;
    js.split('\n').forEach((text, line) => {
      for (let column = 0; column < text.length; column++) {
        const was = before.findEntry(line, column);
        const is = after.findEntry(line, column);
        const source = sourceOf(was);
        // A line between two modules (esbuild's `// path` heading) takes the mapping before it, in both.
        if (text.startsWith('//') || source === undefined) continue;
        if (source.includes('/src/')) {
          ours++;
          assert.deepEqual(is, was, `${line}:${column} in ${source}`);
        } else {
          theirs++;
          assert.equal(sourceOf(is), undefined, `${line}:${column} (in ${source}) maps to ${JSON.stringify(is)}`);
        }
      }
    });
    assert.ok(ours > 50 && theirs > 50, `checked ${ours} positions in src/ and ${theirs} in packages`);
  });

  it('keeping every source changes nothing', () => {
    assert.equal(keepSources(map, () => true).mappings, map.mappings);
  });
});
