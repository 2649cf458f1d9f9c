// `make drill` on a running `make local` stack, two modes (DRILL_TYPE):
// - Switchover (default): a Switchover drill of the example FailoverPolicy, the real planned
//   switchover to the standby and back through the failover state machine. It gives the policy a
//   drill window that is open now (spec.drill: type Switchover, a daily slot at this minute UTC,
//   windowMinutes 30), asks for the drill with the drill-now annotation, and plays RDS's and Route
//   53's part: both sides healthy, the replica's lag, and lag 0 for the replica being promoted once
//   the minute after its fence has begun (RDS publishes per minute; a planned switch promotes at
//   lag 0 measured after the fence). At the end it prints each direction's timeline (the CLI's
//   text rendering) and exits 0 if the drill succeeded, 2 otherwise.
// - Automatic: the old exercise, a real unplanned failover: Automatic mode with a short
//   unhealthyForSeconds and the primary's health check reported unhealthy.
// Route 53's checkers are HealthCheckStatus datapoints in moto's CloudWatch, which is what the
// controller watches.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { FailoverPolicy } from '../../src/api/types.ts';
import { buildTimeline } from '../../src/cli/timeline.ts';
import { renderTimelineText } from '../../src/cli/timeline-text.ts';
import { motoEnv } from './moto.ts';
import { repoRoot } from './stack.ts';

const NS = process.env.DRILL_NAMESPACE ?? 'apps';
const NAME = process.env.DRILL_POLICY ?? 'orders';
const TYPE = process.env.DRILL_TYPE ?? 'Switchover';
const TIMEOUT_MS = Number(process.env.DRILL_TIMEOUT_MS ?? (TYPE === 'Switchover' ? 10 : 5) * 60_000);
// make local seeds the example's zone and database in this account, reached through this role.
const ROLE = process.env.DRILL_ROLE_ARN ?? 'arn:aws:iam::111111111111:role/multiregion';
const say = (s: string) => console.log(`[make drill] ${s}`);

if (TYPE !== 'Switchover' && TYPE !== 'Automatic') {
  console.error(`[make drill] DRILL_TYPE must be Switchover (default) or Automatic, not ${TYPE}`);
  process.exit(1);
}
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
const patch = (body: { spec?: unknown; metadata?: Record<string, unknown> }) =>
  api.patch(
    { ...ref, ...body, metadata: { ...ref.metadata, ...body.metadata } } as KubernetesObject,
    undefined,
    undefined,
    'make-drill',
    undefined,
    PatchStrategy.MergePatch,
  );

const credentials = fromTemporaryCredentials({ params: { RoleArn: ROLE, RoleSessionName: 'make-drill' }, clientConfig: { region: 'us-east-1', endpoint } });
const clients = new Map<string, unknown>();
function client<T>(kind: string, region: string, make: () => T): T {
  const key = `${kind}/${region}`;
  if (!clients.has(key)) clients.set(key, make());
  return clients.get(key) as T;
}
const cw = (region: string) =>
  client('cw', region, () => new CloudWatchClient({ region, endpoint, credentials, disableRequestCompression: true, maxAttempts: 2 }));
const rds = (region: string) => client('rds', region, () => new RDSClient({ region, endpoint, credentials, maxAttempts: 2 }));
const ec2 = (region: string) => client('ec2', region, () => new EC2Client({ region, endpoint, credentials, maxAttempts: 2 }));
const put = (region: string, namespace: string, datum: MetricDatum) =>
  cw(region).send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ ...datum, Timestamp: new Date() }] }));
const health = (checkId: string, value: 0 | 1): MetricDatum => ({
  MetricName: 'HealthCheckStatus',
  Dimensions: [{ Name: 'HealthCheckId', Value: checkId }],
  Value: value,
});
const lag = (identifier: string, seconds: number): MetricDatum => ({
  MetricName: 'ReplicaLag',
  Dimensions: [{ Name: 'DBInstanceIdentifier', Value: identifier }],
  Value: seconds,
});

