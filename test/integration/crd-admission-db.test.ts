// spec.database.placement and spec.database.backupRetentionDays of the FailoverPolicy CRD against a
// real kube-apiserver: a full block is admitted as written, the default retention is filled in,
// and each invalid variant is refused with a message naming the field (server-side dry runs).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiException, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { getStack, loadYamlObjects, repoRoot, type Stack } from '../env/stack.ts';

type Obj = KubernetesObject & { spec: Record<string, any> };
let stack: Stack;
let api: KubernetesObjectApi;
const NS = 'crd-db';

const placement = (): Array<Record<string, any>> => [
  {
    region: 'us-west-2',
    dbSubnetGroupName: 'orders-db',
    vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
    kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    multiAZ: true,
    instanceClass: 'db.r6g.large',
    storageType: 'gp3',
    parameterGroupName: 'orders-pg16',
    optionGroupName: 'orders-options',
  },
  { region: 'us-east-1', dbSubnetGroupName: 'orders-db', vpcSecurityGroupIds: ['sg-89abcdef'], kmsKeyId: 'alias/orders-db', multiAZ: true },
];

const example = (): Obj => {
  const o = loadYamlObjects(join(repoRoot, 'examples', 'failover-policy.yaml'))[0] as Obj;
  o.metadata = { name: `db-${randomBytes(3).toString('hex')}`, namespace: NS };
  delete o.spec.regionPairRef;
  o.spec.database.placement = placement();
  return o;
};

before(async () => {
  stack = await getStack();
  api = KubernetesObjectApi.makeApiClient(stack.kc);
  try {
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  } catch (e) {
    if (!(e instanceof ApiException) || e.code !== 409) throw e;
  }
});
after(async () => stack?.stop());

function messageOf(e: ApiException<unknown>): string {
  return (typeof e.body === 'string' ? (JSON.parse(e.body) as { message: string }) : (e.body as { message: string })).message;
}

async function rejection(o: Obj): Promise<string | undefined> {
  try {
    await api.create(o, undefined, 'All');
    return undefined;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    assert.equal(e.code, 422, `expected 422 Invalid, got ${e.code}: ${String(e.body)}`);
    return messageOf(e);
  }
}

test('a full placement is admitted as written, and backupRetentionDays defaults to 7', async () => {
  const o = example();
  const created = (await api.create(o, undefined, 'All')) as Obj;
  assert.deepEqual(created.spec.database.placement, o.spec.database.placement);
  assert.equal(created.spec.database.backupRetentionDays, 7);
  o.spec.database.backupRetentionDays = 35;
  assert.equal(await rejection(o), undefined);
});

const cases: Array<{ reason: string; change: (d: Record<string, any>) => void; field: string; message: RegExp }> = [
  {
    reason: 'two entries for one region (list keyed by region)',
    change: (d) => (d.placement[1].region = 'us-west-2'),
    field: 'spec.database.placement[1]',
    message: /Duplicate value/,
  },
  {
    reason: 'a region that is neither the writer nor the replica',
    change: (d) => (d.placement[1].region = 'eu-west-1'),
    field: 'spec.database.placement',
    message: /writer's or the replica's region/,
  },
  { reason: 'no region', change: (d) => delete d.placement[0].region, field: 'spec.database.placement[0].region', message: /Required value/ },
  {
    reason: 'malformed security group id',
    change: (d) => (d.placement[0].vpcSecurityGroupIds = ['sg-xyz']),
    field: 'spec.database.placement[0].vpcSecurityGroupIds[0]',
    message: /should match/,
  },
  {
    reason: 'more than 5 security groups',
    change: (d) => (d.placement[0].vpcSecurityGroupIds = ['sg-00000001', 'sg-00000002', 'sg-00000003', 'sg-00000004', 'sg-00000005', 'sg-00000006']),
    field: 'spec.database.placement[0].vpcSecurityGroupIds',
    message: /must have at most 5 items/,
  },
  {
    reason: 'a security group twice',
    change: (d) => (d.placement[0].vpcSecurityGroupIds = ['sg-00000001', 'sg-00000001']),
    field: 'spec.database.placement[0].vpcSecurityGroupIds[1]',
    message: /Duplicate value/,
  },
  { reason: 'empty kmsKeyId', change: (d) => (d.placement[0].kmsKeyId = ''), field: 'spec.database.placement[0].kmsKeyId', message: /at least 1/ },
  {
    reason: 'instance class without db. prefix',
    change: (d) => (d.placement[0].instanceClass = 'r6g.large'),
    field: 'spec.database.placement[0].instanceClass',
    message: /should match/,
  },
  {
    reason: 'unknown storage type',
    change: (d) => (d.placement[0].storageType = 'ssd'),
    field: 'spec.database.placement[0].storageType',
    message: /Unsupported value/,
  },
  {
    reason: 'parameter group name ending in a hyphen',
    change: (d) => (d.placement[0].parameterGroupName = 'orders-'),
    field: 'spec.database.placement[0].parameterGroupName',
    message: /should match/,
  },
  {
    reason: 'subnet group name with a slash',
    change: (d) => (d.placement[0].dbSubnetGroupName = 'a/b'),
    field: 'spec.database.placement[0].dbSubnetGroupName',
    message: /should match/,
  },
  {
    reason: 'multiAZ not a boolean',
    change: (d) => (d.placement[0].multiAZ = 'yes'),
    field: 'spec.database.placement[0].multiAZ',
    message: /must be of type boolean/,
  },
  { reason: 'more than two entries', change: (d) => d.placement.push({ region: 'eu-west-1' }), field: 'spec.database.placement', message: /at most 2 items/ },
  {
    reason: 'backup retention 0',
    change: (d) => (d.backupRetentionDays = 0),
    field: 'spec.database.backupRetentionDays',
    message: /greater than or equal to 1/,
  },
  {
    reason: 'backup retention 36',
    change: (d) => (d.backupRetentionDays = 36),
    field: 'spec.database.backupRetentionDays',
    message: /less than or equal to 35/,
  },
];

for (const c of cases) {
  test(`refused: ${c.reason}`, async () => {
    const o = example();
    c.change(o.spec.database);
    const msg = await rejection(o);
    assert.ok(msg, 'admitted');
    assert.ok(msg.includes(c.field), `${c.field} in: ${msg}`);
    assert.match(msg, c.message);
  });
}
