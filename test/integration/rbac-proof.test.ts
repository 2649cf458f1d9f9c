// Issue 8, the RBAC proof: the real controller process runs as the Helm chart's ServiceAccount
// (a real token minted with the TokenRequest API, not the admin token) against the real
// apiserver, and does its whole job — status, finalizer, Lease, Events — while the same
// identity is refused everything the chart does not grant.
// Issue 16, Secrets: the chart is rendered with rbac.secretNamespaces={rbac-proof} only. The
// controller writes a FailoverPolicy's connection Secret there (with an ownerReference to the
// policy), cannot read a Secret in kube-system, and a policy in a namespace without the Role
// says so (ConnectionSecretForbidden) until the namespace is added, without crashing or spinning.
// Issue 17, rollout: rbac.rolloutNamespaces={rbac-proof}: get/list/patch on the three workload
// kinds there only; a rollout elsewhere is reported (RolloutForbidden) and holds nothing up.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { isNotFound, kubeRequest } from '../../src/runtime/kube-request.ts';
import { applyChart, RBAC_KINDS, serviceAccountKubeconfig as saKubeconfig } from '../env/chart.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { waitFor } from '../env/ports.ts';
import { seedVpc } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { releaseNamespace } from '../unit/packaging-tools.ts';
import { DbPolicies } from './failover-policy-db-fixtures.ts';
import { Aws, EAST } from './failover-policy-fixtures.ts';
import { condition, Kube, type Obj, uniqueName } from './helpers.ts';

const NS = 'rbac-proof';
/** Holds FailoverPolicies too, but is not in rbac.secretNamespaces (until the last test adds it). */
const NO_SECRETS = 'rbac-proof-nosecrets';
/** A Secret the admin keeps in kube-system: the controller must not read it. */
const CANARY = 'rbac-proof-canary';
let stack: Stack;
let kube: Kube;
let ctrl: ControllerProcess | undefined;
let dir: string;
let saKc: KubeConfig;
let saName: string;
let leaseName: string;
let aws: Aws | undefined;

/**
 * The chart's RBAC objects for these rbac.secretNamespaces (and rbac.rolloutNamespaces={rbac-proof}),
 * applied with the admin identity (what `helm install` would do).
 */
const applyChartRbac = (secretNamespaces = [NS]) =>
  applyChart(stack.kc, RBAC_KINDS, ['--set', `rbac.secretNamespaces={${secretNamespaces.join(',')}}`, '--set', `rbac.rolloutNamespaces={${NS}}`]);

/** A kubeconfig for the ServiceAccount: same cluster and CA, a token minted by TokenRequest. */
async function serviceAccountKubeconfig(ns: string, sa: string): Promise<string> {
  const path = join(dir, 'sa-kubeconfig');
  await saKubeconfig(stack.kc, ns, sa, path);
  return path;
}

interface Access {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** `kubectl auth can-i` as the ServiceAccount: a SelfSubjectAccessReview with its own token. */
async function canI(a: Access): Promise<boolean> {
  const r = await kubeRequest<{ status: { allowed: boolean } }>(saKc, {
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { group: '', ...a } } },
  });
  return r.status.allowed;
}

