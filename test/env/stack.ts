// The shared test stack. `with-stack.ts` starts one apiserver + moto per test run and passes
// them to the test files through the environment; a test file run on its own starts its own.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import { startKube } from './kube.ts';
import { motoEnv, startMoto } from './moto.ts';
import { waitFor } from './ports.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Stack {
  kubeconfigPath: string;
  server: string;
  motoEndpoint: string;
  kc: KubeConfig;
  resetMoto(): Promise<void>;
  stop(): Promise<void>;
}

export const ENV = {
  kubeconfig: 'MRC_TEST_KUBECONFIG',
  server: 'MRC_TEST_SERVER',
  moto: 'MRC_TEST_MOTO',
} as const;

/** The run's shared stack when with-stack.ts started one, else a private one for this file. */
export async function getStack(): Promise<Stack> {
  const kubeconfigPath = process.env[ENV.kubeconfig];
  const server = process.env[ENV.server];
  const motoEndpoint = process.env[ENV.moto];
  if (kubeconfigPath && server && motoEndpoint) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    // Each test file starts clean: objects an earlier file left behind would otherwise be
    // reconciled by this file's controller and show up in its AWS counts.
    await purgeAll(kc);
    await resetMoto(motoEndpoint);
    return { kubeconfigPath, server, motoEndpoint, kc, resetMoto: () => resetMoto(motoEndpoint), stop: async () => {} };
  }
  const [kube, moto] = await Promise.all([startKube(), startMoto()]);
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath);
  try {
    await installCrds(kc);
  } catch (e) {
    await Promise.all([kube.stop(), moto.stop()]);
    throw e;
  }
  return {
    kubeconfigPath: kube.kubeconfigPath,
    server: kube.server,
    motoEndpoint: moto.endpoint,
    kc,
    resetMoto: moto.reset,
    async stop() {
      await Promise.all([kube.stop(), moto.stop()]);
    },
  };
}

/** Back-compat name used by some tests: the apiserver part of the stack. */
export async function startKubeShared(): Promise<{ kubeconfigPath: string; server: string; stop(): Promise<void> }> {
  const s = await getStack();
  return { kubeconfigPath: s.kubeconfigPath, server: s.server, stop: s.stop };
}

/** Removes every RegionPair, FailoverPolicy and ClientConnection in every namespace (finalizers dropped). */
export async function purgeAll(kc: KubeConfig): Promise<void> {
  for (const plural of ['clientconnections', 'failoverpolicies', 'regionpairs']) {
    const collection = `/apis/multiregion.dev/v1alpha1/${plural}`;
    const list = await kubeRequest<{ items: KubernetesObject[] }>(kc, { method: 'GET', path: collection });
    for (const o of list.items) {
      const path = `/apis/multiregion.dev/v1alpha1/namespaces/${o.metadata!.namespace}/${plural}/${o.metadata!.name}`;
      const gone = (e: unknown) => {
        if ((e as { code?: number }).code !== 404) throw e;
      };
      await kubeRequest(kc, { method: 'PATCH', path, contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } }).catch(gone);
      await kubeRequest(kc, { method: 'DELETE', path }).catch(gone);
    }
    await waitFor(
      `all ${plural} gone`,
      async () => (await kubeRequest<{ items: unknown[] }>(kc, { method: 'GET', path: collection })).items.length === 0,
      30_000,
    );
  }
}

async function resetMoto(endpoint: string): Promise<void> {
  const r = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!r.ok) throw new Error(`moto reset: HTTP ${r.status}`);
}

export function loadYamlObjects(path: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJSON())
    .filter(Boolean);
}

/**
 * Server-side applies the CRDs from crds/ and waits until they are Established. Sent raw: the
 * typed client-node serializer would drop enum, default and x-kubernetes-validations from a
 * CRD's schema (kubernetes-client/javascript#2483).
 */
export async function installCrds(kc: KubeConfig): Promise<void> {
  const { readdirSync } = await import('node:fs');
  const dir = join(repoRoot, 'crds');
  const crds = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => loadYamlObjects(join(dir, f)));
  for (const crd of crds) {
    await kubeRequest(kc, {
      method: 'PATCH',
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata!.name}`,
      query: { fieldManager: 'multiregion-tests', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: crd,
    });
  }
  for (const crd of crds) {
    await waitFor(
      `CRD ${crd.metadata?.name} Established`,
      async () => {
        const got = await kubeRequest<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(kc, {
          method: 'GET',
          path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata!.name}`,
        });
        return !!got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      30_000,
    );
    // Established comes before the storage is ready: until then lists answer 429.
    const { group, names, versions } = (crd as unknown as { spec: { group: string; names: { plural: string }; versions: Array<{ name: string }> } }).spec;
    await waitFor(
      `${names.plural} listable`,
      async () => {
        await kubeRequest(kc, { method: 'GET', path: `/apis/${group}/${versions[0]!.name}/${names.plural}`, query: { limit: 1 } });
        return true;
      },
      30_000,
    );
  }
}

export { motoEnv };
