// `multiregion failover`: a Manual switch of the active region (--to), and the break-glass for
// one failover that is blocked because the RPO is unknown or the old writer cannot be fenced
// (--accept-data-loss). Both can go in one merge patch. The operator types the region (or, for
// the break-glass alone, the policy's name) back unless --yes: a wrong target moves production
// traffic, and accepting data loss may lose writes.
import { createInterface } from 'node:readline/promises';
import { ANNOTATIONS } from '../../api/types.ts';
import type { CliClient, Json } from '../client.ts';
import { resolveKind } from '../kinds.ts';
import { pollUntil } from '../poll.ts';

export interface FailoverOptions {
  namespace: string;
  name: string;
  to?: string;
  acceptDataLoss: boolean;
  yes: boolean;
  timeoutMs: number;
}

/** The regions a policy can be active in, from its database and DNS sides. */
export function policyRegions(p: Json): string[] {
  const spec = p.spec ?? {};
  // The two sides' regions; none known here when they come from the referenced RegionPair
  // (then the controller validates the choice and reports it in status).
  const regions = [spec.dns?.primary?.region, spec.dns?.secondary?.region, spec.database?.primary?.region, spec.database?.replica?.region].filter(
    (r): r is string => typeof r === 'string' && r !== '',
  );
  return [...new Set(regions)];
}

/** Why the switch is refused, or undefined when it may go ahead. */
export function failoverRefusal(p: Json, to: string): string | undefined {
  if ((p.spec?.failover?.mode ?? 'Manual') !== 'Manual') {
    return 'spec.failover.mode is Automatic: the controller picks the active region; set mode: Manual first';
  }
  const regions = policyRegions(p);
  if (regions.length > 0 && !regions.includes(to)) return `${to} is not one of this policy's regions (${regions.join(', ')})`;
  if (p.spec?.failover?.activeRegion === to && p.status?.activeRegion === to) return `${to} is already the active region`;
  return undefined;
}

/**
 * Ready reasons with which the controller holds a failover for a human (failover-steps.ts and
 * failover-trigger.ts write them): waiting longer changes nothing, so the command stops with exit 1.
 */
const HELD = new Set(['FenceUnconfirmed', 'FenceBlocked', 'RpoUnknown', 'FailoverBlocked', 'FailbackBlocked']);

/** Why the controller holds the switch the command asked for (generation `generation`), or undefined. */
export function heldBecause(p: Json, generation: number): string | undefined {
  if ((p.status?.observedGeneration ?? 0) < generation) return undefined;
  const ready = (p.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
  if (ready?.status !== 'False' || !HELD.has(ready.reason)) return undefined;
  const breakGlass = p.spec?.database
    ? ` If you accept the risk: multiregion failover ${p.metadata?.name} -n ${p.metadata?.namespace} --accept-data-loss.`
    : '';
  return `the controller holds the failover (${ready.reason}): ${ready.message ?? ''}${breakGlass}`;
}

/** Why --accept-data-loss is refused, or undefined when the annotation may be set. */
export function acceptDataLossRefusal(p: Json): string | undefined {
  if (!p.spec?.database) return 'spec.database is not set: a DNS-only failover never waits on the RPO or a fence, so there is no data loss to accept';
  return undefined;
}

/** A new value for the accept-data-loss annotation: the controller uses each value once, so every run makes a new one. */
export function acceptDataLossValue(now: Date = new Date()): string {
  return now.toISOString();
}

/** The command's one merge patch: the switch, the break-glass value, or both at once. */
export function failoverPatch(to: string | undefined, acceptDataLoss: string | undefined): Json {
  return {
    ...(acceptDataLoss !== undefined && { metadata: { annotations: { [ANNOTATIONS.acceptDataLoss]: acceptDataLoss } } }),
    ...(to !== undefined && { spec: { failover: { activeRegion: to } } }),
  };
}

/** What the break-glass value does, said once where the operator sets it. */
export function acceptDataLossNote(ref: string, value: string): string {
  return (
    `${ref}: ${ANNOTATIONS.acceptDataLoss} set to ${value}.\n` +
    'The controller uses this value once, for a failover that is blocked because the RPO is unknown (no recent replica-lag datapoint) ' +
    "or the fence is unconfirmed (the old region's RDS API does not answer): that failover then promotes the replica, and writes the replica " +
    'had not received, or that still reach an unfenced old writer, may be lost. The controller records the value in status.acceptedDataLoss ' +
    "and in the failover's dataLossAccepted.\n"
  );
}

/** One line on where the policy stands, printed before anything changes. */
function stateLine(p: Json): string {
  const step = p.status?.inProgress?.step as string | undefined;
  return `mode ${p.spec?.failover?.mode ?? 'Manual'}, active ${p.status?.activeRegion ?? 'unknown'}, phase ${p.status?.phase ?? 'unknown'}${step ? `, failover at step ${step}` : ''}`;
}

async function confirm(prompt: string, expected: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(prompt)).trim() === expected;
  } finally {
    rl.close();
  }
}

