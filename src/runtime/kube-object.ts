// The slice of a Kubernetes object the runtime reads, and how objects map to keys and URLs.
import { keyString } from './reconciler.ts';

export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

/**
 * What the runtime reads of any object. Typed kinds declared as interfaces (which have no index
 * signature, so they are not KubeObjects) fit it, so the runtime's generics take them as they are.
 */
export interface KubeObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
}

/** An object whose other fields are read untyped. */
export interface KubeObject extends KubeObjectLike {
  [field: string]: unknown;
}

/** Work-queue key of an object: `namespace/name` (`/name` for cluster-scoped objects). */
export const objectKey = (o: { metadata: { name: string; namespace?: string } }): string =>
  keyString({ namespace: o.metadata.namespace ?? '', name: o.metadata.name });

/**
 * URL path of one object from the collection path the informer watches, e.g.
 * `/apis/g/v1/widgets` + (ns, name, 'status') → `/apis/g/v1/namespaces/ns/widgets/name/status`.
 * Works for core (`/api/v1/secrets`) and cluster-scoped (empty namespace) collections too.
 */
export function objectPath(collectionPath: string, namespace: string | undefined, name: string, subresource?: string): string {
  const trimmed = collectionPath.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  const prefix = trimmed.slice(0, cut);
  const plural = trimmed.slice(cut + 1);
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const sub = subresource ? `/${subresource}` : '';
  return `${prefix}${ns}/${plural}/${encodeURIComponent(name)}${sub}`;
}

/** Freezes an object and everything inside it, so the informer cache can't be mutated by callers. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
