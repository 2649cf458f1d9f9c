// Issue 16 item 4, end to end: ids in a FailoverPolicy's status are not proof of ownership.
// Health checks created by the test through the SDK (no tags, or another cluster's tags) are
// written into status by hand, as anyone who can write status could; the controller then runs
// every path that deletes checks (spec drops a check, policy deleted). After each step the
// foreign checks must read back byte-for-byte the same, and the controller's own are deleted.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChangeTagsForResourceCommand, CreateHealthCheckCommand, GetHealthCheckCommand, ListTagsForResourceCommand } from '@aws-sdk/client-route-53';
import { kubeRequest, MERGE_PATCH } from '../../src/runtime/kube-request.ts';
import { seedHostedZone } from '../env/seed.ts';
import { PolicyBed } from '../integration/failover-policy-bed.ts';
import { EAST, policyObj, WEST } from '../integration/failover-policy-fixtures.ts';
import { condition, uniqueName } from '../integration/helpers.ts';
import { record } from './harness.ts';

const NS = 'rel-own-deletes';
const bed = new PolicyBed(NS);
let foreignTouched = 0;
let steps = 0;

/** Two foreign checks: one bare (a console user's), one with another cluster's ownership tags. */
async function foreignChecks(): Promise<string[]> {
  const ids: string[] = [];
  for (const [ref, tags] of [
    ['console-made', []],
    [
      'other-cluster',
      [
        { Key: 'multiregion.dev/cluster', Value: 'someone-else' },
        { Key: 'multiregion.dev/uid', Value: 'not-yours' },
      ],
    ],
  ] as const) {
    const out = await bed.aws.r53.send(
      new CreateHealthCheckCommand({
        CallerReference: `${ref}-${Date.now()}`,
        HealthCheckConfig: { Type: 'HTTPS', FullyQualifiedDomainName: `${ref}.example.org`, Port: 443, ResourcePath: '/ok' },
      }),
    );
    const id = out.HealthCheck!.Id!;
    if (tags.length > 0) await bed.aws.r53.send(new ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id, AddTags: [...tags] }));
    ids.push(id);
  }
  return ids;
}

/** Everything Route 53 says about a check, config and tags, as one string; 'gone' once deleted. */
async function snapshot(id: string): Promise<string> {
  try {
    const hc = await bed.aws.r53.send(new GetHealthCheckCommand({ HealthCheckId: id }));
    const tags = await bed.aws.r53.send(new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id }));
    return JSON.stringify({ check: hc.HealthCheck, tags: tags.ResourceTagSet?.Tags ?? [] });
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchHealthCheck') return 'gone';
    throw err;
  }
}

/** Compares every foreign check with its first reading; each difference counts in the tally. */
async function expectUntouched(before: Map<string, string>, step: string): Promise<void> {
  steps++;
  for (const [id, want] of before) {
    const got = await snapshot(id);
    if (got !== want) foreignTouched++;
    assert.equal(got, want, `foreign health check ${id} changed after: ${step}`);
  }
}

async function writeStatusIds(name: string, ids: { primary: string; secondary: string }): Promise<void> {
  await kubeRequest(bed.stack.kc, {
    method: 'PATCH',
    path: `/apis/multiregion.dev/v1alpha1/namespaces/${NS}/failoverpolicies/${name}/status`,
    contentType: MERGE_PATCH,
    body: { status: { healthCheckIds: ids } },
  });
}

function dnsSpec(zoneId: string, name: string, withPrimaryCheck = true): Record<string, unknown> {
  const check = { type: 'HTTPS', path: '/health/deep', port: 443 };
  return {
    dns: {
      hostedZoneId: zoneId,
      recordName: `${name}.example.com`,
      ttl: 30,
      primary: { region: EAST, target: { cname: 'app-p.example.net' }, healthCheck: withPrimaryCheck ? check : null /* null: a merge patch removes the key */ },
      secondary: { region: WEST, target: { cname: 'app-s.example.net' }, healthCheck: check },
    },
  };
}

const ready = (name: string) => bed.kube.waitCondition('FailoverPolicy', NS, name, 'Ready', 'True', undefined, 90_000);

describe('ownership of health checks named in status', () => {
  test('foreign checks written into status are never changed or deleted; our own are deleted', async () => {
    const zone = await seedHostedZone({ endpoint: bed.stack.motoEndpoint }, 'example.com');
    const [bare, otherCluster] = await foreignChecks();
    const before = new Map([bare!, otherCluster!].map((id) => [id, '']));
    for (const id of before.keys()) before.set(id, await snapshot(id));
    const foreign = { primary: bare!, secondary: otherCluster! };

    // 1. Our checks exist; then status is pointed at the foreign ones while the controller is down.
    const name = uniqueName('own-del');
    await bed.start();
    await bed.kube.apply(policyObj(NS, name, dnsSpec(zone, name)));
    const first = await ready(name);
    const ours = first.status.healthCheckIds as { primary: string; secondary: string };
    assert.ok(ours.primary && ours.secondary);
    await expectUntouched(before, 'the policy converged');
    await bed.ctrl!.stop();
    await writeStatusIds(name, foreign);

    // 2. The spec drops the primary check: the id in status (foreign) is what gets retired.
    await bed.kube.mergePatch({ kind: 'FailoverPolicy', namespace: NS, name }, { spec: dnsSpec(zone, name, false) });
    await bed.start();
    const converged = await ready(name);
    assert.equal(converged.spec.dns.primary.healthCheck, undefined, 'the spec no longer has a primary check');
    await expectUntouched(before, 'the spec dropped a check whose status id was foreign');
    assert.equal(converged.status.healthCheckIds.secondary, ours.secondary, 'our own check is found by its tags, not taken from status');
    assert.equal(condition(converged, 'Ready')?.status, 'True');
    const events = await bed.kube.events(NS, name);
    assert.ok(
      events.some((e) => e.reason === 'ForeignHealthCheck' && e.message.includes(bare!)),
      `a ForeignHealthCheck event names ${bare}: ${JSON.stringify(events.map((e) => e.reason))}`,
    );

    // 3. Deleted with foreign ids in status: ours go (found by tag and reference), the foreign stay.
    await bed.ctrl!.stop();
    await writeStatusIds(name, foreign);
    await bed.kube.delete('FailoverPolicy', NS, name);
    await bed.start();
    await bed.kube.waitGone('FailoverPolicy', NS, name, 90_000);
    await expectUntouched(before, 'the policy was deleted with foreign ids in status');
    assert.equal(await snapshot(ours.primary), 'gone', 'our primary check deleted');
    assert.equal(await snapshot(ours.secondary), 'gone', 'our secondary check deleted');
  });

  test('tally', () => {
    record({ file: 'ownership-deletes', foreignTouched, note: `health checks: ${steps} steps read back byte-for-byte, foreignTouched=${foreignTouched}` });
  });
});
