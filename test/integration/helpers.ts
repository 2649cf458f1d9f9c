// Shared helpers for integration tests: objects in the real apiserver, waits on status.
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { type AnyKind, API_VERSION, type Condition } from '../../src/api/types.ts';
import { waitFor } from '../env/ports.ts';

export type Obj = KubernetesObject & { spec?: any; status?: any; metadata: { name: string; namespace?: string; [k: string]: any } };

export class Kube {
  readonly api: KubernetesObjectApi;
  constructor(readonly kc: KubeConfig) {
    this.api = KubernetesObjectApi.makeApiClient(kc);
  }

  async ensureNamespace(name: string): Promise<void> {
    await this.api.patch({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, undefined, undefined, 'tests', true, PatchStrategy.ServerSideApply);
  }

  /** Server-side apply (what kubectl apply --server-side does). */
  apply<T extends Obj>(o: T): Promise<T> {
    return this.api.patch(o, undefined, undefined, 'tests', true, PatchStrategy.ServerSideApply) as Promise<T>;
  }

  /** Merge patch of a part of the object (e.g. spec fields, annotations). */
  mergePatch<T extends Obj>(ref: { kind: string; namespace: string; name: string; apiVersion?: string }, patch: Record<string, unknown>): Promise<T> {
    const { metadata, ...rest } = patch as { metadata?: Record<string, unknown> };
    return this.api.patch(
      { apiVersion: ref.apiVersion ?? API_VERSION, kind: ref.kind, ...rest, metadata: { ...metadata, name: ref.name, namespace: ref.namespace } },
      undefined,
      undefined,
      'tests',
      undefined,
      PatchStrategy.MergePatch,
    ) as Promise<T>;
  }

  async get<T extends Obj = Obj>(kind: string, namespace: string, name: string, apiVersion = API_VERSION): Promise<T | undefined> {
    try {
      return (await this.api.read({ apiVersion, kind, metadata: { name, namespace } })) as T;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  }

  async delete(kind: string, namespace: string, name: string, apiVersion = API_VERSION): Promise<void> {
    try {
      await this.api.delete({ apiVersion, kind, metadata: { name, namespace } });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
  }

  /** Removes every object of a kind in a namespace without a controller (finalizers dropped): between tests only. */
  async purge(kind: string, namespace: string, apiVersion = API_VERSION): Promise<void> {
    const list = (await this.api.list(apiVersion, kind, namespace)) as unknown as { items: Obj[] };
    for (const o of list.items) {
      if (o.metadata.finalizers?.length) await this.mergePatch({ kind, namespace, name: o.metadata.name, apiVersion }, { metadata: { finalizers: null } });
      await this.delete(kind, namespace, o.metadata.name, apiVersion);
    }
  }

  async waitGone(kind: string, namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(`${kind} ${namespace}/${name} gone`, async () => (await this.get(kind, namespace, name)) === undefined, timeoutMs, 250);
  }

  /** Waits until `pred` holds on the object, returning it. The error shows the last status seen. */
  async waitFor<T extends Obj = Obj>(kind: string, namespace: string, name: string, what: string, pred: (o: T) => boolean, timeoutMs = 60_000): Promise<T> {
    let last: T | undefined;
    try {
      await waitFor(
        `${kind} ${namespace}/${name}: ${what}`,
        async () => {
          last = await this.get<T>(kind, namespace, name);
          return !!last && pred(last);
        },
        timeoutMs,
        250,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\nlast status: ${JSON.stringify(last?.status, null, 1)?.slice(0, 4000)}`);
    }
    return last!;
  }

  waitCondition<T extends Obj = Obj>(
    kind: string,
    namespace: string,
    name: string,
    type: string,
    status: 'True' | 'False',
    reason?: string,
    timeoutMs = 60_000,
  ): Promise<T> {
    return this.waitFor<T>(
      kind,
      namespace,
      name,
      `${type}=${status}${reason ? ` (${reason})` : ''}`,
      (o) => {
        const c = condition(o, type);
        return !!c && c.status === status && (!reason || c.reason === reason) && (o.status?.observedGeneration ?? 0) >= (o.metadata.generation ?? 0);
      },
      timeoutMs,
    );
  }

  async events(namespace: string, name: string): Promise<Array<{ reason: string; message: string; type: string; count?: number }>> {
    const list = (await this.api.list('v1', 'Event', namespace)) as unknown as {
      items: Array<{ reason: string; message: string; type: string; count?: number; involvedObject: { name: string } }>;
    };
    return list.items.filter((e) => e.involvedObject.name === name);
  }
}

export const condition = (o: Obj | AnyKind, type: string): Condition | undefined =>
  (o.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);

/** A DNS-1123 name unique within the run. */
let seq = 0;
export const uniqueName = (prefix: string): string => `${prefix}-${process.pid % 1000}-${++seq}`;

/** Runs `fn` over `items` `size` at a time: many objects applied at once without one burst. */
export async function inChunks<T>(items: T[], size: number, fn: (t: T, i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map((t, j) => fn(t, i + j)));
}
