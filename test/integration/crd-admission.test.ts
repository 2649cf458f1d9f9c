// The CRDs against a real kube-apiserver: they install (the apiserver also checks the CEL cost
// budget then), the examples are admitted and defaulted exactly like src/api/defaults.ts does,
// and each invalid variant is rejected with a message naming the field. Everything except the
// one object the update cases need is a server-side dry run, so nothing is left behind.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { type RequestOptions, request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiException, type KubeConfig, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { defaultClientConnectionSpec, defaultFailoverPolicySpec, defaultRegionPairSpec } from '../../src/api/defaults.ts';
import { waitFor } from '../env/ports.ts';
import { getStack, loadYamlObjects, repoRoot, type Stack } from '../env/stack.ts';

type Obj = KubernetesObject & { spec: Record<string, any> };
const suffix = randomBytes(3).toString('hex');
const example = (file: string): Obj => {
  const o = loadYamlObjects(join(repoRoot, 'examples', file))[0] as Obj;
  o.metadata!.name = `${o.metadata!.name}-${suffix}`;
  return o;
};
const EXAMPLES = { rp: 'region-pair.yaml', fp: 'failover-policy.yaml', cc: 'client-connection.yaml' } as const;

let stack: Stack;
let api: KubernetesObjectApi;

/** One raw request: client-node's typed CRD serializer drops enum, default and x-kubernetes-* keys under `properties` (kubernetes-client/javascript#2483). */
async function raw(kc: KubeConfig, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const opts: RequestOptions = { method, headers: {} };
  await kc.applyToHTTPSOptions(opts);
  opts.headers = { ...opts.headers, 'content-type': 'application/apply-patch+yaml' };
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, kc.getCurrentCluster()!.server), opts, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (text += c))
        .on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Server-side applies crds/*.yaml as they are committed and waits until each is Established. */
async function installCrdsVerbatim(kc: KubeConfig): Promise<void> {
  const dir = join(repoRoot, 'crds');
  const crds = readdirSync(dir).flatMap((f) => loadYamlObjects(join(dir, f)));
  for (const crd of crds) {
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata!.name}`;
    const r = await raw(kc, 'PATCH', `${path}?fieldManager=crd-admission-test&force=true`, JSON.stringify(crd));
    assert.equal(r.status < 300, true, `installing ${crd.metadata!.name}: HTTP ${r.status} ${r.text}`);
    await waitFor(`${crd.metadata!.name} Established`, async () => {
      const got = JSON.parse((await raw(kc, 'GET', path)).text) as { status?: { conditions?: Array<{ type: string; status: string }> } };
      return !!got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
}

before(async () => {
  stack = await getStack();
  await installCrdsVerbatim(stack.kc);
  api = KubernetesObjectApi.makeApiClient(stack.kc);
  for (const ns of ['platform', 'apps', 'clients']) {
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch((e: unknown) => {
      if (!(e instanceof ApiException && e.code === 409)) throw e;
    });
  }
});
after(async () => stack?.stop());

/** The apiserver's rejection message, or undefined when the object was admitted. */
async function rejection(write: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await write();
    return undefined;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    assert.equal(e.code, 422, `expected 422 Invalid, got ${e.code}: ${String(e.body)}`);
    const body = typeof e.body === 'string' ? (JSON.parse(e.body) as { message: string }) : (e.body as { message: string });
    return body.message;
  }
}

test('the installed CRDs kept their CEL rules and defaults', async () => {
  for (const plural of ['regionpairs', 'failoverpolicies', 'clientconnections']) {
    const text = (await raw(stack.kc, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.multiregion.dev`)).text;
    const spec = (JSON.parse(text) as { spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: object } } } }> } }).spec;
    const specSchema = JSON.stringify(spec.versions[0]!.schema.openAPIV3Schema.properties.spec);
    assert.match(specSchema, /"x-kubernetes-validations"/, plural);
    assert.match(specSchema, /"default":"Delete"/, plural);
  }
});

const defaulters: Record<keyof typeof EXAMPLES, (s: any) => unknown> = {
  rp: defaultRegionPairSpec,
  fp: defaultFailoverPolicySpec,
  cc: defaultClientConnectionSpec,
};
for (const [key, file] of Object.entries(EXAMPLES) as Array<[keyof typeof EXAMPLES, string]>) {
  test(`examples/${file} is admitted and defaulted like src/api/defaults.ts`, async () => {
    const obj = example(file);
    const created = (await api.create(obj, undefined, 'All')) as Obj;
    assert.deepEqual(created.spec, defaulters[key](obj.spec));
  });
}

