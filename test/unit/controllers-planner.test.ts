// The Planner is the one path of every AWS change: what dry-run skips, what becomes an Event,
// and that nothing is started once the object is gone or the reconcile's signal is aborted.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { PlannedChange } from '../../src/api/types.ts';
import { Planner } from '../../src/controllers/shared/planner.ts';

/** A Planner whose side effects are written to `log`, in order. */
function planner(dryRun: boolean, opts: { signal?: AbortSignal; beforeCreate?: (resource: string) => Promise<void> } = {}) {
  const log: string[] = [];
  const p = new Planner(
    dryRun,
    (reason, message) => log.push(`event ${reason}: ${message}`),
    opts.beforeCreate ??
      (async (resource) => {
        log.push(`pending ${resource}`);
      }),
    opts.signal,
  );
  const call =
    (result = 'done') =>
    async () => {
      log.push('call');
      return result;
    };
  return { p, log, call };
}

describe('Planner.apply', () => {
  const cases: Array<{ reason: string; dryRun: boolean; change: PlannedChange; describe?: (r: string) => string; log: string[] }> = [
    {
      reason: 'a create records create-pending before the call, then becomes an Event naming what was made',
      dryRun: false,
      change: { action: 'Create', resource: 'TransitGateway', region: 'us-east-1' },
      describe: (r) => `transit gateway ${r}`,
      log: ['pending TransitGateway', 'call', 'event CreatedTransitGateway: Created transit gateway tgw-1 in us-east-1'],
    },
    {
      reason: 'a delete becomes an Event named after the resource when there is no describe',
      dryRun: false,
      change: { action: 'Delete', resource: 'FlowLog' },
      log: ['call', 'event DeletedFlowLog: Deleted FlowLog'],
    },
    {
      reason: 'a promotion becomes an Event',
      dryRun: false,
      change: { action: 'Promote', resource: 'DBInstance', region: 'us-west-2' },
      log: ['call', 'event PromotedDBInstance: Promoted DBInstance in us-west-2'],
    },
    { reason: 'an update runs without create-pending or Event', dryRun: false, change: { action: 'Update', resource: 'HealthCheck' }, log: ['call'] },
    {
      reason: 'an association runs without Event',
      dryRun: false,
      change: { action: 'Associate', resource: 'TransitGatewayRouteTableAssociation' },
      log: ['call'],
    },
    { reason: 'dry-run: a create is only listed', dryRun: true, change: { action: 'Create', resource: 'TransitGateway', region: 'us-east-1' }, log: [] },
    { reason: 'dry-run: a delete is only listed', dryRun: true, change: { action: 'Delete', resource: 'FlowLog' }, log: [] },
  ];
  for (const c of cases) {
    it(c.reason, async () => {
      const { p, log, call } = planner(c.dryRun);
      const got = await p.apply(c.change, call('tgw-1'), c.describe);
      assert.deepEqual(log, c.log);
      assert.equal(got, c.dryRun ? undefined : 'tgw-1');
      assert.deepEqual(p.changes, [c.change], 'every change is listed, dry-run or not');
    });
  }

  it('keeps every change of the pass in order', async () => {
    const { p, call } = planner(true);
    await p.apply({ action: 'Create', resource: 'A' }, call());
    await p.apply({ action: 'Update', resource: 'B', detail: 'tags' }, call());
    assert.deepEqual(
      p.changes.map((c) => `${c.action} ${c.resource}`),
      ['Create A', 'Update B'],
    );
  });

  it('starts nothing once the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('lease lost'));
    const { p, log, call } = planner(false, { signal: ac.signal });
    await assert.rejects(p.apply({ action: 'Delete', resource: 'FlowLog' }, call()), /lease lost/);
    assert.deepEqual(log, []);
  });

  it('does not create when the signal is aborted while create-pending is written', async () => {
    const ac = new AbortController();
    const { p, log, call } = planner(false, {
      signal: ac.signal,
      beforeCreate: async () => {
        ac.abort(new Error('shutting down'));
      },
    });
    await assert.rejects(p.apply({ action: 'Create', resource: 'TransitGateway' }, call()), /shutting down/);
    assert.deepEqual(log, []);
  });

  it('does not create when create-pending cannot be written (the object is gone)', async () => {
    const { p, log, call } = planner(false, {
      beforeCreate: async () => {
        throw new Error('404 not found');
      },
    });
    await assert.rejects(p.apply({ action: 'Create', resource: 'TransitGateway' }, call()), /404/);
    assert.deepEqual(log, []);
  });

  it('a failed call is no Event', async () => {
    const { p, log } = planner(false);
    await assert.rejects(
      p.apply({ action: 'Delete', resource: 'FlowLog' }, async () => {
        throw new Error('AccessDenied');
      }),
      /AccessDenied/,
    );
    assert.deepEqual(log, []);
  });
});
