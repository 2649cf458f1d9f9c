// The connection Secret applications read the writer from (host, port, region, role, engine),
// in the policy's own namespace. Values are never logged.
//
// Ownership: the Secret carries an ownerReference to its FailoverPolicy (controller: true), so
// Kubernetes' garbage collector removes it with the policy. A Secret of that name that is not
// ours is never written: the database half stops with ConnectionSecretConflict and says how to
// hand it over. One an earlier version of the controller wrote (our labels, no controller
// reference) is adopted: the next write adds the reference, and the caller says so in an Event.
//
// Keys: spec.database.connectionSecret.keys renames the written keys (host → DATABASE_HOST), so
// a workload can take the whole Secret with envFrom. Annotations: multiregion.dev/active-region
// (the writer's region) and multiregion.dev/revision, a hash of the written data: it changes
// exactly when the data does, so apps that watch the Secret, and the rollout (rollout.ts), know
// when to act. A Secret whose keys or annotations are not what this spec writes reads as stale,
// so the machine writes it again (the same data gives the same revision: nothing is rolled).
//
// RBAC: the controller may hold Secret rights only in the namespaces an operator listed
// (Helm value rbac.secretNamespaces); a 403 becomes ConnectionSecretForbidden, which says so.
// Verbs used: get (read, and the ownership check before a write), create, patch (server-side
// apply). Never list or watch.
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, CONNECTION_SECRET_KEYS, type ConnectionSecretSpec } from '../../api/types.ts';
import { httpStatusOf, isConflict, isNotFound, kubeRequest, MERGE_PATCH } from '../../runtime/kube-request.ts';
import { SyncError } from '../shared/sync-error.ts';

export const APPLY_PATCH = 'application/apply-patch+yaml';
const FIELD_MANAGER = 'multiregion-controller';
const FIELD = 'spec.database.connectionSecret.name';

/** The labels every connection Secret carries; an earlier version marked its Secrets with them alone. */
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'multiregion-controller' } as const;
export const POLICY_LABEL = 'multiregion.dev/failover-policy';
/** The writer's region, for apps that watch the Secret. */
export const ACTIVE_REGION_ANNOTATION = 'multiregion.dev/active-region';
/** A hash of the written data: changes exactly when the data changes. */
export const REVISION_ANNOTATION = 'multiregion.dev/revision';

export type KeyRenames = ConnectionSecretSpec['keys'];

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
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  managedFields?: Array<{ manager?: string; fieldsV1?: { 'f:data'?: Record<string, unknown> } }>;
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

/** The policy a connection Secret belongs to (its ownerReference). */
export const secretPolicyOf = (obj: { metadata: { namespace: string; name: string; uid?: string } }): SecretPolicy => ({
  namespace: obj.metadata.namespace,
  name: obj.metadata.name,
  uid: obj.metadata.uid ?? '',
});

/** The reference the Secret carries to its policy. blockOwnerDeletion needs update on failoverpolicies/finalizers (the ClusterRole has it). */
export function ownerReferenceTo(policy: Pick<SecretPolicy, 'name' | 'uid'>): OwnerReference {
  return { apiVersion: API_VERSION, kind: 'FailoverPolicy', name: policy.name, uid: policy.uid, controller: true, blockOwnerDeletion: true };
}

/** The data as written: each key under its (renamed) name, values as given. */
export function writtenData(data: ConnectionData, keys: KeyRenames = {}): Record<string, string> {
  return Object.fromEntries(CONNECTION_SECRET_KEYS.map((k) => [keys[k] ?? k, data[k]]));
}

/** The revision of written data (plain values): a hash of the sorted key/value pairs. */
export function revisionOf(written: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(written).sort()) h.update(`${k}\0${written[k]}\0`);
  return h.digest('hex').slice(0, 16);
}

