// The connection Secret belongs to its FailoverPolicy (issue 16): the controller writes only a
// Secret it created (ownerReference, controller: true) or one an earlier version of it wrote
// (our labels, no owner: adopted, with an Event). A Secret of the same name made by anyone else,
// or owned by another policy, is never written: the policy says ConnectionSecretConflict and how
// to resolve it, and the Secret stays byte-for-byte as it was.
// The stack has no kube-controller-manager, so no garbage collector: the ownerReference itself is
// what is checked, not its effect.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound, kubeRequest } from '../../src/runtime/kube-request.ts';
import { waitFor } from '../env/ports.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST } from './failover-policy-fixtures.ts';
import { condition, type Obj } from './helpers.ts';

const NS = 'fp-secret';
const bed = new PolicyBed(NS);
const MANUAL = { mode: 'Manual', activeRegion: EAST };

interface SecretObj {
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string>; ownerReferences?: Array<Record<string, unknown>> };
  data?: Record<string, string>;
}

const path = (name: string) => `/api/v1/namespaces/${NS}/secrets/${name}`;
/** The stored Secret as plain JSON (undefined: none). */
const readSecret = (name: string) =>
  kubeRequest<SecretObj>(bed.stack.kc, { method: 'GET', path: path(name) }).catch((e: unknown) => {
    if (isNotFound(e)) return undefined;
    throw e;
  });
const b64 = (v: string) => Buffer.from(v).toString('base64');
const plain = (s: SecretObj | undefined, k: string) => (s?.data?.[k] === undefined ? undefined : Buffer.from(s.data[k], 'base64').toString('utf8'));

async function createSecret(name: string, labels: Record<string, string>, data: Record<string, string>): Promise<SecretObj> {
  return kubeRequest<SecretObj>(bed.stack.kc, {
    method: 'POST',
    path: `/api/v1/namespaces/${NS}/secrets`,
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: NS, labels },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    },
  });
}

const ownerRefTo = (p: Obj) => ({
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'FailoverPolicy',
  name: p.metadata.name,
  uid: p.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});

async function waitSecret(name: string, what: string, pred: (s: SecretObj) => boolean, timeoutMs = 90_000): Promise<SecretObj> {
  let last: SecretObj | undefined;
  await waitFor(
    `Secret ${NS}/${name}: ${what}`,
    async () => {
      last = await readSecret(name);
      return !!last && pred(last);
    },
    timeoutMs,
  );
  return last!;
}

async function expectConflict(policy: string, secret: string): Promise<void> {
  const o = await bed.kube.waitCondition('FailoverPolicy', NS, policy, 'Synced', 'False', 'ConnectionSecretConflict', 90_000);
  const msg = condition(o, 'Synced')!.message;
  assert.match(msg, new RegExp(`^spec\\.database\\.connectionSecret\\.name: Secret ${NS}/${secret} exists and does not belong to this FailoverPolicy`));
  assert.match(msg, /Delete it, or name another Secret here; or hand it over: kubectl label secret/);
  assert.equal(condition(o, 'DatabaseSynced')?.status, 'False');
  // Events are written behind the passes (held while others run, runtime/events.ts): soon, not at once.
  let evs = await bed.kube.events(NS, policy);
  for (let i = 0; i < 20 && !evs.some((e) => e.type === 'Warning' && e.reason === 'ConnectionSecretConflict'); i++) {
    await sleep(500);
    evs = await bed.kube.events(NS, policy);
  }
  assert.ok(
    evs.some((e) => e.type === 'Warning' && e.reason === 'ConnectionSecretConflict'),
    `events: ${evs.map((e) => e.reason).join(',')}`,
  );
}

describe('FailoverPolicy connection Secret ownership', () => {
  test('a Secret the controller creates carries an ownerReference to its policy', async () => {
    await bed.start();
    const s = await bed.dbs.setup(MANUAL);
    const p = (await bed.kube.get('FailoverPolicy', NS, s.name))!;
    const secret = await waitSecret(s.secret, 'written', () => true);
    assert.deepEqual(secret.metadata.ownerReferences, [ownerRefTo(p)]);
    assert.equal(secret.metadata.labels?.['multiregion.dev/failover-policy'], s.name);
    assert.equal(plain(secret, 'host'), (await bed.dbs.instance(EAST, s.db)).Endpoint?.Address);
  });

  test("someone else's Secret of that name stays byte-for-byte unchanged: ConnectionSecretConflict; once it is deleted, ours is written", async () => {
    const s = await bed.dbs.setup(MANUAL);
    const foreign = await createSecret(s.secret, { app: 'orders' }, { host: 'team-db.internal', password: 'p4ss' });
    await bed.start();
    await expectConflict(s.name, s.secret);
    // A forced pass more, and some time: still not touched.
    await bed.kube.mergePatch(
      { kind: 'FailoverPolicy', namespace: NS, name: s.name },
      { metadata: { annotations: { 'multiregion.dev/reconcile-now': 'again' } } },
    );
    await sleep(5_000);
    assert.deepEqual(await readSecret(s.secret), foreign, 'the foreign Secret is unchanged (resourceVersion, managedFields, data)');

    await kubeRequest(bed.stack.kc, { method: 'DELETE', path: path(s.secret) });
    const p = (await bed.kube.get('FailoverPolicy', NS, s.name))!;
    const ours = await waitSecret(s.secret, 'ours', (x) => !!x.metadata.ownerReferences?.length);
    assert.deepEqual(ours.metadata.ownerReferences, [ownerRefTo(p)]);
    assert.equal(plain(ours, 'password'), undefined);
    await bed.kube.waitCondition('FailoverPolicy', NS, s.name, 'DatabaseSynced', 'True', undefined, 60_000);
  });

  test('a Secret another policy owns is not taken over by a second policy naming it', async () => {
    await bed.start();
    const a = await bed.dbs.setup(MANUAL);
    const owned = await waitSecret(a.secret, 'written by the first policy', () => true);
    const b = await bed.dbs.setup(MANUAL);
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: b.name }, { spec: { database: { connectionSecret: { name: a.secret } } } });
    await expectConflict(b.name, a.secret);
    const after = await readSecret(a.secret);
    assert.equal(after?.metadata.resourceVersion, owned.metadata.resourceVersion, 'the first policy’s Secret was not written by the second');
    assert.equal(plain(after, 'host'), (await bed.dbs.instance(EAST, a.db)).Endpoint?.Address);
  });

  test('a Secret an earlier version wrote (our labels, no owner) is adopted with an Event and put right', async () => {
    const s = await bed.dbs.setup(MANUAL);
    await createSecret(
      s.secret,
      { 'app.kubernetes.io/managed-by': 'multiregion-controller', 'multiregion.dev/failover-policy': s.name },
      { host: 'old-writer.internal', port: '5432', region: EAST, role: 'writer', engine: 'postgres' },
    );
    await bed.start();
    const p = (await bed.kube.get('FailoverPolicy', NS, s.name))!;
    const adopted = await waitSecret(s.secret, 'adopted', (x) => !!x.metadata.ownerReferences?.length);
    assert.deepEqual(adopted.metadata.ownerReferences, [ownerRefTo(p)]);
    assert.equal(plain(adopted, 'host'), (await bed.dbs.instance(EAST, s.db)).Endpoint?.Address);
    await waitFor(
      'a SecretAdopted Event',
      async () => (await bed.kube.events(NS, s.name)).some((e) => e.type === 'Normal' && e.reason === 'SecretAdopted'),
      30_000,
    );
  });
});
