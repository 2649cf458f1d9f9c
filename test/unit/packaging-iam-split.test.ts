// `multiregion iam-policy --split DIR`: the controller's policy as managed policies, each within
// IAM's 6,144 characters as IAM counts them (whitespace not counted), whose union grants exactly
// what the single policy grants: no statement lost, none widened. deploy/iam holds the example's parts.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { iamPolicyCommand, MANAGED_POLICY_LIMIT, parseIamPolicyArgs } from '../../src/cli/commands/iam-policy.ts';
import { PARTS, partOfStatement } from '../../src/cli/commands/iam-policy-split.ts';
import { controllerPolicy, type PolicyDocument } from '../../src/cli/commands/iam-policy-template.ts';
import { codeActions } from './packaging-iam-actions.ts';
import { EXAMPLE_ARGV } from './packaging-iam-example.ts';
import { grants, grantsOfParts, iamCount, split } from './packaging-iam-grants.ts';
import { deployDir, repoRoot } from './packaging-tools.ts';

const quiet = () => {};
const policyOf = (argv: string[]): PolicyDocument => {
  const p = parseIamPolicyArgs(argv);
  if (p === 'help') throw new Error('help');
  return controllerPolicy(p.input);
};
const example = policyOf(EXAMPLE_ARGV);
/** Every optional statement of the template present: the example plus an adopted accelerator. */
const full = policyOf([...EXAMPLE_ARGV, '--accelerator', 'arn:aws:globalaccelerator::111111111111:accelerator/0123abcd-0123-4567-89ab-0123456789ab']);
/** A busy cluster: six accounts, many databases, zones, route tables and roles. */
const accounts = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555', '666666666666'];
const big = policyOf([
  ...EXAMPLE_ARGV,
  ...accounts.flatMap((a) => [
    '--account',
    a,
    '--side-role',
    `arn:aws:iam::${a}:role/multiregion-controller-side`,
    '--flow-logs-role',
    `arn:aws:iam::${a}:role/fl`,
  ]),
  ...Array.from({ length: 12 }, (_, i) => ['--db-instance', `team${i}-db*`, '--hosted-zone', `Z0123456789ABCDEFGH${String(i).padStart(2, '0')}`]).flat(),
  ...Array.from({ length: 20 }, (_, i) => ['--route-table', `rtb-0a1b2c3d4e5f607${String(i).padStart(2, '0')}`]).flat(),
]);

test('the single policy is over the managed-policy limit (the reason for the split)', () => {
  assert.ok(iamCount(JSON.stringify(example)) > MANAGED_POLICY_LIMIT);
});

for (const [what, policy] of [
  ['the example', example],
  ['every optional statement', full],
  ['a busy cluster', big],
] as const) {
  test(`${what}: every part is within ${MANAGED_POLICY_LIMIT} characters as IAM counts them, pretty-printed as written`, () => {
    for (const p of split(policy)) {
      const text = `${JSON.stringify(p.policy, null, 2)}\n`;
      assert.ok(iamCount(text) <= MANAGED_POLICY_LIMIT, `${p.name}: ${iamCount(text)} characters`);
      assert.match(p.name, /^controller-policy-[a-z-]+(-\d+)?\.json$/);
    }
  });

  test(`${what}: the parts together grant exactly what the single policy grants`, () => {
    const parts = split(policy);
    assert.deepEqual(grantsOfParts(parts), grants(policy.Statement));
    // Statements move whole; only ReadOnly is shared out, by action, unchanged otherwise.
    const whole = new Map(policy.Statement.map((s) => [s.Sid, JSON.stringify(s)]));
    const readOnly = policy.Statement.find((s) => s.Sid === 'ReadOnly');
    for (const s of parts.flatMap((p) => p.policy.Statement)) {
      if (s.Sid.startsWith('ReadOnly') && s.Sid !== 'ReadOnly') {
        assert.equal(s.Resource, '*');
        assert.equal(s.Condition, undefined);
        for (const a of s.Action) assert.ok(readOnly?.Action.includes(a), `${s.Sid}: ${a}`);
      } else if (whole.has(s.Sid) && JSON.stringify(s) === whole.get(s.Sid)) continue;
      else {
        // A statement cut by Resource (`Sid`, `Sid2`, …): the same but for a part of its resources.
        const was = policy.Statement.find((w) => w.Sid === s.Sid.replace(/\d+$/, '') || w.Sid === s.Sid);
        assert.ok(was, `${s.Sid} is not in the single policy`);
        assert.deepEqual({ ...s, Sid: was.Sid, Resource: was.Resource }, was, `${s.Sid} changed beyond its Resource`);
        for (const r of [s.Resource].flat()) assert.ok([was.Resource].flat().includes(r), `${s.Sid}: ${r}`);
      }
    }
    const sids = parts.flatMap((p) => p.policy.Statement.map((s) => s.Sid));
    assert.equal(new Set(sids).size, sids.length, 'a Sid twice');
    assert.equal(new Set(parts.map((p) => p.name)).size, parts.length, 'a file name twice');
  });
}

