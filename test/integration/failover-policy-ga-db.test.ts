// FailoverPolicy with a database and a Global Accelerator: an automatic failover (fence → promote
// → Secret → DNS) moves the traffic dials with the records, at once (an emergency never shifts
// gradually, even with spec.globalAccelerator.shift set). The controller process against the real
// apiserver and moto; dials read back with the SDK.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PolicyBed } from './failover-policy-bed.ts';
import { EAST, WEST } from './failover-policy-fixtures.ts';
import { dials, gaBlock } from './failover-policy-ga-fixtures.ts';
import { gaClient, setDeployDelay } from './ga-fixtures.ts';

const NS = 'fp-ga-db';
const bed = new PolicyBed(NS, { eachTest: 'controller' });

describe('FailoverPolicy Global Accelerator with a database', () => {
  test('an automatic failover moves the dials together with DNS and the writer, at once', async () => {
    await setDeployDelay(bed.stack.motoEndpoint, 0.2);
    const s = await bed.dbs.setup(
      { mode: 'Automatic', unhealthyForSeconds: 10 },
      { globalAccelerator: gaBlock('orders-db-ga', { shift: { steps: [10, 50, 100], stepSeconds: 30 } }) },
    );
    const o = await bed.dbs.healthyAndReady(s);
    const ready = await bed.kube.waitFor('FailoverPolicy', NS, s.name, 'dials 100/0', (x) => {
      const g = x.status?.globalAccelerator;
      return g?.status === 'DEPLOYED' && g.dials?.primary === 100 && g.dials?.secondary === 0;
    });
    const arn = ready.status.globalAccelerator.arn;

    await bed.aws.putHealth(o.status.healthCheckIds.primary, 0);
    const done = await bed.kube.waitFor(
      'FailoverPolicy',
      NS,
      s.name,
      'failover completed with the dials moved',
      (x) => !!x.status?.lastFailover?.completedAt && x.status?.globalAccelerator?.dials?.secondary === 100,
      120_000,
    );
    assert.equal(done.status.lastFailover.reason, 'PrimaryUnhealthy');
    assert.deepEqual(done.status.database.writer, { region: WEST, identifier: s.replica });
    assert.equal(await bed.dbs.primaryRecordValue(s), '203.0.113.20', 'PRIMARY record carries the secondary target');
    assert.deepEqual(done.status.globalAccelerator.dials, { primary: 0, secondary: 100 });
    assert.equal(done.status.globalAccelerator.shift, undefined, 'no gradual shift for a failover');
    assert.deepEqual(await dials(gaClient(bed.stack.motoEndpoint), arn), { [EAST]: 0, [WEST]: 100 });
  });
});
