// spec.globalAccelerator of the FailoverPolicy CRD against a real kube-apiserver: a full block is
// admitted as written, and each invalid variant is refused with a message naming the field
// (server-side dry runs, so nothing is left behind; the one update case creates and deletes).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiException, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { getStack, loadYamlObjects, repoRoot, type Stack } from '../env/stack.ts';

type Obj = KubernetesObject & { spec: Record<string, any> };
let stack: Stack;
let api: KubernetesObjectApi;
const NS = 'crd-ga';

const ARN = 'arn:aws:globalaccelerator::123456789012:accelerator/1234abcd-abcd-1234-abcd-1234abcdef00';
const NLB_EAST = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders/0123456789abcdef';
const NLB_WEST = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/orders/0123456789abcdef';

const gaBlock = (): Record<string, any> => ({
  create: { name: 'orders', ipAddressType: 'IPV4', enabled: true, flowLogs: { s3Bucket: 'ga-logs', s3Prefix: 'flow-logs/' } },
  listener: { protocol: 'TCP', portRanges: [{ from: 443, to: 443 }], clientAffinity: 'NONE' },
  primary: {
    endpoints: [{ id: NLB_EAST, weight: 100, clientIpPreservation: true }],
    healthCheck: { protocol: 'HTTP', port: 443, path: '/health', intervalSeconds: 10, thresholdCount: 2 },
    portOverrides: [{ listenerPort: 443, endpointPort: 8443 }],
  },
  secondary: { endpoints: [{ id: NLB_WEST, weight: 100 }], healthCheck: { protocol: 'TCP', port: 443, intervalSeconds: 30, thresholdCount: 3 } },
  shift: { steps: [10, 50, 100], stepSeconds: 60 },
});

