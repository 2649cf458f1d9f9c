// `multiregion iam-policy`: the command line, its errors (exit code 2, naming the flag), and the
// input it hands the template.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { IAM_POLICY_USAGE, iamPolicyCommand, parseIamPolicyArgs, UsageError } from '../../src/cli/commands/iam-policy.ts';
import type { PolicyDocument } from '../../src/cli/commands/iam-policy-template.ts';
import { run } from '../../src/cli/main.ts';
import { parseFlags } from '../../src/flags.ts';
import { repoRoot } from './packaging-tools.ts';

const BASE = ['--cluster-id', 'prod-eu-1', '--account', '111111111111'];

const errors: Array<{ reason: string; argv: string[]; message: RegExp }> = [
  { reason: 'no cluster id', argv: ['--account', '111111111111'], message: /--cluster-id is required/ },
  { reason: 'a cluster id the controller would refuse', argv: ['--cluster-id', 'Prod_EU', '--account', '111111111111'], message: /--cluster-id "Prod_EU"/ },
  { reason: 'no account', argv: ['--cluster-id', 'prod-eu-1'], message: /--account is required/ },
  { reason: 'an account that is not 12 digits', argv: ['--cluster-id', 'c', '--account', '1234'], message: /--account "1234": not a 12-digit/ },
  { reason: 'an unknown partition', argv: [...BASE, '--partition', 'aws-mars'], message: /--partition "aws-mars"/ },
  { reason: 'an unknown flag', argv: [...BASE, '--bogus'], message: /bogus/ },
  { reason: 'a positional argument', argv: [...BASE, 'extra'], message: /unexpected argument "extra"/ },
  { reason: 'a flag without its value', argv: [...BASE, '--side-role'], message: /side-role/ },
  { reason: 'a wildcard side role', argv: [...BASE, '--side-role', 'arn:aws:iam::222222222222:role/*'], message: /--side-role .*no wildcards/ },
  { reason: 'a side role that is no ARN', argv: [...BASE, '--side-role', 'multiregion'], message: /--side-role "multiregion": not an IAM role ARN/ },
  {
    reason: 'a role of another partition',
    argv: [...BASE, '--flow-logs-role', 'arn:aws-cn:iam::111111111111:role/flow-logs'],
    message: /--flow-logs-role .*partition aws-cn, not --partition aws/,
  },
  { reason: 'a database glob that matches everything', argv: [...BASE, '--db-instance', '*'], message: /--db-instance "\*": matches every instance/ },
  { reason: 'a database identifier with bad characters', argv: [...BASE, '--db-instance', 'orders_db'], message: /--db-instance "orders_db"/ },
  {
    reason: 'a database ARN of another kind',
    argv: [...BASE, '--db-instance', 'arn:aws:rds:us-east-1:111111111111:cluster:x'],
    message: /not an RDS DB instance ARN/,
  },
  { reason: 'a hosted zone name instead of its id', argv: [...BASE, '--hosted-zone', 'example.com'], message: /--hosted-zone "example.com"/ },
  { reason: 'a TGW route table given as a VPC one', argv: [...BASE, '--route-table', 'tgw-rtb-0123456789abcdef0'], message: /--route-table .*rtb-…/ },
  { reason: 'a VPC route table given as a TGW one', argv: [...BASE, '--tgw-route-table', 'rtb-0123456789abcdef0'], message: /--tgw-route-table/ },
  { reason: 'a log group without flow logs', argv: [...BASE, '--log-group', '/x'], message: /--log-group needs --flow-logs-role/ },
  { reason: 'an unknown format', argv: [...BASE, '--format', 'yaml'], message: /--format "yaml"/ },
];

for (const e of errors) {
  test(`refused with a UsageError (exit 2): ${e.reason}`, () => {
    assert.throws(
      () => parseIamPolicyArgs(e.argv),
      (err: unknown) => err instanceof UsageError && err.exitCode === 2 && e.message.test(err.message),
    );
  });
}

test('the cluster id rule is the controller’s own (src/flags.ts)', () => {
  for (const id of ['a', 'prod-eu-1', 'x'.repeat(40), 'x'.repeat(41), 'Prod', '-a', 'a-', 'a_b']) {
    const controller = (() => {
      try {
        parseFlags(['--cluster-id', id], {});
        return true;
      } catch {
        return false;
      }
    })();
    const cli = (() => {
      try {
        parseIamPolicyArgs(['--cluster-id', id, '--account', '111111111111']);
        return true;
      } catch {
        return false;
      }
    })();
    assert.equal(cli, controller, id);
  }
});

test('lists are deduplicated; a /hostedzone/ prefix and ARN forms are accepted', () => {
  const p = parseIamPolicyArgs([
    ...BASE,
    '--account',
    '111111111111',
    '--hosted-zone',
    '/hostedzone/Z1',
    '--hosted-zone',
    'Z1',
    '--db-instance',
    'arn:aws:rds:us-west-2:111111111111:db:orders-db-replica',
  ]);
  assert.notEqual(p, 'help');
  if (p === 'help') return;
  assert.deepEqual(p.input.accounts, ['111111111111']);
  assert.deepEqual(p.input.hostedZones, ['Z1']);
  assert.deepEqual(p.input.logGroups, ['/aws/tgw/flow-logs']);
  assert.equal(p.format, 'policy');
});

test('an RDS ARN is used as given, and its final snapshots are allowed in the same place', () => {
  const doc = JSON.parse(iamPolicyCommand([...BASE, '--db-instance', 'arn:aws:rds:us-west-2:111111111111:db:orders-db-replica'], () => {})) as PolicyDocument;
  const res = (sid: string) => doc.Statement.find((s) => s.Sid === sid)?.Resource;
  assert.deepEqual(res('NamedDatabases'), ['arn:aws:rds:us-west-2:111111111111:db:orders-db-replica']);
  assert.deepEqual(res('FinalSnapshots'), [
    'arn:aws:rds:us-west-2:111111111111:db:orders-db-replica',
    'arn:aws:rds:us-west-2:111111111111:snapshot:orders-db-replica-final-*',
  ]);
});

test('notes on stderr name what the policy leaves out', () => {
  const notes: string[] = [];
  iamPolicyCommand(BASE, (s) => notes.push(s));
  assert.ok(notes.some((n) => /no --side-role/.test(n)));
  assert.ok(notes.some((n) => /no --db-instance/.test(n)));
  assert.ok(notes.some((n) => /no --hosted-zone/.test(n)));
});

test('--help prints the usage; `multiregion --help` mentions the command; no kubeconfig is read', async () => {
  assert.equal(await run(['iam-policy', '--help'], () => {}), IAM_POLICY_USAGE);
  assert.match(await run(['--help'], () => {}), /iam-policy --cluster-id/);
  const prev = process.env.KUBECONFIG;
  process.env.KUBECONFIG = join(repoRoot, 'does-not-exist');
  try {
    const out = await run(['iam-policy', ...BASE], () => {});
    assert.equal((JSON.parse(out) as PolicyDocument).Version, '2012-10-17');
  } finally {
    if (prev === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = prev;
  }
});

test('the process: policy JSON on stdout and exit 0; bad input exits 2 with the message on stderr', () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'iam-policy', ...args], { encoding: 'utf8', cwd: repoRoot });
  const ok = cli(BASE);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as PolicyDocument).Version, '2012-10-17');
  const bad = cli(['--cluster-id', 'prod-eu-1', '--account', 'abc']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /error: --account "abc": not a 12-digit AWS account id/);
});
