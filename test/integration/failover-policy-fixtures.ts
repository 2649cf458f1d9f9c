// Shared set-up of the FailoverPolicy integration tests: plain SDK clients against moto (read
// back directly, never through the controller's code), policy objects, and metric data that
// stands in for Route 53's checkers and RDS's lag reports.
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { GetHealthCheckCommand, ListHealthChecksCommand, ListResourceRecordSetsCommand, type ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import type { Kube, Obj } from './helpers.ts';

export const EAST = 'us-east-1';
export const WEST = 'us-west-2';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** Route 53 checks every 10 or 30 s from many checkers: a datapoint every 2 s stands in for them. */
const HEALTH_REPUBLISH_MS = 2_000;

export class Aws {
  readonly r53: Route53Client;
  private readonly cws = new Map<string, CloudWatchClient>();
  private readonly rdss = new Map<string, RDSClient>();
  private readonly ec2s = new Map<string, EC2Client>();
  private readonly health = new Map<string, 0 | 1>();
  private healthTimer: NodeJS.Timeout | undefined;
  constructor(readonly endpoint: string) {
    this.r53 = new Route53Client({ region: EAST, endpoint, maxAttempts: 1, credentials });
  }

  cw(region: string): CloudWatchClient {
    let c = this.cws.get(region);
    if (!c) this.cws.set(region, (c = new CloudWatchClient({ region, endpoint: this.endpoint, maxAttempts: 1, credentials, disableRequestCompression: true })));
    return c;
  }

  rds(region: string): RDSClient {
    let c = this.rdss.get(region);
    if (!c) this.rdss.set(region, (c = new RDSClient({ region, endpoint: this.endpoint, maxAttempts: 1, credentials })));
    return c;
  }

  ec2(region: string): EC2Client {
    let c = this.ec2s.get(region);
    if (!c) this.ec2s.set(region, (c = new EC2Client({ region, endpoint: this.endpoint, maxAttempts: 1, credentials })));
    return c;
  }

  async records(zoneId: string, name?: string): Promise<ResourceRecordSet[]> {
    const out = await this.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 300 }));
    const all = out.ResourceRecordSets ?? [];
    return name ? all.filter((r) => r.Name?.replace(/\.$/, '') === name.replace(/\.$/, '')) : all;
  }

  async healthCheckIds(): Promise<string[]> {
    const out = await this.r53.send(new ListHealthChecksCommand({ MaxItems: 1000 }));
    return (out.HealthChecks ?? []).map((h) => h.Id!);
  }

  async healthCheck(id: string) {
    return (await this.r53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck!;
  }

  /**
   * What Route 53's checkers publish: 1 healthy, 0 unhealthy (moto accepts the AWS/ namespace),
   * and not once but continuously, as Route 53 does: the controller judges the share of each
   * minute a check was healthy, so a single datapoint would say little. From the first call on,
   * every check's last value is published again every HEALTH_REPUBLISH_MS until destroy().
   */
  async putHealth(checkId: string, value: 0 | 1): Promise<void> {
    this.health.set(checkId, value);
    this.healthTimer ??= setInterval(() => void this.publishHealth().catch(() => {}), HEALTH_REPUBLISH_MS);
    await this.publishHealth([checkId]);
  }

  /** Stops publishing every check's health (e.g. after moto was reset). */
  forgetHealth(): void {
    this.health.clear();
  }

  private async publishHealth(ids: string[] = [...this.health.keys()]): Promise<void> {
    const now = new Date();
    const data = ids.map((id) => ({
      MetricName: 'HealthCheckStatus',
      Dimensions: [{ Name: 'HealthCheckId', Value: id }],
      Value: this.health.get(id) ?? 1,
      Timestamp: now,
    }));
    for (let i = 0; i < data.length; i += 500) {
      await this.cw(EAST).send(new PutMetricDataCommand({ Namespace: 'AWS/Route53', MetricData: data.slice(i, i + 500) }));
    }
  }

  /** What RDS would publish in the replica's region. */
  async putLag(region: string, identifier: string, seconds: number): Promise<void> {
    await this.cw(region).send(
      new PutMetricDataCommand({
        Namespace: 'AWS/RDS',
        MetricData: [{ MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: identifier }], Value: seconds, Timestamp: new Date() }],
      }),
    );
  }

  destroy(): void {
    clearInterval(this.healthTimer);
    this.r53.destroy();
    for (const c of [...this.cws.values(), ...this.rdss.values(), ...this.ec2s.values()]) c.destroy();
  }
}

export const policyObj = (namespace: string, name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): Obj => ({
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'FailoverPolicy',
  metadata: { name, namespace, ...(annotations && { annotations }) },
  spec,
});

export const bareZoneId = (id: string): string => id.replace('/hostedzone/', '');

/** Removes every policy of a namespace without the controller (finalizers dropped first), so the next case starts empty. */
export async function clearPolicies(kube: Kube, namespace: string): Promise<void> {
  const list = (await kube.api.list('multiregion.dev/v1alpha1', 'FailoverPolicy', namespace)) as unknown as { items: Obj[] };
  for (const p of list.items) {
    await kube.mergePatch({ kind: 'FailoverPolicy', namespace, name: p.metadata.name }, { metadata: { finalizers: null } });
    await kube.delete('FailoverPolicy', namespace, p.metadata.name);
  }
  for (const p of list.items) await kube.waitGone('FailoverPolicy', namespace, p.metadata.name);
}