let policy = await read();
const ids = policy.status?.healthCheckIds ?? {};
if (!ids.primary || !ids.secondary) {
  console.error(`[make drill] ${NS}/${NAME} has no health check ids in status yet; wait for it to be Ready (kubectl get fp -A).`);
  process.exit(1);
}
const elapsed = (started: number) => `${Math.round((Date.now() - started) / 1000)}s`;

if (TYPE === 'Switchover') await switchoverDrill();
else await automaticFailover();

/**
 * moto gives a cross-region replica the SOURCE's security group ids, which do not exist in its
 * own region (AWS gives it groups of that region), so fencing it on the way back would fail: the
 * replica is moved onto its region's default group first, as the integration tests do.
 */
async function regionDefaultGroup(region: string, identifier: string): Promise<void> {
  const groups = (await ec2(region).send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }))).SecurityGroups ?? [];
  const sg = groups[0]?.GroupId;
  const inst = (await rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances?.[0];
  if (!sg || !inst || inst.VpcSecurityGroups?.some((g) => g.VpcSecurityGroupId === sg)) return;
  await rds(region).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: identifier, VpcSecurityGroupIds: [sg], ApplyImmediately: true }));
}

async function switchoverDrill(): Promise<never> {
  const t = new Date();
  const drill = { type: 'Switchover', schedule: `${t.getUTCMinutes()} ${t.getUTCHours()} * * *`, timeZone: 'UTC', windowMinutes: 30 };
  await patch({ spec: { drill } });
  say(`spec.drill: ${JSON.stringify(drill)} (a window open now, for 30 min)`);
  // The standby must be ready (health and a fresh replica lag) or the drill refuses to start.
  const replica0 = policy.status?.database?.replica;
  const readyAt = Date.now();
  for (;;) {
    await put('us-east-1', 'AWS/Route53', health(ids.primary, 1));
    await put('us-east-1', 'AWS/Route53', health(ids.secondary, 1));
    if (replica0?.identifier) await put(replica0.region, 'AWS/RDS', lag(replica0.identifier, 1));
    policy = await read();
    const ready = (policy.status?.conditions ?? []).find((c: { type: string }) => c.type === 'FailoverReady');
    if (ready?.status === 'True') break;
    if (Date.now() - readyAt > 180_000) {
      say(`FailoverReady is not True after 180s (${ready?.reason}: ${ready?.message}); see kubectl describe fp -n ${NS} ${NAME}`);
      process.exit(2);
    }
    say(`waiting for FailoverReady=True (now ${ready?.status ?? '?'} ${ready?.reason ?? ''}); both sides healthy, replica lag 1s reported`);
    await sleep(10_000);
  }
  const trigger = new Date().toISOString();
  await patch({ metadata: { annotations: { 'multiregion.dev/drill-now': trigger } } });
  say(`multiregion.dev/drill-now=${trigger}: following status for up to ${TIMEOUT_MS / 1000}s`);
  const started = Date.now();
  let lastLine = '';
  let lastPublish = 0;
  const moved = new Set<string>();
  for (;;) {
    policy = await read();
    const st = policy.status ?? {};
    const d = st.lastDrill;
    if (d?.trigger === trigger && d.completedAt) return report(d);
    const ip = st.inProgress;
    const sw = st.drillInProgress?.switchover;
    const replica = st.database?.replica;
    const writer = `${st.database?.writer?.identifier ?? '?'}@${st.database?.writer?.region ?? '?'}`;
    const line =
      `drill=${sw?.phase ?? '-'} active=${st.activeRegion ?? '-'} writer=${writer}` +
      `${ip ? ` ${ip.reason} ${ip.from}→${ip.to} step=${ip.step}` : ''}` +
      `${st.drillInProgress?.waitingFor ? ` (waiting for ${st.drillInProgress.waitingFor})` : ''}`;
    if (line !== lastLine) say(`${elapsed(started)} ${line}`);
    lastLine = line;
    if (replica?.identifier && !moved.has(replica.identifier)) {
      await regionDefaultGroup(replica.region, replica.identifier).then(
        () => moved.add(replica.identifier),
        () => undefined, // not created yet: next round
      );
    }
    // A planned switch promotes at lag 0 measured after the fence: reported once the minute after the fence has begun.
    const fencedAt = ip?.step === 'Fenced' ? Date.parse(ip.stepAt ?? ip.startedAt) : Number.NaN;
    const caughtUp = Number.isFinite(fencedAt) && Date.now() >= Math.ceil((fencedAt + 1) / 60_000) * 60_000 + 1_000;
    if (caughtUp || Date.now() - lastPublish > 15_000) {
      await put('us-east-1', 'AWS/Route53', health(ids.primary, 1));
      await put('us-east-1', 'AWS/Route53', health(ids.secondary, 1));
      if (caughtUp) await put(ip.to, 'AWS/RDS', lag(ip.toIdentifier, 0));
      else if (replica?.identifier) await put(replica.region, 'AWS/RDS', lag(replica.identifier, 1));
      if (caughtUp) await patch({ metadata: { annotations: { 'multiregion.dev/reconcile-now': String(Date.now()) } } });
      lastPublish = Date.now();
    }
    if (Date.now() - started > TIMEOUT_MS) {
      say(`the drill did not end within ${TIMEOUT_MS / 1000}s; see .local/controller.log and kubectl describe fp -n ${NS} ${NAME}`);
      process.exit(2);
    }
    await sleep(2_000);
  }
}

