// The AWS SDK packages are loaded on first use through src/aws/sdk.ts (docs/performance.md,
// Memory). A value import of one anywhere in src/ would load it at start again, so src/ may name
// them in `import type` only. With verbatimModuleSyntax, `import { type X } from 'pkg'` still
// compiles to `import {} from 'pkg'`, which loads the package: only the `import type` form passes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { SDK_PACKAGES } from '../../src/aws/sdk.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const srcDir = join(repoRoot, 'src');
const SDK = /^@(aws-sdk|smithy)\//;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|cts|js|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Every import or re-export of an SDK package in `text` that would load it at run time. */
export function sdkValueImports(text: string): string[] {
  const found: string[] = [];
  // import … from 'x' / export … from 'x' (one or more lines), and the bare `import 'x'`.
  const statement = /^\s*(import|export)\s+([^;'"]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(statement)) {
    const specifier = m[3] ?? m[4] ?? '';
    if (!SDK.test(specifier)) continue;
    const clause = (m[2] ?? '').trim();
    if (m[4] === undefined && /^type\s/.test(clause)) continue;
    found.push(`${m[1] ?? 'import'} ${clause} from '${specifier}'`.replace(/\s+/g, ' '));
  }
  // import('x') and require('x') outside a type position; src/aws/sdk.ts alone loads the SDK.
  for (const m of text.matchAll(/(?<!typeof\s+)\b(import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (SDK.test(m[2] ?? '')) found.push(m[0]);
  }
  return found;
}

describe('AWS SDK packages are not loaded at start', () => {
  it('the check finds value imports and lets type-only ones through', () => {
    assert.deepEqual(sdkValueImports("import type { EC2Client } from '@aws-sdk/client-ec2';"), []);
    assert.deepEqual(sdkValueImports('type M = typeof import("@aws-sdk/client-ec2");'), []);
    assert.equal(sdkValueImports("import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';").length, 1);
    assert.equal(sdkValueImports("import { type EC2Client } from '@aws-sdk/client-ec2';").length, 1, 'compiles to a loading import {}');
    assert.equal(sdkValueImports("import {\n  type EC2Client,\n  paginateDescribeVpcs,\n} from '@aws-sdk/client-ec2';").length, 1);
    assert.equal(sdkValueImports("import * as ec2 from '@aws-sdk/client-ec2';").length, 1);
    assert.equal(sdkValueImports("export { EC2Client } from '@aws-sdk/client-ec2';").length, 1);
    assert.equal(sdkValueImports("import '@aws-sdk/client-ec2';").length, 1);
    assert.equal(sdkValueImports("const m = await import('@aws-sdk/client-rds');").length, 1);
    assert.equal(sdkValueImports("import { fromNodeProviderChain } from '@aws-sdk/credential-providers';").length, 1);
    assert.equal(sdkValueImports("import { NodeHttpHandler } from '@smithy/node-http-handler';").length, 1);
  });

  it('no file in src/ imports an SDK package as a value (src/aws/sdk.ts loads them on first use)', () => {
    const files = sourceFiles(srcDir);
    assert.ok(files.length > 50, `found only ${files.length} files under src/`);
    const offenders: string[] = [];
    for (const file of files) {
      if (file === join(srcDir, 'aws', 'sdk.ts')) continue;
      for (const imp of sdkValueImports(readFileSync(file, 'utf8'))) offenders.push(`${relative(repoRoot, file)}: ${imp}`);
    }
    assert.deepEqual(offenders, [], 'use `import type` for types and the loaders of src/aws/sdk.ts for values');
  });

  it("the loaders hand out the same classes a test's own import of the package does", async () => {
    // If a package ever ships an `exports` map with separate ESM and CommonJS builds, require
    // and import would give two copies, and the paginators' `instanceof` would refuse our clients.
    const sdk = await import('../../src/aws/sdk.ts');
    const require = createRequire(import.meta.url);
    for (const [loader, pkg] of Object.entries(SDK_PACKAGES)) {
      const imported: Record<string, unknown> = await import(pkg);
      const lazy = sdk[loader as keyof typeof SDK_PACKAGES] as unknown as Record<string, unknown>;
      const name = Object.keys(require(pkg)).find((k) => typeof imported[k] === 'function');
      assert.ok(name, `${pkg} exports a function`);
      assert.equal(lazy[name], imported[name], `${loader}.${name} is the one \`import '${pkg}'\` gives`);
    }
  });
});
