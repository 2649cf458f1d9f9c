// A fleet for the tests (docs/multi-cluster.md): members, each a cluster of its own (a real
// apiserver + etcd) with a controller talking to the one moto through a fault proxy of its own
// (so each proxy's call log says what that member did, with timestamps), and the DynamoDB table
// that holds the fleet lease. Moto models one Region: the table lives in one of moto's Regions,
// and a member "in" another Region reaches it there (production: that Region's replica of an
// MRSC global table).
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KubeConfig } from '@kubernetes/client-node';
import { LEASE_KEY_ATTRIBUTE } from '../../src/aws/dynamodb/lease-table.ts';
import { Kube } from '../integration/helpers.ts';
import { type ControllerProcess, metricValue, startController } from './controller.ts';
import { FaultProxy } from './fault-proxy.ts';
import { startKube } from './kube.ts';
import { installCrds } from './stack.ts';

export const LEASE_TABLE = 'mrc-fleet-lease';
/** Where moto keeps the table (it models one Region per store). */
export const LEASE_TABLE_REGION = 'us-east-1';
/** Short, so a takeover costs seconds: lease 6 s, renew deadline 4 s (1 s clock-skew margin and more), retry 1 s. */
export const FLEET_TIMING = { leaseMs: 6_000, renewDeadlineMs: 4_000, retryMs: 1_000 } as const;

export interface Cluster {
  kubeconfigPath: string;
  kc: KubeConfig;
  kube: Kube;
  stop(): Promise<void>;
}

/** A second (third…) cluster: its own apiserver and etcd, with the CRDs installed. */
export async function startCluster(): Promise<Cluster> {
  const k = await startKube();
  const kc = new KubeConfig();
  kc.loadFromFile(k.kubeconfigPath);
  try {
    await installCrds(kc);
  } catch (e) {
    await k.stop();
    throw e;
  }
  return { kubeconfigPath: k.kubeconfigPath, kc, kube: new Kube(kc), stop: () => k.stop() };
}

export async function createLeaseTable(motoEndpoint: string): Promise<void> {
  const db = new DynamoDBClient({
    region: LEASE_TABLE_REGION,
    endpoint: motoEndpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    await db.send(
      new CreateTableCommand({
        TableName: LEASE_TABLE,
        KeySchema: [{ AttributeName: LEASE_KEY_ATTRIBUTE, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: LEASE_KEY_ATTRIBUTE, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } finally {
    db.destroy();
  }
}

/** One member: its cluster, its fault proxy (kept across restarts: one call log), its controller process when running. */
export class Member {
  c: ControllerProcess | undefined;
  readonly logs: string[] = [];

  constructor(
    readonly label: string,
    readonly cluster: Cluster,
    readonly proxy: FaultProxy,
    private readonly args: string[],
  ) {}

  static async create(label: string, cluster: Cluster, motoEndpoint: string, o: { fleetId: string; extraArgs?: string[] }): Promise<Member> {
    const proxy = new FaultProxy(motoEndpoint);
    await proxy.start();
    const args = [
      `--fleet-id=${o.fleetId}`,
      `--coordination-table=${LEASE_TABLE}`,
      `--coordination-region=${LEASE_TABLE_REGION}`,
      `--coordination-lease-duration=${FLEET_TIMING.leaseMs}ms`,
      `--coordination-renew-deadline=${FLEET_TIMING.renewDeadlineMs}ms`,
      `--coordination-retry-period=${FLEET_TIMING.retryMs}ms`,
      ...(o.extraArgs ?? []),
    ];
    return new Member(label, cluster, proxy, args);
  }

  async start(): Promise<ControllerProcess> {
    this.c = await startController({ kubeconfigPath: this.cluster.kubeconfigPath, awsEndpoint: this.proxy.endpoint, clusterId: this.label, args: this.args });
    return this.c;
  }

  async kill(): Promise<void> {
    if (!this.c) return;
    await this.c.kill();
    this.logs.push(this.c.logs());
    this.c = undefined;
  }

  /** Whether the running controller acts for the fleet (its multiregion_fleet_acting gauge). */
  async acting(): Promise<boolean> {
    if (!this.c) return false;
    const page = await (await fetch(this.c.metricsUrl)).text();
    return metricValue(page, 'multiregion_fleet_acting') === 1;
  }

  allLogs(): string {
    return [...this.logs, this.c?.logs() ?? ''].join('\n');
  }

  async stop(): Promise<void> {
    await this.kill();
    await this.proxy.stop();
  }
}
