// crds/ is generated from src/api/schemas: the committed files must equal the generator's
// output, every node must teach `kubectl explain`, CEL inputs must be bounded, and the
// examples must satisfy the structural part of the schema (the CEL part needs the apiserver:
// test/integration/crd-admission.test.ts).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CRD_KINDS, crdFor, renderCrds } from '../../src/api/generate-crds.ts';
import type { Schema } from '../../src/api/schemas/common.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Crd {
  spec: {
    scope: string;
    names: { kind: string; shortNames: string[]; categories: string[] };
    versions: Array<{
      name: string;
      schema: { openAPIV3Schema: Schema };
      subresources: object;
      additionalPrinterColumns: Array<{ name: string; jsonPath: string }>;
    }>;
  };
}
const crds = CRD_KINDS.map((k) => ({ k, crd: crdFor(k) as unknown as Crd }));
const schemaOf = (c: Crd): Schema => c.spec.versions[0]!.schema.openAPIV3Schema;

function walk(s: Schema, path: string, visit: (s: Schema, path: string) => void): void {
  visit(s, path);
  for (const [k, sub] of Object.entries(s.properties ?? {})) walk(sub, `${path}.${k}`, visit);
  if (s.items) walk(s.items, `${path}[]`, visit);
  if (s.additionalProperties) walk(s.additionalProperties, `${path}{}`, visit);
}

test('committed crds/ equal the generated output (run npm run gen:crds after changing a schema)', () => {
  const generated = renderCrds();
  const committed = readdirSync(join(root, 'crds'))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  assert.deepEqual(committed, Object.keys(generated).sort());
  for (const [file, text] of Object.entries(generated)) {
    assert.equal(readFileSync(join(root, 'crds', file), 'utf8'), text, `crds/${file} is stale`);
  }
});

test('the rendered YAML parses back to the CRD objects', () => {
  const generated = renderCrds();
  for (const { k, crd } of crds) assert.deepEqual(parse(generated[`${k.plural}.multiregion.dev.yaml`]!), crd);
});

const expectedColumns: Record<string, string[]> = {
  RegionPair: ['Primary', 'Secondary', 'Peering', 'Ready', 'Synced', 'Age'],
  FailoverPolicy: ['Active', 'Phase', 'FailoverReady', 'Ready', 'Synced', 'Age'],
  ClientConnection: ['Pair', 'Side', 'Ready', 'Synced', 'Age'],
  AccessPolicy: ['Namespaces', 'Selector', 'Accounts', 'Age'],
};
const expectedShort: Record<string, string> = { RegionPair: 'rp', FailoverPolicy: 'fp', ClientConnection: 'cc', AccessPolicy: 'ap' };
// AccessPolicy is the admin's, cluster-wide, and only read: no status to write.
const clusterScoped = new Set(['AccessPolicy']);

for (const { k, crd } of crds) {
  test(`${k.kind}: names, scope, status subresource, printer columns`, () => {
    assert.equal(crd.spec.scope, clusterScoped.has(k.kind) ? 'Cluster' : 'Namespaced');
    assert.deepEqual(crd.spec.names.shortNames, [expectedShort[k.kind]]);
    assert.deepEqual(crd.spec.names.categories, ['multiregion']);
    const v = crd.spec.versions[0]!;
    assert.equal(v.name, 'v1alpha1');
    assert.deepEqual(v.subresources, clusterScoped.has(k.kind) ? undefined : { status: {} });
    assert.deepEqual(
      v.additionalPrinterColumns.map((c) => c.name),
      expectedColumns[k.kind],
    );
  });

  test(`${k.kind}: every schema node has a description`, () => {
    const missing: string[] = [];
    walk(schemaOf(crd), k.kind, (s, p) => {
      if (p === `${k.kind}.metadata`) return; // the apiserver forbids anything but `type` there
      if (!s.description || s.description.trim().length < 3) missing.push(p);
    });
    assert.deepEqual(missing, []);
  });

  test(`${k.kind}: every node has a type, and nothing preserves unknown fields`, () => {
    const bad: string[] = [];
    walk(schemaOf(crd), k.kind, (s, p) => {
      if (!s.type) bad.push(`${p}: no type`);
      if ('x-kubernetes-preserve-unknown-fields' in s) bad.push(`${p}: preserve-unknown-fields`);
    });
    assert.deepEqual(bad, []);
  });

  test(`${k.kind}: every list, map and string in spec is bounded (the CEL cost estimate depends on it)`, () => {
    const bad: string[] = [];
    walk(schemaOf(crd).properties!.spec!, `${k.kind}.spec`, (s, p) => {
      if (s.type === 'array' && s.maxItems === undefined) bad.push(`${p}: no maxItems`);
      if (s.type === 'object' && s.additionalProperties && s.maxProperties === undefined) bad.push(`${p}: no maxProperties`);
      if (s.type === 'string' && s.maxLength === undefined && s.enum === undefined) bad.push(`${p}: no maxLength`);
    });
    assert.deepEqual(bad, []);
  });
}

