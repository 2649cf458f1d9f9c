// The Planner is the one path of every AWS change: what dry-run skips, what becomes an Event,
// and that nothing is started once the object is gone or the reconcile's signal is aborted.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { PlannedChange } from '../../src/api/types.ts';
import { OutcomeUnknownError } from '../../src/aws/middleware.ts';
import {
  type CreateGuard,
  CreateInDoubtError,
  CreatePendingRecords,
  formatCreatePending,
  Planner,
  parseCreatePending,
} from '../../src/controllers/shared/planner.ts';

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
      log: ['pending TransitGateway us-east-1', 'call', 'event CreatedTransitGateway: Created transit gateway tgw-1 in us-east-1'],
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

describe('Planner: Event reasons', () => {
  it('names the reason after the first word of the resource, CamelCase (CloudWatch resources carry their name)', async () => {
    const log: string[] = [];
    const p = new Planner(
      false,
      (reason, message) => log.push(`${reason}: ${message}`),
      async () => undefined,
    );
    await p.apply({ action: 'Create', resource: 'dashboard mrc_prod', region: 'us-east-1' }, async () => 'ok');
    await p.apply({ action: 'Delete', resource: 'alarm mrc/prod/x', region: 'us-west-2' }, async () => 'ok');
    await p.mutate(
      { action: 'Create', resource: 'TransitGateway' },
      async () => 'tgw-1',
      (r) => `transit gateway ${r}`,
    );
    assert.deepEqual(log, [
      'CreatedDashboard: Created dashboard mrc_prod in us-east-1',
      'DeletedAlarm: Deleted alarm mrc/prod/x in us-west-2',
      'CreatedTransitGateway: Created transit gateway tgw-1',
    ]);
  });
});

describe('parseCreatePending', () => {
  const cases: Array<{ reason: string; value: string | undefined; want: Array<{ resource: string; at: string }> }> = [
    { reason: 'no annotation, nothing in doubt', value: undefined, want: [] },
    {
      reason: 'the value the Planner writes',
      value: 'DBInstanceReadReplica@2026-12-03T12:00:00.000Z',
      want: [{ resource: 'DBInstanceReadReplica', at: '2026-12-03T12:00:00.000Z' }],
    },
    {
      reason: 'a resource with spaces',
      value: 'dashboard mrc_x@2026-12-03T12:00:00.000Z',
      want: [{ resource: 'dashboard mrc_x', at: '2026-12-03T12:00:00.000Z' }],
    },
    {
      reason: 'one record a line (two creates in doubt)',
      value: 'DBInstanceReadReplica us-west-2 db@2026-12-03T12:00:00.000Z\nHealthCheck us-east-1@2026-12-03T12:00:05.000Z',
      want: [
        { resource: 'DBInstanceReadReplica us-west-2 db', at: '2026-12-03T12:00:00.000Z' },
        { resource: 'HealthCheck us-east-1', at: '2026-12-03T12:00:05.000Z' },
      ],
    },
    { reason: 'no time: not ours to trust', value: 'TransitGateway', want: [] },
    { reason: 'a time that is no time', value: 'TransitGateway@2026-99-99Tnope', want: [] },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const got = parseCreatePending(c.value);
      assert.deepEqual(
        got.map((r) => ({ resource: r.resource, at: r.at.toISOString() })),
        c.want,
      );
    });
  }
});

describe('CreatePendingRecords', () => {
  const t0 = new Date('2026-12-03T12:00:00.000Z');
  const t1 = new Date('2026-12-03T12:00:30.000Z');
  it('a second create keeps the record of the first (the defect: it replaced it, and the next pass created the first blindly)', () => {
    const r = new CreatePendingRecords(parseCreatePending('DBInstanceReadReplica us-west-2 db@2026-12-03T12:00:00.000Z'));
    const value = r.started('HealthCheck us-east-1', t1);
    assert.deepEqual(
      parseCreatePending(value).map((x) => x.resource),
      ['DBInstanceReadReplica us-west-2 db', 'HealthCheck us-east-1'],
    );
  });
  it('a create that answered is left out of the next value (a pass of several creates names only the one in flight)', () => {
    const r = new CreatePendingRecords([]);
    assert.equal(r.started('TransitGateway us-east-1', t0), 'TransitGateway us-east-1@2026-12-03T12:00:00.000Z');
    r.succeeded('TransitGateway us-east-1');
    assert.equal(r.started('TransitGatewayPeeringAttachment us-east-1', t1), 'TransitGatewayPeeringAttachment us-east-1@2026-12-03T12:00:30.000Z');
  });
  it('starting the same create again renews its time, not a second line', () => {
    const r = new CreatePendingRecords([{ resource: 'TransitGateway us-east-1', at: t0 }]);
    assert.equal(r.started('TransitGateway us-east-1', t1), 'TransitGateway us-east-1@2026-12-03T12:00:30.000Z');
  });
  it('a create answered "no" removes only its own record; the last one removes the annotation', () => {
    const r = new CreatePendingRecords([
      { resource: 'A', at: t0 },
      { resource: 'B', at: t1 },
    ]);
    assert.equal(r.settled('A'), 'B@2026-12-03T12:00:30.000Z');
    assert.equal(r.settled('B'), null);
  });
  it('format and parse agree', () => {
    const records = [
      { resource: 'x y: z', at: t0 },
      { resource: 'w', at: t1 },
    ];
    assert.deepEqual(parseCreatePending(formatCreatePending(records) ?? undefined), records);
  });
});

