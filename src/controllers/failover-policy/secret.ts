// The connection Secret applications read the writer from (host, port, region, role, engine),
// in the policy's own namespace. Values are never logged.
//
// Ownership: the Secret carries an ownerReference to its FailoverPolicy (controller: true), so
// Kubernetes' garbage collector removes it with the policy. A Secret of that name that is not
// ours is never written: the database half stops with ConnectionSecretConflict and says how to
// hand it over. One an earlier version of the controller wrote (our labels, no controller
// reference) is adopted: the next write adds the reference, and the caller says so in an Event.
//
// RBAC: the controller may hold Secret rights only in the namespaces an operator listed
// (Helm value rbac.secretNamespaces); a 403 becomes ConnectionSecretForbidden, which says so.
// Verbs used: get (read, and the ownership check before a write), create, patch (server-side
// apply). Never list or watch.
import type { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION } from '../../api/types.ts';
import { httpStatusOf, isConflict, isNotFound, kubeRequest } from '../../runtime/kube-request.ts';
import { SyncError } from '../shared/sync-error.ts';

export const APPLY_PATCH = 'application/apply-patch+yaml';
const FIELD_MANAGER = 'multiregion-controller';
const FIELD = 'spec.database.connectionSecret.name';

/** The labels every connection Secret carries; an earlier version marked its Secrets with them alone. */
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'multiregion-controller' } as const;
export const POLICY_LABEL = 'multiregion.dev/failover-policy';

export interface ConnectionData {
  host: string;
  port: string;
  region: string;
  role: string;
  engine: string;
}