export async function failoverCommand(client: CliClient, o: FailoverOptions, log: (s: string) => void): Promise<string> {
  if (o.to === undefined && !o.acceptDataLoss) throw new Error('failover needs --to REGION, --accept-data-loss, or both');
  const kind = resolveKind('FailoverPolicy');
  const ref = `FailoverPolicy ${o.namespace}/${o.name}`;
  const before = await client.get(kind, o.namespace, o.name);
  if (o.acceptDataLoss) {
    const refusal = acceptDataLossRefusal(before);
    if (refusal) throw new Error(`${ref}: ${refusal}`);
  }
  if (o.to === undefined) return acceptDataLossOnly(client, o, before, ref, log);
  const to = o.to;
  const refusal = failoverRefusal(before, to);
  if (refusal) {
    const hint =
      o.acceptDataLoss && before.spec?.failover?.mode === 'Automatic'
        ? ' (to let a blocked automatic failover go ahead, use --accept-data-loss without --to)'
        : '';
    throw new Error(`${ref}: ${refusal}${hint}`);
  }
  const accepting = o.acceptDataLoss ? ', accepting data loss if the failover is blocked' : '';
  log(`${ref}: active ${before.status?.activeRegion ?? 'unknown'}, phase ${before.status?.phase ?? 'unknown'}; failing over to ${to}${accepting}.`);
  if (!o.yes && !(await confirm('Type the region to confirm: ', to))) throw new Error('not confirmed: nothing changed');
  const value = o.acceptDataLoss ? acceptDataLossValue() : undefined;
  const patched = await client.mergePatch(kind, o.namespace, o.name, failoverPatch(to, value));
  if (value !== undefined) log(acceptDataLossNote(ref, value).trimEnd());
  const generation = patched.metadata?.generation ?? 0;
  let last = '';
  const done = await pollUntil(
    `${ref} to become active in ${to}`,
    async () => {
      const p = await client.get(kind, o.namespace, o.name);
      const held = o.acceptDataLoss ? undefined : heldBecause(p, generation);
      if (held) throw new Error(`${ref}: ${held}`);
      const now = `phase ${p.status?.phase ?? 'unknown'}, active ${p.status?.activeRegion ?? 'unknown'}`;
      if (now !== last) log(`  ${now}`);
      last = now;
      // Without a database the switch is DNS only and there is no failover phase to wait for.
      const phaseDone = !p.spec?.database || ['Healthy', 'FailedOver'].includes(p.status?.phase);
      const settled = (p.status?.observedGeneration ?? 0) >= generation && p.status?.activeRegion === to && phaseDone;
      return settled ? p : undefined;
    },
    o.timeoutMs,
    2000,
  );
  const lf = done.status?.lastFailover as Json | undefined;
  const rto = lf?.rtoSeconds !== undefined ? `, RTO ${lf.rtoSeconds}s` : '';
  const rpo = lf?.rpoSeconds !== undefined ? `, RPO ${lf.rpoSeconds}s` : '';
  const loss = lf?.dataLossAccepted !== undefined ? `, data loss accepted: ${lf.dataLossAccepted}` : '';
  return `${ref}: active region ${to} (phase ${done.status.phase ?? 'n/a: DNS only'}${rto}${rpo}${loss})\n`;
}

/** --accept-data-loss without --to: sets the annotation and returns. It works in Automatic mode too, where the controller picks the region. */
async function acceptDataLossOnly(client: CliClient, o: FailoverOptions, before: Json, ref: string, log: (s: string) => void): Promise<string> {
  const kind = resolveKind('FailoverPolicy');
  log(`${ref}: ${stateLine(before)}; accepting data loss for one blocked failover.`);
  const unused = before.metadata?.annotations?.[ANNOTATIONS.acceptDataLoss] as string | undefined;
  if (unused !== undefined && unused !== before.status?.acceptedDataLoss) log(`  this replaces ${unused}, a value the controller has not used yet`);
  if (!o.yes && !(await confirm('Type the policy name to accept possible data loss: ', o.name))) throw new Error('not confirmed: nothing changed');
  const value = acceptDataLossValue();
  await client.mergePatch(kind, o.namespace, o.name, failoverPatch(undefined, value));
  return `${acceptDataLossNote(ref, value)}Follow it: kubectl get failoverpolicy -n ${o.namespace} ${o.name} -w\n`;
}
