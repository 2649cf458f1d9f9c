// The Helm chart: lint-clean, least-privilege RBAC, a locked-down pod, and each option rendering
// what it promises. Renders with the helm that test/env/build-helm.sh builds.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseFlags } from '../../src/flags.ts';
import { chartDir, deployDir, helmBin, helmTemplate, type K8sObject, releaseName, repoRoot, run } from './packaging-tools.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Container {
  image: string;
  args: string[];
  env: Array<{ name: string }>;
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
  resources: { requests?: object; limits?: object };
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: Array<{ name: string; emptyDir?: object }>;
}

const one = (objs: K8sObject[], kind: string, name?: string): K8sObject => {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ' ' + name : ''}, got ${found.length}`);
  return found[0]!;
};
const podOf = (objs: K8sObject[]) => (one(objs, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;
const rulesOf = (o: K8sObject) => o.rules as Rule[];

const defaults = helmTemplate();

test('helm lint --strict reports nothing but INFO', () => {
  const r = run(helmBin(), ['lint', '--strict', chartDir, '--values', join(chartDir, 'ci', 'test-values.yaml')]);
  assert.doesNotMatch(r.stdout, /\[(WARNING|ERROR)\]/, r.stdout);
});

test('rendering without a clusterId fails and says how to set it', () => {
  const r = run(helmBin(), ['template', releaseName, chartDir], { allowFailure: true });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /clusterId is required/);
});

const rejected: Array<{ reason: string; set: string; error: RegExp }> = [
  { reason: 'unknown top-level key (a typo must not be ignored)', set: 'replicas=3', error: /replicas/ },
  { reason: 'log level outside the enum', set: 'controller.logLevel=verbose', error: /logLevel/ },
  { reason: 'drift interval that is not a duration', set: 'controller.driftInterval=often', error: /driftInterval/ },
  { reason: 'cluster id with a space', set: 'clusterId=prod eu', error: /clusterId/ },
  { reason: 'cluster id in capitals (AWS tags are compared exactly)', set: 'clusterId=Prod', error: /clusterId/ },
];

test('values.schema.json accepts exactly the cluster ids that --cluster-id accepts', () => {
  const flags = readFileSync(join(repoRoot, 'src', 'flags.ts'), 'utf8');
  const codePattern = /!\/(\^[^/]+\$)\/\.test\(clusterId\)/.exec(flags)?.[1];
  assert.ok(codePattern, 'cluster id check not found in src/flags.ts');
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as { properties: { clusterId: { pattern: string } } };
  assert.equal(schema.properties.clusterId.pattern, `^$|${codePattern}`);
});
for (const c of rejected) {
  test(`values.schema.json rejects ${c.reason}`, () => {
    const r = run(helmBin(), ['template', releaseName, chartDir, '--set', 'clusterId=x', '--set', c.set], { allowFailure: true });
    assert.notEqual(r.status, 0, `helm template accepted --set ${c.set}`);
    assert.match(r.stderr, c.error);
  });
}

test('appVersion follows package.json, and the image defaults to it', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string };
  assert.equal(chart.appVersion, pkg.version);
  assert.equal(podOf(defaults).containers[0]?.image, `111111111111.dkr.ecr.us-east-2.amazonaws.com/multiregion-controller:${pkg.version}`);
});

test('two replicas, leader election on, the flags and probes the controller serves', () => {
  const deploy = one(defaults, 'Deployment');
  assert.equal((deploy.spec as { replicas: number }).replicas, 2);
  const c = podOf(defaults).containers[0]!;
  for (const flag of [
    '--cluster-id=$(MRC_CLUSTER_ID)',
    '--leader-elect=true',
    '--leader-election-id=multiregion-controller',
    '--metrics-bind-address=:8080',
    '--health-probe-bind-address=:8081',
  ]) {
    assert.ok(c.args.includes(flag), `missing ${flag}`);
  }
  assert.deepEqual(
    c.env.map((e) => e.name),
    ['MRC_CLUSTER_ID', 'POD_NAMESPACE', 'POD_NAME'],
  );
  assert.deepEqual(
    c.ports.map((p) => [p.name, p.containerPort]),
    [
      ['metrics', 8080],
      ['health', 8081],
    ],
  );
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'health' });
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'health' });
  assert.ok(c.resources.requests && c.resources.limits, 'resources must be set');
});

test('the pod runs as the Dockerfile user, non-root, read-only, no privileges, /tmp on an emptyDir', () => {
  const dockerUser = /^USER\s+(\d+)/m.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'))?.[1];
  const pod = podOf(defaults);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(String(pod.securityContext.runAsUser), dockerUser);
  assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  const c = pod.containers[0]!;
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
  const tmp = c.volumeMounts.find((m) => m.mountPath === '/tmp');
  assert.ok(tmp, 'no volume at /tmp');
  assert.ok(pod.volumes.find((v) => v.name === tmp.name)?.emptyDir, '/tmp is not an emptyDir');
});

// The whole cluster-wide Kubernetes API surface of the controller; anything else is a review
// question. No Secrets: those are per namespace (rbac.secretNamespaces), tested below.
const allowed: Record<string, string[]> = {
  'multiregion.dev/regionpairs': ['get', 'list', 'watch', 'patch', 'update'],
  'multiregion.dev/failoverpolicies': ['get', 'list', 'watch', 'patch', 'update'],
  'multiregion.dev/clientconnections': ['get', 'list', 'watch', 'patch', 'update'],
  'multiregion.dev/regionpairs/status': ['get', 'patch', 'update'],
  'multiregion.dev/failoverpolicies/status': ['get', 'patch', 'update'],
  'multiregion.dev/clientconnections/status': ['get', 'patch', 'update'],
  'multiregion.dev/regionpairs/finalizers': ['update'],
  'multiregion.dev/failoverpolicies/finalizers': ['update'],
  'multiregion.dev/clientconnections/finalizers': ['update'],
  '/events': ['create', 'patch'],
  // Tenant boundaries: the admin's AccessPolicies and Namespace labels, read only.
  'multiregion.dev/accesspolicies': ['get', 'list', 'watch'],
  '/namespaces': ['get', 'list', 'watch'],
};
/** "group/resource" -> sorted verbs, merged over rules. */
function grants(rules: Rule[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const r of rules)
    for (const g of r.apiGroups)
      for (const res of r.resources) {
        for (const v of r.verbs) (out[`${g}/${res}`] ??= new Set()).add(v);
      }
  return Object.fromEntries(
    Object.entries(out)
      .map(([k, v]) => [k, [...v].sort()])
      .sort(),
  );
}
const sortedAllowed = Object.fromEntries(
  Object.entries(allowed)
    .map(([k, v]) => [k, [...v].sort()])
    .sort(),
);

test('ClusterRole grants exactly the agreed verbs, no wildcard, no delete', () => {
  const rules = rulesOf(one(defaults, 'ClusterRole'));
  assert.deepEqual(grants(rules), sortedAllowed);
  for (const r of rules) assert.ok(![...r.verbs, ...r.resources, ...r.apiGroups].includes('*'), `wildcard in ${JSON.stringify(r)}`);
});

test('the Lease is reachable only through a Role in the release namespace, get/update on one name', () => {
  const role = one(defaults, 'Role');
  assert.equal(role.metadata.namespace, 'multiregion-system');
  assert.deepEqual(rulesOf(role), [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['multiregion-controller'], verbs: ['get', 'update'] },
  ]);
  const binding = one(defaults, 'RoleBinding');
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'multiregion-controller', namespace: 'multiregion-system' }]);
});

/** Every Secret grant a render holds, as "Kind namespace: verbs". */
const secretGrants = (objs: K8sObject[]): string[] =>
  objs
    .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
    .flatMap((o) =>
      rulesOf(o)
        .filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets'))
        .map((r) => `${o.kind} ${o.metadata.namespace ?? '*'}: ${[...r.verbs].sort()}`),
    );

// The verbs src/controllers/failover-policy/secret.ts uses: GET, POST (create), PATCH (apply).
const SECRET_VERBS = ['create', 'get', 'patch'];

test('by default no Secret access at all: not cluster-wide, not in any namespace', () => {
  assert.deepEqual(secretGrants(defaults), []);
});

test('rbac.secretNamespaces: a Role + RoleBinding per namespace with exactly get/create/patch, nothing cluster-wide', () => {
  const objs = helmTemplate(['--set', 'rbac.secretNamespaces={apps,clients}']);
  assert.deepEqual(secretGrants(objs).sort(), [`Role apps: ${SECRET_VERBS}`, `Role clients: ${SECRET_VERBS}`]);
  const roles = objs.filter((o) => o.kind === 'Role' && o.metadata.name.endsWith('-secrets'));
  assert.deepEqual(roles.map((r) => r.metadata.namespace).sort(), ['apps', 'clients']);
  for (const r of roles) assert.deepEqual(rulesOf(r), [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'patch'] }]);
  const bindings = objs.filter((o) => o.kind === 'RoleBinding' && o.metadata.name.endsWith('-secrets'));
  assert.deepEqual(bindings.map((b) => b.metadata.namespace).sort(), ['apps', 'clients']);
  for (const b of bindings) {
    assert.deepEqual(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'multiregion-controller-secrets' });
    assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: 'multiregion-controller', namespace: 'multiregion-system' }]);
  }
});

test('rbac.clusterWideSecrets is an explicit opt-in: get/create/patch in the ClusterRole, still no list or watch', () => {
  const objs = helmTemplate(['--set', 'rbac.clusterWideSecrets=true']);
  assert.deepEqual(secretGrants(objs), [`ClusterRole *: ${SECRET_VERBS}`]);
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { rbac: Record<string, unknown> };
  assert.equal(values.rbac.clusterWideSecrets, false);
  assert.deepEqual(values.rbac.secretNamespaces, []);
});

/** Every grant on apps/v1 workloads a render holds, as "Kind namespace: resources: verbs". */
const workloadGrants = (objs: K8sObject[]): string[] =>
  objs
    .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
    .flatMap((o) =>
      rulesOf(o)
        .filter((r) => r.apiGroups.includes('apps'))
        .map((r) => `${o.kind} ${o.metadata.namespace ?? '*'}: ${[...r.resources].sort()}: ${[...r.verbs].sort()}`),
    );

// The verbs src/controllers/failover-policy/workloads.ts uses: GET one, GET a list (selector), PATCH.
const ROLLOUT = 'daemonsets,deployments,statefulsets: get,list,patch';

test('by default no access to workloads: not cluster-wide, not in any namespace', () => {
  assert.deepEqual(workloadGrants(defaults), []);
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { rbac: Record<string, unknown> };
  assert.deepEqual(values.rbac.rolloutNamespaces, []);
});

test('rbac.rolloutNamespaces: a Role + RoleBinding per namespace with exactly get/list/patch on the three workload kinds', () => {
  const objs = helmTemplate(['--set', 'rbac.rolloutNamespaces={apps,clients}']);
  assert.deepEqual(workloadGrants(objs).sort(), [`Role apps: ${ROLLOUT}`, `Role clients: ${ROLLOUT}`]);
  const bindings = objs.filter((o) => o.kind === 'RoleBinding' && o.metadata.name.endsWith('-rollout'));
  assert.deepEqual(bindings.map((b) => b.metadata.namespace).sort(), ['apps', 'clients']);
  for (const b of bindings) {
    assert.deepEqual(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'multiregion-controller-rollout' });
    assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: 'multiregion-controller', namespace: 'multiregion-system' }]);
  }
  assert.deepEqual(secretGrants(objs), [], 'no Secret access comes with it');
});

test('leader election off: no Lease Role, flag false', () => {
  // One replica: the chart refuses several without the Lease.
  const objs = helmTemplate(['--set', 'controller.leaderElection.enabled=false', '--set', 'replicaCount=1']);
  assert.equal(objs.filter((o) => o.kind === 'Role').length, 0);
  assert.ok(podOf(objs).containers[0]!.args.includes('--leader-elect=false'));
});

test('tenant boundaries are on by default and can be turned off (--require-access-policy)', () => {
  assert.ok(podOf(defaults).containers[0]!.args.includes('--require-access-policy=true'));
  const off = helmTemplate(['--set', 'controller.requireAccessPolicy=false']);
  assert.ok(podOf(off).containers[0]!.args.includes('--require-access-policy=false'));
});

test('IRSA annotation lands on the ServiceAccount the pod uses', () => {
  const arn = 'arn:aws:iam::111111111111:role/multiregion-controller';
  const objs = helmTemplate(['--set', `serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=${arn}`]);
  const sa = one(objs, 'ServiceAccount');
  assert.deepEqual((sa.metadata.annotations as Record<string, string>)['eks.amazonaws.com/role-arn'], arn);
  assert.equal((one(objs, 'Deployment').spec as { template: { spec: { serviceAccountName: string } } }).template.spec.serviceAccountName, sa.metadata.name);
});

test('the Switchover drill catch-up timeout is a chart value (--drill-catch-up-timeout), 10m by default', () => {
  const flagOf = (objs: K8sObject[]) => podOf(objs).containers[0]!.args.filter((a) => a.startsWith('--drill-catch-up-timeout='));
  assert.deepEqual(flagOf(defaults), ['--drill-catch-up-timeout=10m']);
  const set = flagOf(helmTemplate(['--set', 'controller.drillCatchUpTimeout=30m']));
  assert.deepEqual(set, ['--drill-catch-up-timeout=30m']);
  assert.equal(parseFlags(['--cluster-id=a', set[0]!], {}).drillCatchUpTimeoutMs, 30 * 60_000);
  assert.throws(() => helmTemplate(['--set', 'controller.drillCatchUpTimeout=soon']), /drillCatchUpTimeout/);
});

test('optional flags are passed only when set', () => {
  assert.ok(!podOf(defaults).containers[0]!.args.some((a) => a.startsWith('--watch-namespace') || a.startsWith('--aws-endpoint-url')));
  const objs = helmTemplate(['--set', 'controller.watchNamespace=apps', '--set', 'controller.awsEndpointUrl=http://127.0.0.1:5000']);
  const args = podOf(objs).containers[0]!.args;
  assert.ok(args.includes('--watch-namespace=apps'));
  assert.ok(args.includes('--aws-endpoint-url=http://127.0.0.1:5000'));
});

test('awsRateLimits: one --aws-rate-limits flag the controller parses; none by default; a bad rate is refused by the schema', () => {
  assert.ok(!podOf(defaults).containers[0]!.args.some((a) => a.startsWith('--aws-rate-limits')));
  const objs = helmTemplate([
    '--set-string',
    'controller.awsRateLimits.cloudwatch:PutMetricAlarm=10/20',
    '--set-string',
    'controller.awsRateLimits.ec2:describe=40',
  ]);
  const flag = podOf(objs).containers[0]!.args.filter((a) => a.startsWith('--aws-rate-limits='));
  assert.equal(flag.length, 1);
  assert.deepEqual(parseFlags(['--cluster-id=a', flag[0]!], {}).awsRateLimits, {
    'cloudwatch:PutMetricAlarm': { ratePerSec: 10, burst: 20 },
    'ec2:describe': { ratePerSec: 40, burst: 40 },
  });
  assert.throws(() => helmTemplate(['--set-string', 'controller.awsRateLimits.ec2:describe=fast']), /does not match pattern/);
});

interface NetPolPort {
  port: number;
  protocol: string;
}
test('NetworkPolicy: in only metrics and health; out only DNS, API server and AWS on 443', () => {
  // The EKS Pod Identity agent's port (on by default) is packaging-chart-ops.test.ts's subject.
  const np = one(helmTemplate(['--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.allowPodIdentityAgent=false']), 'NetworkPolicy').spec as {
    policyTypes: string[];
    ingress: Array<{ ports: NetPolPort[] }>;
    egress: Array<{ ports: NetPolPort[]; to?: Array<{ ipBlock: { cidr: string } }> }>;
  };
  assert.deepEqual(np.policyTypes, ['Ingress', 'Egress']);
  const ports = (rs: Array<{ ports: NetPolPort[] }>) => rs.flatMap((r) => r.ports.map((p) => `${p.protocol}/${p.port}`)).sort();
  assert.deepEqual(ports(np.ingress), ['TCP/8080', 'TCP/8081']);
  assert.deepEqual([...new Set(ports(np.egress))], ['TCP/443', 'TCP/53', 'TCP/6443', 'UDP/53']);
  assert.deepEqual(np.egress.at(-1)?.to, [{ ipBlock: { cidr: '0.0.0.0/0' } }]);
});

test('off by default: NetworkPolicy, ServiceMonitor, PrometheusRule (they need a CNI or CRDs)', () => {
  assert.deepEqual(
    defaults.filter((o) => ['NetworkPolicy', 'ServiceMonitor', 'PrometheusRule'].includes(o.kind)),
    [],
  );
});

test('ServiceMonitor scrapes the metrics Service port', () => {
  const objs = helmTemplate(['--set', 'serviceMonitor.enabled=true']);
  const sm = one(objs, 'ServiceMonitor').spec as { selector: { matchLabels: object }; endpoints: Array<{ port: string; path: string }> };
  const svc = one(objs, 'Service').spec as { selector: object; ports: Array<{ name: string }> };
  assert.deepEqual(
    sm.endpoints.map((e) => [e.port, e.path]),
    [['metrics', '/metrics']],
  );
  assert.deepEqual(
    svc.ports.map((p) => p.name),
    ['metrics'],
  );
  assert.deepEqual(sm.selector.matchLabels, svc.selector);
});

test('PrometheusRule carries the groups of deploy/prometheus/rules.yaml', () => {
  const pr = one(helmTemplate(['--set', 'prometheusRule.enabled=true', '--set', 'prometheusRule.labels.release=kps']), 'PrometheusRule');
  const rules = parse(readFileSync(join(deployDir, 'prometheus', 'rules.yaml'), 'utf8')) as object;
  assert.deepEqual(pr.spec, rules);
  assert.equal((pr.metadata.labels as Record<string, string>).release, 'kps');
});

test('CRDs ship in the chart crds/ folder, one per kind', () => {
  const crds = defaults
    .filter((o) => o.kind === 'CustomResourceDefinition')
    .map((o) => o.metadata.name)
    .sort();
  assert.deepEqual(crds, [
    'accesspolicies.multiregion.dev',
    'clientconnections.multiregion.dev',
    'failoverpolicies.multiregion.dev',
    'regionpairs.multiregion.dev',
  ]);
});