/** The FailoverPolicy a Secret belongs to. */
export interface SecretPolicy {
  namespace: string;
  name: string;
  uid: string;
}

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface SecretMeta {
  resourceVersion?: string;
  labels?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

interface StoredSecret {
  metadata: SecretMeta;
  data?: Record<string, string>;
}

/**
 * Whose a stored Secret is, for `policy`:
 * - Ours: it names this policy (this uid) as its controller;
 * - Legacy: no controller at all, and our labels for this policy's name (written before Secrets
 *   carried an ownerReference, or handed over by the user with those labels);
 * - Foreign: anything else, including one another object controls. Never written.
 */
export function claimOf(meta: SecretMeta, policy: Pick<SecretPolicy, 'name' | 'uid'>): 'Ours' | 'Legacy' | 'Foreign' {
  const controller = (meta.ownerReferences ?? []).find((r) => r.controller === true);
  if (controller)
    return controller.uid === policy.uid && controller.kind === 'FailoverPolicy' && controller.apiVersion.startsWith('multiregion.dev/') ? 'Ours' : 'Foreign';
  const labels = meta.labels ?? {};
  return labels[MANAGED_BY.key] === MANAGED_BY.value && labels[POLICY_LABEL] === policy.name ? 'Legacy' : 'Foreign';
}

/** The reference the Secret carries to its policy. blockOwnerDeletion needs update on failoverpolicies/finalizers (the ClusterRole has it). */
export function ownerReferenceTo(policy: Pick<SecretPolicy, 'name' | 'uid'>): OwnerReference {
  return { apiVersion: API_VERSION, kind: 'FailoverPolicy', name: policy.name, uid: policy.uid, controller: true, blockOwnerDeletion: true };
}

const secretPath = (namespace: string, name?: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

/** A 403 on the Secret, as a condition that names the field and the fix; anything else unchanged. */
function explainForbidden(err: unknown, verb: string, namespace: string, name: string): unknown {
  if (httpStatusOf(err) !== 403) return err;
  const said = err instanceof Error ? err.message : String(err);
  return new SyncError(
    `the controller is not allowed to ${verb} Secret ${namespace}/${name} (403 Forbidden: ${said}). ` +
      `Grant it Secrets in namespace "${namespace}": add the namespace to the Helm value rbac.secretNamespaces ` +
      '(kustomize: the Role of deploy/connection-secrets in that namespace). The database half retries on its own once allowed.',
    'ConnectionSecretForbidden',
    FIELD,
    false,
    { cause: err },
  );
}

async function getSecret(kc: KubeConfig, namespace: string, name: string, signal?: AbortSignal): Promise<StoredSecret | undefined> {
  try {
    return await kubeRequest<StoredSecret>(kc, { method: 'GET', path: secretPath(namespace, name), ...(signal && { signal }) });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw explainForbidden(err, 'get', namespace, name);
  }
}

/**
 * What this policy's Secret names now. Undefined when there is none of ours (none at all, a
 * foreign one, or one still to adopt): the machine then asks for a write, and the write either
 * makes it ours or says why it may not.
 */
export async function readConnectionSecret(
  kc: KubeConfig,
  policy: SecretPolicy,
  name: string,
  signal?: AbortSignal,
): Promise<{ host?: string; region?: string } | undefined> {
  const s = await getSecret(kc, policy.namespace, name, signal);
  if (!s || claimOf(s.metadata, policy) !== 'Ours') return undefined;
  const get = (k: string): string | undefined => (s.data?.[k] !== undefined ? Buffer.from(s.data[k], 'base64').toString('utf8') : undefined);
  const host = get('host');
  const region = get('region');
  return { ...(host !== undefined && { host }), ...(region !== undefined && { region }) };
}

export type SecretWrite = 'Created' | 'Updated' | 'Adopted';

/**
 * Writes the Secret: created when absent (a create, which fails rather than overwrite one made
 * meanwhile), otherwise server-side applied under our field manager, so keys other tools add
 * stay theirs, with the resourceVersion read as a precondition (a Secret replaced between the
 * check and the write is not written). A Secret that is not ours is left alone (SyncError).
 */
export async function writeConnectionSecret(
  kc: KubeConfig,
  policy: SecretPolicy,
  name: string,
  data: ConnectionData,
  signal?: AbortSignal,
): Promise<SecretWrite> {
  const { namespace } = policy;
  const b64 = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  const desired = (meta: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { [MANAGED_BY.key]: MANAGED_BY.value, [POLICY_LABEL]: policy.name },
      ownerReferences: [ownerReferenceTo(policy)],
      ...meta,
    },
    type: 'Opaque',
    data: b64,
  });
  const existing = await getSecret(kc, namespace, name, signal);
  const claim = existing && claimOf(existing.metadata, policy);
  if (claim === 'Foreign') throw conflictError(namespace, name, policy.name);
  try {
    if (!existing) {
      await kubeRequest(kc, {
        method: 'POST',
        path: secretPath(namespace),
        query: { fieldManager: FIELD_MANAGER },
        body: desired({}),
        ...(signal && { signal }),
      });
      return 'Created';
    }
    await kubeRequest(kc, {
      method: 'PATCH',
      path: secretPath(namespace, name),
      query: { fieldManager: FIELD_MANAGER, force: true },
      contentType: APPLY_PATCH,
      body: desired({ resourceVersion: existing.metadata.resourceVersion }),
      ...(signal && { signal }),
    });
    return claim === 'Legacy' ? 'Adopted' : 'Updated';
  } catch (err) {
    // Made or changed by someone else since the read: the next pass reads again and decides again.
    if (isConflict(err))
      throw new SyncError(
        `Secret ${namespace}/${name} changed while being written; it is read again on the next pass`,
        'ConnectionSecretChanged',
        FIELD,
        false,
        { cause: err },
      );
    throw explainForbidden(err, existing ? 'patch' : 'create', namespace, name);
  }
}

function conflictError(namespace: string, name: string, policy: string): SyncError {
  return new SyncError(
    `Secret ${namespace}/${name} exists and does not belong to this FailoverPolicy (no ownerReference to it), so it is left unchanged ` +
      'and applications reading it are not pointed at the writer. Delete it, or name another Secret here; ' +
      `or hand it over: kubectl label secret -n ${namespace} ${name} ${MANAGED_BY.key}=${MANAGED_BY.value} ${POLICY_LABEL}=${policy}`,
    'ConnectionSecretConflict',
    FIELD,
  );
}