interface Case {
  reason: string;
  kind: keyof typeof EXAMPLES;
  change: (s: Record<string, any>) => void;
  field: string;
  message: RegExp;
}
const ok = { type: 'HTTPS', port: 443, path: '/health/deep' };
const cases: Case[] = [
  // RegionPair
  { reason: 'equal regions', kind: 'rp', change: (s) => (s.secondary.region = 'us-east-1'), field: 'spec.secondary.region', message: /different regions/ },
  {
    reason: 'CIDRs overlapping across sides',
    kind: 'rp',
    change: (s) => (s.secondary.cidrs = ['10.1.0.0/16', '10.0.128.0/17']),
    field: 'spec.secondary.cidrs',
    message: /must not overlap/,
  },
  {
    reason: 'IPv6 CIDRs overlapping across sides',
    kind: 'rp',
    change: (s) => ((s.primary.cidrs = ['2001:db8::/48']), (s.secondary.cidrs = ['2001:db8:0:1::/64'])),
    field: 'spec.secondary.cidrs',
    message: /must not overlap/,
  },
  { reason: 'malformed CIDR', kind: 'rp', change: (s) => (s.primary.cidrs = ['10.0.0.0/33']), field: 'spec.primary.cidrs[0]', message: /must be a CIDR block/ },
  { reason: 'CIDR with host bits', kind: 'rp', change: (s) => (s.primary.cidrs = ['10.0.0.1/16']), field: 'spec.primary.cidrs[0]', message: /network address/ },
  { reason: 'no CIDRs', kind: 'rp', change: (s) => delete s.primary.cidrs, field: 'spec.primary.cidrs', message: /Required value/ },
  {
    reason: 'malformed tgw id',
    kind: 'rp',
    change: (s) => (s.secondary.transitGateway.id = 'tgw-XYZ'),
    field: 'spec.secondary.transitGateway.id',
    message: /should match/,
  },
  {
    reason: 'malformed vpc id',
    kind: 'rp',
    change: (s) => (s.primary.vpcAttachments[0].vpcId = 'vpc-123'),
    field: 'spec.primary.vpcAttachments[0].vpcId',
    message: /should match/,
  },
  {
    reason: 'malformed subnet id',
    kind: 'rp',
    change: (s) => (s.primary.vpcAttachments[0].subnetIds = ['subnet-0A1B2C3D']),
    field: 'spec.primary.vpcAttachments[0].subnetIds[0]',
    message: /should match/,
  },
  {
    reason: 'malformed route table id',
    kind: 'rp',
    change: (s) => (s.primary.vpcAttachments[0].routeTableIds = ['rt-0a1b2c3d']),
    field: 'spec.primary.vpcAttachments[0].routeTableIds[0]',
    message: /should match/,
  },
  {
    reason: 'the same VPC attached twice',
    kind: 'rp',
    change: (s) => s.primary.vpcAttachments.push({ ...s.primary.vpcAttachments[0] }),
    field: 'spec.primary.vpcAttachments[1]',
    message: /Duplicate value/,
  },
  {
    reason: 'malformed role ARN',
    kind: 'rp',
    change: (s) => (s.primary.roleArn = 'arn:aws:iam::1111:role/multiregion'),
    field: 'spec.primary.roleArn',
    message: /should match/,
  },
  { reason: 'malformed region', kind: 'rp', change: (s) => (s.primary.region = 'us-east'), field: 'spec.primary.region', message: /should match/ },
  {
    reason: 'ASN set while adopting a gateway',
    kind: 'rp',
    change: (s) => (s.secondary.transitGateway.amazonSideAsn = 64513),
    field: 'spec.secondary.transitGateway.amazonSideAsn',
    message: /only to a Transit Gateway the controller creates/,
  },
  {
    reason: 'public ASN',
    kind: 'rp',
    change: (s) => (s.primary.transitGateway.amazonSideAsn = 65535),
    field: 'spec.primary.transitGateway.amazonSideAsn',
    message: /private ASN/,
  },
  {
    reason: 'bad trafficType enum',
    kind: 'rp',
    change: (s) => (s.flowLogs.trafficType = 'SOME'),
    field: 'spec.flowLogs.trafficType',
    message: /Unsupported value/,
  },
  {
    reason: 'retention CloudWatch Logs does not offer',
    kind: 'rp',
    change: (s) => (s.flowLogs.retentionDays = 10),
    field: 'spec.flowLogs.retentionDays',
    message: /Unsupported value/,
  },
  {
    reason: 'flow logs without delivery role',
    kind: 'rp',
    change: (s) => delete s.flowLogs.deliveryRoleArn,
    field: 'spec.flowLogs.deliveryRoleArn',
    message: /deliveryRoleArn is required/,
  },
  { reason: 'bad deletionPolicy', kind: 'rp', change: (s) => (s.deletionPolicy = 'Retain'), field: 'spec.deletionPolicy', message: /Unsupported value/ },
  { reason: 'reserved tag prefix', kind: 'rp', change: (s) => (s.tags['multiregion.dev/owner'] = 'me'), field: 'spec.tags', message: /reserved/ },
  {
    reason: 'namespace name with capitals',
    kind: 'rp',
    change: (s) => (s.allowedNamespaces = ['Apps']),
    field: 'spec.allowedNamespaces[0]',
    message: /should match/,
  },
  // FailoverPolicy
  {
    reason: 'a drill time zone given as an offset (an offset ignores daylight saving)',
    kind: 'fp',
    change: (s) => (s.drill.timeZone = '+01:00'),
    field: 'spec.drill.timeZone',
    message: /should match/,
  },
  {
    reason: 'CloudWatchAlarm check without alarmName',
    kind: 'fp',
    change: (s) => (s.dns.primary.healthCheck = { type: 'CloudWatchAlarm' }),
    field: 'spec.dns.primary.healthCheck.alarmName',
    message: /needs alarmName/,
  },
  {
    reason: 'alarm check with a path',
    kind: 'fp',
    change: (s) => (s.dns.primary.healthCheck = { type: 'CloudWatchAlarm', alarmName: 'a', path: '/x' }),
    field: 'spec.dns.primary.healthCheck',
    message: /probes no endpoint/,
  },
  {
    reason: 'TCP check without port',
    kind: 'fp',
    change: (s) => (s.dns.secondary.healthCheck = { type: 'TCP' }),
    field: 'spec.dns.secondary.healthCheck.port',
    message: /needs port/,
  },
  {
    reason: 'TCP check with a path',
    kind: 'fp',
    change: (s) => (s.dns.secondary.healthCheck = { type: 'TCP', port: 5432, path: '/x' }),
    field: 'spec.dns.secondary.healthCheck.path',
    message: /only to HTTP and HTTPS/,
  },
  {
    reason: 'interval Route 53 does not offer',
    kind: 'fp',
    change: (s) => (s.dns.primary.healthCheck = { ...ok, intervalSeconds: 20 }),
    field: 'spec.dns.primary.healthCheck.intervalSeconds',
    message: /Unsupported value/,
  },
  {
    reason: 'two targets set',
    kind: 'fp',
    change: (s) => (s.dns.primary.target.cname = 'orders.example.net'),
    field: 'spec.dns.primary.target',
    message: /exactly one of alias, ips, cname/,
  },
  {
    reason: 'no target set',
    kind: 'fp',
    change: (s) => (s.dns.secondary.target = {}),
    field: 'spec.dns.secondary.target',
    message: /exactly one of alias, ips, cname/,
  },
  {
    reason: 'malformed IP',
    kind: 'fp',
    change: (s) => (s.dns.secondary.target = { ips: ['192.0.2.300'] }),
    field: 'spec.dns.secondary.target.ips[0]',
    message: /IPv4 or IPv6 address/,
  },
  {
    reason: 'IPv4 and IPv6 in one record',
    kind: 'fp',
    change: (s) => (s.dns.secondary.target = { ips: ['192.0.2.1', '2001:db8::1'] }),
    field: 'spec.dns.secondary.target.ips',
    message: /one family/,
  },
  {
    reason: 'hosted zone id with prefix',
    kind: 'fp',
    change: (s) => (s.dns.hostedZoneId = '/hostedzone/Z0123456789'),
    field: 'spec.dns.hostedZoneId',
    message: /should match/,
  },
  {
    reason: 'equal DNS regions',
    kind: 'fp',
    change: (s) => (s.dns.secondary.region = 'us-east-1'),
    field: 'spec.dns.secondary.region',
    message: /different regions/,
  },
  {
    reason: 'equal database regions',
    kind: 'fp',
    change: (s) => (s.database.replica.region = 'us-east-1'),
    field: 'spec.database.replica.region',
    message: /another region/,
  },
  {
    reason: 'DNS and database sides disagree',
    kind: 'fp',
    change: (s) => ((s.database.primary.region = 'eu-west-1'), (s.failover.activeRegion = 'eu-west-1')),
    field: 'spec.database',
    message: /move together/,
  },
  { reason: 'bad engine', kind: 'fp', change: (s) => (s.database.engine = 'oracle'), field: 'spec.database.engine', message: /Unsupported value/ },
  {
    reason: 'missing connectionSecret',
    kind: 'fp',
    change: (s) => delete s.database.connectionSecret,
    field: 'spec.database.connectionSecret',
    message: /Required value/,
  },
  { reason: 'bad failover mode', kind: 'fp', change: (s) => (s.failover.mode = 'Auto'), field: 'spec.failover.mode', message: /Unsupported value/ },
  {
    reason: 'Automatic without health checks',
    kind: 'fp',
    change: (s) => ((s.failover.mode = 'Automatic'), delete s.dns.secondary.healthCheck),
    field: 'spec.failover.mode',
    message: /decides from health checks/,
  },
  {
    reason: 'automatic failback with manual failover',
    kind: 'fp',
    change: (s) => (s.failover.failback = 'Automatic'),
    field: 'spec.failover.failback',
    message: /needs mode: Automatic/,
  },
  {
    reason: 'activeRegion outside the pair',
    kind: 'fp',
    change: (s) => (s.failover.activeRegion = 'eu-west-1'),
    field: 'spec.failover.activeRegion',
    message: /must be the region of/,
  },
  {
    reason: 'malformed SNS ARN',
    kind: 'fp',
    change: (s) => (s.alarms.snsTopicArn = 'arn:aws:sns:us-east-1:oncall'),
    field: 'spec.alarms.snsTopicArn',
    message: /should match/,
  },
  {
    reason: 'neither dns nor globalAccelerator',
    kind: 'fp',
    change: (s) => {
      delete s.dns;
      delete s.globalAccelerator;
    },
    field: 'spec',
    message: /spec: Required value: set spec\.dns, spec\.globalAccelerator or both/,
  },
  {
    reason: 'no automatic failback at all (0 per day)',
    kind: 'fp',
    change: (s) => (s.failover.failbackMaxAttemptsPerDay = 0),
    field: 'spec.failover.failbackMaxAttemptsPerDay',
    message: /greater than or equal to 1/,
  },
  {
    reason: 'more automatic failbacks per day than hours',
    kind: 'fp',
    change: (s) => (s.failover.failbackMaxAttemptsPerDay = 25),
    field: 'spec.failover.failbackMaxAttemptsPerDay',
    message: /less than or equal to 24/,
  },
  {
    reason: 'promoteWhenFenceUnconfirmed not a boolean',
    kind: 'fp',
    change: (s) => (s.failover.promoteWhenFenceUnconfirmed = 'yes'),
    field: 'spec.failover.promoteWhenFenceUnconfirmed',
    message: /must be of type boolean/,
  },
  // ClientConnection
  { reason: 'bad side enum', kind: 'cc', change: (s) => (s.side = 'tertiary'), field: 'spec.side', message: /Unsupported value/ },
  {
    reason: 'a TGW id where the attachment id belongs',
    kind: 'cc',
    change: (s) => (s.attachment.id = 'tgw-0a1b2c3d4e5f60744'),
    field: 'spec.attachment.id',
    message: /should match/,
  },
  {
    reason: 'VPN id on a Direct Connect attachment',
    kind: 'cc',
    change: (s) => (s.attachment.type = 'directConnect'),
    field: 'spec.attachment.vpnConnectionId',
    message: /only to type vpn/,
  },
  {
    reason: 'malformed client CIDR',
    kind: 'cc',
    change: (s) => (s.client.cidrs = ['203.0.113.0/24', 'acme']),
    field: 'spec.client.cidrs[1]',
    message: /must be a CIDR block/,
  },
  {
    reason: 'unknown widget',
    kind: 'cc',
    change: (s) => (s.dashboard.widgets = ['topTalkers', 'pie']),
    field: 'spec.dashboard.widgets[1]',
    message: /Unsupported value/,
  },
  {
    reason: 'period not a multiple of 60',
    kind: 'cc',
    change: (s) => (s.dashboard.periodSeconds = 90),
    field: 'spec.dashboard.periodSeconds',
    message: /multiple of 60/,
  },
  { reason: 'missing regionPairRef', kind: 'cc', change: (s) => delete s.regionPairRef, field: 'spec.regionPairRef', message: /Required value/ },
];

