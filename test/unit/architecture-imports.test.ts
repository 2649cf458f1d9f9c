// Dependencies point one way (docs/architecture.md): controllers → runtime, aws, api; never
// aws → runtime, runtime → aws or api, or one controller folder → another (what two kinds
// share lives in controllers/shared). Checked on every import in src/, so a shortcut fails
// here instead of slowly turning the layers into one.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** The layer of a file under src/: `api`, `aws`, `runtime`, `cli`, `controllers/<folder>`, or the file itself (main.ts). */
export function areaOf(srcPath: string): string {
  const parts = srcPath.split('/');
  if (parts.length === 1) return parts[0]!;
  if (parts[0] === 'controllers') return parts.length === 2 ? 'controllers' : `controllers/${parts[1]}`;
  return parts[0]!;
}

/** Internal layers each layer must not reach, and packages that would tie it to the wrong world. */
const FORBIDDEN: Record<string, { areas: (to: string) => boolean; packages?: RegExp }> = {
  // The types of the kinds are the bottom: they depend on nothing of ours.
  api: { areas: (to) => to !== 'api' },
  // AWS machinery knows nothing of Kubernetes.
  aws: { areas: (to) => to !== 'aws', packages: /^@kubernetes\// },
  // Kubernetes machinery knows nothing of AWS, nor of this API (annotation names and kinds come from the caller).
  runtime: { areas: (to) => to !== 'runtime', packages: /^@aws-sdk\// },
};

/** Why an import from `from` to `to` (both paths under src/, or a package name for `to`) breaks an arrow; undefined when it is fine. */
export function arrowViolation(from: string, to: string, isPackage = false): string | undefined {
  const a = areaOf(from);
  const layer = a.startsWith('controllers/') ? 'controllers/*' : a;
  if (isPackage) {
    const rule = FORBIDDEN[layer];
    return rule?.packages?.test(to) ? `${a} must not use ${to}` : undefined;
  }
  const b = areaOf(to);
  if (a === b) return undefined;
  if (b === 'main.ts') return 'nothing imports main.ts (it wires everything)';
  if (b === 'cli') return `${a} must not import the CLI`;
  const rule = FORBIDDEN[layer];
  if (rule?.areas(b)) return `${a} must not import ${b}`;
  // What two kinds share lives in controllers/shared; shared itself belongs to no kind.
  if (a.startsWith('controllers/') && b.startsWith('controllers/') && b !== 'controllers/shared') return `${a} must not import ${b}`;
  if (a.startsWith('controllers/') && b === 'controllers') return `${a} must not import controllers/index.ts (it registers them all)`;
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of a file's static imports, re-exports and dynamic imports (comment lines skipped). */
export function importsOf(text: string): string[] {
  const code = text
    .split('\n')
    .filter((l) => !/^\s*(\/\/|\/\*|\*)/.test(l))
    .join('\n');
  const found: string[] = [];
  for (const m of code.matchAll(/(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s*)?['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

describe('import arrows', () => {
  const cases: Array<{ reason: string; from: string; to: string; pkg?: boolean; bad: boolean }> = [
    { reason: 'a controller uses the runtime', from: 'controllers/region-pair/sync.ts', to: 'runtime/conditions.ts', bad: false },
    { reason: 'a controller uses aws and api', from: 'controllers/failover-policy/dns.ts', to: 'aws/route53/records.ts', bad: false },
    { reason: 'a controller uses controllers/shared', from: 'controllers/client-connection/sync.ts', to: 'controllers/shared/target.ts', bad: false },
    { reason: 'one controller folder imports another', from: 'controllers/client-connection/sync.ts', to: 'controllers/region-pair/side.ts', bad: true },
    { reason: "shared imports a kind's folder", from: 'controllers/shared/lifecycle.ts', to: 'controllers/failover-policy/sync.ts', bad: true },
    { reason: 'controllers/index.ts registers every kind', from: 'controllers/index.ts', to: 'controllers/region-pair/controller.ts', bad: false },
    { reason: 'the runtime imports the API', from: 'runtime/predicates.ts', to: 'api/types.ts', bad: true },
    { reason: 'the runtime imports aws', from: 'runtime/manager.ts', to: 'aws/errors.ts', bad: true },
    { reason: 'the runtime imports a controller', from: 'runtime/manager.ts', to: 'controllers/shared/deps.ts', bad: true },
    { reason: 'the runtime uses the AWS SDK', from: 'runtime/metrics.ts', to: '@aws-sdk/client-ec2', pkg: true, bad: true },
    { reason: 'the runtime uses client-node', from: 'runtime/informer.ts', to: '@kubernetes/client-node', pkg: true, bad: false },
    { reason: 'aws imports the runtime', from: 'aws/clients.ts', to: 'runtime/logger.ts', bad: true },
    { reason: 'aws imports the API', from: 'aws/ec2/peering.ts', to: 'api/types.ts', bad: true },
    { reason: 'aws imports a controller', from: 'aws/ec2/peering.ts', to: 'controllers/shared/planner.ts', bad: true },
    { reason: 'aws uses client-node', from: 'aws/clients.ts', to: '@kubernetes/client-node', pkg: true, bad: true },
    { reason: 'the API imports the runtime', from: 'api/validate.ts', to: 'runtime/conditions.ts', bad: true },
    { reason: 'the CLI uses the API and the runtime', from: 'cli/client.ts', to: 'runtime/kube-request.ts', bad: false },
    { reason: 'a controller imports the CLI', from: 'controllers/region-pair/sync.ts', to: 'cli/kinds.ts', bad: true },
    { reason: 'main.ts wires everything', from: 'main.ts', to: 'controllers/index.ts', bad: false },
  ];
  for (const c of cases) {
    it(c.reason, () => assert.equal(arrowViolation(c.from, c.to, c.pkg) !== undefined, c.bad, arrowViolation(c.from, c.to, c.pkg)));
  }

  it('finds static, type-only, multi-line, re-export and dynamic imports, and skips comments', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      'import {',
      '  c,',
      "} from './c.ts';",
      "export { d } from './d.ts';",
      "import './side-effect.ts';",
      "const e = await import('./e.ts');",
      "// import { x } from './commented.ts';",
    ].join('\n');
    assert.deepEqual(importsOf(text), ['./a.ts', '../b.ts', './c.ts', './d.ts', './side-effect.ts', './e.ts']);
  });

  it('every import in src/ follows the arrows', () => {
    const problems: string[] = [];
    const files = sourceFiles(SRC);
    assert.ok(files.length > 50, `found the sources (${files.length} files)`);
    for (const file of files) {
      const from = relative(SRC, file).split('\\').join('/');
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const local = spec.startsWith('.');
        const to = local
          ? relative(SRC, resolve(dirname(file), spec))
              .split('\\')
              .join('/')
          : spec;
        if (local && to.startsWith('..')) {
          problems.push(`${from}: ${spec} leaves src/`);
          continue;
        }
        const why = arrowViolation(from, to, !local);
        if (why) problems.push(`${from} → ${spec}: ${why}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
