// The controller's IAM policy (the template in src/cli/commands/iam-policy-template.ts, filled in
// by `multiregion iam-policy`) lists exactly the actions the code calls (plus the few that AWS
// checks behind a call), so a new SDK command without a policy line fails here, not in prod. The
// example files in deploy/iam are that command's output for the example in deploy/iam/README.md.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dashboardName, ownedName } from '../../src/aws/cloudwatch/names.ts';
import { iamPolicyCommand, parseIamPolicyArgs } from '../../src/cli/commands/iam-policy.ts';
import { controllerPolicy, type PolicyDocument, type Statement } from '../../src/cli/commands/iam-policy-template.ts';
import { CONTROLLER_SESSION_NAME } from '../../src/cli/commands/iam-side-role-template.ts';
import { codeActions, sdkImports } from './packaging-iam-actions.ts';
import { EXAMPLE_ARGV, EXAMPLE_CLUSTER_ID, readIamJson } from './packaging-iam-example.ts';
import { grants, iamCount } from './packaging-iam-grants.ts';
import { repoRoot } from './packaging-tools.ts';

const parsed = parseIamPolicyArgs(EXAMPLE_ARGV);
if (parsed === 'help') throw new Error('the example asks for help');
const policy = controllerPolicy(parsed.input);
const actionsOf = (s: Statement) => s.Action;
const policyActions = new Set(policy.Statement.flatMap(actionsOf));
const src = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const quiet = () => {};

test('deploy/iam/controller-policy.json is the CLI output for the example (regenerate: deploy/iam/README.md)', () => {
  assert.deepEqual(readIamJson<PolicyDocument>('controller-policy.json'), JSON.parse(iamPolicyCommand(EXAMPLE_ARGV, quiet)));
});

test('deploy/iam/secondary-account-role.json is the CLI output for the example with --format side-role-cfn', () => {
  assert.deepEqual(readIamJson<unknown>('secondary-account-role.json'), JSON.parse(iamPolicyCommand([...EXAMPLE_ARGV, '--format', 'side-role-cfn'], quiet)));
});

test('deploy/iam/README.md shows the example command line the files were generated with', () => {
  const readme = src('deploy/iam/README.md');
  const shown = /multiregion iam-policy ((?:[^\n]*\\\n)*[^\n]*)/.exec(readme)?.[1];
  assert.ok(shown, 'no `multiregion iam-policy …` command in deploy/iam/README.md');
  const words = shown
    .replace(/\\\n/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !w.startsWith('>'))
    .map((w) => w.replace(/^'(.*)'$/, '$1'));
  const end = words.findIndex((w) => w.endsWith('.json'));
  assert.deepEqual(end === -1 ? words : words.slice(0, end), EXAMPLE_ARGV);
});