for (const c of cases) {
  test(`rejected: ${c.reason} (${c.field})`, async () => {
    const obj = example(EXAMPLES[c.kind]);
    c.change(obj.spec);
    const message = await rejection(() => api.create(obj, undefined, 'All'));
    assert.ok(message, 'the apiserver admitted it');
    assert.ok(message.includes(`${c.field}:`), `message does not name ${c.field}: ${message}`);
    assert.match(message, c.message);
  });
}

test('updates: region is immutable, other fields may change', async () => {
  const obj = example(EXAMPLES.rp);
  obj.metadata!.name = `immutable-${suffix}`;
  const created = (await api.create(obj)) as Obj;
  try {
    const moved = structuredClone(created);
    moved.spec.primary.region = 'us-east-2';
    const message = await rejection(() => api.replace(moved, undefined, 'All'));
    assert.ok(message?.includes('spec.primary.region:'), String(message));
    assert.match(message!, /immutable/);

    const grown = structuredClone(created);
    grown.spec.primary.cidrs = ['10.0.0.0/16', '10.2.0.0/16'];
    grown.spec.secondary.transitGateway = {};
    assert.equal(await rejection(() => api.replace(grown, undefined, 'All')), undefined);
  } finally {
    await api.delete(created).catch(() => undefined);
  }
});

