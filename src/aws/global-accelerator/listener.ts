// The accelerator's listener: the ports and protocol clients connect to. Listeners carry no tags,
// so ours is recognised by what it listens on; every change under an accelerator we created first
// checks the accelerator's tags again (guardChange).
import type { GlobalAcceleratorClient, Listener } from '@aws-sdk/client-global-accelerator';
import { collectPaginator } from '../ec2/pages.ts';
import { globalAcceleratorSdk } from '../sdk.ts';
import type { Mutate, Owner } from '../types.ts';
import { GA_API_REGION } from './api-region.ts';
import { type AcceleratorRef, guardChange } from './ownership.ts';
import { idempotencyToken } from './tokens.ts';

export interface PortRange {
  fromPort: number;
  toPort: number;
}

export interface ListenerSpec {
  protocol: 'TCP' | 'UDP';
  portRanges: PortRange[];
  /** Default NONE, as in the API. */
  clientAffinity?: 'NONE' | 'SOURCE_IP';
}

export interface EnsuredListener {
  /** Undefined only in dry-run, when the listener is still to be created. */
  listener?: Listener;
  changes: string[];
}

export function listListeners(ga: GlobalAcceleratorClient, acceleratorArn: string): Promise<Listener[]> {
  return collectPaginator(
    globalAcceleratorSdk.paginateListListeners({ client: ga, pageSize: 100, stopOnSameToken: true }, { AcceleratorArn: acceleratorArn }),
    (p) => p.Listeners,
  );
}

const rangesKey = (ranges: readonly { FromPort?: number | undefined; ToPort?: number | undefined }[] | undefined): string =>
  (ranges ?? [])
    .map((r) => `${r.FromPort}-${r.ToPort}`)
    .sort()
    .join(',');

const specRanges = (spec: ListenerSpec) => spec.portRanges.map((r) => ({ FromPort: r.fromPort, ToPort: r.toPort }));

export const byString = (a = '', b = ''): number => (a < b ? -1 : a > b ? 1 : 0);

function overlaps(l: Listener, spec: ListenerSpec): boolean {
  return (l.PortRanges ?? []).some((a) => spec.portRanges.some((b) => (a.FromPort ?? 0) <= b.toPort && b.fromPort <= (a.ToPort ?? 0)));
}

/**
 * Pure: which existing listener is the spec's. The one with the same protocol and ports; else the
 * one of that protocol using any of the ports (a second could not be created: ports are unique per
 * accelerator); else, on an accelerator we created (where every listener is ours), its only one.
 */
export function pickListener(listeners: readonly Listener[], spec: ListenerSpec, ownedAccelerator: boolean): Listener | undefined {
  const sorted = [...listeners].sort((a, b) => byString(a.ListenerArn, b.ListenerArn));
  const want = rangesKey(specRanges(spec));
  return (
    sorted.find((l) => l.Protocol === spec.protocol && rangesKey(l.PortRanges) === want) ??
    sorted.find((l) => l.Protocol === spec.protocol && overlaps(l, spec)) ??
    (ownedAccelerator && sorted.length === 1 ? sorted[0] : undefined)
  );
}

/** Pure: how the listener differs from the spec. */
export function listenerDiff(l: Listener, spec: ListenerSpec): string[] {
  const diff: string[] = [];
  if (l.Protocol !== spec.protocol) diff.push(`Protocol: ${l.Protocol} → ${spec.protocol}`);
  const want = rangesKey(specRanges(spec));
  if (rangesKey(l.PortRanges) !== want) diff.push(`PortRanges: ${rangesKey(l.PortRanges)} → ${want}`);
  const affinity = spec.clientAffinity ?? 'NONE';
  if ((l.ClientAffinity ?? 'NONE') !== affinity) diff.push(`ClientAffinity: ${l.ClientAffinity} → ${affinity}`);
  return diff;
}

export async function ensureListener(
  ga: GlobalAcceleratorClient,
  owner: Owner,
  acc: AcceleratorRef,
  spec: ListenerSpec,
  mutate: Mutate,
): Promise<EnsuredListener> {
  const existing = pickListener(await listListeners(ga, acc.arn), spec, !acc.adopted);
  const resource = `Listener ${spec.protocol} ${rangesKey(specRanges(spec))}`;
  const detail = `accelerator ${acc.arn}`;
  const input = { Protocol: spec.protocol, PortRanges: specRanges(spec), ClientAffinity: spec.clientAffinity ?? 'NONE' };
  if (!existing) {
    await guardChange(ga, owner, acc, 'CreateListener');
    const out = await mutate(
      { action: 'Create', resource, region: GA_API_REGION, detail },
      () =>
        ga.send(
          new globalAcceleratorSdk.CreateListenerCommand({ AcceleratorArn: acc.arn, ...input, IdempotencyToken: idempotencyToken(owner, 'listener', acc.arn) }),
        ),
      (r) => `listener ${r.Listener?.ListenerArn}`,
    );
    return { ...(out?.Listener && { listener: out.Listener }), changes: [`create ${resource.toLowerCase()}`] };
  }
  const changes = listenerDiff(existing, spec);
  if (changes.length === 0) return { listener: existing, changes };
  await guardChange(ga, owner, acc, 'UpdateListener');
  const out = await mutate({ action: 'Update', resource, region: GA_API_REGION, detail: `${detail}: ${changes.join('; ')}` }, () =>
    ga.send(new globalAcceleratorSdk.UpdateListenerCommand({ ListenerArn: existing.ListenerArn, ...input })),
  );
  return { listener: out?.Listener ?? existing, changes };
}
