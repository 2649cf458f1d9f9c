// The CloudWatch Logs reads shared per (account, region): log groups (log-group.ts) and the
// saved query definitions of every owner of a kind (query-definitions.ts). One invalidation
// rule for the client, whoever reads first: any write through it — ours — drops both, so the
// read after a write is fresh (writes to Logs are rare next to the reads they save).
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { type SharedReads, sharedReadsOf } from '../ec2/shared-reads.ts';

export type LogsReadType = 'log-groups' | 'query-definitions';

const ALL: readonly LogsReadType[] = ['log-groups', 'query-definitions'];

export function logsTypesChangedBy(operation: string): readonly LogsReadType[] {
  return /^(Describe|Get|List|Filter|Start|Stop|Test)/.test(operation) ? [] : ALL;
}

export function logsReads(logs: CloudWatchLogsClient): SharedReads<LogsReadType> {
  return sharedReadsOf<LogsReadType>(logs, logsTypesChangedBy);
}
