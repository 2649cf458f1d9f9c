// The workloads a connection Secret's change rolls (rollout.ts): Deployments, StatefulSets and
// DaemonSets (apps/v1) in the policy's own namespace. Verbs: get (a listed one), list (by the
// label selector, only when one is given) and patch (the pod-template annotations, a JSON merge
// patch, as `kubectl rollout restart` does). Nothing else, nowhere else.
import type { KubeConfig } from '@kubernetes/client-node';
import type { LabelSelector, WorkloadRef } from '../../api/types.ts';
import { kubeRequest, MERGE_PATCH } from '../../runtime/kube-request.ts';

export type WorkloadKind = WorkloadRef['kind'];
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

export interface Workload {
  kind: WorkloadKind;
  name: string;
  /** spec.template.metadata.annotations */
  templateAnnotations: Record<string, string>;
}

interface StoredWorkload {
  metadata: { name: string };
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
}

const plural = (kind: WorkloadKind): string => `${kind.toLowerCase()}s`;
const path = (namespace: string, kind: WorkloadKind, name?: string): string =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${plural(kind)}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

const toWorkload = (kind: WorkloadKind, o: StoredWorkload): Workload => ({
  kind,
  name: o.metadata.name,
  templateAnnotations: o.spec?.template?.metadata?.annotations ?? {},
});

export const workloadName = (w: Pick<Workload, 'kind' | 'name'>): string => `${w.kind}/${w.name}`;

export async function getWorkload(kc: KubeConfig, namespace: string, ref: WorkloadRef, signal?: AbortSignal): Promise<Workload> {
  return toWorkload(ref.kind, await kubeRequest<StoredWorkload>(kc, { method: 'GET', path: path(namespace, ref.kind, ref.name), ...(signal && { signal }) }));
}

/** The selector in its query form: `app=orders,tier in (web,api),!legacy`. */
export function selectorQuery(s: LabelSelector): string {
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'In' || e.operator === 'NotIn') parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
    else parts.push(e.operator === 'Exists' ? e.key : `!${e.key}`);
  }
  return parts.join(',');
}

export async function listWorkloads(kc: KubeConfig, namespace: string, kind: WorkloadKind, selector: LabelSelector, signal?: AbortSignal): Promise<Workload[]> {
  const list = await kubeRequest<{ items?: StoredWorkload[] }>(kc, {
    method: 'GET',
    path: path(namespace, kind),
    query: { labelSelector: selectorQuery(selector) },
    ...(signal && { signal }),
  });
  return (list.items ?? []).map((o) => toWorkload(kind, o));
}

/** Sets pod-template annotations: a new template, so the workload's controller rolls its pods. */
export async function patchTemplateAnnotations(
  kc: KubeConfig,
  namespace: string,
  ref: WorkloadRef,
  annotations: Record<string, string>,
  fieldManager: string,
  signal?: AbortSignal,
): Promise<void> {
  await kubeRequest(kc, {
    method: 'PATCH',
    path: path(namespace, ref.kind, ref.name),
    query: { fieldManager },
    contentType: MERGE_PATCH,
    body: { spec: { template: { metadata: { annotations } } } },
    ...(signal && { signal }),
  });
}
