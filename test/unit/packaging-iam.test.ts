// deploy/iam/controller-policy.json lists exactly the actions the code calls (plus the few that
// AWS checks behind a call), so a new SDK command without a policy line fails here, not in prod.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { codeActions, sdkImports } from './packaging-iam-actions.ts';
import { deployDir, repoRoot } from './packaging-tools.ts';

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
const readJson = <T>(f: string) => JSON.parse(readFileSync(join(deployDir, 'iam', f), 'utf8')) as T;
const policy = readJson<{ Version: string; Statement: Statement[] }>('controller-policy.json');
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const policyActions = new Set(policy.Statement.flatMap(actionsOf));
const src = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

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
];

const called = codeActions();

test('the code calls AWS at all (the scan found commands)', () => {
  assert.ok(called.size > 10, `only ${called.size} actions found: is the scan broken?`);
});

test('every action the code calls is in controller-policy.json', () => {
  const missing = [...called].filter(([a]) => !policyActions.has(a)).map(([a, f]) => `${a} (${f})`);
  assert.deepEqual(missing, [], 'add these to deploy/iam/controller-policy.json');
});

test('controller-policy.json lists no action that no code needs', () => {
  const needed = new Set([...called.keys(), ...implied.map((i) => i.action)]);
  const extra = [...policyActions].filter((a) => !needed.has(a));
  assert.deepEqual(extra, [], 'remove these from deploy/iam/controller-policy.json (or name their trigger in the implied table)');
});

for (const i of implied) {
  test(`${i.action} is still needed: ${i.why}`, () => assert.match(src(i.file), i.trigger));
}

test('no wildcard actions, only Allow, every statement named', () => {
  assert.equal(policy.Version, '2012-10-17');
  const sids = policy.Statement.map((s) => s.Sid);
  assert.equal(new Set(sids).size, sids.length, 'duplicate Sid');
  for (const s of policy.Statement) {
    assert.equal(s.Effect, 'Allow', s.Sid);
    for (const a of actionsOf(s)) assert.doesNotMatch(a, /\*/, `${s.Sid}: wildcard action ${a}`);
  }
});

const statementOf = (action: string) => policy.Statement.filter((s) => actionsOf(s).includes(action));

// Adopted resources carry no ownership tag: the policy itself forbids deleting them.
const ownedOnly = [
  'ec2:DeleteTransitGateway',
  'ec2:DeleteTransitGatewayRouteTable',
  'ec2:DeleteTransitGatewayVpcAttachment',
  'ec2:DeleteTransitGatewayPeeringAttachment',
  'ec2:DeleteFlowLogs',
  'ec2:DeleteSecurityGroup',
];
for (const action of ownedOnly) {
  test(`${action} is allowed only on resources tagged multiregion.dev/cluster`, () => {
    const st = statementOf(action);
    assert.equal(st.length, 1, `${action} must appear in exactly one statement`);
    assert.deepEqual(st[0]!.Condition, { Null: { 'aws:ResourceTag/multiregion.dev/cluster': 'false' } });
  });
}

test('every resource whose delete is tag-conditioned is created with TagSpecifications', () => {
  const created: Array<[string, string]> = [
    ['transit-gateway', 'src/aws/ec2/transit-gateway.ts'],
    ['transit-gateway-route-table', 'src/aws/ec2/tgw-route-table.ts'],
    ['transit-gateway-attachment', 'src/aws/ec2/vpc-attachment.ts'],
    ['transit-gateway-attachment', 'src/aws/ec2/peering.ts'],
    ['vpc-flow-log', 'src/aws/ec2/flow-logs.ts'],
    ['security-group', 'src/aws/rds/fence.ts'],
  ];
  for (const [type, file] of created) assert.match(src(file), new RegExp(`TagSpec\\w*\\('${type}'`), `${file} no longer tags ${type} on create`);
});

const prefixed: Array<{ reason: string; actions: string[]; resource: string; namesFrom: RegExp }> = [
  {
    reason: 'dashboards are named mrc_…',
    actions: ['cloudwatch:PutDashboard', 'cloudwatch:GetDashboard', 'cloudwatch:DeleteDashboards'],
    resource: 'arn:aws:cloudwatch::*:dashboard/mrc_*',
    namesFrom: /`mrc_\$\{/,
  },
  {
    reason: 'alarms are named mrc/…',
    actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource'],
    resource: 'arn:aws:cloudwatch:*:*:alarm:mrc/*',
    namesFrom: /`mrc\/\$\{/,
  },
];
for (const p of prefixed) {
  test(`CloudWatch writes are limited to our names: ${p.reason}`, () => {
    assert.match(src('src/aws/cloudwatch/names.ts'), p.namesFrom, 'the naming changed: update the policy resource');
    for (const a of p.actions)
      assert.deepEqual(
        statementOf(a).map((s) => s.Resource),
        [p.resource],
        a,
      );
  });
}

interface RoleTemplate {
  Resources: {
    Role: {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: Array<{ Action: string; Principal: unknown; Condition: { 'Fn::If': [string, ...Array<{ StringEquals: Record<string, unknown> }>] } }>;
        };
        Policies: Array<{ PolicyDocument: { Statement: Statement[] } }>;
      };
    };
  };
}
const role = readJson<RoleTemplate>('secondary-account-role.json').Resources.Role.Properties;

test('the secondary-account role can do everything the controller does there, except assume further roles', () => {
  const expected = policy.Statement.filter((s) => !actionsOf(s).includes('sts:AssumeRole'));
  assert.deepEqual(
    role.Policies.map((p) => p.PolicyDocument.Statement),
    [expected],
  );
  assert.ok(policyActions.has('ec2:AcceptTransitGatewayPeeringAttachment'));
});

test('the secondary-account role trusts only the controller role, with the session name the code uses', () => {
  const sessionName = /ROLE_SESSION_NAME = '([^']+)'/.exec(src('src/aws/clients.ts'))?.[1];
  assert.ok(sessionName, 'ROLE_SESSION_NAME not found in src/aws/clients.ts');
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
