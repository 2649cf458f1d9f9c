// Pure parts of the RDS modules: writer/replica detection, when an
// existing instance may be taken as our replica, fence state, "region unreachable", lag picking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DBInstance } from '@aws-sdk/client-rds';
import { newest } from '../../src/aws/cloudwatch/replica-lag.ts';
import { FENCE_TAGS, fenceStateOf, isRegionUnreachable } from '../../src/aws/rds/fence.ts';
import {
  acceptExisting,
  isAvailableReplica,
  isStandaloneWriter,
  PROMOTE_REQUESTED_TAG,
  ReplicaConflictError,
  sameInstance,
} from '../../src/aws/rds/instances.ts';
import { toInstanceView } from '../../src/aws/rds/observe.ts';
import { ownershipTags } from '../../src/aws/tags.ts';
import type { Owner } from '../../src/aws/types.ts';

const owner: Owner = { clusterId: 'c1', kind: 'FailoverPolicy', namespace: 'apps', name: 'orders', uid: 'u1' };
const SRC = 'arn:aws:rds:us-east-1:123456789012:db:orders-db';
const replicating = [{ StatusType: 'read replication', Status: 'replicating', Normal: true }];

describe('isStandaloneWriter / isAvailableReplica', () => {
  const table: Array<[string, DBInstance, boolean, boolean]> = [
    ['a primary (no source) that is available', { DBInstanceStatus: 'available' }, true, false],
    [
      'AWS replica: source and read-replication status',
      { DBInstanceStatus: 'available', ReadReplicaSourceDBInstanceIdentifier: SRC, StatusInfos: replicating },
      false,
      true,
    ],
    ['a replica without StatusInfos', { DBInstanceStatus: 'available', ReadReplicaSourceDBInstanceIdentifier: SRC }, false, true],
    [
      'right after the call: the promote mark, but still replicating (the source not cleared yet)',
      {
        DBInstanceStatus: 'available',
        ReadReplicaSourceDBInstanceIdentifier: SRC,
        StatusInfos: replicating,
        TagList: [{ Key: PROMOTE_REQUESTED_TAG, Value: 't' }],
      },
      false,
      true,
    ],
    ['AWS while promoting: modifying', { DBInstanceStatus: 'modifying', ReadReplicaSourceDBInstanceIdentifier: SRC }, false, false],
    ['AWS rebooting after promotion, source cleared', { DBInstanceStatus: 'rebooting' }, false, false],
    ['AWS promoted: source cleared, available', { DBInstanceStatus: 'available', StatusInfos: [] }, true, false],
    ['stopped primary', { DBInstanceStatus: 'stopped' }, false, false],
  ];
  for (const [name, i, writer, replica] of table) {
    it(name, () => {
      assert.equal(isStandaloneWriter(i), writer);
      assert.equal(isAvailableReplica(i), replica);
    });
  }
});

describe('acceptExisting: may an instance with the requested name be our replica?', () => {
  const ours = ownershipTags(owner);
  const req = { identifier: 'orders-db-replica', sourceArn: SRC, owner };
  const table: Array<[string, DBInstance, boolean, string]> = [
    ['ours, replica of the source', { ReadReplicaSourceDBInstanceIdentifier: SRC, TagList: ours }, false, 'FoundOwned'],
    ['untagged, spec adopts it', { ReadReplicaSourceDBInstanceIdentifier: SRC }, true, 'Adopted'],
    ['untagged, not adopted', { ReadReplicaSourceDBInstanceIdentifier: SRC }, false, 'NotOwned'],
    ["another owner's tags", { ReadReplicaSourceDBInstanceIdentifier: SRC, TagList: ownershipTags({ ...owner, name: 'billing' }) }, false, 'NotOwned'],
    ['ours but a standalone instance', { TagList: ours }, false, 'NotAReplica'],
    [
      'ours but replicating something else',
      { ReadReplicaSourceDBInstanceIdentifier: 'arn:aws:rds:us-east-1:123456789012:db:billing', TagList: ours },
      false,
      'SourceMismatch',
    ],
  ];
  for (const [name, i, adopt, want] of table) {
    it(name, () => {
      try {
        assert.equal(acceptExisting(i, { ...req, adoptExisting: adopt }), want);
      } catch (err) {
        assert.ok(err instanceof ReplicaConflictError, String(err));
        assert.equal(err.conflict, want);
      }
    });
  }
});

describe('sameInstance', () => {
  const table: Array<[string, string, boolean]> = [
    [SRC, SRC, true],
    [SRC, 'orders-db', true],
    [SRC, 'arn:aws:rds:us-west-2:123456789012:db:orders-db', false],
    [SRC, 'orders', false],
  ];
  for (const [a, b, want] of table) it(`${a} ~ ${b}`, () => assert.equal(sameInstance(a, b), want));
});

