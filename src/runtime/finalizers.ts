// Finalizers: pure list helpers, and the two API calls. The patch carries the resourceVersion
// the decision was made on: a merge patch replaces the whole list, so without the precondition
// a concurrent change by another controller (its own finalizer) could be lost. A 409 surfaces
// to the reconcile, which retries on fresh data.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObjectLike } from './kube-object.ts';
import { objectPath } from './kube-object.ts';
import { kubeRequest, MERGE_PATCH } from './kube-request.ts';

export const hasFinalizer = (obj: { metadata: { finalizers?: string[] } }, f: string): boolean => (obj.metadata.finalizers ?? []).includes(f);

export const withFinalizer = (list: readonly string[] | undefined, f: string): string[] =>
  (list ?? []).includes(f) ? [...(list ?? [])] : [...(list ?? []), f];

export const withoutFinalizer = (list: readonly string[] | undefined, f: string): string[] => (list ?? []).filter((x) => x !== f);

/** Adds `f` unless present. Returns the object as stored after the call (new resourceVersion). */
export async function addFinalizer<T extends KubeObjectLike>(kc: KubeConfig, collectionPath: string, obj: T, f: string, signal?: AbortSignal): Promise<T> {
  if (hasFinalizer(obj, f)) return obj;
  return patchFinalizers(kc, collectionPath, obj, withFinalizer(obj.metadata.finalizers, f), signal);
}

/** Removes `f` if present. Returns the object as stored after the call. */
export async function removeFinalizer<T extends KubeObjectLike>(kc: KubeConfig, collectionPath: string, obj: T, f: string, signal?: AbortSignal): Promise<T> {
  if (!hasFinalizer(obj, f)) return obj;
  return patchFinalizers(kc, collectionPath, obj, withoutFinalizer(obj.metadata.finalizers, f), signal);
}

function patchFinalizers<T extends KubeObjectLike>(kc: KubeConfig, collectionPath: string, obj: T, finalizers: string[], signal?: AbortSignal): Promise<T> {
  return kubeRequest<T>(kc, {
    method: 'PATCH',
    path: objectPath(collectionPath, obj.metadata.namespace, obj.metadata.name),
    contentType: MERGE_PATCH,
    body: { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } },
    signal,
  });
}
