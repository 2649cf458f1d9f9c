// Shared setup for the ClientConnection integration tests: a Ready RegionPair (made by the
// controller), a client VPC attached to the pair's primary TGW, and readers that look at AWS
// with the SDK directly (never through the controller's code).
import { CloudWatchClient, DescribeAlarmsCommand, GetDashboardCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeQueryDefinitionsCommand, type QueryDefinition } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTransitGatewayVpcAttachmentCommand, EC2Client, SearchTransitGatewayRoutesCommand } from '@aws-sdk/client-ec2';
import { API_VERSION } from '../../src/api/types.ts';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { seedVpc } from '../env/seed.ts';
import type { Stack } from '../env/stack.ts';
import type { Kube, Obj } from './helpers.ts';

export const PAIR_NS = 'cc-platform';
export const CLIENT_NS = 'cc-clients';
export const OTHER_NS = 'cc-stranger';
export const SNS = 'arn:aws:sns:us-east-1:123456789012:client-alerts';
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface World {
  ctrl: ControllerProcess;
  proxy: FaultProxy;
  pairName: string;
  pair: Obj;
  attachmentId: string;
  routeTableId: string;
}

export const ec2 = (stack: Stack, region = 'us-east-1') => new EC2Client({ region, endpoint: stack.motoEndpoint, maxAttempts: 1, credentials: creds });
export const cw = (stack: Stack, region = 'us-east-1') => new CloudWatchClient({ region, endpoint: stack.motoEndpoint, maxAttempts: 1, credentials: creds });

/** Controller behind a call-counting proxy, a Ready pair, and a client attachment on its primary TGW. */
export async function setUpWorld(stack: Stack, kube: Kube, pairName: string, args: string[] = []): Promise<World> {
  const proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  const endpoint = { endpoint: stack.motoEndpoint };
  const [east, west, client] = await Promise.all([
    seedVpc(endpoint, 'us-east-1', '10.0.0.0/16'),
    seedVpc(endpoint, 'us-west-2', '10.1.0.0/16'),
    seedVpc(endpoint, 'us-east-1', '172.16.0.0/16'),
  ]);
  // No SDK retries: the proxy's call log then counts each AWS call once.
  const ctrl = await startController({ kubeconfigPath: stack.kubeconfigPath, awsEndpoint: proxy.endpoint, args: ['--aws-max-attempts=1', ...args] });
  await kube.apply({
    apiVersion: API_VERSION,
    kind: 'RegionPair',
    metadata: { name: pairName, namespace: PAIR_NS },
    spec: {
      primary: {
        region: 'us-east-1',
        vpcAttachments: [{ vpcId: east.vpcId, subnetIds: east.subnetIds, routeTableIds: [east.routeTableId] }],
        cidrs: ['10.0.0.0/16'],
      },
      secondary: {
        region: 'us-west-2',
        vpcAttachments: [{ vpcId: west.vpcId, subnetIds: west.subnetIds, routeTableIds: [west.routeTableId] }],
        cidrs: ['10.1.0.0/16'],
      },
      flowLogs: { enabled: true, deliveryRoleArn: 'arn:aws:iam::123456789012:role/flow-logs' },
      allowedNamespaces: [CLIENT_NS],
    },
  });
  const pair = await kube.waitCondition('RegionPair', PAIR_NS, pairName, 'Ready', 'True', undefined, 90_000);
  const att = await ec2(stack).send(
    new CreateTransitGatewayVpcAttachmentCommand({
      TransitGatewayId: pair.status.primary.transitGatewayId,
      VpcId: client.vpcId,
      SubnetIds: client.subnetIds,
    }),
  );
  return {
    ctrl,
    proxy,
    pairName,
    pair,
    attachmentId: att.TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!,
    routeTableId: pair.status.primary.routeTableId,
  };
}

export function clientObj(w: World, name: string, cidrs: string[], extra: Record<string, unknown> = {}, namespace = CLIENT_NS): Obj {
  return {
    apiVersion: API_VERSION,
    kind: 'ClientConnection',
    metadata: { name, namespace },
    spec: {
      regionPairRef: { name: w.pairName, namespace: PAIR_NS },
      side: 'primary',
      client: { displayName: `Client ${name}`, cidrs },
      attachment: { type: 'vpc', id: w.attachmentId },
      alarms: { rejectedPacketsPerFiveMinutes: 1000, bandwidthBytesPerSecond: 1e9, snsTopicArn: SNS },
      ...extra,
    },
  };
}

export async function dashboard(stack: Stack, name: string): Promise<any | undefined> {
  try {
    const d = await cw(stack).send(new GetDashboardCommand({ DashboardName: name }));
    return JSON.parse(d.DashboardBody ?? '{}');
  } catch (e) {
    if (/NotFound|does not exist/i.test(`${(e as Error).name} ${(e as Error).message}`)) return undefined;
    throw e;
  }
}

export async function alarms(stack: Stack, prefix: string): Promise<MetricAlarm[]> {
  return (await cw(stack).send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }))).MetricAlarms ?? [];
}

/** Saved Logs Insights queries whose name starts with the prefix, read with the SDK. */
export async function queryDefinitions(stack: Stack, prefix: string): Promise<QueryDefinition[]> {
  const logs = new CloudWatchLogsClient({ region: 'us-east-1', endpoint: stack.motoEndpoint, credentials: creds });
  const out: QueryDefinition[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: prefix, maxResults: 1000, nextToken }));
    out.push(...(page.queryDefinitions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

export async function staticRoutes(stack: Stack, routeTableId: string): Promise<string[]> {
  const r = await ec2(stack).send(
    new SearchTransitGatewayRoutesCommand({ TransitGatewayRouteTableId: routeTableId, Filters: [{ Name: 'type', Values: ['static'] }] }),
  );
  return (r.Routes ?? [])
    .filter((x) => x.State !== 'deleted')
    .map((x) => x.DestinationCidrBlock!)
    .sort();
}

/** A distinct /24 for the i-th of many clients (100.64.0.0/10, shared address space). */
export const clientCidr = (i: number): string => `100.${64 + Math.floor(i / 256)}.${i % 256}.0/24`;

/** Leaves the apiserver empty for the next case: stop the controller, drop finalizers, delete. */
export async function tearDown(kube: Kube, w: World | undefined): Promise<void> {
  await w?.ctrl.stop();
  await w?.proxy.stop();
  for (const [kind, ns] of [
    ['ClientConnection', CLIENT_NS],
    ['ClientConnection', OTHER_NS],
    ['RegionPair', PAIR_NS],
  ] as const) {
    const list = (await kube.api.list(API_VERSION, kind, ns)) as unknown as { items: Obj[] };
    await Promise.all(
      list.items.map(async (o) => {
        await kube.mergePatch({ kind, namespace: ns, name: o.metadata.name }, { metadata: { finalizers: null } }).catch(() => undefined);
        await kube.delete(kind, ns, o.metadata.name);
      }),
    );
  }
}

export const widgetsOf = (body: any): any[] => (body?.widgets ?? []) as any[];
export const logQueries = (body: any): string[] =>
  widgetsOf(body)
    .filter((w) => w.type === 'log')
    .map((w) => String(w.properties?.query ?? ''));