describe('fenceStateOf', () => {
  const deny = 'sg-deny';
  const tags = (at: boolean) => [
    { Key: FENCE_TAGS.from, Value: 'sg-app' },
    { Key: FENCE_TAGS.group, Value: deny },
    ...(at ? [{ Key: FENCE_TAGS.at, Value: 't' }] : []),
  ];
  const table: Array<[string, DBInstance | undefined, boolean, string]> = [
    ['not found is proven gone', undefined, true, 'Gone'],
    ['deleting is gone', { DBInstanceStatus: 'deleting' }, true, 'Gone'],
    ['stopped takes no writes', { DBInstanceStatus: 'stopped' }, true, 'Stopped'],
    ['stopping is not there yet', { DBInstanceStatus: 'stopping' }, false, 'Pending'],
    [
      'only the deny group, active, rebooted',
      { DBInstanceStatus: 'available', VpcSecurityGroups: [{ VpcSecurityGroupId: deny, Status: 'active' }], TagList: tags(true) },
      true,
      'SecurityGroupSwap',
    ],
    [
      'deny group still being added',
      { DBInstanceStatus: 'available', VpcSecurityGroups: [{ VpcSecurityGroupId: deny, Status: 'adding' }], TagList: tags(true) },
      false,
      'Pending',
    ],
    [
      'swapped but open connections not cut yet',
      { DBInstanceStatus: 'available', VpcSecurityGroups: [{ VpcSecurityGroupId: deny, Status: 'active' }], TagList: tags(false) },
      false,
      'Pending',
    ],
    [
      'the app group still attached',
      {
        DBInstanceStatus: 'available',
        VpcSecurityGroups: [
          { VpcSecurityGroupId: 'sg-app', Status: 'active' },
          { VpcSecurityGroupId: deny, Status: 'active' },
        ],
        TagList: tags(true),
      },
      false,
      'Pending',
    ],
    ['never fenced', { DBInstanceStatus: 'available', VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-app', Status: 'active' }] }, false, 'Pending'],
  ];
  for (const [name, i, fenced, how] of table) {
    it(name, () => {
      const f = fenceStateOf(i, 'orders-db');
      assert.equal(f.fenced, fenced);
      assert.equal(f.how, how);
    });
  }
});

describe('isRegionUnreachable', () => {
  const table: Array<[string, unknown, boolean]> = [
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }), true],
    ['SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), true],
    ['DNS failure for the endpoint', Object.assign(new Error('getaddrinfo ENOTFOUND rds.us-east-1.amazonaws.com'), { code: 'ENOTFOUND' }), true],
    ['HTTP 500', { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }, true],
    ['HTTP 503 ServiceUnavailable', { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }, true],
    ['EC2 throttling is a 503 but the region answered', { name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } }, false],
    ['RDS throttling (400)', { name: 'Throttling', $metadata: { httpStatusCode: 400 } }, false],
    ['not found (404) answered', { name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } }, false],
    ['access denied answered', { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, false],
    ['a plain bug is not an outage', new TypeError('x is undefined'), false],
  ];
  for (const [name, err, want] of table) it(name, () => assert.equal(isRegionUnreachable(err), want));
});

describe('toInstanceView', () => {
  it('maps a promoted instance to a writer with endpoint, ownership and markers', () => {
    const v = toInstanceView(
      { region: 'us-west-2', identifier: 'r' },
      {
        DBInstanceStatus: 'available',
        DBInstanceArn: 'arn:aws:rds:us-west-2:123456789012:db:r',
        Endpoint: { Address: 'r.x.us-west-2.rds.amazonaws.com', Port: 5432 },
        TagList: [...ownershipTags(owner), { Key: PROMOTE_REQUESTED_TAG, Value: 't' }],
      },
      owner,
    );
    assert.deepEqual(
      {
        role: v.role,
        owned: v.owned,
        endpoint: v.endpoint,
        fenced: v.fenced,
        fenceTagged: v.fenceTagged,
        promoteRequested: v.promoteRequested,
        exists: v.exists,
      },
      {
        role: 'writer',
        owned: true,
        endpoint: { host: 'r.x.us-west-2.rds.amazonaws.com', port: 5432 },
        fenced: false,
        fenceTagged: false,
        promoteRequested: true,
        exists: true,
      },
    );
  });
  it('a missing instance exists=false and counts as fenced (gone)', () => {
    const v = toInstanceView({ region: 'us-east-1', identifier: 'x' }, undefined, owner);
    assert.deepEqual([v.exists, v.fenced, v.reachable], [false, true, true]);
  });
});

describe('replica lag: newest datapoint', () => {
  const t = (s: number): Date => new Date(Date.UTC(2025, 2, 1, 10, 0, s));
  const table: Array<[string, Date[], number[], { seconds: number; at: Date } | undefined]> = [
    ['none', [], [], undefined],
    ['descending', [t(50), t(40)], [3, 12], { seconds: 3, at: t(50) }],
    ['ascending', [t(40), t(50)], [12, 3], { seconds: 3, at: t(50) }],
    ['a value missing for the newest timestamp is skipped', [t(50), t(40)], [Number.NaN, 7], { seconds: 7, at: t(40) }],
  ];
  for (const [name, ts, vs, want] of table) it(name, () => assert.deepEqual(newest(ts, vs), want));
});
