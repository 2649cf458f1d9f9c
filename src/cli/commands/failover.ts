// `multiregion failover`: a Manual switch of the active region. The operator types the region
// back (unless --yes) because a wrong target moves production traffic.
import { createInterface } from 'node:readline/promises';
import type { CliClient, Json } from '../client.ts';
import { resolveKind } from '../kinds.ts';
import { pollUntil } from '../poll.ts';

export interface FailoverOptions { namespace: string; name: string; to: string; yes: boolean; timeoutMs: number }

/** The regions a policy can be active in, from its database and DNS sides. */
export function policyRegions(p: Json): string[] {
  const spec = p.spec ?? {};
  // The two sides' regions; none known here when they come from the referenced RegionPair
  // (then the controller validates the choice and reports it in status).
  const regions = [spec.dns?.primary?.region, spec.dns?.secondary?.region, spec.database?.primary?.region, spec.database?.replica?.region]
    .filter((r): r is string => typeof r === 'string' && r !== '');
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

async function confirm(to: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question('Type the region to confirm: ')).trim() === to;
  } finally {
    rl.close();
  }
}

export async function failoverCommand(client: CliClient, o: FailoverOptions, log: (s: string) => void): Promise<string> {
  const kind = resolveKind('FailoverPolicy');
  const ref = `FailoverPolicy ${o.namespace}/${o.name}`;
  const before = await client.get(kind, o.namespace, o.name);
  const refusal = failoverRefusal(before, o.to);
  if (refusal) throw new Error(`${ref}: ${refusal}`);
  log(`${ref}: active ${before.status?.activeRegion ?? 'unknown'}, phase ${before.status?.phase ?? 'unknown'}; failing over to ${o.to}.`);
  if (!o.yes && !(await confirm(o.to))) throw new Error('not confirmed: nothing changed');
  const patched = await client.mergePatch(kind, o.namespace, o.name, { spec: { failover: { activeRegion: o.to } } });
  const generation = patched.metadata?.generation ?? 0;
  let last = '';
  const done = await pollUntil(`${ref} to become active in ${o.to}`, async () => {
    const p = await client.get(kind, o.namespace, o.name);
    const now = `phase ${p.status?.phase ?? 'unknown'}, active ${p.status?.activeRegion ?? 'unknown'}`;
    if (now !== last) log(`  ${now}`);
    last = now;
    // Without a database the switch is DNS only and there is no failover phase to wait for.
    const phaseDone = !p.spec?.database || ['Healthy', 'FailedOver'].includes(p.status?.phase);
    const settled = (p.status?.observedGeneration ?? 0) >= generation && p.status?.activeRegion === o.to && phaseDone;
    return settled ? p : undefined;
  }, o.timeoutMs, 2000);
  const lf = done.status?.lastFailover as Json | undefined;
  const rto = lf?.rtoSeconds !== undefined ? `, RTO ${lf.rtoSeconds}s` : '';
  const rpo = lf?.rpoSeconds !== undefined ? `, RPO ${lf.rpoSeconds}s` : '';
  return `${ref}: active region ${o.to} (phase ${done.status.phase ?? 'n/a: DNS only'}${rto}${rpo})\n`;
}
