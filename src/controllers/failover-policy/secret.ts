// The connection Secret applications read the writer from (host, port, region, role, engine),
// in the policy's own namespace. Written with server-side apply under our field manager, so
// keys other tools add stay theirs. Values are never logged.
import type { KubeConfig } from '@kubernetes/client-node';
import { isNotFound, kubeRequest } from '../../runtime/kube-request.ts';

export const APPLY_PATCH = 'application/apply-patch+yaml';
const FIELD_MANAGER = 'multiregion-controller';

export interface ConnectionData {
  host: string;
  port: string;
  region: string;
  role: string;
  engine: string;
}

const secretPath = (namespace: string, name: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;

/** What the Secret names now (undefined: no Secret). */
export async function readConnectionSecret(
  kc: KubeConfig,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<{ host?: string; region?: string } | undefined> {
  let s: { data?: Record<string, string> };
  try {
    s = await kubeRequest<{ data?: Record<string, string> }>(kc, { method: 'GET', path: secretPath(namespace, name), ...(signal && { signal }) });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const get = (k: string): string | undefined => (s.data?.[k] !== undefined ? Buffer.from(s.data[k], 'base64').toString('utf8') : undefined);
  const host = get('host');
  const region = get('region');
  return { ...(host !== undefined && { host }), ...(region !== undefined && { region }) };
}

export async function writeConnectionSecret(
  kc: KubeConfig,
  namespace: string,
  name: string,
  data: ConnectionData,
  labels: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  const b64 = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  await kubeRequest(kc, {
    method: 'PATCH',
    path: secretPath(namespace, name),
    query: { fieldManager: FIELD_MANAGER, force: true },
    contentType: APPLY_PATCH,
    body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels }, type: 'Opaque', data: b64 },
    ...(signal && { signal }),
  });
}
