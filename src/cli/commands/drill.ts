// `multiregion drill`: asks the controller for a drill now and follows status.lastDrill until a
// drill that finished after the request is recorded.
import { ANNOTATIONS } from '../../api/types.ts';
import type { CliClient, Json } from '../client.ts';
import { resolveKind } from '../kinds.ts';
import { pollUntil } from '../poll.ts';

export interface DrillOptions {
  namespace: string;
  name: string;
  timeoutMs: number;
}

/** Text of a finished drill record. */
export function formatDrill(d: Json): string {
  const parts = [`${d.type ? `${d.type} drill ` : ''}result: ${d.result ?? 'unknown'}`];
  if (d.rtoSeconds !== undefined) parts.push(`RTO ${d.rtoSeconds}s`);
  if (d.rpoSeconds !== undefined) parts.push(`RPO ${d.rpoSeconds}s`);
  // A Switchover drill: one line per direction, each with its own RTO and RPO.
  const dirs = Array.isArray(d.directions) ? (d.directions as Json[]) : [];
  const lines = dirs.map((x) => `\n  ${x.from} → ${x.to}: RTO ${x.rtoSeconds ?? '?'}s, RPO ${x.rpoSeconds ?? '?'}s (${x.toIdentifier ?? '?'} promoted)`);
  const writer = d.writer ? `\n  writer: ${d.writer.identifier} in ${d.writer.region}` : '';
  return `${parts.join(', ')} (started ${d.startedAt ?? '?'}, completed ${d.completedAt})${lines.join('')}${writer}${d.message ? `\n  ${d.message}` : ''}\n`;
}

export async function drillCommand(client: CliClient, o: DrillOptions, log: (s: string) => void): Promise<string> {
  const kind = resolveKind('FailoverPolicy');
  const before = await client.get(kind, o.namespace, o.name);
  const previous = before.status?.lastDrill?.completedAt as string | undefined;
  const stamp = new Date().toISOString();
  await client.annotate(kind, o.namespace, o.name, ANNOTATIONS.drillNow, stamp);
  log(`FailoverPolicy ${o.namespace}/${o.name}: drill requested at ${stamp}, following status.lastDrill…`);
  let started: string | undefined;
  const done = await pollUntil(
    'the drill to complete (status.lastDrill.completedAt)',
    async () => {
      const d = (await client.get(kind, o.namespace, o.name)).status?.lastDrill as Json | undefined;
      if (d?.startedAt && d.startedAt !== started && !d.completedAt) {
        started = d.startedAt;
        log(`  drill started at ${started}`);
      }
      return d?.completedAt && d.completedAt !== previous ? d : undefined;
    },
    o.timeoutMs,
    2000,
  );
  return drillReport(done);
}

/** The finished drill's text; a drill that did not succeed is a failed command (exit 1), so scripts and CI can gate on it. */
export function drillReport(d: Json): string {
  if (d.result !== 'Succeeded') throw new DrillFailedError(formatDrill(d).trimEnd());
  return formatDrill(d);
}

export class DrillFailedError extends Error {
  constructor(record: string) {
    super(`drill did not succeed: ${record}`);
    this.name = 'DrillFailedError';
  }
}