// Actions AWS authorizes behind a call the code makes, each with the code that triggers it:
// when the trigger disappears, the permission must go too.
const implied: Array<{ action: string; why: string; file: string; trigger: RegExp }> = [
  { action: 'sts:AssumeRole', why: 'per-side roleArn credentials', file: 'src/aws/clients.ts', trigger: /fromTemporaryCredentials\(/ },
  {
    action: 'iam:PassRole',
    why: 'CreateFlowLogs hands the delivery role to the flow-logs service',
    file: 'src/aws/ec2/flow-logs.ts',
    trigger: /DeliverLogsPermissionArn:/,
  },
  { action: 'rds:CreateDBSnapshot', why: 'DeleteDBInstance with a final snapshot', file: 'src/aws/rds/instances.ts', trigger: /FinalDBSnapshotIdentifier:/ },
  { action: 'kms:CreateGrant', why: 'encrypted cross-region replica (KmsKeyId)', file: 'src/aws/rds/instances.ts', trigger: /KmsKeyId:/ },
  { action: 'kms:DescribeKey', why: 'encrypted cross-region replica (KmsKeyId)', file: 'src/aws/rds/instances.ts', trigger: /KmsKeyId:/ },
  { action: 'logs:TagResource', why: 'CreateLogGroup with tags', file: 'src/aws/logs/log-group.ts', trigger: /CreateLogGroupCommand\(\{[^}]*tags:/ },
  // ec2:CreateTags authorizes the TagSpecifications of a create call (the code never tags an existing resource).
  { action: 'ec2:CreateTags', why: 'creates with TagSpecifications', file: 'src/aws/ec2/vpc-attachment.ts', trigger: /TagSpecifications:/ },
  {
    action: 'globalaccelerator:TagResource',
    why: 'CreateAccelerator with Tags',
    file: 'src/aws/global-accelerator/accelerator.ts',
    trigger: /Tags: acceleratorTags\(/,
  },
  {
    action: 'iam:CreateServiceLinkedRole',
    why: "an account's first accelerator creates GA's service-linked role",
    file: 'src/aws/global-accelerator/accelerator.ts',
    trigger: /CreateAcceleratorCommand\(/,
  },
];

const called = codeActions();

test('the code calls AWS at all (the scan found commands)', () => {
  assert.ok(called.size > 10, `only ${called.size} actions found: is the scan broken?`);
});

test('every action the code calls is in the policy', () => {
  const missing = [...called].filter(([a]) => !policyActions.has(a)).map(([a, f]) => `${a} (${f})`);
  assert.deepEqual(missing, [], 'add these to src/cli/commands/iam-policy-template.ts (or its per-service part, iam-policy-<service>.ts)');
});

test('the policy lists no action that no code needs', () => {
  const needed = new Set([...called.keys(), ...implied.map((i) => i.action)]);
  const extra = [...policyActions].filter((a) => !needed.has(a));
  assert.deepEqual(
    extra,
    [],
    'remove these from src/cli/commands/iam-policy-template.ts or its per-service parts (or name their trigger in the implied table)',
  );
});

for (const i of implied) {
  test(`${i.action} is still needed: ${i.why}`, () => assert.match(src(i.file), i.trigger));
}

test('no wildcard actions, only Allow, every statement named once', () => {
  assert.equal(policy.Version, '2012-10-17');
  const sids = policy.Statement.map((s) => s.Sid);
  assert.equal(new Set(sids).size, sids.length, 'duplicate Sid');
  for (const s of policy.Statement) {
    assert.equal(s.Effect, 'Allow', s.Sid);
    for (const a of actionsOf(s)) assert.doesNotMatch(a, /\*/, `${s.Sid}: wildcard action ${a}`);
  }
});

test('every resource whose delete is tag-conditioned is created with TagSpecifications', () => {
  const created: Array<[string, string]> = [
    ['transit-gateway', 'src/aws/ec2/transit-gateway.ts'],
    ['transit-gateway-route-table', 'src/aws/ec2/tgw-route-table.ts'],
    ['transit-gateway-attachment', 'src/aws/ec2/vpc-attachment.ts'],
    ['transit-gateway-attachment', 'src/aws/ec2/peering.ts'],
    ['vpc-flow-log', 'src/aws/ec2/flow-logs.ts'],
    ['security-group', 'src/aws/rds/fence-group.ts'],
  ];
  for (const [type, file] of created) assert.match(src(file), new RegExp(`TagSpec\\w*\\('${type}'`), `${file} no longer tags ${type} on create`);
});

// Dashboards and alarms carry the cluster id in their names: the policy allows this cluster's names only.
const owner = { clusterId: EXAMPLE_CLUSTER_ID, kind: 'ClientConnection', namespace: 'clients', name: 'acme' };
const named: Array<{ what: string; actions: string[]; resource: string; sample: string }> = [
  {
    what: 'dashboards',
    actions: ['cloudwatch:PutDashboard', 'cloudwatch:GetDashboard', 'cloudwatch:DeleteDashboards'],
    resource: `dashboard/mrc_${EXAMPLE_CLUSTER_ID}_*`,
    sample: dashboardName(owner),
  },
  {
    what: 'alarms',
    actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource'],
    resource: `alarm:mrc/${EXAMPLE_CLUSTER_ID}/*`,
    sample: ownedName(owner, 'rejected'),
  },
];
for (const n of named) {
  test(`CloudWatch writes are limited to this cluster's ${n.what} (names from src/aws/cloudwatch/names.ts)`, () => {
    const prefix = n.resource.slice(n.resource.search(/[/:]/) + 1, -1);
    assert.ok(n.sample.startsWith(prefix), `${n.sample} does not start with ${prefix}: the naming changed, update the template`);
    for (const a of n.actions) {
      const resources = policy.Statement.filter((s) => s.Action.includes(a)).flatMap((s) => s.Resource);
      assert.ok(resources.length > 0 && resources.every((r) => r.endsWith(`:${n.resource}`)), `${a}: ${resources.join(', ')}`);
    }
  });
}

interface RoleTemplate {
  Resources: {
    Role: {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: Array<{ Action: string; Principal: unknown; Condition: { 'Fn::If': [string, ...Array<{ StringEquals: Record<string, unknown> }>] } }>;
        };
        Policies?: unknown;
      };
    };
  };
}
interface CfnResource {
  Type: string;
  Properties: { Roles?: Array<{ Ref: string }>; PolicyDocument?: { Statement: Statement[] } };
}
const roleTemplate = readIamJson<RoleTemplate>('secondary-account-role.json');
const role = roleTemplate.Resources.Role.Properties;

test('the secondary-account role can do everything the controller does there, except assume further roles', () => {
  const expected = policy.Statement.filter((s) => !actionsOf(s).includes('sts:AssumeRole'));
  assert.equal(expected.length, policy.Statement.length - 1, 'the example names a side role');
  // Managed policies attached to the role, each within IAM's 6,144 characters: inline, the
  // statements would be over the 10,240 that all inline policies of a role share.
  assert.equal(role.Policies, undefined, 'no inline policies');
  const managed = Object.values(roleTemplate.Resources as unknown as Record<string, CfnResource>).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy');
  assert.ok(managed.length > 1);
  for (const m of managed) {
    assert.deepEqual(m.Properties.Roles, [{ Ref: 'Role' }]);
    assert.ok(iamCount(JSON.stringify(m.Properties.PolicyDocument)) <= 6_144);
  }
  assert.deepEqual(grants(managed.flatMap((m) => m.Properties.PolicyDocument?.Statement ?? [])), grants(expected));
  assert.ok(policyActions.has('ec2:AcceptTransitGatewayPeeringAttachment'));
});

test('the secondary-account role trusts only the controller role, with the session name the code uses', () => {
  const sessionName = /ROLE_SESSION_NAME = '([^']+)'/.exec(src('src/aws/clients.ts'))?.[1];
  assert.equal(sessionName, CONTROLLER_SESSION_NAME, 'ROLE_SESSION_NAME in src/aws/clients.ts and the side-role template differ');
  const [trust] = role.AssumeRolePolicyDocument.Statement;
  assert.equal(trust?.Action, 'sts:AssumeRole');
  assert.deepEqual(trust?.Principal, { AWS: { Ref: 'ControllerRoleArn' } });
  const [, withId, withoutId] = trust!.Condition['Fn::If'];
  assert.deepEqual(withId?.StringEquals, { 'sts:ExternalId': { Ref: 'ExternalId' }, 'sts:RoleSessionName': sessionName });
  assert.deepEqual(withoutId?.StringEquals, { 'sts:RoleSessionName': sessionName });
});

const importCases: Array<{ source: string; expect: Array<[string, string, string]> }> = [
  {
    source: "import { AConstCommand, type B, C as D } from '@aws-sdk/client-ec2';",
    expect: [
      ['AConstCommand', '@aws-sdk/client-ec2', 'AConstCommand'],
      ['D', '@aws-sdk/client-ec2', 'C'],
    ],
  },
  { source: "import type { XCommand } from '@aws-sdk/client-rds';", expect: [] },
  {
    source: "import {\n  TagResourceCommand,\n} from '@aws-sdk/client-cloudwatch-logs';",
    expect: [['TagResourceCommand', '@aws-sdk/client-cloudwatch-logs', 'TagResourceCommand']],
  },
];
for (const c of importCases) {
  test(`sdkImports(${JSON.stringify(c.source)})`, () => {
    assert.deepEqual(
      [...sdkImports(c.source)].map(([k, v]) => [k, v.pkg, v.name]),
      c.expect,
    );
  });
}
