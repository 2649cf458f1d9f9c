// Shared by the FailoverPolicy Global Accelerator tests (integration and crash matrix): the policy
// spec with a GA block, and the dials read back with the SDK.
import assert from 'node:assert/strict';
import { type GlobalAcceleratorClient, ListAcceleratorsCommand, ListEndpointGroupsCommand, ListListenersCommand } from '@aws-sdk/client-global-accelerator';
import { EAST, WEST } from './failover-policy-fixtures.ts';
import { nlbArn } from './ga-fixtures.ts';

export function gaPolicySpec(zoneId: string, name: string, gaBlock: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dns: {
      hostedZoneId: zoneId,
      recordName: `${name}.example.com`,
      ttl: 30,
      primary: { region: EAST, target: { ips: ['198.51.100.10'] }, healthCheck: { type: 'HTTPS', path: '/health/deep', port: 443 } },
      secondary: { region: WEST, target: { ips: ['203.0.113.20'] }, healthCheck: { type: 'HTTPS', path: '/health/deep', port: 443 } },
    },
    failover: { mode: 'Manual', activeRegion: EAST },
    globalAccelerator: gaBlock,
    ...extra,
  };
}

export function gaBlock(name: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    create: { name, ipAddressType: 'IPV4', enabled: true },
    listener: { protocol: 'TCP', portRanges: [{ from: 443, to: 443 }] },
    primary: { endpoints: [{ id: nlbArn(EAST, name), weight: 100 }], healthCheck: { protocol: 'TCP', port: 443, intervalSeconds: 10, thresholdCount: 2 } },
    secondary: { endpoints: [{ id: nlbArn(WEST, name), weight: 100 }], healthCheck: { protocol: 'TCP', port: 443, intervalSeconds: 10, thresholdCount: 2 } },
    ...more,
  };
}

/** Region → dial of the accelerator's (only) listener, read with the SDK. */
export async function dials(client: GlobalAcceleratorClient, arn: string): Promise<Record<string, number>> {
  const listeners = (await client.send(new ListListenersCommand({ AcceleratorArn: arn }))).Listeners ?? [];
  assert.equal(listeners.length, 1, 'one listener');
  const groups = (await client.send(new ListEndpointGroupsCommand({ ListenerArn: listeners[0]!.ListenerArn }))).EndpointGroups ?? [];
  return Object.fromEntries(groups.map((g) => [g.EndpointGroupRegion!, g.TrafficDialPercentage!]));
}

export async function accelerators(client: GlobalAcceleratorClient) {
  return (await client.send(new ListAcceleratorsCommand({ MaxResults: 100 }))).Accelerators ?? [];
}