function report(d: any): never {
  say(`drill ${d.result}: ${d.message ?? ''}`);
  // The CLI's own rendering (`multiregion timeline NAME drill`): both directions, step by step.
  console.log(`\n${renderTimelineText(buildTimeline(policy as unknown as FailoverPolicy, new Date(), 'drill'))}`);
  say(`kubectl --kubeconfig .local/kubeconfig get fp -n ${NS} ${NAME} -o yaml   # status.lastDrill in full`);
  process.exit(d.result === 'Succeeded' ? 0 : 2);
}

async function automaticFailover(): Promise<never> {
  const from = policy.status?.activeRegion ?? policy.spec.database?.primary.region;
  const replica = policy.status?.database?.replica ?? {
    region: policy.spec.database?.replica.region,
    identifier: policy.spec.database?.replica.instanceIdentifier,
  };
  say(`${NS}/${NAME}: active ${from}, primary check ${ids.primary}, secondary check ${ids.secondary}, replica ${replica.identifier} in ${replica.region}`);
  if (policy.spec.failover?.mode !== 'Automatic') {
    await patch({ spec: { failover: { mode: 'Automatic', unhealthyForSeconds: 10, activeRegion: null } } });
    say('switched spec.failover to mode Automatic, unhealthyForSeconds 10 (merge patch; the example is Manual)');
  }
  // Route 53's checkers and RDS publish about once a minute; the controller only trusts fresh data.
  const publish = async (): Promise<void> => {
    await put('us-east-1', 'AWS/Route53', health(ids.primary, 0));
    await put('us-east-1', 'AWS/Route53', health(ids.secondary, 1));
    if (replica.identifier && replica.region) await put(replica.region, 'AWS/RDS', lag(replica.identifier, 1));
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
    const line =
      `phase=${st.phase ?? '-'} active=${st.activeRegion ?? '-'}${step} health=${st.health?.primary ?? '?'}/${st.health?.secondary ?? '?'} ` +
      `FailoverReady=${ready?.status ?? '?'} (${ready?.reason ?? ''})`;
    if (line !== lastLine) say(`${elapsed(started)} ${line}`);
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
}