/** The structural checks the apiserver makes before CEL: types, required, enums, patterns, bounds, unknown fields. */
function structuralErrors(s: Schema, v: unknown, path: string): string[] {
  const errs: string[] = [];
  const typeOk =
    s.type === 'object'
      ? typeof v === 'object' && v !== null && !Array.isArray(v)
      : s.type === 'array'
        ? Array.isArray(v)
        : s.type === 'integer'
          ? Number.isInteger(v)
          : s.type === 'number'
            ? typeof v === 'number'
            : s.type === 'string'
              ? typeof v === 'string'
              : s.type === 'boolean'
                ? typeof v === 'boolean'
                : true;
  if (!typeOk) return [`${path}: not ${s.type}`];
  if (s.enum && !s.enum.includes(v as string | number)) errs.push(`${path}: ${String(v)} not in enum`);
  if (typeof v === 'string') {
    if (s.pattern && !new RegExp(s.pattern).test(v)) errs.push(`${path}: ${v} does not match ${s.pattern}`);
    if (s.maxLength !== undefined && v.length > s.maxLength) errs.push(`${path}: too long`);
    if (s.minLength !== undefined && v.length < s.minLength) errs.push(`${path}: too short`);
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) errs.push(`${path}: below minimum`);
    if (s.maximum !== undefined && v > s.maximum) errs.push(`${path}: above maximum`);
    if (s.multipleOf !== undefined && v % s.multipleOf !== 0) errs.push(`${path}: not a multiple of ${s.multipleOf}`);
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) errs.push(`${path}: too many items`);
    if (s.minItems !== undefined && v.length < s.minItems) errs.push(`${path}: too few items`);
    v.forEach((item, i) => errs.push(...structuralErrors(s.items!, item, `${path}[${i}]`)));
  } else if (s.type === 'object' && typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in o)) errs.push(`${path}.${r}: required`);
    for (const [k, val] of Object.entries(o)) {
      const sub = s.additionalProperties ?? s.properties?.[k];
      if (!s.properties && !s.additionalProperties) continue; // metadata
      if (!sub) errs.push(`${path}.${k}: unknown field`);
      else errs.push(...structuralErrors(sub, val, `${path}.${k}`));
    }
  }
  return errs;
}

const examples: Record<string, string> = {
  RegionPair: 'region-pair.yaml',
  FailoverPolicy: 'failover-policy.yaml',
  ClientConnection: 'client-connection.yaml',
  AccessPolicy: 'access-policy.yaml',
};

for (const { k, crd } of crds) {
  test(`examples/${examples[k.kind]} is a ${k.kind} that passes the structural schema`, () => {
    const obj = parse(readFileSync(join(root, 'examples', examples[k.kind]!), 'utf8')) as { kind: string };
    assert.equal(obj.kind, k.kind);
    assert.deepEqual(structuralErrors(schemaOf(crd), obj, k.kind), []);
  });
}

test('the structural check rejects what the apiserver would', () => {
  const rp = schemaOf(crds[0]!.crd);
  const bad = parse(readFileSync(join(root, 'examples', 'region-pair.yaml'), 'utf8')) as { spec: Record<string, Record<string, unknown>> };
  bad.spec.primary!.region = 'useast1';
  bad.spec.secondary!.transitGateway = { id: 'tgw-xyz' };
  bad.spec.primary!.typo = true;
  const errs = structuralErrors(rp, bad, 'rp');
  assert.equal(errs.length, 3, errs.join('\n'));
});