test('FailoverPolicy defaults: promoteWhenFenceUnconfirmed false and failbackMaxAttemptsPerDay 3 when left out', async () => {
  const obj = example(EXAMPLES.fp);
  delete obj.spec.failover.promoteWhenFenceUnconfirmed;
  delete obj.spec.failover.failbackMaxAttemptsPerDay;
  const created = (await api.create(obj, undefined, 'All')) as Obj;
  assert.equal(created.spec.failover.promoteWhenFenceUnconfirmed, false);
  assert.equal(created.spec.failover.failbackMaxAttemptsPerDay, 3);
  const noBlock = example(EXAMPLES.fp);
  delete noBlock.spec.failover;
  const created2 = (await api.create(noBlock, undefined, 'All')) as Obj;
  assert.equal(created2.spec.failover.promoteWhenFenceUnconfirmed, false, 'also when the whole failover block is left out');
  assert.equal(created2.spec.failover.failbackMaxAttemptsPerDay, 3);
});

test('FailoverPolicy drill.timeZone: an IANA name is admitted and kept as written', async () => {
  const obj = example(EXAMPLES.fp);
  obj.spec.drill = { schedule: '0 3 * * MON', timeZone: 'America/Argentina/Buenos_Aires' };
  const created = (await api.create(obj, undefined, 'All')) as Obj;
  // type and windowMinutes are the schema's defaults.
  assert.deepEqual(created.spec.drill, { schedule: '0 3 * * MON', timeZone: 'America/Argentina/Buenos_Aires', type: 'Dns', windowMinutes: 60 });
});