const show = (a: Access): string =>
  `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.group ? `.${a.group}` : ''}${a.name ? ` ${a.name}` : ''} ` +
  `in ${a.namespace ?? 'all namespaces'}`;

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  dir = mkdtempSync(join(tmpdir(), 'mrc-rbac-'));
  await kube.ensureNamespace(releaseNamespace);
  await kube.ensureNamespace(NS);
  await kube.ensureNamespace(NO_SECRETS);
  await kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: CANARY, namespace: 'kube-system' }, stringData: { token: 'not-for-the-controller' } });
  const rbac = await applyChartRbac();
  saName = rbac.find((o) => o.kind === 'ServiceAccount')!.metadata.name;
  const leaseRole = rbac.find((o) => o.kind === 'Role' && JSON.stringify(o).includes('leases'))!;
  leaseName = (leaseRole.rules as Array<{ resourceNames?: string[] }>).flatMap((r) => r.resourceNames ?? [])[0]!;
  saKc = new KubeConfig();
  saKc.loadFromFile(await serviceAccountKubeconfig(releaseNamespace, saName));
});
after(async () => {
  await ctrl?.stop();
  await kube.purge('RegionPair', NS).catch(() => {});
  await kube.delete('AccessPolicy', '', 'rbac-proof').catch(() => {});
  for (const ns of [NS, NO_SECRETS]) await kube.purge('FailoverPolicy', ns).catch(() => {});
  await kube.delete('AccessPolicy', '', 'rbac-proof-db').catch(() => {});
  await kube.delete('Secret', 'kube-system', CANARY, 'v1').catch(() => {});
  aws?.destroy();
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('RBAC proof: the controller as the chart ServiceAccount', () => {
  test('the token really is the ServiceAccount (not admin)', async () => {
    const r = await kubeRequest<{ status: { userInfo: { username: string; groups: string[] } } }>(saKc, {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    assert.equal(r.status.userInfo.username, `system:serviceaccount:${releaseNamespace}:${saName}`);
    assert.ok(r.status.userInfo.groups.includes(`system:serviceaccounts:${releaseNamespace}`));
    assert.ok(!r.status.userInfo.groups.includes('system:masters'));
  });

  test('runs a dry-run reconcile and then a real one: status, finalizer, Lease, Events', async () => {
    await stack.resetMoto();
    const m = { endpoint: stack.motoEndpoint };
    const [east, west] = await Promise.all([seedVpc(m, 'us-east-1', '10.0.0.0/16'), seedVpc(m, 'us-west-2', '10.1.0.0/16')]);
    ctrl = await startController({
      kubeconfigPath: join(dir, 'sa-kubeconfig'),
      awsEndpoint: stack.motoEndpoint,
      // Tenant boundaries on, as the chart runs it: the SA must read AccessPolicies and Namespaces.
      args: [`--leader-election-namespace=${releaseNamespace}`, `--leader-election-id=${leaseName}`, '--require-access-policy=true'],
    });
    await kube.apply({
      apiVersion: 'multiregion.dev/v1alpha1',
      kind: 'AccessPolicy',
      metadata: { name: 'rbac-proof' },
      spec: { namespaces: [NS], vpcs: [east.vpcId, west.vpcId] },
    });
    const name = uniqueName('rbac');
    const pair: Obj = {
      apiVersion: 'multiregion.dev/v1alpha1',
      kind: 'RegionPair',
      metadata: { name, namespace: NS, annotations: { 'multiregion.dev/dry-run': 'true' } },
      spec: {
        primary: {
          region: 'us-east-1',
          vpcAttachments: [{ vpcId: east.vpcId, subnetIds: east.subnetIds, routeTableIds: [east.routeTableId] }],
          cidrs: ['10.0.0.0/16'],
        },
        secondary: {
          region: 'us-west-2',
          vpcAttachments: [{ vpcId: west.vpcId, subnetIds: west.subnetIds, routeTableIds: [west.routeTableId] }],
          cidrs: ['10.1.0.0/16'],
        },
      },
    };
    await kube.apply(pair);
    const planned = await kube.waitCondition('RegionPair', NS, name, 'Synced', 'True', 'DryRun', 90_000);
    assert.ok(
      (planned.status.plannedChanges ?? []).some((c: { action: string; resource: string }) => c.action === 'Create' && /TransitGateway/.test(c.resource)),
      `plannedChanges: ${JSON.stringify(planned.status.plannedChanges)}`,
    );

    const lease = await kubeRequest<{ spec: { holderIdentity?: string } }>(stack.kc, {
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${releaseNamespace}/leases/${leaseName}`,
    });
    assert.ok(lease.spec.holderIdentity, 'the Lease has a holder');

    // Leaving dry-run: the finalizer (regionpairs/finalizers), creates, Events all happen as the SA.
    await kube.mergePatch({ kind: 'RegionPair', namespace: NS, name }, { metadata: { annotations: { 'multiregion.dev/dry-run': null } } });
    const ready = await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 120_000);
    assert.equal(condition(ready, 'Synced')?.status, 'True');
    assert.ok(ready.metadata.finalizers?.includes('multiregion.dev/finalizer'));
    let events: Array<{ reason: string; involvedObject: { name: string } }> = [];
    await waitFor(
      'an Event for the pair',
      async () => {
        const list = await kubeRequest<{ items: typeof events }>(stack.kc, { method: 'GET', path: `/api/v1/namespaces/${NS}/events` });
        events = list.items.filter((e) => e.involvedObject.name === name);
        return events.length > 0;
      },
      30_000,
    );
    assert.ok(
      events.some((e) => /^Created/.test(e.reason)),
      `events: ${events.map((e) => e.reason).join(', ')}`,
    );

    // Delete: the controller removes what it created and then its finalizer, still as the SA.
    await kube.delete('RegionPair', NS, name);
    await kube.waitGone('RegionPair', NS, name, 120_000);

    const forbidden = ctrl
      .logs()
      .split('\n')
      .filter((l) => /forbidden|\b403\b/i.test(l));
    assert.deepEqual(forbidden, [], 'the controller met no Forbidden answer');
  });

  const allowed: Access[] = [
    { verb: 'list', resource: 'regionpairs', group: 'multiregion.dev' },
    { verb: 'watch', resource: 'failoverpolicies', group: 'multiregion.dev' },
    { verb: 'patch', resource: 'clientconnections', group: 'multiregion.dev', namespace: NS },
    { verb: 'patch', resource: 'regionpairs', subresource: 'status', group: 'multiregion.dev', namespace: NS },
    { verb: 'update', resource: 'failoverpolicies', subresource: 'finalizers', group: 'multiregion.dev', namespace: NS },
    { verb: 'create', resource: 'events', namespace: NS },
    { verb: 'patch', resource: 'events', namespace: NS },
    // Connection Secrets: only in rbac.secretNamespaces, only the verbs secret.ts uses.
    { verb: 'get', resource: 'secrets', namespace: NS, name: 'orders-db' },
    { verb: 'create', resource: 'secrets', namespace: NS },
    { verb: 'patch', resource: 'secrets', namespace: NS, name: 'orders-db' },
    // Rollout restarts: only in rbac.rolloutNamespaces, only the verbs workloads.ts uses.
    { verb: 'get', resource: 'deployments', group: 'apps', namespace: NS, name: 'api' },
    { verb: 'list', resource: 'statefulsets', group: 'apps', namespace: NS },
    { verb: 'patch', resource: 'daemonsets', group: 'apps', namespace: NS, name: 'agent' },
    { verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: releaseNamespace },
    { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: releaseNamespace, name: 'multiregion-controller' },
    { verb: 'watch', resource: 'accesspolicies', group: 'multiregion.dev' },
    { verb: 'list', resource: 'namespaces' },
  ];
  const denied: Access[] = [
    { verb: 'delete', resource: 'regionpairs', group: 'multiregion.dev', namespace: NS },
    { verb: 'create', resource: 'failoverpolicies', group: 'multiregion.dev', namespace: NS },
    { verb: 'list', resource: 'secrets' },
    { verb: 'get', resource: 'secrets', namespace: 'kube-system', name: CANARY },
    { verb: 'list', resource: 'secrets', namespace: 'kube-system' },
    { verb: 'create', resource: 'secrets', namespace: 'kube-system' },
    { verb: 'get', resource: 'secrets', namespace: 'default', name: 'orders-db' },
    { verb: 'patch', resource: 'secrets', namespace: 'default', name: 'orders-db' },
    { verb: 'list', resource: 'secrets', namespace: NS },
    { verb: 'watch', resource: 'secrets', namespace: NS },
    { verb: 'update', resource: 'secrets', namespace: NS, name: 'orders-db' },
    { verb: 'delete', resource: 'secrets', namespace: NS, name: 'orders-db' },
    { verb: 'create', resource: 'pods', namespace: NS },
    { verb: 'patch', resource: 'deployments', group: 'apps', namespace: NO_SECRETS, name: 'api' },
    { verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'kube-system', name: 'coredns' },
    { verb: 'list', resource: 'deployments', group: 'apps' },
    { verb: 'watch', resource: 'deployments', group: 'apps', namespace: NS },
    { verb: 'update', resource: 'deployments', group: 'apps', namespace: NS, name: 'api' },
    { verb: 'delete', resource: 'deployments', group: 'apps', namespace: NS, name: 'api' },
    { verb: 'create', resource: 'deployments', group: 'apps', namespace: NS },
    { verb: 'patch', resource: 'replicasets', group: 'apps', namespace: NS, name: 'api' },
    { verb: 'get', resource: 'nodes' },
    { verb: 'update', resource: 'configmaps', namespace: releaseNamespace, name: 'x' },
    { verb: 'update', resource: 'events', namespace: NS },
    { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: releaseNamespace, name: 'someone-elses-lease' },
    { verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: 'default' },
    { verb: 'delete', resource: 'leases', group: 'coordination.k8s.io', namespace: releaseNamespace, name: 'multiregion-controller' },
    { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: releaseNamespace, name: 'multiregion-controller' },
    { verb: 'create', resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io' },
    { verb: 'impersonate', resource: 'users' },
    { verb: 'update', resource: 'customresourcedefinitions', group: 'apiextensions.k8s.io' },
    { verb: 'create', resource: 'accesspolicies', group: 'multiregion.dev' },
    { verb: 'patch', resource: 'namespaces', name: NS },
  ];

  test('allowed: exactly the verbs the controller uses', async () => {
    for (const a of allowed) assert.equal(await canI(a), true, `expected allowed: ${show(a)}`);
  });

  test('denied: what it does not need', async () => {
    for (const a of denied) assert.equal(await canI(a), false, `expected denied: ${show(a)}`);
  });

  test('a denied call really fails with 403: no Secret of kube-system can be read or listed, nor all Secrets', async () => {
    // The canary exists (the admin reads it), so a refusal is RBAC's, not a 404.
    assert.ok(await kube.get('Secret', 'kube-system', CANARY, 'v1'));
    for (const path of ['/api/v1/secrets', '/api/v1/namespaces/kube-system/secrets', `/api/v1/namespaces/kube-system/secrets/${CANARY}`]) {
      try {
        await kubeRequest(saKc, { method: 'GET', path });
        assert.fail(`GET ${path} should be refused`);
      } catch (e) {
        assert.ok(!isNotFound(e), `GET ${path}: ${e}`);
        assert.equal((e as { code?: number }).code, 403, `GET ${path}: ${e}`);
      }
    }
  });

  test('writes the connection Secret in a namespace of rbac.secretNamespaces, owned by its policy, and repairs it', async () => {
    assert.ok(ctrl, 'the controller of the first test runs');
    const from = ctrl.logs().length;
    await stack.resetMoto();
    aws = new Aws(stack.motoEndpoint);
    const dbs = new DbPolicies(stack, kube, aws, NS);
    const s = await dbs.setup({ mode: 'Manual', activeRegion: EAST });
    await allowDatabases(s.zone);
    const policy = await kube.get('FailoverPolicy', NS, s.name);
    const secret = await waitForSecret(NS, s.secret);
    assert.deepEqual(secret.metadata.ownerReferences, [
      { apiVersion: 'multiregion.dev/v1alpha1', kind: 'FailoverPolicy', name: s.name, uid: policy!.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    const host = (await dbs.instance(EAST, s.db)).Endpoint?.Address;
    assert.equal((await dbs.secretData(s.secret)).host, host);

    // Someone changes it: the next pass puts the writer back (a server-side apply: patch, as the SA).
    await kube.mergePatch({ apiVersion: 'v1', kind: 'Secret', namespace: NS, name: s.secret }, { data: { host: Buffer.from('elsewhere').toString('base64') } });
    await kube.mergePatch(
      { kind: 'FailoverPolicy', namespace: NS, name: s.name },
      { metadata: { annotations: { 'multiregion.dev/reconcile-now': 'repair' } } },
    );
    await waitFor('the Secret names the writer again', async () => (await dbs.secretData(s.secret)).host === host, 60_000);

    const forbidden = ctrl
      .logs()
      .slice(from)
      .split('\n')
      .filter((l) => /forbidden|\b403\b/i.test(l));
    assert.deepEqual(forbidden, [], 'the controller met no Forbidden answer');
  });

  test(
    'a namespace without the Role: Synced=False ConnectionSecretForbidden with ' +
      'an Event, no crash, no hot loop; adding it to rbac.secretNamespaces heals it',
    async () => {
      assert.ok(ctrl && aws, 'the controller and moto of the tests above');
      const dbs = new DbPolicies(stack, kube, aws, NO_SECRETS);
      const s = await dbs.setup({ mode: 'Manual', activeRegion: EAST });
      await allowDatabases(s.zone);
      const o = await kube.waitCondition('FailoverPolicy', NO_SECRETS, s.name, 'Synced', 'False', 'ConnectionSecretForbidden', 90_000);
      const msg = condition(o, 'Synced')!.message;
      assert.match(msg, /^spec\.database\.connectionSecret\.name: /);
      assert.match(msg, new RegExp(`Secret ${NO_SECRETS}/${s.secret}`));
      assert.match(msg, /add the namespace to the Helm value rbac\.secretNamespaces/);
      assert.equal(condition(o, 'DatabaseSynced')?.status, 'False');
      const warned = async () => (await kube.events(NO_SECRETS, s.name)).find((e) => e.type === 'Warning' && e.reason === 'ConnectionSecretForbidden');
      const first = await warned();
      assert.ok(first, 'a Warning Event ConnectionSecretForbidden');
      assert.equal(await kube.get('Secret', NO_SECRETS, s.secret, 'v1'), undefined, 'no Secret written');

      // Not spinning: over 20 s the same Event repeats a few times (retries at most every 15 s, plus
      // health and DNS wake-ups), not hundreds; and the process stays up and healthy.
      await sleep(20_000);
      const later = await warned();
      assert.ok((later?.count ?? 1) - (first.count ?? 1) <= 6, `Event repeated ${later?.count} times (was ${first.count})`);
      assert.equal(ctrl.proc.exitCode, null, 'the controller is still running');
      assert.ok((await fetch(`${ctrl.healthUrl}/healthz`)).ok);

      // What the message says to do works, without a restart.
      await applyChartRbac([NS, NO_SECRETS]);
      const secret = await waitForSecret(NO_SECRETS, s.secret, 90_000);
      assert.equal(secret.metadata.ownerReferences?.[0]?.uid, o.metadata.uid);
      await kube.waitCondition('FailoverPolicy', NO_SECRETS, s.name, 'DatabaseSynced', 'True', undefined, 90_000);
    },
  );

  test('rolls a listed Deployment as the SA in rbac.rolloutNamespaces; elsewhere RolloutForbidden, the database half not held up', async () => {
    assert.ok(ctrl && aws, 'the controller and moto of the tests above');
    const from = ctrl.logs().length;
    const rev = async (ns: string) =>
      (
        await kubeRequest<{ spec: { template: { metadata: { annotations?: Record<string, string> } } } }>(stack.kc, {
          method: 'GET',
          path: `/apis/apps/v1/namespaces/${ns}/deployments/api`,
        })
      ).spec.template.metadata.annotations?.['multiregion.dev/secret-revision'];
    const setups: Array<{ ns: string; name: string }> = [];
    for (const ns of [NS, NO_SECRETS]) {
      await kube.purge('Deployment', ns, 'apps/v1');
      await kubeRequest(stack.kc, {
        method: 'POST',
        path: `/apis/apps/v1/namespaces/${ns}/deployments`,
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'api', namespace: ns },
          spec: {
            selector: { matchLabels: { w: 'api' } },
            template: { metadata: { labels: { w: 'api' } }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] } },
          },
        },
      });
      const s = await new DbPolicies(stack, kube, aws, ns).setup({ mode: 'Manual', activeRegion: EAST });
      await allowDatabases(s.zone);
      await kube.mergePatch(
        { kind: 'FailoverPolicy', namespace: ns, name: s.name },
        { spec: { database: { connectionSecret: { restartWorkloads: [{ kind: 'Deployment', name: 'api' }] } } } },
      );
      await kube.waitFor('FailoverPolicy', ns, s.name, 'first revision recorded', (o) => !!o.status?.database?.rollout?.revision, 90_000);
      setups.push({ ns, name: s.name });
    }
    // A change of the Secret's data (a key renamed) in both namespaces.
    for (const { ns, name } of setups)
      await kube.mergePatch({ kind: 'FailoverPolicy', namespace: ns, name }, { spec: { database: { connectionSecret: { keys: { host: 'DATABASE_HOST' } } } } });
    const ok = await kube.waitCondition('FailoverPolicy', NS, setups[0]!.name, 'WorkloadsRestarted', 'True', 'RolledOut', 90_000);
    assert.deepEqual(ok.status.database.rollout.restarted, ['Deployment/api']);
    assert.equal(await rev(NS), ok.status.database.rollout.revision);
    const no = await kube.waitCondition('FailoverPolicy', NO_SECRETS, setups[1]!.name, 'WorkloadsRestarted', 'False', 'RolloutForbidden', 90_000);
    assert.match(condition(no, 'WorkloadsRestarted')!.message, /Deployment\/api: 403 Forbidden/);
    assert.match(condition(no, 'WorkloadsRestarted')!.message, /rbac\.rolloutNamespaces/);
    assert.equal(condition(no, 'DatabaseSynced')?.status, 'True', 'the database half goes on');
    assert.equal(await rev(NO_SECRETS), undefined, 'not rolled without the Role');
    assert.ok((await kube.events(NO_SECRETS, setups[1]!.name)).some((e) => e.type === 'Warning' && e.reason === 'WorkloadRestartFailed'));
    assert.equal(ctrl.proc.exitCode, null, 'the controller is still running');
    const forbiddenInNs = ctrl
      .logs()
      .slice(from)
      .split('\n')
      .filter((l) => /forbidden|\b403\b/i.test(l) && l.includes(`namespaces/${NS}/`));
    assert.deepEqual(forbiddenInNs, [], 'no Forbidden answer in the namespace with the Role');
    for (const ns of [NS, NO_SECRETS]) await kube.purge('Deployment', ns, 'apps/v1');
  });
});

const allowedZones: string[] = [];
/** Both namespaces may use the seeded databases and these hosted zones (ids are exact in an AccessPolicy). */
async function allowDatabases(zone: string): Promise<void> {
  allowedZones.push(zone);
  await kube.apply({
    apiVersion: 'multiregion.dev/v1alpha1',
    kind: 'AccessPolicy',
    metadata: { name: 'rbac-proof-db' },
    spec: {
      namespaces: [NS, NO_SECRETS],
      hostedZones: allowedZones.map((id) => ({ id })),
      dbInstances: [
        { region: 'us-east-1', identifiers: ['orders-*'] },
        { region: 'us-west-2', identifiers: ['orders-*'] },
      ],
    },
  });
}

interface SecretObj {
  metadata: { ownerReferences?: Array<Record<string, unknown>> };
  data?: Record<string, string>;
}

/** The Secret once it exists, read with the admin identity. */
async function waitForSecret(ns: string, name: string, timeoutMs = 60_000): Promise<SecretObj> {
  let found: SecretObj | undefined;
  await waitFor(
    `Secret ${ns}/${name}`,
    async () => {
      // Plain JSON (client-node would hand back class instances).
      found = await kubeRequest<SecretObj>(stack.kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${name}` }).catch((e: unknown) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });
      return !!found;
    },
    timeoutMs,
  );
  return found!;
}
