// `multiregion timeline NAME`: draws the last failover or drill of a FailoverPolicy from its
// status (read once; nothing is written), as text or as a standalone SVG file.
import type { FailoverPolicy } from '../../api/types.ts';
import type { CliClient } from '../client.ts';
import { UsageError } from '../errors.ts';
import { resolveKind } from '../kinds.ts';
import { buildTimeline, type Subject } from '../timeline.ts';
import { renderTimelineSvg } from '../timeline-svg.ts';
import { renderTimelineText } from '../timeline-text.ts';

export const TIMELINE_USAGE = 'timeline NAME -n NS [failover|drill] [-o text|svg]';

export interface TimelineOptions {
  namespace: string;
  name: string;
  subject: Subject;
  output: 'text' | 'svg';
  /** The end of a running failover or drill; the clock when absent. */
  now?: Date;
}

/** The optional positional after NAME: which record to draw (default: the one that started last). */
export function parseSubject(s: string | undefined): Subject {
  if (s === undefined) return 'latest';
  if (s === 'failover' || s === 'drill') return s;
  throw new UsageError(`timeline: "${s}" is neither failover nor drill\nusage: multiregion ${TIMELINE_USAGE}`);
}

export async function timelineCommand(client: CliClient, o: TimelineOptions): Promise<string> {
  const policy = (await client.get(resolveKind('FailoverPolicy'), o.namespace, o.name)) as FailoverPolicy;
  const t = buildTimeline(policy, o.now ?? new Date(), o.subject);
  return o.output === 'svg' ? renderTimelineSvg(t) : renderTimelineText(t);
}