test("updates: a FailoverPolicy's dns.hostedZoneId and dns.recordName are immutable, other fields may change", async () => {
  const obj = example(EXAMPLES.fp);
  obj.metadata!.name = `immutable-fp-${suffix}`;
  const created = (await api.create(obj)) as Obj;
  try {
    const changes: Array<[string, (s: Record<string, any>) => void]> = [
      ['spec.dns.recordName', (s) => (s.dns.recordName = 'orders2.example.com')],
      ['spec.dns.hostedZoneId', (s) => (s.dns.hostedZoneId = 'Z9999999999ABCDEFGHIJ')],
    ];
    for (const [field, change] of changes) {
      const moved = structuredClone(created);
      change(moved.spec);
      const message = await rejection(() => api.replace(moved, undefined, 'All'));
      assert.ok(message?.includes(`${field}:`), `message does not name ${field}: ${String(message)}`);
      assert.match(message!, new RegExp(`${field.split('.').pop()} is immutable`));
      assert.match(message!, /create a new FailoverPolicy/);
    }

    const tuned = structuredClone(created);
    tuned.spec.dns.ttl = 30;
    tuned.spec.failover.promoteWhenFenceUnconfirmed = true;
    tuned.spec.failover.failbackMaxAttemptsPerDay = 1;
    assert.equal(await rejection(() => api.replace(tuned, undefined, 'All')), undefined);
  } finally {
    await api.delete(created).catch(() => undefined);
  }
});
