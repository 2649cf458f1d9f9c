// One version, said the same everywhere: package.json (the source), the chart, the changelog,
// `multiregion version`, the controller's --version and its multiregion_build_info metric.
// LICENSE is the Apache-2.0 text package.json names.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { versionCommand } from '../../src/cli/commands/version.ts';
import { run as cli } from '../../src/cli/main.ts';
import { parseFlags } from '../../src/flags.ts';
import { Metrics } from '../../src/runtime/metrics.ts';
import { buildVersion } from '../../src/version.ts';
import { chartDir, repoRoot } from './packaging-tools.ts';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; license: string };
const escaped = pkg.version.replace(/\./g, '\\.');

test("buildVersion is package.json's version, a semantic version", () => {
  assert.equal(buildVersion(), pkg.version);
  assert.match(pkg.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
});

test("the chart's version and appVersion are the package version", () => {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
  assert.equal(chart.version, pkg.version);
  assert.equal(chart.appVersion, pkg.version);
});

test('CHANGELOG.md follows Keep a Changelog and its newest release is the package version', () => {
  const log = readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8');
  assert.match(log, /^# Changelog$/m);
  assert.match(log, /keepachangelog\.com\/en\/1\.1\.0/);
  const headings = [...log.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$/gm)].map((m) => ({ version: m[1], date: m[2] }));
  assert.equal(headings[0]?.version, 'Unreleased', 'an [Unreleased] section comes first');
  const released = headings.filter((h) => h.version !== 'Unreleased');
  assert.equal(released[0]?.version, pkg.version, 'the newest entry is the version being released');
  for (const h of released) assert.ok(h.date, `## [${h.version}] needs a date (YYYY-MM-DD)`);
});

test('LICENSE is the Apache License 2.0 that package.json declares', () => {
  assert.equal(pkg.license, 'Apache-2.0');
  const text = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');
  assert.match(text, /^\s*Apache License\s+Version 2\.0, January 2004/);
  assert.match(text, /END OF TERMS AND CONDITIONS/);
  assert.match(text, /APPENDIX: How to apply the Apache License to your work\./);
});

const versionCases: Array<{ reason: string; argv: string[]; want: RegExp | { exitCode: number; error: RegExp } }> = [
  { reason: 'text by default', argv: ['version'], want: new RegExp(`^multiregion ${escaped} \\(node v\\d+\\.\\d+\\.\\d+, \\w+/\\w+\\)\\n$`) },
  { reason: '--version as a flag does the same', argv: ['--version'], want: new RegExp(`^multiregion ${escaped} `) },
  { reason: 'JSON for scripts', argv: ['version', '-o', 'json'], want: new RegExp(`^\\{"version":"${escaped}","node":"v[^"]+","platform":"[^"]+"\\}\\n$`) },
  { reason: 'help names the flags', argv: ['version', '--help'], want: /Usage:\n {2}multiregion version \[-o json\]/ },
  {
    reason: 'an unknown output format is a usage error',
    argv: ['version', '-o', 'yaml'],
    want: { exitCode: 2, error: /-o "yaml": version prints text \(the default\) or json/ },
  },
  { reason: 'an unknown flag is a usage error', argv: ['version', '--short'], want: { exitCode: 2, error: /--short/ } },
];
for (const c of versionCases) {
  test(`multiregion ${c.argv.join(' ')}: ${c.reason}`, async () => {
    // No kubeconfig exists there: version must not need one.
    const prev = process.env.KUBECONFIG;
    process.env.KUBECONFIG = join(repoRoot, 'no-such-kubeconfig');
    try {
      if (c.want instanceof RegExp) {
        assert.match(await cli(c.argv), c.want);
      } else {
        const want = c.want;
        await assert.rejects(cli(c.argv), (e: Error & { exitCode?: number }) => {
          assert.equal(e.exitCode, want.exitCode);
          assert.match(e.message, want.error);
          return true;
        });
      }
    } finally {
      if (prev === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = prev;
    }
  });
}

test('versionCommand JSON parses and carries the package version', () => {
  assert.equal((JSON.parse(versionCommand(['-o', 'json'])) as { version: string }).version, pkg.version);
});

test('controller flags: --version needs no --cluster-id; without it the id is still required', () => {
  assert.equal(parseFlags(['--version'], {}).version, true);
  assert.equal(parseFlags(['--cluster-id', 'prod'], {}).version, false);
  assert.throws(() => parseFlags([], {}), /--cluster-id is required/);
});

test('the controller prints its version with --version and exits 0 before touching a cluster', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'main.ts'), '--version'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: join(repoRoot, 'no-such-kubeconfig'), MRC_CLUSTER_ID: '' },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `multiregion-controller ${pkg.version}\n`);
});

test('multiregion_build_info is 1 with the labels the caller gives, and absent when it gives none', async () => {
  const m = new Metrics({ processMetrics: false, buildInfo: { version: pkg.version, node_version: process.version } });
  const text = await m.registry.metrics();
  assert.match(text, /^# TYPE multiregion_build_info gauge$/m);
  assert.ok(text.includes(`multiregion_build_info{version="${pkg.version}",node_version="${process.version}"} 1\n`), text);
  assert.doesNotMatch(await new Metrics({ processMetrics: false }).registry.metrics(), /build_info/);
});
