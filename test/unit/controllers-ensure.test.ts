// ensure(): observe → create | update | nothing for one external resource, through the Planner,
// so dry-run and Events behave the same for every resource type.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ExternalResource, Observation } from '../../src/aws/types.ts';
import { ensure } from '../../src/controllers/shared/ensure.ts';
import { Planner } from '../../src/controllers/shared/planner.ts';

interface Tgw {
  id: string;
  asn: number;
}
interface TgwSpec {
  asn: number;
}

/** A resource that answers `observe` with `obs` and records every call. */
function fake(obs: Observation<Tgw>) {
  const calls: string[] = [];
  const r: ExternalResource<TgwSpec, Tgw> = {
    observe: async (spec) => {
      calls.push(`observe ${spec.asn}`);
      return obs;
    },
    create: async (spec) => {
      calls.push(`create ${spec.asn}`);
      return { id: 'tgw-new', asn: spec.asn };
    },
    update: async (spec, seen) => {
      calls.push(`update ${seen.id} → ${spec.asn}`);
    },
    delete: async (seen) => {
      calls.push(`delete ${seen.id}`);
    },
  };
  return { r, calls };
}

const existing: Tgw = { id: 'tgw-1', asn: 64512 };
const what = { resource: 'TransitGateway', region: 'us-east-1' };

describe('ensure', () => {
  const cases: Array<{
    reason: string;
    obs: Observation<Tgw>;
    dryRun: boolean;
    calls: string[];
    planned: string[];
    observed: Tgw | undefined;
    created: boolean;
    diff?: string[];
    events: number;
  }> = [
    {
      reason: 'absent: created, and the create is an Event',
      obs: { exists: false, upToDate: false },
      dryRun: false,
      calls: ['observe 64513', 'create 64513'],
      planned: ['Create'],
      observed: { id: 'tgw-new', asn: 64513 },
      created: true,
      events: 1,
    },
    {
      reason: 'absent in dry-run: only planned, nothing observed yet',
      obs: { exists: false, upToDate: false },
      dryRun: true,
      calls: ['observe 64513'],
      planned: ['Create'],
      observed: undefined,
      created: true,
      events: 0,
    },
    {
      reason: 'drifted: updated with what was seen, the diff reported',
      obs: { exists: true, upToDate: false, observed: existing, diff: ['asn 64512 → 64513'] },
      dryRun: false,
      calls: ['observe 64513', 'update tgw-1 → 64513'],
      planned: ['Update asn 64512 → 64513'],
      observed: existing,
      created: false,
      diff: ['asn 64512 → 64513'],
      events: 0,
    },
    {
      reason: 'drifted in dry-run: the update is planned with its diff, not made',
      obs: { exists: true, upToDate: false, observed: existing, diff: ['asn 64512 → 64513', 'tags'] },
      dryRun: true,
      calls: ['observe 64513'],
      planned: ['Update asn 64512 → 64513; tags'],
      observed: existing,
      created: false,
      diff: ['asn 64512 → 64513', 'tags'],
      events: 0,
    },
    {
      reason: 'up to date: no change at all',
      obs: { exists: true, upToDate: true, observed: existing },
      dryRun: false,
      calls: ['observe 64513'],
      planned: [],
      observed: existing,
      created: false,
      events: 0,
    },
  ];
  for (const c of cases) {
    it(c.reason, async () => {
      const { r, calls } = fake(c.obs);
      const events: string[] = [];
      const plan = new Planner(
        c.dryRun,
        (reason) => events.push(reason),
        async () => {},
      );
      const got = await ensure(r, { asn: 64513 }, plan, what, (o) => `transit gateway ${o.id}`);
      assert.deepEqual(calls, c.calls);
      assert.deepEqual(
        plan.changes.map((p) => [p.action, p.detail].filter(Boolean).join(' ')),
        c.planned,
      );
      for (const p of plan.changes) assert.deepEqual([p.resource, p.region], [what.resource, what.region]);
      assert.deepEqual(got.observed, c.observed);
      assert.equal(got.created, c.created);
      assert.deepEqual(got.diff, c.diff);
      assert.equal(events.length, c.events);
    });
  }
});
