// The application cutover (issue 17): after the connection Secret's data changes, the listed and
// the selected workloads in the policy's namespace are rolled like `kubectl rollout restart`
// (pod-template annotations), exactly once per change; the others are untouched. The Secret's
// keys follow spec.database.connectionSecret.keys and it carries multiregion.dev/active-region and
// multiregion.dev/revision. The stack runs no controller-manager: a Deployment is just an object,
// and its pod template (and metadata.generation, bumped by the apiserver on every template
// change) is what is checked. A change of `keys` changes the data, so it stands in for a failover.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import { waitFor } from '../env/ports.ts';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, WEST } from './failover-policy-fixtures.ts';
import { condition } from './helpers.ts';

const NS = 'fp-rollout';
const OTHER = 'fp-rollout-other';
const bed = new PolicyBed(NS, { otherNamespaces: [OTHER] });
const MANUAL = { mode: 'Manual', activeRegion: EAST };
const REV = 'multiregion.dev/secret-revision';

interface Deploy {
  metadata: { name: string; generation: number; labels?: Record<string, string> };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
}

async function deployment(ns: string, name: string, labels: Record<string, string> = {}): Promise<void> {
  await kubeRequest(bed.stack.kc, {
    method: 'POST',
    path: `/apis/apps/v1/namespaces/${ns}/deployments`,
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels },
      spec: {
        selector: { matchLabels: { w: name } },
        template: { metadata: { labels: { w: name } }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] } },
      },
    },
  });
}
const getDeploy = (ns: string, name: string) =>
  kubeRequest<Deploy>(bed.stack.kc, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}` });
const templateRev = async (ns: string, name: string) => (await getDeploy(ns, name)).spec.template.metadata.annotations?.[REV];

interface SecretObj {
  metadata: { annotations?: Record<string, string> };
  data: Record<string, string>;
}
const readSecret = (name: string) => kubeRequest<SecretObj>(bed.stack.kc, { method: 'GET', path: `/api/v1/namespaces/${NS}/secrets/${name}` });

const patchSecretSpec = (policy: string, cs: Record<string, unknown>) =>
  bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name: policy }, { spec: { database: { connectionSecret: cs } } });

describe('FailoverPolicy application cutover: rollout after a Secret change', () => {
  test(
    'listed and selected Deployments are rolled exactly once per change, others ' +
      'untouched; keys renamed; annotations; a missing one is reported and retried',
    async () => {
      for (const ns of [NS, OTHER]) await bed.kube.purge('Deployment', ns, 'apps/v1');
      await deployment(NS, 'api');
      await deployment(NS, 'worker', { app: 'orders' });
      await deployment(NS, 'bystander', { app: 'billing' });
      await deployment(OTHER, 'worker', { app: 'orders' });
      const s = await bed.dbs.setup(MANUAL);
      await patchSecretSpec(s.name, { restartWorkloads: [{ kind: 'Deployment', name: 'api' }], restartSelector: { matchLabels: { app: 'orders' } } });
      await bed.start();

      // The first revision is recorded, not rolled: the workloads start with it.
      const first = await waitRevision(s.name, s.secret, () => true);
      let sec = await readSecret(s.secret);
      assert.equal(sec.metadata.annotations?.['multiregion.dev/active-region'], EAST);
      assert.equal(sec.metadata.annotations?.['multiregion.dev/revision'], first);
      assert.equal(await templateRev(NS, 'api'), undefined, 'nothing rolled for the first revision');
      const gen0 = (await getDeploy(NS, 'api')).metadata.generation;

      // A change of the data: keys renamed.
      await patchSecretSpec(s.name, { keys: { host: 'DATABASE_HOST', port: 'DATABASE_PORT' } });
      const second = await waitRevision(s.name, s.secret, (r) => r.restarted?.length === 2);
      assert.notEqual(second, first);
      sec = await readSecret(s.secret);
      assert.deepEqual(Object.keys(sec.data).sort(), ['DATABASE_HOST', 'DATABASE_PORT', 'engine', 'region', 'role'], 'renamed, the old names gone');
      assert.equal(Buffer.from(sec.data.DATABASE_HOST!, 'base64').toString(), (await bed.dbs.instance(EAST, s.db)).Endpoint?.Address);
      assert.equal(sec.metadata.annotations?.['multiregion.dev/revision'], second);
      let o = (await bed.kube.get('FailoverPolicy', NS, s.name))!;
      assert.deepEqual([...o.status.database.rollout.restarted].sort(), ['Deployment/api', 'Deployment/worker']);
      for (const name of ['api', 'worker']) {
        const d = await getDeploy(NS, name);
        assert.equal(d.spec.template.metadata.annotations?.[REV], second, `${name} rolled for the new revision`);
        assert.ok(d.spec.template.metadata.annotations?.['multiregion.dev/restartedAt'], `${name} restartedAt`);
      }
      assert.equal((await getDeploy(NS, 'api')).metadata.generation, gen0 + 1, 'one new pod template');
      assert.equal(await templateRev(NS, 'bystander'), undefined, 'not selected: untouched');
      assert.equal(await templateRev(OTHER, 'worker'), undefined, 'another namespace: untouched');
      await waitFor('a WorkloadsRestarted Event', async () => (await bed.kube.events(NS, s.name)).some((e) => e.reason === 'WorkloadsRestarted'), 30_000);
      assert.equal(condition(o, 'WorkloadsRestarted')?.status, 'True');

      // No change of the data: passes (a spec change, a forced reconcile) roll nothing again.
      await patchSecretSpec(s.name, {
        restartWorkloads: [
          { kind: 'Deployment', name: 'api' },
          { kind: 'Deployment', name: 'ghost' },
        ],
      });
      o = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'the spec change seen', (x) => x.status?.observedGeneration === x.metadata.generation);
      await bed.kube.mergePatch(
        { kind: 'FailoverPolicy', namespace: NS, name: s.name },
        { metadata: { annotations: { 'multiregion.dev/reconcile-now': 'again' } } },
      );
      await new Promise((r) => setTimeout(r, 3_000));
      assert.equal((await getDeploy(NS, 'api')).metadata.generation, gen0 + 1, 'not rolled again for the same revision');

      // The next change: rolled once more; the listed workload that does not exist is named, and
      // rolled once it exists (retried), without rolling the others again.
      await patchSecretSpec(s.name, { keys: { host: 'DB_HOST' } });
      const third = await waitRevision(s.name, s.secret, (r) => (r.failed ?? []).some((f: string) => f.startsWith('Deployment/ghost')));
      o = await bed.kube.waitCondition('FailoverPolicy', NS, s.name, 'WorkloadsRestarted', 'False', 'WorkloadMissing', 30_000);
      assert.match(condition(o, 'WorkloadsRestarted')!.message, /Deployment\/ghost: not found/);
      assert.equal(condition(o, 'DatabaseSynced')?.status, 'True', 'the database half is not failed by it');
      assert.equal(await templateRev(NS, 'api'), third);
      assert.equal((await getDeploy(NS, 'api')).metadata.generation, gen0 + 2);
      await waitFor('a WorkloadRestartFailed Event', async () => (await bed.kube.events(NS, s.name)).some((e) => e.reason === 'WorkloadRestartFailed'), 30_000);

      await deployment(NS, 'ghost');
      await bed.kube.mergePatch(
        { kind: 'FailoverPolicy', namespace: NS, name: s.name },
        { metadata: { annotations: { 'multiregion.dev/reconcile-now': 'ghost' } } },
      );
      o = await bed.kube.waitCondition('FailoverPolicy', NS, s.name, 'WorkloadsRestarted', 'True', 'RolledOut', 30_000);
      assert.equal(await templateRev(NS, 'ghost'), third);
      assert.equal((await getDeploy(NS, 'api')).metadata.generation, gen0 + 2, 'the others are not rolled again by the retry');
      assert.deepEqual([...o.status.database.rollout.restarted].sort(), ['Deployment/api', 'Deployment/ghost', 'Deployment/worker']);

      // Restarts no longer configured: the record goes, the condition says so.
      await patchSecretSpec(s.name, { restartWorkloads: null, restartSelector: null });
      o = await bed.kube.waitCondition('FailoverPolicy', NS, s.name, 'WorkloadsRestarted', 'True', 'NotConfigured', 30_000);
      o = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'no rollout record', (x) => x.status?.database?.rollout === undefined, 30_000);
      assert.ok(o.status.database.writer, 'the rest of status.database stays');
    },
  );

  test('an automatic failover rolls the selected Deployment once, for the Secret naming the new writer', async () => {
    await bed.kube.purge('Deployment', NS, 'apps/v1');
    await deployment(NS, 'api', { app: 'orders' });
    const s = await bed.dbs.setup({ mode: 'Automatic', unhealthyForSeconds: 10 });
    await patchSecretSpec(s.name, { restartSelector: { matchLabels: { app: 'orders' } } });
    await bed.start();
    const o = await bed.dbs.healthyAndReady(s);
    const first = await waitRevision(s.name, s.secret, () => true);
    const gen0 = (await getDeploy(NS, 'api')).metadata.generation;

    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'failover completed', (x) => !!x.status?.lastFailover?.completedAt, 120_000);
    const rev = await waitRevision(s.name, s.secret, (r) => r.restarted?.length === 1);
    assert.notEqual(rev, first);
    const sec = await readSecret(s.secret);
    assert.equal(sec.metadata.annotations?.['multiregion.dev/active-region'], WEST);
    assert.equal(Buffer.from(sec.data.host!, 'base64').toString(), (await bed.dbs.instance(WEST, s.replica)).Endpoint?.Address);
    assert.equal(await templateRev(NS, 'api'), rev);
    assert.equal((await getDeploy(NS, 'api')).metadata.generation, gen0 + 1, 'rolled once for the failover');
    const evs = await bed.kube.events(NS, s.name);
    assert.ok(
      evs.some((e) => e.reason === 'WorkloadsRestarted' && e.message.includes('Deployment/api')),
      evs.map((e) => e.reason).join(','),
    );
  });
});

/** The Secret's current revision, once status.database.rollout is for it and `pred` holds. */
async function waitRevision(policy: string, secret: string, pred: (rollout: Record<string, any>) => boolean): Promise<string> {
  let revision: string | undefined;
  let last: unknown;
  await waitFor(
    `FailoverPolicy ${NS}/${policy} rolled out for the current revision of Secret ${secret}`,
    async () => {
      revision = (await readSecret(secret).catch(() => undefined))?.metadata.annotations?.['multiregion.dev/revision'];
      const r = (await bed.kube.get('FailoverPolicy', NS, policy))?.status?.database?.rollout;
      last = r;
      return !!revision && !!r && r.revision === revision && pred(r);
    },
    90_000,
    250,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last rollout status: ${JSON.stringify(last)}`);
  });
  return revision!;
}
