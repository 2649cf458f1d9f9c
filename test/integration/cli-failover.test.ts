// The CLI's failover and drill commands against a running controller (a DNS-only policy in
// Manual mode): the switch moves the PRIMARY record, the drill leaves production alone. And the
// break-glass, --accept-data-loss: the annotation lands on the object (a paused policy, so the
// assertion needs no controller).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { seedHostedZone } from '../env/seed.ts';
import { getStack, repoRoot, type Stack } from '../env/stack.ts';
import { Aws, clearPolicies, EAST, policyObj, WEST } from './failover-policy-fixtures.ts';
import { Kube, uniqueName } from './helpers.ts';

const NS = 'cli-failover';
let stack: Stack;
let kube: Kube;
let aws: Aws;
let ctrl: ControllerProcess;

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args, `--kubeconfig=${stack.kubeconfigPath}`], {
    cwd: repoRoot,
    timeout: 150_000,
  });

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  aws = new Aws(stack.motoEndpoint);
  await kube.ensureNamespace(NS);
  await stack.resetMoto();
  ctrl = await startController({
    kubeconfigPath: stack.kubeconfigPath,
    awsEndpoint: stack.motoEndpoint,
    args: ['--health-observe-interval=1s', '--health-period=10s'],
  });
});
after(async () => {
  await ctrl?.stop();
  await clearPolicies(kube, NS).catch(() => {});
  aws?.destroy();
  await stack.stop();
});

test('failover --to moves the PRIMARY record to the other region; drill leaves the production records as they were', async () => {
  const zone = await seedHostedZone({ endpoint: stack.motoEndpoint }, 'example.com');
  const name = uniqueName('cli');
  const recordName = `${name}.example.com`;
  const hc = { type: 'HTTPS', path: '/health/deep', port: 443 };
  await kube.apply(
    policyObj(NS, name, {
      dns: {
        hostedZoneId: zone,
        recordName,
        ttl: 30,
        primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: hc },
        secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: hc },
      },
      failover: { mode: 'Manual', activeRegion: EAST },
    }),
  );
  const o = await kube.waitCondition('FailoverPolicy', NS, name, 'Ready', 'True', undefined, 60_000);
  for (const id of Object.values(o.status.healthCheckIds as Record<string, string>)) await aws.putHealth(id, 1);
  const primaryValue = async () => (await aws.records(zone, recordName)).find((r) => r.SetIdentifier === `${name}-primary`)?.ResourceRecords?.[0]?.Value;
  assert.equal(await primaryValue(), '198.51.100.10');

  const { stdout } = await cli('failover', name, '-n', NS, '--to', WEST, '--yes', '--timeout=90s');
  assert.match(stdout, /us-west-2/);
  const after1 = await kube.get('FailoverPolicy', NS, name);
  assert.equal(after1?.spec.failover.activeRegion, WEST);
  await kube.waitFor('FailoverPolicy', NS, name, 'active west', (x) => x.status?.activeRegion === WEST, 60_000);
  assert.equal(await primaryValue(), '203.0.113.20', 'PRIMARY now serves the secondary target');

  const before = JSON.stringify((await aws.records(zone, recordName)).filter((r) => r.SetIdentifier));
  const drill = await cli('drill', name, '-n', NS, '--timeout=120s').catch((e: { stdout?: string; stderr?: string; code?: number }) => e);
  const p = await kube.get('FailoverPolicy', NS, name);
  assert.ok(p?.status?.lastDrill?.completedAt, `lastDrill recorded: ${JSON.stringify(p?.status?.lastDrill)} ${JSON.stringify(drill).slice(0, 500)}`);
  assert.equal(JSON.stringify((await aws.records(zone, recordName)).filter((r) => r.SetIdentifier)), before, 'production records untouched by the drill');
});

