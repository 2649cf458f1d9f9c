// `multiregion failover`: a Manual switch of the active region (--to), and the break-glass for
// one failover that is blocked because the RPO is unknown or the old writer cannot be fenced
// (--accept-data-loss). Both can go in one write. The operator types the region (or, for
// the break-glass alone, the policy's name) back unless --yes: a wrong target moves production
// traffic, and accepting data loss may lose writes.
//
// The write is a server-side apply under the CLI's own field manager (CLI_FIELD_MANAGER), forced:
// the switch then belongs to the operator, not to the GitOps tool whose apply set the field
// before. Argo CD told to trust that manager (ignoreDifferences.managedFieldsManagers with
// RespectIgnoreDifferences, docs/gitops.md) neither reports the switch as drift nor undoes it on
// the next sync, and git stays the source of truth for everything else.
import { createInterface } from 'node:readline/promises';
import { ANNOTATIONS, API_VERSION } from '../../api/types.ts';
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

/** The field manager of every write the CLI makes to a FailoverPolicy (the name docs/gitops.md gives Argo CD). */
export const CLI_FIELD_MANAGER = 'multiregion-cli';

const ACTIVE_REGION_PATH = ['f:spec', 'f:failover', 'f:activeRegion'];
const acceptDataLossPath = () => ['f:metadata', 'f:annotations', `f:${ANNOTATIONS.acceptDataLoss}`];

function ownsPath(fieldsV1: Json | undefined, path: string[]): boolean {
  let at: Json | undefined = fieldsV1;
  for (const key of path) {
    at = at?.[key];
    if (at === undefined) return false;
  }
  return true;
}

/** The managers that own `path` of the live object, with their operation (Apply or Update). */
export function ownersOf(live: Json, path: string[]): Array<{ manager: string; operation: string }> {
  return ((live.metadata?.managedFields ?? []) as Json[])
    .filter((m) => ownsPath(m.fieldsV1, path))
    .map((m) => ({ manager: String(m.manager), operation: String(m.operation) }));
}

/** Who else applies spec.failover.activeRegion (a GitOps tool's apply from git): their next forced apply would undo a switch unless they trust the CLI. */
export function otherAppliersOfActiveRegion(live: Json): string[] {
  return ownersOf(live, ACTIVE_REGION_PATH)
    .filter((o) => o.operation === 'Apply' && o.manager !== CLI_FIELD_MANAGER)
    .map((o) => o.manager);
}

/**
 * The CLI's server-side apply: its whole intent for the object, since an apply removes what its
 * manager owned and left out. So a run that changes one of the two fields carries the other
 * forward while the CLI owns it (a break-glass value not yet used is not dropped by a later
 * switch; a switch is not undone by a later --accept-data-loss).
 */
export function failoverApply(live: Json, to: string | undefined, acceptDataLoss: string | undefined): Json {
  const mine = (path: string[]) => ownersOf(live, path).some((o) => o.manager === CLI_FIELD_MANAGER);
  const region = to ?? (mine(ACTIVE_REGION_PATH) ? (live.spec?.failover?.activeRegion as string | undefined) : undefined);
  const accept = acceptDataLoss ?? (mine(acceptDataLossPath()) ? (live.metadata?.annotations?.[ANNOTATIONS.acceptDataLoss] as string | undefined) : undefined);
  return {
    apiVersion: API_VERSION,
    kind: 'FailoverPolicy',
    metadata: {
      name: live.metadata?.name,
      namespace: live.metadata?.namespace,
      ...(accept !== undefined && { annotations: { [ANNOTATIONS.acceptDataLoss]: accept } }),
    },
    ...(region !== undefined && { spec: { failover: { activeRegion: region } } }),
  };
}

/** Said before a switch when a GitOps apply also owns the field: what keeps the next sync from undoing it. */
export function gitopsNote(ref: string, appliers: string[], to: string): string {
  return (
    `${ref}: spec.failover.activeRegion is also applied by ${appliers.join(', ')} (from git). ` +
    `This switch is written by field manager ${CLI_FIELD_MANAGER}: unless that tool trusts it ` +
    '(Argo CD: ignoreDifferences.managedFieldsManagers and RespectIgnoreDifferences=true, docs/gitops.md), its next sync undoes the switch. ' +
    `Once the incident is over, commit activeRegion: ${to} to git.`
  );
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
  return (
    `mode ${p.spec?.failover?.mode ?? 'Manual'}, active ${p.status?.activeRegion ?? 'unknown'}, ` +
    `phase ${p.status?.phase ?? 'unknown'}${step ? `, failover at step ${step}` : ''}`
  );
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
  const appliers = otherAppliersOfActiveRegion(before);
  if (appliers.length > 0) log(gitopsNote(ref, appliers, to));
  const value = o.acceptDataLoss ? acceptDataLossValue() : undefined;
  const patched = await client.apply(kind, o.namespace, o.name, failoverApply(before, to, value), CLI_FIELD_MANAGER);
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
  await client.apply(kind, o.namespace, o.name, failoverApply(before, undefined, value), CLI_FIELD_MANAGER);
  return `${acceptDataLossNote(ref, value)}Follow it: kubectl get failoverpolicy -n ${o.namespace} ${o.name} -w\n`;
}
