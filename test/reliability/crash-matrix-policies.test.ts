// Crash matrix for FailoverPolicy (DNS only): for every mutating AWS call a policy makes while
// converging and while deleting (discovered from a clean run's call log), the controller is
// SIGKILLed right after AWS applied the call; a new process must converge with exactly two
// health checks and the records of a clean run, and deleting must leave no check or record.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { type CallInfo, FaultProxy } from '../env/fault-proxy.ts';
import { seedHostedZone } from '../env/seed.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { Aws, clearPolicies, EAST, policyObj, WEST } from '../integration/failover-policy-fixtures.ts';
import { Kube, type Obj, uniqueName } from '../integration/helpers.ts';
import { CrashKit, type CrashResult, crashRounds, failedPoints, mutatingPoints, recordCrashMatrix } from './crash-kit.ts';

const NS = 'rel-crash-fp';
let stack: Stack;
let kube: Kube;
let aws: Aws;
let proxy: FaultProxy;
let kit: CrashKit;

const check = { type: 'HTTPS', path: '/health/deep', port: 443 };
const spec = (zone: string, name: string) => ({
  dns: {
    hostedZoneId: zone,
    recordName: `${name}.example.com`,
    ttl: 30,
    primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: check },
    secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: check },
  },
});

async function fresh(): Promise<string> {
  proxy.clear();
  proxy.calls.length = 0;
  await clearPolicies(kube, NS);
  await stack.resetMoto();
  return seedHostedZone({ endpoint: stack.motoEndpoint }, 'example.com');
}

/** Our records of a zone, the policy's name replaced so that runs compare (the zone's SOA/NS aside). */
async function recordKeys(zone: string, name: string): Promise<{ keys: string[]; recs: ResourceRecordSet[] }> {
  const recs = (await aws.records(zone)).filter((r) => r.Type !== 'SOA' && r.Type !== 'NS');
  return { recs, keys: recs.map((r) => `${r.Name?.split(name).join('<n>')}|${r.Type}|${r.SetIdentifier?.split(name).join('<n>') ?? ''}`).sort() };
}

/** Duplicates, strays and dangling references after converging, against the clean run's records. */
async function auditConverged(zone: string, o: Obj, cleanKeys: string[]): Promise<string[]> {
  const bad: string[] = [];
  const ids = await aws.healthCheckIds();
  const mine = [o.status?.healthCheckIds?.primary, o.status?.healthCheckIds?.secondary].filter(Boolean) as string[];
  if (ids.length !== 2) bad.push(`health checks: ${ids.length} (want 2)`);
  for (const id of ids) if (!mine.includes(id)) bad.push(`health check ${id} not in status`);
  const { keys, recs } = await recordKeys(zone, o.metadata.name);
  for (const k of keys) if (keys.filter((x) => x === k).length > cleanKeys.filter((x) => x === k).length) bad.push(`record ${k} beyond the clean run`);
  for (const k of cleanKeys) if (!keys.includes(k)) bad.push(`record ${k} missing`);
  for (const r of recs)
    if (r.HealthCheckId && !ids.includes(r.HealthCheckId)) bad.push(`record ${r.SetIdentifier} points at a deleted check ${r.HealthCheckId}`);
  return [...new Set(bad)];
}
async function auditDeleted(zone: string): Promise<string[]> {
  const ids = await aws.healthCheckIds();
  const { recs } = await recordKeys(zone, '\u0000');
  return [...ids.map((id) => `health check ${id}`), ...recs.map((r) => `record ${r.Name} ${r.Type} ${r.SetIdentifier ?? ''}`)];
}

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  aws = new Aws(stack.motoEndpoint);
  await kube.ensureNamespace(NS);
  proxy = new FaultProxy(stack.motoEndpoint);
  await proxy.start();
  kit = new CrashKit({ kubeconfigPath: stack.kubeconfigPath, proxy, label: 'crash-fp' });
});
after(async () => {
  await kit.stop();
  await clearPolicies(kube, NS);
  await proxy.stop();
  aws.destroy();
  await stack.stop();
});

