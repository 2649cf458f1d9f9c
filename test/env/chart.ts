// Installing the Helm chart's rendered manifests into the local apiserver, the way a user
// without a cluster-side Helm does (`helm template | kubectl apply --server-side`), and a
// kubeconfig for the chart's ServiceAccount (a real token from the TokenRequest API), so the
// controller runs with exactly the chart's RBAC.
import { writeFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import { helmTemplate, type K8sObject } from '../unit/packaging-tools.ts';

export const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

const COLLECTION: Record<string, (ns?: string) => string> = {
  Namespace: () => '/api/v1/namespaces',
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  ConfigMap: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  Service: (ns) => `/api/v1/namespaces/${ns}/services`,
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  PodDisruptionBudget: (ns) => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`,
  CustomResourceDefinition: () => '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
};

/** Server-side applies the chart's objects of the given kinds (all it renders by default). */
export async function applyChart(kc: KubeConfig, kinds?: string[], extra: string[] = []): Promise<K8sObject[]> {
  const objs = helmTemplate(extra).filter((o) => !kinds || kinds.includes(o.kind));
  for (const o of objs) {
    const path = COLLECTION[o.kind];
    if (!path) throw new Error(`applyChart: no collection path known for ${o.kind}`);
    await kubeRequest(kc, {
      method: 'PATCH',
      path: `${path(o.metadata.namespace)}/${o.metadata.name}`,
      query: { fieldManager: 'helm', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: o,
    });
  }
  return objs;
}

/** Writes a kubeconfig to `path` that authenticates as the ServiceAccount with a minted token. */
export async function serviceAccountKubeconfig(admin: KubeConfig, ns: string, sa: string, path: string): Promise<KubeConfig> {
  const tr = await kubeRequest<{ status: { token: string } }>(admin, {
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 86400 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: 'local' }],
    users: [{ name: sa, token: tr.status.token }],
    contexts: [{ name: 'sa', cluster: 'local', user: sa, namespace: ns }],
    currentContext: 'sa',
  });
  writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
  return kc;
}