describe('Planner: a create left in doubt (crossplane-runtime create-pending)', () => {
  const at = new Date('2026-12-03T12:00:00.000Z');
  const guard = (nowOffsetMs: number, extra: Partial<CreateGuard> = {}): CreateGuard => ({
    inDoubt: [{ resource: 'DBInstanceReadReplica us-west-2', at }],
    now: new Date(at.getTime() + nowOffsetMs),
    windowMs: 90_000,
    annotation: 'multiregion.dev/create-pending',
    ...extra,
  });
  const make = (g: CreateGuard, dryRun = false) => {
    const log: string[] = [];
    const p = new Planner(
      dryRun,
      (r) => log.push(`event ${r}`),
      async (r) => void log.push(`pending ${r}`),
      undefined,
      g,
    );
    const call = async () => {
      log.push('call');
      return 'x';
    };
    return { p, log, call };
  };

  it('refuses a second create of what it names while AWS reads may still lag, and says when and what to do', async () => {
    const { p, log, call } = make(guard(30_000));
    const err = await p.apply({ action: 'Create', resource: 'DBInstanceReadReplica', region: 'us-west-2' }, call).catch((e: unknown) => e);
    assert.ok(err instanceof CreateInDoubtError);
    assert.equal(err.reason, 'CreatePending');
    assert.equal(err.retryAfterMs, 60_000, 'looked at again when the window ends');
    assert.match(err.message, /DBInstanceReadReplica/);
    assert.match(err.message, /2026-12-03T12:01:30.000Z/);
    assert.match(err.message, /remove the multiregion\.dev\/create-pending annotation/);
    assert.deepEqual(log, [], 'no intent written, no call');
  });

  const goes: Array<{ reason: string; g: CreateGuard; resource: string; region?: string; action?: 'Create' | 'Update' }> = [
    { reason: 'once the window has passed, the create goes ahead', g: guard(90_000), resource: 'DBInstanceReadReplica' },
    { reason: 'another resource is not held back', g: guard(1_000), resource: 'HealthCheck' },
    { reason: 'the same kind in another region (the other side) is not held back', g: guard(1_000), resource: 'DBInstanceReadReplica', region: 'us-east-1' },
    { reason: 'nothing in doubt', g: guard(1_000, { inDoubt: undefined }) as CreateGuard, resource: 'DBInstanceReadReplica' },
    { reason: 'an update of it is no second create', g: guard(1_000), resource: 'DBInstanceReadReplica', action: 'Update' },
    {
      reason: 'a record of another create only holds back that one',
      g: guard(1_000, { inDoubt: [{ resource: 'HealthCheck us-west-2', at }] }),
      resource: 'DBInstanceReadReplica',
    },
  ];
  for (const c of goes) {
    it(c.reason, async () => {
      const { p, call } = make(c.g);
      assert.equal(await p.apply({ action: c.action ?? 'Create', resource: c.resource, region: c.region ?? 'us-west-2' }, call), 'x');
    });
  }

  it('a repeatable create (a name AWS will not give twice) is neither held back nor recorded', async () => {
    const { p, log, call } = make(guard(1_000));
    assert.equal(await p.apply({ action: 'Create', resource: 'DBInstanceReadReplica', region: 'us-west-2' }, call, undefined, { repeatable: true }), 'x');
    assert.deepEqual(log, ['call', 'event CreatedDBInstanceReadReplica'], 'no create-pending write before the call');
  });

  it('mutate: a create the aws layer marks repeatable (an upsert by name) records nothing first; the listed change has no such field', async () => {
    const { p, log, call } = make(guard(1_000));
    assert.equal(await p.mutate({ action: 'Create', resource: 'alarm a', region: 'us-west-2', repeatable: true }, call), 'x');
    assert.deepEqual(log, ['call', 'event CreatedAlarm'], 'no create-pending write before the call');
    assert.deepEqual(p.changes, [{ action: 'Create', resource: 'alarm a', region: 'us-west-2' }]);
  });

  it('mutate: an unmarked create still records its intent before the call', async () => {
    const { p, log, call } = make(guard(1_000));
    await p.mutate({ action: 'Create', resource: 'query definition q', region: 'us-west-2' }, call);
    assert.equal(log[0], 'pending query definition q us-west-2');
  });

  it('dry-run lists the create and refuses nothing', async () => {
    const { p, log, call } = make(guard(1_000), true);
    assert.equal(await p.apply({ action: 'Create', resource: 'DBInstanceReadReplica' }, call), undefined);
    assert.deepEqual(log, []);
    assert.equal(p.changes.length, 1);
  });

  it('a second record held with another in doubt still refuses the one it names', async () => {
    const { p, call } = make(
      guard(1_000, {
        inDoubt: [
          { resource: 'HealthCheck us-east-1', at },
          { resource: 'DBInstanceReadReplica us-west-2', at },
        ],
      }),
    );
    await assert.rejects(p.apply({ action: 'Create', resource: 'DBInstanceReadReplica', region: 'us-west-2' }, call), CreateInDoubtError);
  });

  it('an AWS "no" settles the create (its record goes); a lost answer leaves it in doubt', async () => {
    let cleared = 0;
    const settled: string[] = [];
    const { p } = make(guard(0, { inDoubt: undefined, createFailed: async (r) => void (cleared++, settled.push(r)) }));
    await assert.rejects(
      p.apply({ action: 'Create', resource: 'HealthCheck' }, async () => {
        throw new Error('InvalidInput');
      }),
    );
    assert.equal(cleared, 1);
    await assert.rejects(
      p.apply({ action: 'Create', resource: 'HealthCheck' }, async () => {
        throw new OutcomeUnknownError('CreateHealthCheck', new Error('socket hang up'));
      }),
    );
    assert.equal(cleared, 1, 'kept: the next pass must find it by tags or wait');
    assert.deepEqual(settled, ['HealthCheck'], 'the record of the create that failed, by its identity');
  });
});
