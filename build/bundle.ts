// The controller the image runs, as one file: esbuild bundles src/main.ts and the parts of its
// packages it reaches into dist/main.js, over the entry `tsc` wrote there (the rest of dist/ stays
// as tsc wrote it, for the CLI and the npm package). Why (docs/performance.md, Memory): the
// package entry of @kubernetes/client-node imports its whole generated API, which the controller
// never uses; bundled, only what it reaches is loaded, and a controller starts at ~92 instead of
// ~120 MiB RSS. The AWS SDK is not in the bundle: src/aws/sdk.ts loads each package from
// node_modules with `require` the first time it is used (bundled, the SDK's code is parsed at
// start whether used or not, which costs more than it saves: measured there too).
//
// Run by `npm run build` after tsc (node runs this file as TypeScript: erasable syntax only), as
// `node build/bundle.ts [DIST] [--metafile FILE]`: DIST is tsc's output directory (dist/ by default;
// a test builds into a temporary one); FILE gets esbuild's record of every input in the bundle.
import { writeFile } from 'node:fs/promises';
import type { SourceMapPayload } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { keepSources } from './sourcemap-filter.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { metafile: { type: 'string' } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = resolve(root, positionals[0] ?? 'dist');
const outfile = join(dist, 'main.js');

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  outfile,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22.19',
  // CommonJS packages in the bundle (undici, ws, …) require Node's built-ins: give them Node's require.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  sourcemap: true,
  // A stack trace needs the positions only (src/… file:line), not the text.
  sourcesContent: false,
  legalComments: 'none',
  // No comments or layout: V8 keeps the whole source text of the bundle on its heap, as two bytes
  // per character once one comment holds a character beyond Latin-1 (8.2 MiB for the 4.3 MB
  // file); stripped, 2.9 MB of ASCII at one byte each. Names are kept, and the source map still points at src/.
  minifyWhitespace: true,
  charset: 'ascii',
  logLevel: 'warning',
  metafile: values.metafile !== undefined,
  // Kept in memory: the map is filtered below before anything is written.
  write: false,
});
if (values.metafile !== undefined) await writeFile(values.metafile, JSON.stringify(result.metafile));

// Our own code only: Node decodes the whole map when it loads the bundle (+16 MiB RSS with the
// packages' mappings in it, +7 MiB without); a frame in a package names dist/main.js instead.
// The map's sources are relative to it.
const ours = `${relative(dist, join(root, 'src'))}/`;
for (const file of result.outputFiles) {
  if (!file.path.endsWith('.map')) {
    await writeFile(file.path, file.contents);
    continue;
  }
  const map = JSON.parse(file.text) as SourceMapPayload;
  await writeFile(file.path, JSON.stringify(keepSources(map, (source) => source.startsWith(ours))));
}
