// The CLI's few calls to the apiserver, through the runtime's one door (kubeRequest), so merge
// patches carry their content type and status comes back as the raw JSON the apiserver sent.
import { KubeConfig } from '@kubernetes/client-node';
import { collectionPath, type KindInfo } from '../api/types.ts';
import { kubeRequest, MERGE_PATCH } from '../runtime/kube-request.ts';

/** Server-side apply's content type (JSON is YAML). */
export const APPLY_PATCH = 'application/apply-patch+yaml';

import { UsageError } from './errors.ts';
import { objectPath } from './kinds.ts';

// biome-ignore lint/suspicious/noExplicitAny: the CLI reads arbitrary apiserver JSON and prints fields by path
export type Json = Record<string, any>;

/**
 * `--kubeconfig` when given, else what kubectl would use ($KUBECONFIG, ~/.kube/config, in-cluster);
 * `--context` picks one of its contexts, as kubectl's does.
 */
export function loadKubeConfig(path?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (context !== undefined) {
    const known = kc.getContexts().map((c) => c.name);
    if (!known.includes(context)) throw new UsageError(`--context: no context "${context}" in the kubeconfig (it has: ${known.join(', ') || 'none'})`);
    kc.setCurrentContext(context);
  }
  return kc;
}

/** Namespace of the current context, as kubectl defaults it. */
export function contextNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

export class CliClient {
  constructor(readonly kc: KubeConfig) {}

  async list(k: KindInfo, namespace?: string): Promise<Json[]> {
    const r = await kubeRequest<{ items: Json[] }>(this.kc, { method: 'GET', path: collectionPath(k, namespace) });
    return r.items.map((o) => ({ ...o, kind: o.kind ?? k.kind }));
  }

  get(k: KindInfo, namespace: string, name: string): Promise<Json> {
    return kubeRequest<Json>(this.kc, { method: 'GET', path: objectPath(k, namespace, name) });
  }

  mergePatch(k: KindInfo, namespace: string, name: string, patch: Json): Promise<Json> {
    return kubeRequest<Json>(this.kc, { method: 'PATCH', path: objectPath(k, namespace, name), contentType: MERGE_PATCH, body: patch });
  }

  /**
   * Server-side apply of `body` (the caller's whole intent for this object) under `fieldManager`,
   * forced: the fields in it become that manager's, taken from whoever owned them (a GitOps
   * controller's apply included), and fields it owned before and left out are removed.
   */
  apply(k: KindInfo, namespace: string, name: string, body: Json, fieldManager: string): Promise<Json> {
    return kubeRequest<Json>(this.kc, {
      method: 'PATCH',
      path: objectPath(k, namespace, name),
      query: { fieldManager, force: true },
      contentType: APPLY_PATCH,
      body,
    });
  }

  /** Sets (string) or removes (null) one annotation. */
  annotate(k: KindInfo, namespace: string, name: string, key: string, value: string | null): Promise<Json> {
    return this.mergePatch(k, namespace, name, { metadata: { annotations: { [key]: value } } });
  }
}
