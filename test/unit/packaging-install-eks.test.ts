// docs/install-eks.md, run as far as it can run without AWS: the values block through `helm
// template` (read from the doc, so the doc cannot drift from the chart), the IRSA fill commands on
// deploy/iam/trust-irsa.json under bash, the trust documents and every JSON block parsed and
// checked, and the doc's `multiregion iam-policy` command line through the CLI.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { chartDir, deployDir, helmBin, type K8sObject, parseManifests, releaseName, releaseNamespace, repoRoot, run } from './packaging-tools.ts';

const docPath = join(repoRoot, 'docs', 'install-eks.md');
const doc = readFileSync(docPath, 'utf8');
const work = mkdtempSync(join(tmpdir(), 'install-eks-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The fenced blocks of a Markdown text with their info string. */
export function fencedBlocks(md: string): Array<{ lang: string; body: string }> {
  return [...md.matchAll(/^```([\w-]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? '', body: m[2] ?? '' }));
}

const blocks = fencedBlocks(doc);
const shBlocks = blocks.filter((b) => b.lang === 'sh').map((b) => b.body);
/** The one shell block holding `needle`. */
function shBlock(needle: string): string {
  const found = shBlocks.filter((b) => b.includes(needle));
  assert.equal(found.length, 1, `expected one sh block in docs/install-eks.md with ${needle}, got ${found.length}`);
  return found[0]!;
}
/** One command of a shell block, its continuation lines joined. */
function command(block: string, start: string): string {
  const lines = block.split('\n');
  const at = lines.findIndex((l) => l.startsWith(start));
  assert.ok(at >= 0, `no line starting with ${start}`);
  const out: string[] = [];
  for (let i = at; i < lines.length; i++) {
    const l = lines[i]!;
    out.push(l.replace(/\\$/, ''));
    if (!l.endsWith('\\')) break;
  }
  return out.join(' ');
}

/** The `export A=… B=…` assignments of the doc, as an environment. */
function docEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of shBlocks.flatMap((b) => b.split('\n')).filter((l) => l.startsWith('export '))) {
    for (const [, k, v] of line.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
  }
  return env;
}

const valuesBlock = blocks.find((b) => b.lang === 'yaml' && b.body.startsWith('# values-eks.yaml\n'));
const valuesFile = join(work, 'values-eks.yaml');

function render(extra: string[] = []): K8sObject[] {
  assert.ok(valuesBlock, 'docs/install-eks.md has a yaml block starting with "# values-eks.yaml"');
  writeFileSync(valuesFile, valuesBlock.body);
  const r = run(helmBin(), ['template', releaseName, chartDir, '--namespace', releaseNamespace, '--values', valuesFile, ...extra]);
  return parseManifests(r.stdout);
}
const kindOf = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);

test('the doc installs the release and namespace the tests and the trust policies assume', () => {
  const install = command(shBlock('helm install'), 'helm install');
  assert.match(install, new RegExp(`^helm install ${releaseName} "oci://\\$REGISTRY/charts/multiregion-controller" --version \\S+ +-n ${releaseNamespace} `));
  assert.match(install, /-f values-eks\.yaml/);
  const env = docEnv();
  assert.equal(env.NAMESPACE, releaseNamespace);
  assert.equal(env.SERVICE_ACCOUNT, releaseName);
});

test('helm template with the doc values: IRSA annotation, image, region, Pod Identity egress, monitoring', () => {
  const objs = render();
  const [sa] = kindOf(objs, 'ServiceAccount');
  assert.ok(sa);
  const env = docEnv();
  assert.equal(sa.metadata.name, env.SERVICE_ACCOUNT, 'the trust policies name the service account the chart creates');
  assert.equal(sa.metadata.namespace, env.NAMESPACE);
  assert.equal((sa.metadata.annotations as Record<string, string>)['eks.amazonaws.com/role-arn'], 'arn:aws:iam::111111111111:role/multiregion-controller');

  const [deploy] = kindOf(objs, 'Deployment');
  const c = (deploy!.spec as { template: { spec: { containers: Array<{ image: string; env: Array<{ name: string; value?: string }> }> } } }).template.spec
    .containers[0]!;
  assert.equal(c.image, '111111111111.dkr.ecr.us-east-2.amazonaws.com/multiregion-controller:0.1.0');
  assert.equal(c.env.find((e) => e.name === 'AWS_REGION')?.value, 'us-east-2');

  const [np] = kindOf(objs, 'NetworkPolicy');
  const egress = JSON.stringify((np!.spec as { egress: unknown }).egress);
  assert.match(egress, /169\.254\.170\.23\/32/, 'the Pod Identity agent is reachable');
  assert.equal(kindOf(objs, 'ServiceMonitor').length, 1);
  const rules = JSON.stringify(kindOf(objs, 'PrometheusRule')[0]);
  assert.match(rules, /"runbook_url":"https:\/\/git\.example\.com\/platform\/multiregion-controller\/blob\/main\/docs\/runbooks\.md#/);
  assert.ok(
    kindOf(objs, 'ConfigMap').some((m) => (m.metadata.labels as Record<string, string> | undefined)?.grafana_dashboard === '1'),
    'the Grafana dashboard ConfigMap',
  );
  const rbs = kindOf(objs, 'RoleBinding').map((r) => r.metadata.namespace);
  assert.ok(rbs.includes('apps'), `connection Secrets in apps: ${rbs.join(', ')}`);
});

test('the Pod Identity variant (the role-arn line deleted) renders without the annotation', () => {
  assert.ok(valuesBlock);
  const lines = valuesBlock.body.split('\n');
  const withoutArn = lines.filter((l) => !l.includes('eks.amazonaws.com/role-arn'));
  assert.equal(withoutArn.length, lines.length - 1, 'exactly one role-arn line to delete');
  const file = join(work, 'values-pod-identity.yaml');
  writeFileSync(file, withoutArn.join('\n'));
  const r = run(helmBin(), ['template', releaseName, chartDir, '--namespace', releaseNamespace, '--values', file]);
  const [sa] = kindOf(parseManifests(r.stdout), 'ServiceAccount');
  assert.equal((sa?.metadata.annotations as Record<string, string> | undefined)?.['eks.amazonaws.com/role-arn'], undefined);
});

test('the chart default image is the placeholder the doc explains, and the install notes warn about it', () => {
  // `helm install --dry-run` needs a cluster; test/integration/release-artifacts.test.ts installs the default.
  const values = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
  const repo = /^ {2}repository: (\S+)$/m.exec(values)?.[1];
  assert.equal(repo, '111111111111.dkr.ecr.us-east-2.amazonaws.com/multiregion-controller');
  assert.ok(doc.includes(`chart's default \`image.repository\` is this ECR path`), 'the doc explains the default');
  const notes = readFileSync(join(chartDir, 'templates', 'NOTES.txt'), 'utf8');
  assert.match(notes, /\{\{- if hasPrefix "111111111111\." \.Values\.image\.repository \}\}\n\nWARNING: image\.repository is the chart's placeholder/);
});

interface Statement {
  Effect: string;
  Principal?: Record<string, string>;
  Action: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
interface PolicyDoc {
  Version: string;
  Statement: Statement[];
}
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

test('every JSON document in the doc and in deploy/iam parses, with Version 2012-10-17', () => {
  const json = blocks.filter((b) => b.lang === 'json');
  assert.ok(json.length >= 2, 'the flow-logs trust and permissions');
  for (const b of json) assert.equal((JSON.parse(b.body) as PolicyDoc).Version, '2012-10-17');
  for (const f of ['trust-irsa.json', 'trust-pod-identity.json', 'controller-policy.json']) {
    const p = JSON.parse(readFileSync(join(deployDir, 'iam', f), 'utf8')) as PolicyDoc;
    assert.equal(p.Version, '2012-10-17', f);
    assert.ok(p.Statement.length > 0, f);
  }
  const flowTrust = JSON.parse(json[0]!.body) as PolicyDoc;
  assert.equal(flowTrust.Statement[0]?.Principal?.Service, 'vpc-flow-logs.amazonaws.com');
});

test('IRSA: the doc fills deploy/iam/trust-irsa.json into a trust for one service account, audience sts', () => {
  const block = shBlock('trust-irsa.json >');
  const sed = command(block, 'sed -e');
  // Run the doc's own command in a copy of the tree, with the issuer `aws eks describe-cluster` would give.
  cpSync(join(deployDir, 'iam'), join(work, 'deploy', 'iam'), { recursive: true });
  const provider = 'oidc.eks.us-east-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
  run('bash', ['-euo', 'pipefail', '-c', sed], { cwd: work, env: { ...process.env, ...docEnv(), OIDC_PROVIDER: provider } });
  const filledText = readFileSync(join(work, 'trust-irsa.json'), 'utf8');
  assert.doesNotMatch(filledText, /ACCOUNT_ID|OIDC_PROVIDER|NAMESPACE|SERVICE_ACCOUNT/, 'no placeholder left');
  const p = JSON.parse(filledText) as PolicyDoc;
  assert.equal(p.Version, '2012-10-17');
  assert.equal(p.Statement.length, 1);
  const s = p.Statement[0]!;
  assert.equal(s.Effect, 'Allow');
  assert.deepEqual(s.Principal, { Federated: `arn:aws:iam::111111111111:oidc-provider/${provider}` });
  assert.deepEqual(actions(s), ['sts:AssumeRoleWithWebIdentity']);
  assert.deepEqual(s.Condition, {
    StringEquals: { [`${provider}:sub`]: `system:serviceaccount:${releaseNamespace}:${releaseName}`, [`${provider}:aud`]: 'sts.amazonaws.com' },
  });
  // The role is then created from the filled file.
  assert.match(block, /aws iam create-role --role-name multiregion-controller --assume-role-policy-document file:\/\/trust-irsa\.json/);
});

test('Pod Identity: the trust is pods.eks.amazonaws.com with AssumeRole and TagSession, for the chart service account only', () => {
  const p = JSON.parse(readFileSync(join(deployDir, 'iam', 'trust-pod-identity.json'), 'utf8')) as PolicyDoc;
  assert.equal(p.Statement.length, 1);
  const s = p.Statement[0]!;
  assert.equal(s.Effect, 'Allow');
  assert.deepEqual(s.Principal, { Service: 'pods.eks.amazonaws.com' });
  assert.deepEqual([...actions(s)].sort(), ['sts:AssumeRole', 'sts:TagSession']);
  assert.deepEqual(s.Condition, {
    StringEquals: { 'aws:RequestTag/kubernetes-namespace': releaseNamespace, 'aws:RequestTag/kubernetes-service-account': releaseName },
  });
  const block = shBlock('create-pod-identity-association');
  assert.match(block, /--assume-role-policy-document file:\/\/deploy\/iam\/trust-pod-identity\.json/);
  assert.match(command(block, 'aws eks create-pod-identity-association'), /--namespace "\$NAMESPACE" +--service-account "\$SERVICE_ACCOUNT"/);
});

test("the doc's `multiregion iam-policy --split` and its attach loop run: one managed policy per part, each within IAM's limit", () => {
  const block = shBlock('multiregion iam-policy');
  const dir = join(work, 'iam-run');
  mkdirSync(dir);
  // The CLI from this checkout; `aws` records its calls (no AWS here) and answers create-policy with an ARN.
  const prelude = [
    `multiregion() { ${JSON.stringify(process.execPath)} --import ${JSON.stringify(import.meta.resolve('tsx'))} ` +
      `${JSON.stringify(join(repoRoot, 'src', 'cli', 'main.ts'))} "$@"; }`,
    'aws() { echo "$*" >> aws-calls; if [ "$2" = create-policy ]; then echo "arn:aws:iam::111111111111:policy/$4"; fi; }',
  ].join('\n');
  run('bash', ['-euo', 'pipefail', '-c', `${prelude}\n${block}`], { cwd: dir });
  const parts = readdirSync(join(dir, 'iam-policy')).sort();
  assert.ok(parts.length >= 4, `parts: ${parts.join(', ')}`);
  const all = parts.map((f) => readFileSync(join(dir, 'iam-policy', f), 'utf8')).join('\n');
  for (const f of parts) {
    const text = readFileSync(join(dir, 'iam-policy', f), 'utf8');
    assert.equal((JSON.parse(text) as PolicyDoc).Version, '2012-10-17', f);
    assert.ok(text.replace(/\s/g, '').length <= 6144, `${f} fits a managed policy`);
  }
  for (const id of ['arn:aws:iam::111111111111:role/flow-logs', 'Z0123456789ABCDEFGHIJ', 'rtb-0a1b2c3d4e5f60733', 'orders-db*', 'platform-use2']) {
    assert.ok(all.includes(id), `the policy names ${id}`);
  }
  const calls = readFileSync(join(dir, 'aws-calls'), 'utf8').trim().split('\n');
  for (const f of parts) {
    const part = f.replace(/^controller-policy-/, '').replace(/\.json$/, '');
    assert.ok(
      calls.includes(
        `iam create-policy --policy-name multiregion-controller-${part} --policy-document file://iam-policy/${f} --query Policy.Arn --output text`,
      ),
      part,
    );
    assert.ok(
      calls.includes(`iam attach-role-policy --role-name multiregion-controller --policy-arn arn:aws:iam::111111111111:policy/multiregion-controller-${part}`),
      part,
    );
  }
});

test('every file and page the doc links to exists', () => {
  for (const [, target] of doc.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    if (/^https?:/.test(target!)) continue;
    assert.ok(existsSync(resolve(dirname(docPath), target!)), `docs/install-eks.md links to ${target}, which does not exist`);
  }
});