/** The plain values of our keys in a stored Secret (undefined: one is missing). */
function storedWritten(s: StoredSecret, keys: KeyRenames = {}): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const k of CONNECTION_SECRET_KEYS) {
    const v = s.data?.[keys[k] ?? k];
    if (v === undefined) return undefined;
    out[keys[k] ?? k] = Buffer.from(v, 'base64').toString('utf8');
  }
  return out;
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
  keys?: KeyRenames,
): Promise<{ host?: string; region?: string; revision?: string } | undefined> {
  const s = await getSecret(kc, policy.namespace, name, signal);
  if (!s || claimOf(s.metadata, policy) !== 'Ours') return undefined;
  const written = storedWritten(s, keys);
  const revision = written && revisionOf(written);
  const a = s.metadata.annotations ?? {};
  // Keys under other names (or old names not removed yet), or annotations not (yet) written:
  // stale, so the machine writes it (no host), and the write puts it right.
  if (!written || staleKeys(s, written).length > 0 || a[REVISION_ANNOTATION] !== revision || a[ACTIVE_REGION_ANNOTATION] !== written[keys?.region ?? 'region'])
    return {};
  return { host: written[keys?.host ?? 'host']!, region: written[keys?.region ?? 'region']!, revision: revision! };
}

/** The revision of the data our Secret holds now (undefined: none of ours, or a key missing), for the rollout. */
export async function connectionSecretRevision(
  kc: KubeConfig,
  policy: SecretPolicy,
  name: string,
  keys: KeyRenames,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const s = await getSecret(kc, policy.namespace, name, signal);
  if (!s || claimOf(s.metadata, policy) !== 'Ours') return undefined;
  const written = storedWritten(s, keys);
  return written && revisionOf(written);
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
  keys?: KeyRenames,
): Promise<SecretWrite> {
  const { namespace } = policy;
  const written = writtenData(data, keys);
  const b64 = Object.fromEntries(Object.entries(written).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  const annotations = { [ACTIVE_REGION_ANNOTATION]: data.region, [REVISION_ANNOTATION]: revisionOf(written) };
  const desired = (meta: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { [MANAGED_BY.key]: MANAGED_BY.value, [POLICY_LABEL]: policy.name },
      annotations,
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
    const applied = await kubeRequest<StoredSecret>(kc, {
      method: 'PATCH',
      path: secretPath(namespace, name),
      query: { fieldManager: FIELD_MANAGER, force: true },
      contentType: APPLY_PATCH,
      body: desired({ resourceVersion: existing.metadata.resourceVersion }),
      ...(signal && { signal }),
    });
    await dropRenamedKeys(kc, namespace, name, applied, written, signal);
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

/** Keys of the Secret that we wrote (managedFields) and that are not among those written now. */
function staleKeys(s: StoredSecret, written: Record<string, string>): string[] {
  const ours = new Set<string>();
  for (const m of s.metadata.managedFields ?? [])
    if (m.manager === FIELD_MANAGER) for (const f of Object.keys(m.fieldsV1?.['f:data'] ?? {})) if (f.startsWith('f:')) ours.add(f.slice(2));
  return [...ours].filter((k) => !(k in written) && s.data?.[k] !== undefined);
}

/**
 * Keys we wrote under an earlier name (a rename in spec.database.connectionSecret.keys) go. A
 * server-side apply drops what the same manager applied before, but not what it wrote with the
 * create (an Update entry of the same manager): those are removed here, with the resourceVersion
 * just written as a precondition. Keys other managers own are never touched.
 */
async function dropRenamedKeys(
  kc: KubeConfig,
  namespace: string,
  name: string,
  s: StoredSecret,
  written: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  const stale = staleKeys(s, written);
  if (stale.length === 0) return;
  await kubeRequest(kc, {
    method: 'PATCH',
    path: secretPath(namespace, name),
    query: { fieldManager: FIELD_MANAGER },
    contentType: MERGE_PATCH,
    body: { metadata: { resourceVersion: s.metadata.resourceVersion }, data: Object.fromEntries(stale.map((k) => [k, null])) },
    ...(signal && { signal }),
  });
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
