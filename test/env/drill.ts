// `make drill`: a real (automatic) failover of the example FailoverPolicy on a running
// `make local` stack. It switches apps/orders to Automatic mode with a short unhealthyForSeconds
// (the example is Manual), keeps the replica's lag low and the secondary healthy, reports the
// primary's Route 53 health check unhealthy (HealthCheckStatus = 0 in moto's CloudWatch, which is
// what the controller watches) and follows status until the failover completes or times out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { motoEnv } from './moto.ts';
import { repoRoot } from './stack.ts';

const NS = process.env.DRILL_NAMESPACE ?? 'apps';
const NAME = process.env.DRILL_POLICY ?? 'orders';
const TIMEOUT_MS = Number(process.env.DRILL_TIMEOUT_MS ?? 5 * 60_000);
// make local seeds the example's zone and database in this account, reached through this role.
const ROLE = process.env.DRILL_ROLE_ARN ?? 'arn:aws:iam::111111111111:role/multiregion';
const say = (s: string) => console.log(`[make drill] ${s}`);

const dir = join(repoRoot, '.local');
let endpoint: string;
try {
  endpoint = readFileSync(join(dir, 'aws-endpoint'), 'utf8').trim();
} catch {
  console.error('[make drill] .local/aws-endpoint not found: start the stack with `make local` first (in another terminal).');
  process.exit(1);
}
Object.assign(process.env, motoEnv(endpoint));
const kc = new KubeConfig();
kc.loadFromFile(join(dir, 'kubeconfig'));
const api = KubernetesObjectApi.makeApiClient(kc);
const ref = { apiVersion: 'multiregion.dev/v1alpha1', kind: 'FailoverPolicy', metadata: { name: NAME, namespace: NS } };
type Policy = KubernetesObject & { spec: any; status?: any };
const read = async (): Promise<Policy> => (await api.read(ref)) as Policy;

const credentials = fromTemporaryCredentials({ params: { RoleArn: ROLE, RoleSessionName: 'make-drill' }, clientConfig: { region: 'us-east-1', endpoint } });
const cwByRegion = new Map<string, CloudWatchClient>();
const cw = (region: string): CloudWatchClient => {
  let c = cwByRegion.get(region);
  if (!c) cwByRegion.set(region, (c = new CloudWatchClient({ region, endpoint, credentials, disableRequestCompression: true, maxAttempts: 2 })));
  return c;
};
const put = (region: string, namespace: string, datum: MetricDatum) =>
  cw(region).send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ ...datum, Timestamp: new Date() }] }));
const health = (checkId: string, value: 0 | 1): MetricDatum => ({
  MetricName: 'HealthCheckStatus',
  Dimensions: [{ Name: 'HealthCheckId', Value: checkId }],
  Value: value,
});

let policy = await read();
const ids = policy.status?.healthCheckIds ?? {};
if (!ids.primary || !ids.secondary) {
  console.error(`[make drill] ${NS}/${NAME} has no health check ids in status yet; wait for it to be Ready (kubectl get fp -A).`);
  process.exit(1);
}
const from = policy.status?.activeRegion ?? policy.spec.database?.primary.region;
const replica = policy.status?.database?.replica ?? {
  region: policy.spec.database?.replica.region,
  identifier: policy.spec.database?.replica.instanceIdentifier,
};
say(`${NS}/${NAME}: active ${from}, primary check ${ids.primary}, secondary check ${ids.secondary}, replica ${replica.identifier} in ${replica.region}`);
if (policy.spec.failover?.mode !== 'Automatic') {
  await api.patch(
    { ...ref, spec: { failover: { mode: 'Automatic', unhealthyForSeconds: 10, activeRegion: null } } } as KubernetesObject,
    undefined,
    undefined,
    'make-drill',
    undefined,
    PatchStrategy.MergePatch,
  );
  say('switched spec.failover to mode Automatic, unhealthyForSeconds 10 (merge patch; the example is Manual)');
}

// Route 53's checkers and RDS publish about once a minute; the controller only trusts fresh data.
const publish = async (): Promise<void> => {
  await put('us-east-1', 'AWS/Route53', health(ids.primary, 0));
  await put('us-east-1', 'AWS/Route53', health(ids.secondary, 1));
  if (replica.identifier && replica.region) {
    await put(replica.region, 'AWS/RDS', { MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: replica.identifier }], Value: 1 });
  }
};
await publish();
say(`primary health check ${ids.primary} now reports HealthCheckStatus=0 (secondary 1, replica lag 1s); following status for ${TIMEOUT_MS / 1000}s`);

const started = Date.now();
const prevCompleted = policy.status?.lastFailover?.completedAt;
let lastLine = '';
let lastPublish = Date.now();
for (;;) {
  policy = await read();
  const st = policy.status ?? {};
  const step = st.inProgress ? ` step=${st.inProgress.step}` : '';
  const ready = (st.conditions ?? []).find((c: { type: string }) => c.type === 'FailoverReady');
  const line = `phase=${st.phase ?? '-'} active=${st.activeRegion ?? '-'}${step} health=${st.health?.primary ?? '?'}/${st.health?.secondary ?? '?'} FailoverReady=${ready?.status ?? '?'} (${ready?.reason ?? ''})`;
  if (line !== lastLine) say(`${Math.round((Date.now() - started) / 1000)}s ${line}`);
  lastLine = line;
  const lf = st.lastFailover;
  if (lf?.completedAt && lf.completedAt !== prevCompleted) {
    say(`failover complete: ${lf.from} → ${lf.to} (${lf.reason}), RTO ${lf.rtoSeconds}s, RPO ${lf.rpoSeconds}s, fencing: ${lf.fencing ?? '-'}`);
    say(`kubectl --kubeconfig .local/kubeconfig get fp -n ${NS} ${NAME} -o yaml   # the full status`);
    process.exit(0);
  }
  if (Date.now() - started > TIMEOUT_MS) {
    say(`no completed failover after ${TIMEOUT_MS / 1000}s; see .local/controller.log and kubectl describe fp -n ${NS} ${NAME}`);
    process.exit(2);
  }
  if (Date.now() - lastPublish > 20_000) {
    await publish();
    lastPublish = Date.now();
  }
  await sleep(2_000);
}
