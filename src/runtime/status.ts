// Writes `status` through the /status subresource, only when it changed. The comparison is
// against the object the reconcile started from, so an unchanged status costs no API call and
// produces no watch event (which would otherwise wake the other controllers for nothing).

import { isDeepStrictEqual } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { objectPath } from './kube-object.ts';
import { kubeRequest, MERGE_PATCH } from './kube-request.ts';
import { mergePatchFor, normalizeJson } from './merge-patch.ts';

export interface StatusTarget {
  metadata: { name: string; namespace?: string; generation?: number; resourceVersion?: string };
  status?: unknown;
}

export interface StatusWriteOptions {
  signal?: AbortSignal;
  /** Send metadata.resourceVersion so the write fails with 409 if the object moved on. */
  optimisticLock?: boolean;
}

/** The status to store: `status` with observedGeneration set to the object's generation. */
export function desiredStatus(obj: StatusTarget, status: Record<string, unknown>): Record<string, unknown> {
  const g = obj.metadata.generation;
  return g === undefined ? { ...status } : { ...status, observedGeneration: g };
}

/** True when writing `status` would change nothing (no field differs, none added or removed). */
export function statusUnchanged(obj: StatusTarget, status: Record<string, unknown>): boolean {
  return isDeepStrictEqual(normalizeJson(obj.status) ?? {}, normalizeJson(desiredStatus(obj, status)) ?? {});
}

export class StatusWriter {
  constructor(
    private readonly kc: KubeConfig,
    private readonly fieldManager = 'multiregion-controller',
  ) {}

  /**
   * Makes `obj`'s status equal to `status` (+ observedGeneration) with a JSON merge patch on
   * `<collectionPath>/…/<name>/status`. Returns false without calling the API when nothing changed.
   */
  async write(collectionPath: string, obj: StatusTarget, status: Record<string, unknown>, o: StatusWriteOptions = {}): Promise<boolean> {
    if (statusUnchanged(obj, status)) return false;
    const patch = mergePatchFor(obj.status ?? {}, desiredStatus(obj, status)) ?? {};
    const body: Record<string, unknown> = { status: patch };
    if (o.optimisticLock && obj.metadata.resourceVersion) body.metadata = { resourceVersion: obj.metadata.resourceVersion };
    await kubeRequest(this.kc, {
      method: 'PATCH',
      path: objectPath(collectionPath, obj.metadata.namespace, obj.metadata.name, 'status'),
      query: { fieldManager: this.fieldManager },
      contentType: MERGE_PATCH,
      body,
      signal: o.signal,
    });
    return true;
  }
}