test('failover --accept-data-loss on an Automatic policy only sets multiregion.dev/accept-data-loss, to a new value each run', async () => {
  const name = uniqueName('cli-adl');
  const hc = { type: 'HTTPS', path: '/health/deep', port: 443 };
  const spec = {
    dns: {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      recordName: `${name}.example.com`,
      primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: hc },
      secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: hc },
    },
    database: {
      engine: 'postgres',
      primary: { region: EAST, instanceIdentifier: `${name}-db` },
      replica: { region: WEST, instanceIdentifier: `${name}-db-replica` },
      connectionSecret: { name: `${name}-db` },
    },
    failover: { mode: 'Automatic' },
  };
  // Paused: the controller makes no AWS call for it; the CLI's write is what is checked.
  await kube.apply(policyObj(NS, name, spec, { 'multiregion.dev/paused': 'true' }));
  const before = await kube.get('FailoverPolicy', NS, name);
  const annotation = async () => (await kube.get('FailoverPolicy', NS, name))?.metadata.annotations?.['multiregion.dev/accept-data-loss'];

  const first = await cli('failover', name, '-n', NS, '--accept-data-loss', '--yes');
  const value1 = await annotation();
  assert.ok(value1 && !Number.isNaN(Date.parse(value1)), `an ISO time was set: ${value1}`);
  assert.ok(first.stdout.includes(`multiregion.dev/accept-data-loss set to ${value1}`), first.stdout);
  assert.match(first.stdout, /uses this value once/);
  assert.match(first.stdout, /RPO is unknown/);
  assert.match(first.stdout, /fence is unconfirmed/);
  const after1 = await kube.get('FailoverPolicy', NS, name);
  assert.deepEqual(after1?.spec.failover, before?.spec.failover, 'the spec is left alone: the controller picks the region');
  assert.equal(after1?.metadata.generation, before?.metadata.generation);
  assert.equal(after1?.metadata.annotations?.['multiregion.dev/paused'], 'true', 'other annotations kept (a merge patch)');

  await new Promise((r) => setTimeout(r, 5));
  const second = await cli('failover', name, '-n', NS, '--accept-data-loss', '--yes');
  const value2 = await annotation();
  assert.ok(value2 && value2 !== value1, `a second run sets a new value: ${value1} then ${value2}`);
  assert.match(second.stderr, /has not used yet/, 'the operator hears that the first value was never used');

  // With --to, an Automatic policy is refused as before, and nothing is written.
  const refused = await cli('failover', name, '-n', NS, '--to', WEST, '--accept-data-loss', '--yes').catch((e: { stderr?: string }) => e);
  assert.match(String((refused as { stderr?: string }).stderr), /Automatic.*use --accept-data-loss without --to/s);
  assert.equal(await annotation(), value2);
});

test('failover --accept-data-loss is refused on a DNS-only policy (nothing to accept), and failover needs --to or --accept-data-loss', async () => {
  const name = uniqueName('cli-adl-dns');
  await kube.apply(
    policyObj(
      NS,
      name,
      {
        dns: {
          hostedZoneId: 'Z0123456789ABCDEFGHIJ',
          recordName: `${name}.example.com`,
          primary: { region: EAST, target: { ips: ['198.51.100.10'] } },
          secondary: { region: WEST, target: { ips: ['203.0.113.20'] } },
        },
      },
      { 'multiregion.dev/paused': 'true' },
    ),
  );
  const refused = await cli('failover', name, '-n', NS, '--accept-data-loss', '--yes').catch((e: { stderr?: string }) => e);
  assert.match(String((refused as { stderr?: string }).stderr), /spec\.database is not set/);
  assert.equal((await kube.get('FailoverPolicy', NS, name))?.metadata.annotations?.['multiregion.dev/accept-data-loss'], undefined);
  const bare = await cli('failover', name, '-n', NS).catch((e: { stderr?: string }) => e);
  assert.match(String((bare as { stderr?: string }).stderr), /--to REGION, --accept-data-loss, or both/);
});