const example = (): Obj => {
  const o = loadYamlObjects(join(repoRoot, 'examples', 'failover-policy.yaml'))[0] as Obj;
  o.metadata = { name: `ga-${randomBytes(3).toString('hex')}`, namespace: NS };
  o.spec.globalAccelerator = gaBlock();
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

test('a full spec.globalAccelerator is admitted as written; an adopting one too', async () => {
  const o = example();
  const created = (await api.create(o, undefined, 'All')) as Obj;
  assert.deepEqual(created.spec.globalAccelerator, o.spec.globalAccelerator);
  const adopt = example();
  delete adopt.spec.globalAccelerator.create;
  adopt.spec.globalAccelerator.acceleratorArn = ARN;
  assert.equal(await rejection(adopt), undefined);
});

const cases: Array<{ reason: string; change: (g: Record<string, any>) => void; field: string; message: RegExp }> = [
  { reason: 'both adopt and create', change: (g) => (g.acceleratorArn = ARN), field: 'spec.globalAccelerator', message: /exactly one of acceleratorArn/ },
  { reason: 'neither adopt nor create', change: (g) => delete g.create, field: 'spec.globalAccelerator', message: /exactly one of acceleratorArn/ },
  {
    reason: 'malformed accelerator ARN',
    change: (g) => {
      delete g.create;
      g.acceleratorArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/x/1';
    },
    field: 'spec.globalAccelerator.acceleratorArn',
    message: /should match/,
  },
  {
    reason: 'bad ipAddressType',
    change: (g) => (g.create.ipAddressType = 'IPV6'),
    field: 'spec.globalAccelerator.create.ipAddressType',
    message: /Unsupported value/,
  },
  { reason: 'bad name', change: (g) => (g.create.name = '-orders'), field: 'spec.globalAccelerator.create.name', message: /should match/ },
  {
    reason: 'listener protocol',
    change: (g) => (g.listener.protocol = 'HTTP'),
    field: 'spec.globalAccelerator.listener.protocol',
    message: /Unsupported value/,
  },
  {
    reason: 'port range from > to',
    change: (g) => (g.listener.portRanges = [{ from: 444, to: 443 }]),
    field: 'spec.globalAccelerator.listener.portRanges[0].to',
    message: /from <= to/,
  },
  { reason: 'no port range', change: (g) => (g.listener.portRanges = []), field: 'spec.globalAccelerator.listener.portRanges', message: /at least 1/ },
  {
    reason: 'client affinity',
    change: (g) => (g.listener.clientAffinity = 'COOKIE'),
    field: 'spec.globalAccelerator.listener.clientAffinity',
    message: /Unsupported value/,
  },
  { reason: 'no endpoints', change: (g) => (g.primary.endpoints = []), field: 'spec.globalAccelerator.primary.endpoints', message: /at least 1/ },
  {
    reason: 'weight above 255',
    change: (g) => (g.secondary.endpoints[0].weight = 256),
    field: 'spec.globalAccelerator.secondary.endpoints[0].weight',
    message: /less than or equal to 255/,
  },
  {
    reason: 'interval 20',
    change: (g) => (g.primary.healthCheck.intervalSeconds = 20),
    field: 'spec.globalAccelerator.primary.healthCheck.intervalSeconds',
    message: /Unsupported value/,
  },
  {
    reason: 'threshold 11',
    change: (g) => (g.primary.healthCheck.thresholdCount = 11),
    field: 'spec.globalAccelerator.primary.healthCheck.thresholdCount',
    message: /less than or equal to 10/,
  },
  {
    reason: 'path on a TCP check',
    change: (g) => (g.secondary.healthCheck.path = '/health'),
    field: 'spec.globalAccelerator.secondary.healthCheck.path',
    message: /only to HTTP and HTTPS/,
  },
  {
    reason: 'port override port 0',
    change: (g) => (g.primary.portOverrides = [{ listenerPort: 443, endpointPort: 0 }]),
    field: 'spec.globalAccelerator.primary.portOverrides[0].endpointPort',
    message: /greater than or equal to 1/,
  },
  {
    reason: 'steps not ending at 100',
    change: (g) => (g.shift.steps = [10, 50]),
    field: 'spec.globalAccelerator.shift.steps',
    message: /last shift step must be 100/,
  },
  { reason: 'steps decreasing', change: (g) => (g.shift.steps = [50, 10, 100]), field: 'spec.globalAccelerator.shift.steps', message: /strictly increasing/ },
  { reason: 'steps repeated', change: (g) => (g.shift.steps = [50, 50, 100]), field: 'spec.globalAccelerator.shift.steps', message: /strictly increasing/ },
  { reason: 'step 0', change: (g) => (g.shift.steps = [0, 100]), field: 'spec.globalAccelerator.shift.steps[0]', message: /greater than or equal to 1/ },
];

for (const c of cases) {
  test(`spec.globalAccelerator refused: ${c.reason} (${c.field})`, async () => {
    const obj = example();
    c.change(obj.spec.globalAccelerator);
    const message = await rejection(obj);
    assert.ok(message !== undefined, 'admitted');
    assert.ok(message.includes(c.field), `message does not name ${c.field}: ${message}`);
    assert.match(message, c.message);
  });
}

test('a created accelerator cannot become an adopted one in place', async () => {
  const o = example();
  await api.create(o);
  try {
    const changed = structuredClone(o);
    delete changed.spec.globalAccelerator.create;
    changed.spec.globalAccelerator.acceleratorArn = ARN;
    try {
      await api.patch(changed, undefined, 'All', 'crd-ga-test', true, 'application/apply-patch+yaml' as never);
      assert.fail('admitted');
    } catch (e) {
      if (!(e instanceof ApiException)) throw e;
      assert.match(messageOf(e), /cannot be switched between adopted and created/);
    }
  } finally {
    await api.delete(o);
  }
});

// Issue 18: DNS, Global Accelerator or both, at least one. The example without spec.dns keeps its
// database and a Switchover drill; each case below changes one thing.
const gaOnly = (): Obj => {
  const o = example();
  delete o.spec.dns;
  delete o.spec.alarms.latencyMillis;
  o.spec.drill = { schedule: '0 3 1 */3 *', type: 'Switchover' };
  return o;
};

test('a policy with spec.globalAccelerator and no spec.dns is admitted, in Automatic mode too', async () => {
  const o = gaOnly();
  o.spec.failover = { mode: 'Automatic', unhealthyForSeconds: 60 };
  assert.equal(await rejection(o), undefined);
  const noDb = gaOnly();
  delete noDb.spec.database;
  delete noDb.spec.drill;
  delete noDb.spec.alarms;
  noDb.spec.failover = { mode: 'Manual', activeRegion: 'us-west-2' };
  assert.equal(await rejection(noDb), undefined);
});

const noDnsCases: Array<{ reason: string; change: (o: Obj) => void; message: RegExp }> = [
  { reason: 'neither dns nor globalAccelerator', change: (o) => delete o.spec.globalAccelerator, message: /set spec.dns, spec.globalAccelerator or both/ },
  {
    reason: 'a scheduled Dns drill (the default type) without dns',
    change: (o) => (o.spec.drill = { schedule: '0 3 1 */3 *' }),
    message: /spec.drill.type: Invalid value.*a Dns drill .* needs spec.dns/,
  },
  {
    reason: 'a latency alarm without dns',
    change: (o) => (o.spec.alarms = { latencyMillis: 500 }),
    message: /spec.alarms.latencyMillis: Invalid value.*needs spec.dns/,
  },
];

for (const c of noDnsCases) {
  test(`no spec.dns refused: ${c.reason}`, async () => {
    const o = gaOnly();
    c.change(o);
    const message = await rejection(o);
    assert.ok(message !== undefined, 'admitted');
    assert.match(message, c.message);
  });
}

test('with spec.dns, the rules that read it still apply (automatic failover needs both checks)', async () => {
  const o = example();
  o.spec.failover = { mode: 'Automatic' };
  delete o.spec.dns.secondary.healthCheck;
  assert.match((await rejection(o)) ?? 'admitted', /spec.failover.mode: Invalid value.*set dns.primary.healthCheck and dns.secondary.healthCheck/);
});

const header = (o: Obj) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata!.name!, namespace: NS } });

test('spec.dns cannot be removed once set (its records would be orphaned); it can be added', async () => {
  const o = example();
  delete o.spec.alarms.latencyMillis;
  o.spec.drill = { schedule: '0 3 1 */3 *', type: 'Switchover' };
  await api.create(o);
  try {
    const removed = structuredClone(o);
    delete removed.spec.dns;
    await assert.rejects(
      api.replace({ ...removed, metadata: (await api.read(header(o))).metadata } as Obj, undefined, 'All'),
      (e: unknown) => e instanceof ApiException && /spec.dns: Forbidden: spec.dns cannot be removed/.test(messageOf(e)),
    );
  } finally {
    await api.delete(o);
  }
  const gaOnlyObj = gaOnly();
  await api.create(gaOnlyObj);
  try {
    const added = { ...example(), metadata: (await api.read(header(gaOnlyObj))).metadata } as Obj;
    added.spec.drill = gaOnlyObj.spec.drill;
    await api.replace(added, undefined, 'All');
  } finally {
    await api.delete(gaOnlyObj);
  }
});
