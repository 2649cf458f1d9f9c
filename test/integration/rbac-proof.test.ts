// Issue 8, the RBAC proof: the real controller process runs as the Helm chart's ServiceAccount
// (a real token minted with the TokenRequest API, not the admin token) against the real
// apiserver, and does its whole job — status, finalizer, Lease, Events — while the same
// identity is refused everything the chart does not grant.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { isNotFound, kubeRequest } from '../../src/runtime/kube-request.ts';
import { applyChart, RBAC_KINDS, serviceAccountKubeconfig as saKubeconfig } from '../env/chart.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { waitFor } from '../env/ports.ts';
import { seedVpc } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { releaseNamespace } from '../unit/packaging-tools.ts';
import { condition, Kube, type Obj, uniqueName } from './helpers.ts';

const NS = 'rbac-proof';
let stack: Stack;
let kube: Kube;
let ctrl: ControllerProcess | undefined;
let dir: string;
let saKc: KubeConfig;
let saName: string;
let leaseName: string;

/** The chart's RBAC objects, applied with the admin identity (what `helm install` would do). */
const applyChartRbac = () => applyChart(stack.kc, RBAC_KINDS);

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
  `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.group ? `.${a.group}` : ''}${a.name ? ` ${a.name}` : ''} in ${a.namespace ?? 'all namespaces'}`;

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  dir = mkdtempSync(join(tmpdir(), 'mrc-rbac-'));
  await kube.ensureNamespace(releaseNamespace);
  await kube.ensureNamespace(NS);
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
    { verb: 'get', resource: 'secrets', namespace: NS, name: 'orders-db' },
    { verb: 'create', resource: 'secrets', namespace: NS },
    { verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: releaseNamespace },
    { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: releaseNamespace, name: 'multiregion-controller' },
    { verb: 'watch', resource: 'accesspolicies', group: 'multiregion.dev' },
    { verb: 'list', resource: 'namespaces' },
  ];
  const denied: Access[] = [
    { verb: 'delete', resource: 'regionpairs', group: 'multiregion.dev', namespace: NS },
    { verb: 'create', resource: 'failoverpolicies', group: 'multiregion.dev', namespace: NS },
    { verb: 'list', resource: 'secrets' },
    { verb: 'watch', resource: 'secrets', namespace: NS },
    { verb: 'delete', resource: 'secrets', namespace: NS, name: 'orders-db' },
    { verb: 'create', resource: 'pods', namespace: NS },
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

  test('a denied call really fails with 403', async () => {
    try {
      await kubeRequest(saKc, { method: 'GET', path: '/api/v1/secrets' });
      assert.fail('listing secrets cluster-wide should be refused');
    } catch (e) {
      assert.ok(!isNotFound(e));
      assert.equal((e as { code?: number }).code, 403);
    }
  });
});
