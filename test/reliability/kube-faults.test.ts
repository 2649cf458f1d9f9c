// Kubernetes faults on a private apiserver (the shared one must stay up for the other files):
// the apiserver restarts under a running controller, a spec change lands right after it is
// back (before the controller's watch has resumed), and the change must still be reconciled.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EC2Client, SearchTransitGatewayRoutesCommand } from '@aws-sdk/client-ec2';
import { KubeConfig } from '@kubernetes/client-node';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { type Kube as PrivateKube, startKube } from '../env/kube.ts';
import { startMoto } from '../env/moto.ts';
import { installCrds } from '../env/stack.ts';
import { condition, Kube, uniqueName } from '../integration/helpers.ts';
import { CANARY, creds, keepLogs, keepSecret, pairObj, pairSpec, record, seedBoth } from './harness.ts';

const NS = 'rel-kube';
let apiserver: PrivateKube;
let moto: Awaited<ReturnType<typeof startMoto>>;
let kube: Kube;
let ctrl: ControllerProcess | undefined;
let lostUpdates = 0;

before(async () => {
  [apiserver, moto] = await Promise.all([startKube(), startMoto()]);
  const kc = new KubeConfig();
  kc.loadFromFile(apiserver.kubeconfigPath);
  await installCrds(kc);
  kube = new Kube(kc);
  await kube.ensureNamespace(NS);
});
after(async () => {
  record({ file: 'kube-faults', lostUpdates, crashes: ctrl && ctrl.proc.exitCode !== null ? 1 : 0 });
  if (ctrl) keepLogs('kube-faults', ctrl.logs());
  // The admin token of this apiserver must not be logged either: the secret scan reads it here.
  if (apiserver) keepSecret(apiserver.token);
  await ctrl?.stop();
  await Promise.all([apiserver?.stop(), moto?.stop()]);
});

async function tgwStaticRoutes(region: string, rtId: string): Promise<string[]> {
  const c = new EC2Client({ region, endpoint: moto.endpoint, maxAttempts: 1, credentials: creds });
  const r = await c.send(new SearchTransitGatewayRoutesCommand({ TransitGatewayRouteTableId: rtId, Filters: [{ Name: 'type', Values: ['static'] }] }));
  c.destroy();
  return (r.Routes ?? [])
    .filter((x) => x.State !== 'deleted')
    .map((x) => x.DestinationCidrBlock!)
    .sort();
}

describe('Kubernetes faults', () => {
  test('apiserver restarted under the controller; a spec change made right after it is back is reconciled', async () => {
    const [east, west] = await seedBoth(moto.endpoint);
    ctrl = await startController({
      kubeconfigPath: apiserver.kubeconfigPath,
      awsEndpoint: moto.endpoint,
      // Leader election off: a restart longer than the renew deadline would (rightly) end leadership,
      // which is the controller-process suite's subject, not this one's.
      args: ['--leader-elect=false'],
      env: { AWS_SECRET_ACCESS_KEY: CANARY.secretKey, AWS_SESSION_TOKEN: CANARY.sessionToken },
    });
    const name = uniqueName('restart');
    await kube.apply(pairObj(NS, name, pairSpec(east, west)));
    const ready = await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);

    await apiserver.restartApiserver(3000);
    // As soon as it answers: the controller's watch is still reconnecting with backoff.
    await kube.mergePatch({ kind: 'RegionPair', namespace: NS, name }, { spec: { secondary: { cidrs: ['10.1.0.0/16', '10.2.0.0/16'] } } });
    let got: string[] = [];
    try {
      await kube.waitFor(
        'RegionPair',
        NS,
        name,
        'generation 2 Ready',
        (o) => o.status?.observedGeneration === 2 && condition(o, 'Ready')?.status === 'True',
        90_000,
      );
      got = await tgwStaticRoutes('us-east-1', ready.status.primary.routeTableId);
    } finally {
      if (!got.includes('10.2.0.0/16')) lostUpdates++;
    }
    assert.deepEqual(got, ['10.1.0.0/16', '10.2.0.0/16'], 'the change made during the reconnect reached AWS');
    assert.equal(ctrl.proc.exitCode, null, 'the controller survived the restart');
    const health = await fetch(`${ctrl.healthUrl}/healthz`);
    assert.equal(health.status, 200);

    // A second, longer outage while idle; then delete: the finalizer still runs.
    await apiserver.restartApiserver(1000);
    await kube.delete('RegionPair', NS, name);
    await kube.waitGone('RegionPair', NS, name, 90_000);
    assert.equal(ctrl.proc.exitCode, null, 'the controller survived the second restart');
  });
});
