// `make local`: the whole product on this machine. Starts kube-apiserver + etcd and moto on
// loopback, installs the CRDs, seeds moto with what a user already has (VPCs, a hosted zone, a
// database), starts the controller, applies examples/ with those IDs, prints the objects, and
// runs until Ctrl-C, then stops everything it started.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTransitGatewayCommand, CreateTransitGatewayVpcAttachmentCommand, EC2Client } from '@aws-sdk/client-ec2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { kubeRequest } from '../../src/runtime/kube-request.ts';
import { releaseNamespace } from '../unit/packaging-tools.ts';
import { applyChart, serviceAccountKubeconfig } from './chart.ts';
import { startKube } from './kube.ts';
import { motoEnv, startMoto } from './moto.ts';
import { freePort, waitFor } from './ports.ts';
import { seedDatabase, seedHostedZone, seedVpc } from './seed.ts';
import { installCrds, loadYamlObjects, repoRoot } from './stack.ts';

const dir = join(repoRoot, '.local');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const say = (s: string) => console.log(`[make local] ${s}`);

say('starting kube-apiserver + etcd and moto on loopback');
const [kube, moto] = await Promise.all([startKube({ dir: join(dir, 'kube') }), startMoto()]);
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, (await import('node:fs')).readFileSync(kube.kubeconfigPath));
// `make drill` finds moto here.
writeFileSync(join(dir, 'aws-endpoint'), `${moto.endpoint}\n`);
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const api = KubernetesObjectApi.makeApiClient(kc);
// MRC_LOCAL_HELM=1 (`make local-helm`): install through the Helm chart's rendered manifests and
// run the controller as the chart's ServiceAccount, with exactly the chart's RBAC. There is no
// kubelet here, so the Deployment is applied but its pods never start: the same process runs
// outside with the ServiceAccount's token instead.
const viaHelm = process.env.MRC_LOCAL_HELM === '1';
let controllerKubeconfig = kubeconfig;
let leaseArgs = ['--leader-election-namespace=default'];
if (viaHelm) {
  // apps holds the example FailoverPolicy: the chart's Secret and rollout Roles go there (rbac.secretNamespaces, rbac.rolloutNamespaces).
  for (const ns of [releaseNamespace, 'apps']) {
    await kubeRequest(kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}`,
      query: { fieldManager: 'make-local', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
  }
  const objs = await applyChart(kc, undefined, ['--set', 'clusterId=local', '--set', 'rbac.secretNamespaces={apps}', '--set', 'rbac.rolloutNamespaces={apps}']);
  await installCrds(kc);
  const sa = objs.find((o) => o.kind === 'ServiceAccount')!.metadata.name;
  const leaseId = (objs.find((o) => o.kind === 'Role' && JSON.stringify(o).includes('leases'))!.rules as Array<{ resourceNames?: string[] }>).flatMap(
    (r) => r.resourceNames ?? [],
  )[0]!;
  controllerKubeconfig = join(dir, 'controller-kubeconfig');
  await serviceAccountKubeconfig(kc, releaseNamespace, sa, controllerKubeconfig);
  leaseArgs = [`--leader-election-namespace=${releaseNamespace}`, `--leader-election-id=${leaseId}`];
  say(
    `installed the chart's ${objs.length} rendered objects (${[...new Set(objs.map((o) => o.kind))].join(', ')}); the controller runs as ServiceAccount ` +
      `${releaseNamespace}/${sa}`,
  );
} else {
  await installCrds(kc);
  say('CRDs installed');
}

// The example pair works in account 111111111111 through an assumed role: seed there too.
const role = 'arn:aws:iam::111111111111:role/multiregion';
Object.assign(process.env, motoEnv(moto.endpoint));
const credentials = fromTemporaryCredentials({
  params: { RoleArn: role, RoleSessionName: 'make-local-seed' },
  clientConfig: { region: 'us-east-1', endpoint: moto.endpoint },
});
const seedOpts = { endpoint: moto.endpoint, credentials };
const [east, west] = await Promise.all([seedVpc(seedOpts, 'us-east-1', '10.0.0.0/16'), seedVpc(seedOpts, 'us-west-2', '10.1.0.0/16')]);
const westEc2 = new EC2Client({ region: 'us-west-2', endpoint: moto.endpoint, credentials });
const adoptedTgw = (
  await westEc2.send(
    new CreateTransitGatewayCommand({
      Description: 'existing TGW adopted by the example RegionPair',
      Options: { DefaultRouteTableAssociation: 'disable', DefaultRouteTablePropagation: 'disable', AmazonSideAsn: 64513 },
    }),
  )
).TransitGateway!.TransitGatewayId!;
// The FailoverPolicy works through the pair's role too: its zone and database live there.
const zoneId = await seedHostedZone(seedOpts, 'example.com');
await seedDatabase(seedOpts, 'us-east-1', 'orders-db');
say(`moto seeded: ${east.vpcId} (us-east-1), ${west.vpcId} + ${adoptedTgw} (us-west-2), zone ${zoneId}, database orders-db`);

for (const ns of ['platform', 'apps', 'clients']) {
  await api.patch(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as KubernetesObject,
    undefined,
    undefined,
    'make-local',
    true,
    PatchStrategy.ServerSideApply,
  );
}

