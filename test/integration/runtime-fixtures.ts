// Shared pieces of the runtime integration tests: a cluster (the run's shared apiserver when
// with-stack.ts started one, else a private one), a tiny test CRD, namespaces and objects.
// The runtime knows nothing of our kinds, so its tests use their own CRD: they keep working
// while the API schemas change, and they exercise the same status subresource and generation
// rules as any CRD.

import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/runtime/kube-object.ts';
import { kubeRequest, MERGE_PATCH } from '../../src/runtime/kube-request.ts';
import { createLogger, type Logger, type LogLevel } from '../../src/runtime/logger.ts';
import { Manager } from '../../src/runtime/manager.ts';
import type { Reconcile } from '../../src/runtime/reconciler.ts';
import { type Kube, startKube } from '../env/kube.ts';
import { waitFor } from '../env/ports.ts';
import { ENV } from '../env/stack.ts';

export const GROUP = 'runtime-test.multiregion.dev';
/** Collection of one namespace (what the tests' informers watch). */
export const widgets = (ns: string): string => `/apis/${GROUP}/v1/namespaces/${ns}/widgets`;
/** Collection of all namespaces: the form objectPath() (status, finalizers) builds URLs from. */
export const ALL_WIDGETS = `/apis/${GROUP}/v1/widgets`;

export interface Widget extends KubeObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface TestCluster {
  kc: KubeConfig;
  /** Present when the cluster is private to this file (so it may be restarted). */
  kube?: Kube;
  stop(): Promise<void>;
}

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** The run's shared apiserver if there is one, else a private one; the test CRD installed. */
export async function sharedOrPrivateCluster(): Promise<TestCluster> {
  const shared = process.env[ENV.kubeconfig];
  if (shared) {
    const kc = loadKubeConfig(shared);
    await installWidgetCrd(kc);
    return { kc, stop: async () => {} };
  }
  return privateCluster();
}

/** An apiserver of this file's own, for tests that restart it. */
export async function privateCluster(): Promise<TestCluster & { kube: Kube }> {
  const kube = await startKube();
  try {
    const kc = loadKubeConfig(kube.kubeconfigPath);
    await installWidgetCrd(kc);
    return { kc, kube, stop: () => kube.stop() };
  } catch (err) {
    await kube.stop();
    throw err;
  }
}

const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

export async function installWidgetCrd(kc: KubeConfig): Promise<void> {
  // Raw request: client-node's typed serializer would drop the x-kubernetes-* schema keys.
  await kubeRequest(kc, {
    method: 'PATCH',
    path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`,
    query: { fieldManager: 'multiregion-tests', force: true },
    contentType: 'application/apply-patch+yaml',
    body: WIDGET_CRD,
  });
  await waitFor(
    'widgets CRD Established',
    async () => {
      const crd = await kubeRequest<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(kc, {
        method: 'GET',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`,
      });
      if (!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return false;
      // Established comes slightly before the resource is served.
      await kubeRequest(kc, { method: 'GET', path: `/apis/${GROUP}/v1/widgets`, query: { limit: 1 } });
      return true;
    },
    30_000,
    100,
  );
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;

/** A fresh namespace. Without a namespace controller it can't be deleted fully; tests leave it. */
export async function createNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await kubeRequest(kc, { method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  return name;
}

export function createWidget(kc: KubeConfig, ns: string, name: string, spec: Record<string, unknown> = { size: 1 }): Promise<Widget> {
  return kubeRequest<Widget>(kc, {
    method: 'POST',
    path: widgets(ns),
    body: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name, namespace: ns }, spec },
  });
}

export const widgetPath = (ns: string, name: string, sub = ''): string => `${widgets(ns)}/${name}${sub ? `/${sub}` : ''}`;

export const getWidget = (kc: KubeConfig, ns: string, name: string): Promise<Widget> => kubeRequest<Widget>(kc, { method: 'GET', path: widgetPath(ns, name) });

/** JSON merge patch on the object (or its status subresource with sub = 'status'). */
export const patchWidget = (kc: KubeConfig, ns: string, name: string, body: unknown, sub = ''): Promise<Widget> =>
  kubeRequest<Widget>(kc, { method: 'PATCH', path: widgetPath(ns, name, sub), contentType: MERGE_PATCH, body });

export const deleteWidget = (kc: KubeConfig, ns: string, name: string): Promise<unknown> => kubeRequest(kc, { method: 'DELETE', path: widgetPath(ns, name) });

/** Removes every widget of the namespace, finalizers first, so the shared apiserver stays tidy. */
export async function cleanupWidgets(kc: KubeConfig, ns: string): Promise<void> {
  const list = await kubeRequest<{ items: Widget[] }>(kc, { method: 'GET', path: widgets(ns) });
  for (const w of list.items) {
    if (w.metadata.finalizers?.length) await patchWidget(kc, ns, w.metadata.name, { metadata: { finalizers: null } }).catch(() => {});
  }
  await kubeRequest(kc, { method: 'DELETE', path: widgets(ns) }).catch(() => {});
}

/**
 * A cluster, a namespace of its own and a started, synced Manager whose one kind, Widget, runs
 * `reconcile` (made with the manager, for its cache) at concurrency 2; `stop` undoes it all.
 */
export async function widgetManager(
  prefix: string,
  reconcile: (manager: Manager, cluster: TestCluster, ns: string) => Reconcile,
): Promise<{ cluster: TestCluster; ns: string; manager: Manager; stop: () => Promise<void> }> {
  const cluster = await sharedOrPrivateCluster();
  const ns = await createNamespace(cluster.kc, prefix);
  const manager = new Manager({ kc: cluster.kc, logger: testLogger(), leaderElection: { enabled: false }, commandAnnotations: [] });
  manager.register({ kind: 'Widget', path: widgets(ns), concurrency: 2, reconcile: reconcile(manager, cluster, ns) });
  await manager.start();
  if (!(await manager.waitForSync(10_000))) throw new Error('informers did not sync');
  const stop = async (): Promise<void> => {
    await manager.stop(1_000);
    await cleanupWidgets(cluster.kc, ns);
    await cluster.stop();
  };
  return { cluster, ns, manager, stop };
}

/** Errors only by default; MRC_TEST_LOG_LEVEL=debug shows what the runtime did. */
export function testLogger(): Logger {
  return createLogger({ level: (process.env.MRC_TEST_LOG_LEVEL ?? 'error') as LogLevel, stream: process.stderr });
}

export { setTimeout as sleep } from 'node:timers/promises';

/** A copy of `kc` that talks to `server` instead (e.g. through a test proxy). */
export function withServer(kc: KubeConfig, server: string): KubeConfig {
  const out = new KubeConfig();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  out.loadFromOptions({
    clusters: [{ ...cluster, server }],
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return out;
}
