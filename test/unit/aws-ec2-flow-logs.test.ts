// What AWS accepts for TGW flow logs and their log group, checked before any call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowLogSpecProblem } from '../../src/aws/ec2/flow-logs.ts';
import { retentionProblem } from '../../src/aws/logs/log-group.ts';

const ROLE = 'arn:aws:iam::111111111111:role/flow-logs';

test('flowLogSpecProblem', () => {
  const rows: Array<{ reason: string; spec: Parameters<typeof flowLogSpecProblem>[0]; problem: RegExp | undefined }> = [
    { reason: 'ALL with a role is what AWS takes', spec: { trafficType: 'ALL', deliveryRoleArn: ROLE }, problem: undefined },
    { reason: 'no traffic type means ALL', spec: { deliveryRoleArn: ROLE }, problem: undefined },
    { reason: 'REJECT is refused for transit gateways', spec: { trafficType: 'REJECT', deliveryRoleArn: ROLE }, problem: /trafficType REJECT/ },
    { reason: 'ACCEPT is refused for transit gateways', spec: { trafficType: 'ACCEPT', deliveryRoleArn: ROLE }, problem: /trafficType ACCEPT/ },
    { reason: 'CloudWatch Logs delivery needs a role', spec: { trafficType: 'ALL' }, problem: /deliveryRoleArn is required/ },
  ];
  for (const r of rows) {
    const got = flowLogSpecProblem(r.spec);
    if (r.problem) assert.match(got ?? '', r.problem, r.reason);
    else assert.equal(got, undefined, r.reason);
  }
});

test('retentionProblem: only the values PutRetentionPolicy accepts', () => {
  const rows: Array<{ days: number | undefined; ok: boolean }> = [
    { days: undefined, ok: true },
    { days: 1, ok: true },
    { days: 30, ok: true },
    { days: 3653, ok: true },
    { days: 0, ok: false },
    { days: 2, ok: false },
    { days: 31, ok: false },
    { days: 10000, ok: false },
  ];
  for (const r of rows) assert.equal(retentionProblem(r.days) === undefined, r.ok, `retention ${r.days}`);
  assert.match(retentionProblem(31) ?? '', /one of 1, 3, 5, 7, 14, 30/);
});
