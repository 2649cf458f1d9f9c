// One thin door to the Kubernetes API for the runtime's own calls (list, status, finalizers,
// events, leases). It reuses client-node's auth and TLS (applySecurityAuthentication sets the
// headers and the undici dispatcher) and its HTTP library, so every kubeconfig form client-node
// understands works here, while we keep control of content types and raw JSON (no
// ObjectSerializer rewriting of unknown fields or MicroTime values).
import { HttpMethod, IsomorphicFetchHttpLibrary, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { noteWrite } from './own-writes.ts';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Required for PATCH: the apiserver picks the patch semantics from it. */
  contentType?: string;
  signal?: AbortSignal;
}

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

/** A non-2xx answer from the apiserver, carrying the `Status` object it sent when there was one. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status?: unknown,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** HTTP status of a failed Kubernetes call: ours or client-node's ApiException (both use `code`). */
export function httpStatusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
export const isNotFound = (err: unknown): boolean => httpStatusOf(err) === 404;
export const isConflict = (err: unknown): boolean => httpStatusOf(err) === 409;
export const isGone = (err: unknown): boolean => httpStatusOf(err) === 410;

const http = new IsomorphicFetchHttpLibrary();

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;
/**
 * One connection pool per kubeconfig context and server. client-node builds a new undici Agent
 * for every request, so every call opened its own TLS connection (a handshake and a TLS
 * context per call, left to idle out): CPU, and native memory that is not given back.
 * Headers (the bearer token, which may rotate) are still applied per request.
 */
const pools = new WeakMap<KubeConfig, Map<string, Dispatcher>>();

function sharedDispatcher(kc: KubeConfig, server: string, fresh: Dispatcher): Dispatcher {
  let byKey = pools.get(kc);
  if (!byKey) pools.set(kc, (byKey = new Map()));
  const key = `${kc.getCurrentContext()}|${server}`;
  const pooled = byKey.get(key);
  if (pooled) return pooled;
  byKey.set(key, fresh);
  return fresh;
}

export async function kubeRequest<T = unknown>(kc: KubeConfig, req: KubeRequest): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const ctx = new RequestContext(cluster.server + req.path, HttpMethod[req.method]);
  for (const [k, v] of Object.entries(req.query ?? {})) {
    if (v !== undefined) ctx.setQueryParam(k, String(v));
  }
  ctx.setHeaderParam('Accept', 'application/json');
  if (req.body !== undefined) {
    ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
    ctx.setBody(JSON.stringify(req.body));
  }
  if (req.signal) ctx.setSignal(req.signal);
  await kc.applySecurityAuthentication(ctx);
  const fresh = ctx.getDispatcher();
  if (fresh) ctx.setDispatcher(sharedDispatcher(kc, cluster.server, fresh));

  const res = await http.send(ctx).toPromise();
  const text = await res.body.text();
  const parsed = parseJson(text);
  if (res.httpStatusCode >= 200 && res.httpStatusCode < 300) {
    noteWrite(req.method, req.path, parsed);
    return parsed as T;
  }

  const status = parsed as { reason?: string; message?: string } | undefined;
  const reason = status?.reason ?? `HTTP${res.httpStatusCode}`;
  const detail = status?.message ?? text.slice(0, 300);
  throw new KubeApiError(res.httpStatusCode, reason, `${req.method} ${req.path}: ${res.httpStatusCode} ${reason}: ${detail}`, parsed);
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