test('every action the code calls is allowed by the parts together, and nothing else than the single policy', () => {
  const actions = new Set(split(example).flatMap((p) => p.policy.Statement.flatMap((s) => s.Action)));
  const missing = [...codeActions().keys()].filter((a) => !actions.has(a));
  assert.deepEqual(missing, []);
  assert.deepEqual([...actions].sort(), [...new Set(example.Statement.flatMap((s) => s.Action))].sort());
});

test('each statement of the template is placed in a part on purpose, not by the fallback', () => {
  const fallback = full.Statement.filter((s) => s.Sid !== 'ReadOnly' && !PARTS.includes(partOfStatement(s)));
  assert.deepEqual(fallback, []);
  // The table names each Sid: read iam-policy-split.ts rather than trust the service fallback.
  const table = readFileSync(join(repoRoot, 'src/cli/commands/iam-policy-split.ts'), 'utf8');
  const unlisted = full.Statement.filter((s) => s.Sid !== 'ReadOnly' && !new RegExp(`^\\s+${s.Sid}: '`, 'm').test(table)).map((s) => s.Sid);
  assert.deepEqual(unlisted, [], 'add these Sids to PART_OF_SID in src/cli/commands/iam-policy-split.ts');
});

test('the parts come in a fixed order with stable names; a part with nothing to allow is left out', () => {
  assert.deepEqual(
    split(example).map((p) => p.name),
    PARTS.map((p) => `controller-policy-${p}.json`),
  );
  const bare = policyOf(['--cluster-id', 'c1', '--account', '111111111111']);
  assert.deepEqual(
    split(bare).map((p) => p.name),
    [
      'controller-policy-core.json',
      'controller-policy-network.json',
      'controller-policy-observability.json',
      'controller-policy-database.json',
      'controller-policy-dns.json',
    ],
  );
});

test('--split DIR writes the parts, prints them with their size, and names stale part files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iam-split-'));
  try {
    writeFileSync(join(dir, 'controller-policy-old.json'), '{}');
    const notes: string[] = [];
    const out = iamPolicyCommand([...EXAMPLE_ARGV, '--split', dir], (s) => notes.push(s));
    const names = split(example).map((p) => p.name);
    assert.deepEqual(
      out.trim().split('\n'),
      split(example).map((p) => `${join(dir, p.name)}\t${iamCount(JSON.stringify(p.policy))} characters`),
    );
    for (const n of names) assert.deepEqual(JSON.parse(readFileSync(join(dir, n), 'utf8')), split(example).find((p) => p.name === n)?.policy);
    assert.ok(
      notes.some((n) => n.includes('controller-policy-old.json is not part of this policy')),
      notes.join('\n'),
    );
    assert.ok(!notes.some((n) => n.includes('over IAM')), 'no size warning for the parts');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--split goes with the policy format only, and needs a directory', () => {
  assert.throws(() => parseIamPolicyArgs([...EXAMPLE_ARGV, '--split', 'x', '--format', 'side-role-cfn']), /--split/);
  assert.throws(() => parseIamPolicyArgs([...EXAMPLE_ARGV, '--split', '']), /--split needs a directory/);
});

test('deploy/iam holds the example parts as the CLI writes them, and no other part file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iam-split-'));
  try {
    iamPolicyCommand([...EXAMPLE_ARGV, '--split', dir], quiet);
    const want = readdirSync(dir).sort();
    const have = readdirSync(join(deployDir, 'iam'))
      .filter((f) => /^controller-policy-.+\.json$/.test(f))
      .sort();
    assert.deepEqual(have, want, 'regenerate: the --split command in deploy/iam/README.md');
    for (const f of want) assert.equal(readFileSync(join(deployDir, 'iam', f), 'utf8'), readFileSync(join(dir, f), 'utf8'), f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deploy/iam/README.md shows the exact --split command line and lists every part file', () => {
  const readme = readFileSync(join(deployDir, 'iam', 'README.md'), 'utf8');
  const shown = /multiregion iam-policy ((?:[^\n]*\\\n)*[^\n]*--split [^\n]*)/.exec(readme)?.[1];
  assert.ok(shown, 'no `multiregion iam-policy … --split DIR` command in deploy/iam/README.md');
  const words = shown
    .replace(/\\\n/g, ' ')
    .split(/\s+/)
    .filter((w) => w)
    .map((w) => w.replace(/^'(.*)'$/, '$1'));
  assert.deepEqual(words, [...EXAMPLE_ARGV, '--split', '.']);
  for (const p of split(example)) assert.ok(readme.includes(`\`${p.name}\``), `${p.name} is not described`);
});