const [metricsPort, healthPort] = [await freePort(), await freePort()];
const logPath = join(dir, 'controller.log');
const logFd = openSync(logPath, 'a');
say(`starting the controller (logs: .local/controller.log, metrics: http://127.0.0.1:${metricsPort}/metrics)`);
const controller = spawn(
  process.execPath,
  [
    join(repoRoot, 'dist', 'main.js'),
    `--kubeconfig=${controllerKubeconfig}`,
    `--aws-endpoint-url=${moto.endpoint}`,
    '--cluster-id=local',
    ...leaseArgs,
    `--metrics-bind-address=127.0.0.1:${metricsPort}`,
    `--health-probe-bind-address=127.0.0.1:${healthPort}`,
    '--drift-interval=1m',
    '--health-observe-interval=10s',
  ],
  { stdio: ['ignore', logFd, logFd], env: { ...process.env, ...motoEnv(moto.endpoint) } },
);
await waitFor('controller /readyz', async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok, 60_000);

const byKind = (kind: string) => loadYamlObjects(join(repoRoot, 'examples', `${kind}.yaml`))[0] as KubernetesObject & { spec: any };
const apply = (o: KubernetesObject) => api.patch(o, undefined, undefined, 'make-local', true, PatchStrategy.ServerSideApply);

const pair = byKind('region-pair');
pair.spec.primary.vpcAttachments = [{ vpcId: east.vpcId, subnetIds: east.subnetIds, routeTableIds: [east.routeTableId] }];
pair.spec.secondary.vpcAttachments = [{ vpcId: west.vpcId, subnetIds: west.subnetIds, routeTableIds: [west.routeTableId] }];
pair.spec.secondary.transitGateway = { id: adoptedTgw };
await apply(pair);
say('applied examples/region-pair.yaml; waiting for its primary Transit Gateway');

const policy = byKind('failover-policy');
policy.spec.dns.hostedZoneId = zoneId;
await apply(policy);
say('applied examples/failover-policy.yaml');

// The client's attachment must exist on the pair's primary TGW: attach a "client" VPC to it.
let clientAttachment = '';
try {
  await waitFor(
    'RegionPair primary TGW',
    async () => {
      const got = (await api.read({ apiVersion: pair.apiVersion, kind: pair.kind, metadata: { name: 'prod', namespace: 'platform' } })) as any;
      return !!got.status?.primary?.transitGatewayId;
    },
    90_000,
    1000,
  );
  const got = (await api.read({ apiVersion: pair.apiVersion, kind: pair.kind, metadata: { name: 'prod', namespace: 'platform' } })) as any;
  const clientVpc = await seedVpc(seedOpts, 'us-east-1', '10.50.0.0/16');
  const eastEc2 = new EC2Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
  clientAttachment = (
    await eastEc2.send(
      new CreateTransitGatewayVpcAttachmentCommand({
        TransitGatewayId: got.status.primary.transitGatewayId,
        VpcId: clientVpc.vpcId,
        SubnetIds: clientVpc.subnetIds,
      }),
    )
  ).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
} catch (e) {
  say(`the RegionPair did not get a Transit Gateway in time (${(e as Error).message}); see .local/controller.log`);
}
if (clientAttachment) {
  const client = byKind('client-connection');
  client.spec.attachment = { type: 'vpc', id: clientAttachment };
  client.spec.client.cidrs = ['10.50.0.0/16'];
  await apply(client);
  say('applied examples/client-connection.yaml');
}

await sleep(15_000);
const kubectl = (args: string[]) => {
  try {
    return execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return `kubectl ${args.join(' ')} failed: ${(e as Error).message}`;
  }
};
console.log(kubectl(['get', 'regionpairs,failoverpolicies,clientconnections', '-A']));
console.log(
  kubectl([
    'get',
    'regionpairs,failoverpolicies,clientconnections',
    '-A',
    '-o',
    'custom-columns=KIND:.kind,NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].reason,SYNCED:.status.conditions[?(@.type=="Synced")].message',
  ]),
);
// The example policy's accelerator (moto_ga.py): its status, static IPs and traffic dials.
console.log(
  kubectl([
    'get',
    'failoverpolicies',
    '-A',
    '-o',
    `custom-columns=${[
      'NAME:.metadata.name',
      'ACCELERATOR:.status.globalAccelerator.status',
      'IPS:.status.globalAccelerator.ipAddresses',
      'DIAL_PRIMARY:.status.globalAccelerator.dials.primary',
      'DIAL_SECONDARY:.status.globalAccelerator.dials.secondary',
    ].join(',')}`,
  ]),
);
say('the stack is running. In another terminal:');
console.log(
  `\n    export KUBECONFIG=${kubeconfig}\n    export AWS_ENDPOINT_URL=${moto.endpoint} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing\n    ` +
    `kubectl get rp,fp,cc -A\n    kubectl describe regionpair -n platform prod\n`,
);
say('press Ctrl-C to stop everything');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  say('stopping');
  controller.kill('SIGTERM');
  await new Promise((r) => (controller.exitCode !== null ? r(null) : controller.once('exit', r)));
  await Promise.all([kube.stop(), moto.stop()]);
  say('stopped');
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (process.env.MRC_LOCAL_EXIT_AFTER_MS) setTimeout(() => void stop(), Number(process.env.MRC_LOCAL_EXIT_AFTER_MS));
