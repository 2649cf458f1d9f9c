// Shared pieces of the reliability suite: the RegionPair fixtures, a census of live AWS
// resources read with the SDK (not through the controller), and the run-wide tally that
// summary.test.ts prints at the end.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeFlowLogsCommand,
  DescribeRouteTablesCommand,
  DescribeTransitGatewayPeeringAttachmentsCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  EC2Client,
  type Tag,
} from '@aws-sdk/client-ec2';
import { parse } from 'yaml';
import { tagsToMap } from '../../src/aws/tags.ts';
import { type SeededVpc, seedVpc } from '../env/seed.ts';
import { ENV } from '../env/stack.ts';
import type { Obj } from '../integration/helpers.ts';

export const REGIONS = ['us-east-1', 'us-west-2'] as const;
export const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const CLUSTER_TAG = 'multiregion.dev/cluster';
export const OWNER_TAG = 'multiregion.dev/owner';

export const ec2 = (endpoint: string, region: string) => new EC2Client({ region, endpoint, maxAttempts: 1, credentials: creds });
export const logs = (endpoint: string, region: string) => new CloudWatchLogsClient({ region, endpoint, maxAttempts: 1, credentials: creds });

export const side = (region: string, v: SeededVpc, extra: Record<string, unknown> = {}) => ({
  region,
  vpcAttachments: [{ vpcId: v.vpcId, subnetIds: v.subnetIds, routeTableIds: [v.routeTableId] }],
  cidrs: [v.cidr],
  ...extra,
});

export const pairSpec = (east: SeededVpc, west: SeededVpc, extra: Record<string, unknown> = {}) => ({
  primary: side('us-east-1', east),
  secondary: side('us-west-2', west),
  flowLogs: { enabled: true, retentionDays: 14, deliveryRoleArn: 'arn:aws:iam::123456789012:role/flow-logs' },
  ...extra,
});

export const pairObj = (ns: string, name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): Obj => ({
  apiVersion: 'multiregion.dev/v1alpha1',
  kind: 'RegionPair',
  metadata: { name, namespace: ns, ...(annotations && { annotations }) },
  spec,
});

export async function seedBoth(endpoint: string, secondCidr = '10.1.0.0/16', firstCidr = '10.0.0.0/16'): Promise<[SeededVpc, SeededVpc]> {
  return Promise.all([seedVpc({ endpoint }, 'us-east-1', firstCidr), seedVpc({ endpoint }, 'us-west-2', secondCidr)]);
}

const live = (s?: string) => !['deleted', 'deleting', 'rejected', 'failed'].includes(s ?? '');

export interface Census {
  tgws: number;
  routeTables: number;
  vpcAttachments: number;
  peerings: number;
  flowLogs: number;
  logGroups: number;
  vpcRoutes: number;
}
export const emptyCensus = (): Census => ({ tgws: 0, routeTables: 0, vpcAttachments: 0, peerings: 0, flowLogs: 0, logGroups: 0, vpcRoutes: 0 });

/**
 * Live resources in one region. `owner` = "<ns>/<name>" limits TGWs and route tables to those
 * carrying our owner tag (and `cluster` our cluster tag); attachments, peerings, flow logs and
 * VPC routes are counted on our TGWs. Peerings: only entries requested from one of our TGWs
 * (moto lists a second, requester-less entry after a same-account accept).
 */
