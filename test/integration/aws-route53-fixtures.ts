// Shared set-up for the aws-route53-* integration tests: plain SDK clients against moto (no
// retries), hosted zones, and a test middleware that counts calls per operation and the most
// that were ever in flight at once. Faults are injected at the SDK boundary only; everything
// else is a real call to moto.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
  Route53ServiceException,
} from '@aws-sdk/client-route-53';
import type { Owner } from '../../src/aws/types.ts';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function route53Client(endpoint: string): Route53Client {
  return new Route53Client({ region: 'us-east-1', endpoint, maxAttempts: 1, credentials });
}

/**
 * The SDK gzips PutMetricData bodies over 10 KiB; moto 5.2 then answers an HTML 500
 * (BadGzipFile), so compression is off for tests that put many datapoints.
 */
export function cloudwatchClient(endpoint: string, region = 'us-east-1'): CloudWatchClient {
  return new CloudWatchClient({ region, endpoint, maxAttempts: 1, credentials, disableRequestCompression: true });
}

export async function publicZone(r53: Route53Client, name: string): Promise<string> {
  const z = await r53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `test-${name}-${Date.now()}` }));
  return z.HostedZone!.Id!;
}

/** A private zone needs a VPC: one is created in moto's EC2 for it. */
export async function privateZone(r53: Route53Client, endpoint: string, name: string, region = 'us-east-1'): Promise<string> {
  const ec2 = new EC2Client({ region, endpoint, maxAttempts: 1, credentials });
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  ec2.destroy();
  const z = await r53.send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: `test-private-${name}-${Date.now()}`,
      VPC: { VPCId: vpc.Vpc!.VpcId!, VPCRegion: region as 'us-east-1' },
      HostedZoneConfig: { PrivateZone: true },
    }),
  );
  return z.HostedZone!.Id!;
}

/** Every record of a zone, read straight from moto (dedupes moto's page restarts). */
export async function allRecords(r53: Route53Client, zoneId: string): Promise<ResourceRecordSet[]> {
  const out = new Map<string, ResourceRecordSet>();
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type'] } = {};
  for (let page = 0; page < 100; page++) {
    const res = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 300, ...start }));
    for (const r of res.ResourceRecordSets ?? []) out.set(`${r.Name}|${r.Type}|${r.SetIdentifier ?? ''}`, r);
    if (!res.IsTruncated) break;
    start = { StartRecordName: res.NextRecordName, StartRecordType: res.NextRecordType };
  }
  return [...out.values()];
}

export function recordsNamed(records: ResourceRecordSet[], name: string): ResourceRecordSet[] {
  const want = name.toLowerCase().replace(/\.$/, '');
  return records.filter((r) => (r.Name ?? '').toLowerCase().replace(/\.$/, '') === want);
}

export interface CallLog {
  count(operation: string): number;
  maxInFlight(operation: string): number;
  /** Runs (and is awaited) just before the n-th (1-based) call of `operation` leaves. */
  beforeCall(operation: string, n: number, fn: () => void | Promise<void>): void;
  /** Lets a test rewrite the answer of the n-th call (e.g. a change still PENDING). */
  afterCall(operation: string, n: number, fn: (output: Record<string, unknown>) => void): void;
  /** The n-th call of `operation` fails with this error instead of reaching moto. */
  failCall(operation: string, n: number, err: () => Error): void;
}

/** Adds the counting / fault middleware to a client (initialize step: once per command, before SDK retries). */
export function watchCalls(client: { middlewareStack: Route53Client['middlewareStack'] | CloudWatchClient['middlewareStack'] }): CallLog {
  const counts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const max = new Map<string, number>();
  const hooks: { op: string; n: number; fn: () => void | Promise<void> }[] = [];
  const rewrites: { op: string; n: number; fn: (output: Record<string, unknown>) => void }[] = [];
  const faults: { op: string; n: number; err: () => Error }[] = [];
  (client.middlewareStack as Route53Client['middlewareStack']).add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? '').replace(/Command$/, '');
      const n = (counts.get(op) ?? 0) + 1;
      counts.set(op, n);
      for (const h of hooks) if (h.op === op && h.n === n) await h.fn();
      const now = (inFlight.get(op) ?? 0) + 1;
      inFlight.set(op, now);
      max.set(op, Math.max(max.get(op) ?? 0, now));
      try {
        const fault = faults.find((f) => f.op === op && f.n === n);
        if (fault) throw fault.err();
        const result = await next(args);
        for (const r of rewrites) if (r.op === op && r.n === n) r.fn(result.output as unknown as Record<string, unknown>);
        return result;
      } finally {
        inFlight.set(op, (inFlight.get(op) ?? 1) - 1);
      }
    },
    { step: 'initialize', name: 'route53TestCallLog' },
  );
  return {
    count: (op) => counts.get(op) ?? 0,
    maxInFlight: (op) => max.get(op) ?? 0,
    beforeCall: (op, n, fn) => hooks.push({ op, n, fn }),
    afterCall: (op, n, fn) => rewrites.push({ op, n, fn }),
    failCall: (op, n, err) => faults.push({ op, n, err }),
  };
}

/** The error Route 53 sends when throttling (400 Throttling), as the SDK would raise it. */
export function route53Error(name: 'Throttling' | 'PriorRequestNotComplete', message = 'Rate exceeded'): Error {
  return new Route53ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

export function testOwner(name: string, overrides: Partial<Owner> = {}): Owner {
  return { clusterId: 'test-cluster', kind: 'FailoverPolicy', namespace: 'apps', name, uid: `uid-${name}`, userTags: { team: 'orders' }, ...overrides };
}

/** Sleeps recorded, not slept: backoff is exercised without making the tests slow. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; slept: number[] } {
  const slept: number[] = [];
  return { slept, sleep: async (ms) => void slept.push(ms) };
}
