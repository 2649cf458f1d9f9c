// The example the checked-in deploy/iam/*.json files are generated from (deploy/iam/README.md shows
// the same command line; packaging-iam.test.ts checks all three agree).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployDir } from './packaging-tools.ts';

export const EXAMPLE_CLUSTER_ID = 'prod-eu-1';
export const EXAMPLE_ARGV = [
  '--cluster-id',
  EXAMPLE_CLUSTER_ID,
  '--account',
  '111111111111',
  '--account',
  '222222222222',
  '--side-role',
  'arn:aws:iam::222222222222:role/multiregion-controller',
  '--flow-logs-role',
  'arn:aws:iam::111111111111:role/flow-logs',
  '--flow-logs-role',
  'arn:aws:iam::222222222222:role/flow-logs',
  '--db-instance',
  'orders-db*',
  '--hosted-zone',
  'Z0123456789ABCDEFGHIJ',
  '--route-table',
  'rtb-0a1b2c3d4e5f60718',
  '--route-table',
  'rtb-0f9e8d7c6b5a43218',
  '--tgw-route-table',
  'tgw-rtb-0123456789abcdef0',
  '--global-accelerator',
  '--coordination-table',
  'multiregion-fleet',
];

export const readIamJson = <T>(file: string): T => JSON.parse(readFileSync(join(deployDir, 'iam', file), 'utf8')) as T;