export async function census(endpoint: string, region: string, f: { owner?: string; cluster?: string } = {}): Promise<Census & { tgwIds: string[] }> {
  const c = ec2(endpoint, region);
  try {
    const mine = (tags?: Tag[]) => {
      const t = tagsToMap(tags);
      return (!f.owner || t[OWNER_TAG] === f.owner) && (!f.cluster || t[CLUSTER_TAG] === f.cluster);
    };
    const tgws = ((await c.send(new DescribeTransitGatewaysCommand({}))).TransitGateways ?? []).filter((t) => live(t.State) && mine(t.Tags));
    const ids = new Set(tgws.map((t) => t.TransitGatewayId!));
    const rts = ((await c.send(new DescribeTransitGatewayRouteTablesCommand({}))).TransitGatewayRouteTables ?? []).filter(
      (t) => live(t.State) && !t.DefaultAssociationRouteTable && ids.has(t.TransitGatewayId!) && mine(t.Tags),
    );
    const atts = ((await c.send(new DescribeTransitGatewayVpcAttachmentsCommand({}))).TransitGatewayVpcAttachments ?? []).filter(
      (a, i, all) =>
        live(a.State) && ids.has(a.TransitGatewayId!) && !!a.VpcId && all.findIndex((b) => b.TransitGatewayAttachmentId === a.TransitGatewayAttachmentId) === i,
    );
    if (process.env.MRC_RELIABILITY_DEBUG)
      console.log(`# ${region} vpc attachments`, JSON.stringify(atts.map((a) => [a.TransitGatewayAttachmentId, a.VpcId, a.State, a.TransitGatewayId])));
    const peers = ((await c.send(new DescribeTransitGatewayPeeringAttachmentsCommand({}))).TransitGatewayPeeringAttachments ?? []).filter(
      (p) => live(p.State) && ids.has(p.RequesterTgwInfo?.TransitGatewayId ?? ''),
    );
    const fls = ((await c.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? []).filter((l) => ids.has(l.ResourceId ?? ''));
    const routes = ((await c.send(new DescribeRouteTablesCommand({}))).RouteTables ?? [])
      .flatMap((t) => t.Routes ?? [])
      .filter((r) => ids.has(r.TransitGatewayId ?? ''));
    const l = logs(endpoint, region);
    const groups = (await l.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/tgw/' }))).logGroups ?? [];
    l.destroy();
    return {
      tgws: tgws.length,
      routeTables: rts.length,
      vpcAttachments: atts.length,
      peerings: peers.length,
      flowLogs: fls.length,
      logGroups: groups.length,
      vpcRoutes: routes.length,
      tgwIds: [...ids],
    };
  } finally {
    c.destroy();
  }
}

/** What one converged two-sided pair with flow logs holds per region. */
export const expectedPerRegion = (region: string): Census => ({
  tgws: 1,
  routeTables: 1,
  vpcAttachments: 1,
  peerings: region === 'us-east-1' ? 1 : 0,
  flowLogs: 1,
  logGroups: 1,
  vpcRoutes: 1,
});

/** Resources of a kind above the expected number (duplicates). Log groups are shared by name, so never duplicated. */
export function duplicates(got: Census, want: Census): string[] {
  return (Object.keys(want) as Array<keyof Census>).filter((k) => got[k] > want[k]).map((k) => `${k}: ${got[k]} > ${want[k]}`);
}
/** Anything left after delete (the controller deletes the log group it created too). */
export function leaks(got: Census): string[] {
  return (Object.keys(got) as Array<keyof Census>).filter((k) => typeof got[k] === 'number' && got[k] > 0).map((k) => `${k}: ${got[k]}`);
}

// ---- the run-wide tally: one JSON line per fact, in a file shared by the test files of one run.
export interface Tally {
  faults?: Record<string, number>;
  crashPoints?: number;
  duplicates?: number;
  leaks?: number;
  lostUpdates?: number;
  badInputsTried?: number;
  badInputsRejected?: number;
  crashes?: number;
  secretsLeaked?: number;
  foreignTouched?: number;
  /** Regional outage rows: two instances taking writes at the end, failovers that never completed, steps lost or repeated. */
  twoWriters?: number;
  stalledFailovers?: number;
  lostSteps?: number;
  note?: string;
  /** Any other counter a file reports: the summary sums it as a bad count, which must be 0. */
  [counter: string]: number | string | Record<string, number> | undefined;
}
// The files of one `node --test` run are children of the same runner: its pid keys the file
// (test/env/run-lanes.ts, whose files have runners of their own, names one file for the run).
export const tallyPath = process.env.MRC_RELIABILITY_TALLY ?? join(tmpdir(), `mrc-reliability-${process.ppid}.jsonl`);
export function record(t: Tally & { file: string }): void {
  appendFileSync(tallyPath, JSON.stringify(t) + '\n');
}
export function readTally(): Array<Tally & { file: string }> {
  if (!existsSync(tallyPath)) return [];
  return readFileSync(tallyPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Controller logs of the whole run, for the secret scan. */
export const logDir = process.env.MRC_RELIABILITY_LOGS ?? join(tmpdir(), `mrc-reliability-logs-${process.ppid}`);
export function keepLogs(label: string, text: string): void {
  mkdirSync(logDir, { recursive: true });
  writeFileSync(join(logDir, `${label}-${process.pid}-${Date.now()}.log`), text);
  keepStackToken();
}

let stackTokenKept = false;
/** In lanes every file may talk to another apiserver: its admin token joins the scanned secrets. */
function keepStackToken(): void {
  const path = process.env[ENV.kubeconfig];
  if (stackTokenKept || !path) return;
  stackTokenKept = true;
  const token = (parse(readFileSync(path, 'utf8')) as { users?: Array<{ user?: { token?: string } }> }).users?.[0]?.user?.token;
  if (token) keepSecret(token);
}

/** A secret value (e.g. a private apiserver's admin token) the secret scan must not find in any log. */
export function keepSecret(value: string): void {
  mkdirSync(logDir, { recursive: true });
  appendFileSync(join(logDir, 'secrets.txt'), value + '\n', { mode: 0o600 });
}

/** Secrets injected into every controller of the suite: they must never appear in a log. */
export const CANARY = {
  secretKey: 'mrcCanarySecretKey0000000000000000000000',
  sessionToken: 'mrcCanarySessionToken11111111111111111111',
};
