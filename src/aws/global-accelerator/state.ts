// What status reports: the accelerator's deployment status, DNS names and static IPs, and per
// listener each Region's group with its dial and the health of its endpoints. Read-only.
import type { EndpointGroup, GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import { describeAccelerator } from './accelerator.ts';
import { listEndpointGroups } from './endpoint-groups.ts';
import { listListeners } from './listener.ts';

export interface GaEndpointState {
  id: string;
  weight: number;
  /** INITIAL, HEALTHY or UNHEALTHY, as GA reports it. */
  health: string;
  reason?: string;
  clientIpPreservation?: boolean;
}

export interface GaGroupState {
  arn: string;
  region: string;
  dial: number;
  endpoints: GaEndpointState[];
  /** At least one endpoint, and every endpoint HEALTHY. */
  healthy: boolean;
}

export interface GaListenerState {
  arn: string;
  protocol: string;
  portRanges: { fromPort: number; toPort: number }[];
  groups: GaGroupState[];
}

export interface GaState {
  arn: string;
  name: string;
  enabled: boolean;
  /** IN_PROGRESS while a change deploys, then DEPLOYED. */
  status: string;
  dnsName?: string;
  dualStackDnsName?: string;
  ipAddresses: string[];
  listeners: GaListenerState[];
}

/** Pure: one group as status shows it. */
export function groupState(g: EndpointGroup): GaGroupState {
  const endpoints = (g.EndpointDescriptions ?? []).map((e) => ({
    id: e.EndpointId ?? '',
    weight: e.Weight ?? 0,
    health: e.HealthState ?? 'INITIAL',
    ...(e.HealthReason && { reason: e.HealthReason }),
    ...(e.ClientIPPreservationEnabled !== undefined && { clientIpPreservation: e.ClientIPPreservationEnabled }),
  }));
  return {
    arn: g.EndpointGroupArn ?? '',
    region: g.EndpointGroupRegion ?? '',
    dial: g.TrafficDialPercentage ?? 100,
    endpoints,
    healthy: endpoints.length > 0 && endpoints.every((e) => e.health === 'HEALTHY'),
  };
}

/** The accelerator and everything under it; undefined when it does not exist (any more). */
export async function readAcceleratorState(ga: GlobalAcceleratorClient, arn: string): Promise<GaState | undefined> {
  const a = await describeAccelerator(ga, arn);
  if (!a) return undefined;
  const listeners: GaListenerState[] = [];
  for (const l of await listListeners(ga, arn)) {
    if (!l.ListenerArn) continue;
    const groups = (await listEndpointGroups(ga, l.ListenerArn)).map(groupState).sort((x, y) => (x.region < y.region ? -1 : x.region > y.region ? 1 : 0));
    listeners.push({
      arn: l.ListenerArn,
      protocol: l.Protocol ?? '',
      portRanges: (l.PortRanges ?? []).map((r) => ({ fromPort: r.FromPort ?? 0, toPort: r.ToPort ?? 0 })),
      groups,
    });
  }
  return {
    arn,
    name: a.Name ?? '',
    enabled: a.Enabled ?? false,
    status: a.Status ?? 'IN_PROGRESS',
    ...(a.DnsName && { dnsName: a.DnsName }),
    ...(a.DualStackDnsName && { dualStackDnsName: a.DualStackDnsName }),
    ipAddresses: (a.IpSets ?? []).flatMap((s) => s.IpAddresses ?? []),
    listeners,
  };
}

/** Pure: Region → dial of one listener's groups (the first listener when none is named). */
export function dialsByRegion(state: GaState, listenerArn?: string): Record<string, number> {
  const l = listenerArn ? state.listeners.find((x) => x.arn === listenerArn) : state.listeners[0];
  return Object.fromEntries((l?.groups ?? []).map((g) => [g.region, g.dial]));
}
