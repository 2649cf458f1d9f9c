// The alarms of one client, on the real AWS/TransitGateway metrics of its attachment (dimensions
// TransitGateway + TransitGatewayAttachment: attachment metrics are published with both).
// Pure: names and specs only; alarms.ts writes them.
import type { MetricAlarmSpec, MetricStatSpec } from './alarms.ts';
import { type OwnerRef, ownedName } from './names.ts';

const SUFFIX = { rejected: 'rejected-packets', fromClient: 'bandwidth-from-client', toClient: 'bandwidth-to-client' } as const;
const FIVE_MINUTES = 300;

/** Every alarm name a client may own, wanted or not: what a sync may delete. */
export function clientAlarmNames(owner: OwnerRef): string[] {
  return Object.values(SUFFIX).map((s) => ownedName(owner, s));
}

export interface ClientAlarmInput {
  owner: OwnerRef;
  displayName: string;
  region: string;
  transitGatewayId?: string;
  attachmentId: string;
  rejectedPacketsPerFiveMinutes?: number;
  bandwidthBytesPerSecond?: number;
  snsTopicArn?: string;
}

export function clientAlarmSpecs(input: ClientAlarmInput): { specs: MetricAlarmSpec[]; warnings: string[] } {
  const warnings: string[] = [];
  const wantsAny = input.rejectedPacketsPerFiveMinutes !== undefined || input.bandwidthBytesPerSecond !== undefined;
  if (!wantsAny) return { specs: [], warnings };
  if (!input.transitGatewayId) {
    return { specs: [], warnings: ['alarms need the transit gateway id of the pair side; none yet, so no alarms were made'] };
  }
  const actions = alarmActions(input.region, input.snsTopicArn, warnings);
  const dims = { TransitGateway: input.transitGatewayId, TransitGatewayAttachment: input.attachmentId };
  const metric = (metricName: string): MetricStatSpec => ({ namespace: 'AWS/TransitGateway', metricName, dimensions: dims, stat: 'Sum', period: FIVE_MINUTES });
  const who = `${input.displayName} (${input.owner.namespace}/${input.owner.name}), attachment ${input.attachmentId}`;
  const specs: MetricAlarmSpec[] = [];

  if (input.rejectedPacketsPerFiveMinutes !== undefined) {
    specs.push({
      name: ownedName(input.owner, SUFFIX.rejected),
      description:
        `Packets dropped by the Transit Gateway (no route + blackhole) at ${who} exceed ` +
        `${input.rejectedPacketsPerFiveMinutes} per 5 minutes. Managed by multiregion-controller.`,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: input.rejectedPacketsPerFiveMinutes,
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      alarmActions: actions,
      queries: [
        { id: 'noroute', returnData: false, metricStat: metric('PacketDropCountNoRoute') },
        { id: 'blackhole', returnData: false, metricStat: metric('PacketDropCountBlackhole') },
        // FILL: a period with drops of one kind only must still add up, not vanish.
        { id: 'dropped', expression: 'FILL(noroute, 0) + FILL(blackhole, 0)', label: 'Packets dropped per 5 minutes', returnData: true },
      ],
    });
  }
  if (input.bandwidthBytesPerSecond !== undefined) {
    // The TGW's view of the attachment: BytesIn = received from the client, BytesOut = sent to it.
    for (const [suffix, metricName, words] of [
      [SUFFIX.fromClient, 'BytesIn', 'from the client'],
      [SUFFIX.toClient, 'BytesOut', 'to the client'],
    ] as const) {
      specs.push({
        name: ownedName(input.owner, suffix),
        description: `Traffic ${words} at ${who} exceeds ${input.bandwidthBytesPerSecond} bytes/second (5-minute average). Managed by multiregion-controller.`,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: input.bandwidthBytesPerSecond,
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
        alarmActions: actions,
        queries: [
          { id: 'bytes', returnData: false, metricStat: metric(metricName) },
          { id: 'rate', expression: 'bytes / PERIOD(bytes)', label: 'Bytes per second', returnData: true },
        ],
      });
    }
  }
  return { specs, warnings };
}

/**
 * CloudWatch only notifies an SNS topic in the alarm's own region; a topic elsewhere is left out
 * (with a warning) rather than failing the whole sync.
 */
export function alarmActions(region: string, snsTopicArn: string | undefined, warnings: string[]): string[] {
  if (!snsTopicArn) return [];
  const topicRegion = snsTopicArn.split(':')[3];
  if (topicRegion === region) return [snsTopicArn];
  warnings.push(`SNS topic ${snsTopicArn} is not in ${region}; alarms there notify nobody (use a topic in ${region})`);
  return [];
}