describe('FailoverPolicy crash matrix (DNS only)', () => {
  const converge: string[] = [];
  const deletion: string[] = [];
  const cleanKeys: string[] = [];
  const results: CrashResult[] = [];

  test('a clean run lists the mutating calls of converge and delete', async () => {
    const zone = await fresh();
    await kit.current();
    const name = uniqueName('clean');
    await kube.apply(policyObj(NS, name, spec(zone, name)));
    await kube.waitCondition('FailoverPolicy', NS, name, 'Ready', 'True', undefined, 60_000);
    // Late writes of the converge (tags, registry) land before the split.
    await sleep(1500);
    cleanKeys.push(...(await recordKeys(zone, name)).keys);
    const split = proxy.calls.length;
    await kube.delete('FailoverPolicy', NS, name);
    await kube.waitGone('FailoverPolicy', NS, name, 60_000);
    // The proxy names POST /tags/healthcheck (ListTagsForResources, a read: 200) CreateHealthCheck
    // (a real create answers 201), and POST /tags/healthcheck/<id> (ChangeTagsForResource)
    // UpdateHealthCheck: drop the read; the tag write stays a crash point under the other name.
    const real = (c: CallInfo) => !(c.service === 'route53' && c.operation === 'CreateHealthCheck' && c.status === 200);
    converge.push(...mutatingPoints(proxy.calls.slice(0, split).filter(real)));
    deletion.push(...mutatingPoints(proxy.calls.slice(split).filter(real)));
    assert.deepEqual(await auditDeleted(zone), []);
    for (const op of ['route53:CreateHealthCheck', 'route53:ChangeResourceRecordSets'])
      assert.ok(converge.includes(op), `clean converge calls ${op}: ${converge.join(',')}`);
    for (const op of ['route53:DeleteHealthCheck', 'route53:ChangeResourceRecordSets'])
      assert.ok(deletion.includes(op), `clean delete calls ${op}: ${deletion.join(',')}`);
    assert.ok(cleanKeys.length >= 2, `records of a clean run: ${cleanKeys.join(' ')}`);
    if (process.env.MRC_RELIABILITY_DEBUG)
      console.log(`# clean calls: ${proxy.calls.map((c, i) => `${i === split ? '|DELETE| ' : ''}${c.operation}@${c.status}`).join(' ')}`);
    console.log(`# policy crash points: converge ${converge.join(' ')} | delete ${deletion.join(' ')} | records ${cleanKeys.join(' ')}`);
  });

  test('killed right after each converge call and each delete call: converges with 2 checks and the clean records, deletes without leak', async (t) => {
    let name = '';
    await crashRounds(
      t,
      kit,
      { converge, delete: deletion },
      {
        fresh: async () => {
          name = uniqueName('crash');
          return fresh();
        },
        apply: (zone) => kube.apply(policyObj(NS, name, spec(zone, name))),
        converged: async (zone) => {
          const o = await kube.waitCondition('FailoverPolicy', NS, name, 'Ready', 'True', undefined, 60_000);
          await sleep(1500);
          return auditConverged(zone, o, cleanKeys);
        },
        delete: () => kube.delete('FailoverPolicy', NS, name),
        gone: async (zone) => {
          await kube.waitGone('FailoverPolicy', NS, name, 60_000);
          return auditDeleted(zone);
        },
      },
      results,
    );
  });

  after(() =>
    recordCrashMatrix(
      'crash-matrix-policies',
      results,
      `FailoverPolicy DNS: converge points ${converge.join(' ') || 'none'}; delete points ` +
        `${deletion.join(' ') || 'none'}; failed: ${failedPoints(results, (r) => `${r.phase} ${r.point}`)}`,
    ),
  );
});
