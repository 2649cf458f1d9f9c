// Route 53 batching through the AWS module itself (no controller): many policies' failover
// pairs submitted to one zone at once, counted at the wire by the fault proxy. For contrast,
// the same records sent one policy per call, the way a per-object reconciler would.
import { type Change, ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { costOf } from '../../src/aws/route53/batch-cost.ts';
import { ZoneBatcher } from '../../src/aws/route53/batcher.ts';
import { desiredRecords } from '../../src/aws/route53/records.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import type { Stack } from '../env/stack.ts';

export interface Route53Result {
  policies: number;
  records: number;
  recordCost: number;
  expectedCalls: number;
  batchedCalls: number;
  batchedSeconds: number;
  changesPerBatch: number[];
  naiveCalls: number;
  naiveSeconds: number;
}

function pairOf(i: number, zone: string): Change[] {
  const name = `p${i}`;
  return desiredRecords(
    {
      policyName: name,
      recordName: `${name}.${zone}`,
      ttl: 60,
      primary: { target: { ips: [`192.0.2.${i % 250}`] } },
      secondary: { target: { ips: ['198.51.100.1'] } },
    },
    'primary',
  ).map((r) => ({ Action: 'UPSERT', ResourceRecordSet: r }));
}

export async function benchRoute53(stack: Stack, o: { records: number; log: (s: string) => void }): Promise<Route53Result> {
  const proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  const r53 = new Route53Client({
    region: 'us-east-1',
    endpoint: proxy.endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    const zoneOf = async (name: string) =>
      (await r53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `bench-${name}-${Date.now()}` }))).HostedZone!.Id!;
    const policies = Math.ceil(o.records / 2);

    const batchedZone = 'batched.bench.example.com';
    const zoneA = await zoneOf(batchedZone);
    const groups = Array.from({ length: policies }, (_, i) => pairOf(i, batchedZone));
    const recordCost = costOf(groups.flat()).records;
    const batcher = new ZoneBatcher(r53);
    let mark = proxy.calls.length;
    let t0 = Date.now();
    await Promise.all(groups.map((changes, i) => batcher.submit(zoneA, changes, `bench/p${i}`)));
    const batchedSeconds = (Date.now() - t0) / 1000;
    const batchedCalls = proxy.calls.slice(mark).filter((c) => c.operation === 'ChangeResourceRecordSets').length;

    const naiveZone = 'naive.bench.example.com';
    const zoneB = await zoneOf(naiveZone);
    mark = proxy.calls.length;
    t0 = Date.now();
    // One call in flight per zone, as Route 53 requires (PriorRequestNotComplete otherwise).
    for (let i = 0; i < policies; i++) {
      await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneB, ChangeBatch: { Changes: pairOf(i, naiveZone) } }));
    }
    const naiveSeconds = (Date.now() - t0) / 1000;
    const naiveCalls = proxy.calls.slice(mark).filter((c) => c.operation === 'ChangeResourceRecordSets').length;

    const result: Route53Result = {
      policies,
      records: policies * 2,
      recordCost,
      expectedCalls: Math.ceil(recordCost / 1000),
      batchedCalls,
      batchedSeconds,
      changesPerBatch: batcher.stats.changesPerBatch,
      naiveCalls,
      naiveSeconds,
    };
    o.log(
      `  ${result.records} records (cost ${recordCost}): ${batchedCalls} ChangeResourceRecordSets calls batched (expected ${result.expectedCalls}) in ` +
        `${batchedSeconds.toFixed(1)} s; one-per-policy: ${naiveCalls} calls in ${naiveSeconds.toFixed(1)} s`,
    );
    return result;
  } finally {
    r53.destroy();
    await proxy.stop();
  }
}
