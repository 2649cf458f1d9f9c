// Renders crds/*.yaml from the schemas in ./schemas (run: npm run gen:crds). The committed files
// are checked against this output by test/unit/api-crds.test.ts, so they never drift apart.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { accessPolicySchema } from './schemas/access-policy.ts';
import { clientConnectionSchema } from './schemas/client-connection.ts';
import type { Schema } from './schemas/common.ts';
import { failoverPolicySchema } from './schemas/failover-policy.ts';
import { regionPairSchema } from './schemas/region-pair.ts';
import { ACCESS_POLICY_KIND, GROUP, KINDS, type KindInfo, VERSION } from './types.ts';

/** A kind with a CRD: the three managed kinds, and AccessPolicy, which the controllers only read. */
export type CrdKind = Pick<KindInfo, 'plural' | 'singular' | 'shortNames'> & { kind: KindInfo['kind'] | typeof ACCESS_POLICY_KIND.kind };

/** Every CRD this project ships. */
export const CRD_KINDS: readonly CrdKind[] = [...KINDS, { ...ACCESS_POLICY_KIND, shortNames: [...ACCESS_POLICY_KIND.shortNames] }];

interface PrinterColumn {
  name: string;
  type: 'string' | 'date' | 'integer';
  jsonPath: string;
  description: string;
  priority?: number;
}

const condition = (type: string, description: string, priority?: number): PrinterColumn => ({
  name: type,
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
  description,
  ...(priority !== undefined && { priority }),
});
const READY = condition('Ready', 'Everything converged in AWS.');
const SYNCED = condition('Synced', 'The last reconcile reached AWS without error.', 1);
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' };

const PER_KIND: Record<CrdKind['kind'], { schema: () => Schema; columns: PrinterColumn[]; clusterScoped?: boolean }> = {
  RegionPair: {
    schema: regionPairSchema,
    columns: [
      { name: 'Primary', type: 'string', jsonPath: '.spec.primary.region', description: 'Primary region.' },
      { name: 'Secondary', type: 'string', jsonPath: '.spec.secondary.region', description: 'Secondary region.' },
      { name: 'Peering', type: 'string', jsonPath: '.status.peering.state', description: 'State of the TGW peering attachment.' },
      READY,
      SYNCED,
      AGE,
    ],
  },
  FailoverPolicy: {
    schema: failoverPolicySchema,
    columns: [
      { name: 'Active', type: 'string', jsonPath: '.status.activeRegion', description: 'Region serving traffic now.' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Failover phase.' },
      condition('FailoverReady', 'The standby could take over now.'),
      READY,
      SYNCED,
      AGE,
    ],
  },
  ClientConnection: {
    schema: clientConnectionSchema,
    columns: [
      { name: 'Pair', type: 'string', jsonPath: '.spec.regionPairRef.name', description: 'RegionPair the client connects into.' },
      { name: 'Side', type: 'string', jsonPath: '.spec.side', description: 'Side of the pair.' },
      READY,
      SYNCED,
      AGE,
    ],
  },
  // Read, never reconciled: no status, so no status subresource and no condition columns.
  AccessPolicy: {
    schema: accessPolicySchema,
    clusterScoped: true,
    columns: [
      { name: 'Namespaces', type: 'string', jsonPath: '.spec.namespaces', description: 'Namespaces covered by name.' },
      { name: 'Selector', type: 'string', jsonPath: '.spec.namespaceSelector', description: 'Namespaces covered by label selector.', priority: 1 },
      { name: 'Accounts', type: 'string', jsonPath: '.spec.accounts', description: 'AWS accounts whose roles the namespaces may use.' },
      AGE,
    ],
  },
};

export const CATEGORIES = ['multiregion'];

/**
 * Deleting a CRD deletes every object of its kind, and with them the finalizers that guard the AWS
 * resources: Helm must keep the CRDs on uninstall, and Argo CD must never prune them.
 */
export const CRD_ANNOTATIONS = { 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Prune=false' } as const;

/** The CustomResourceDefinition object of one kind. */
export function crdFor(k: CrdKind): Record<string, unknown> {
  const { schema, columns, clusterScoped } = PER_KIND[k.kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'multiregion-controller' }, annotations: { ...CRD_ANNOTATIONS } },
    spec: {
      group: GROUP,
      names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, singular: k.singular, shortNames: k.shortNames, categories: CATEGORIES },
      scope: clusterScoped ? 'Cluster' : 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema() },
          ...(!clusterScoped && { subresources: { status: {} } }),
          additionalPrinterColumns: columns,
        },
      ],
    },
  };
}

const HEADER = '# Generated by `npm run gen:crds` from src/api/schemas. Do not edit by hand.\n';

/** File name → YAML text of every CRD, exactly as committed under crds/. */
export function renderCrds(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of CRD_KINDS) out[`${k.plural}.${GROUP}.yaml`] = HEADER + stringify(crdFor(k), { lineWidth: 0 });
  return out;
}

function main(): void {
  const dir = resolve(fileURLToPath(new URL('../../crds/', import.meta.url)));
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(renderCrds())) {
    writeFileSync(resolve(dir, file), text);
    console.log(`wrote crds/${file}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
