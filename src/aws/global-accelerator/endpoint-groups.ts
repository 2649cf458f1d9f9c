// One endpoint group per side, in that side's Region: its endpoints and weights, client IP
// preservation, health check, port overrides and traffic dial. Groups carry no tags: a listener has
// at most one group per Region, so the Region names ours; changes under an accelerator we created
// first check the accelerator's tags again (guardChange).
import type { EndpointGroup, GlobalAcceleratorClient, UpdateEndpointGroupRequest } from '@aws-sdk/client-global-accelerator';
import { collectPaginator } from '../ec2/pages.ts';
import { globalAcceleratorSdk } from '../sdk.ts';
import type { Mutate, Owner } from '../types.ts';
import { GA_API_REGION } from './api-region.ts';
import { byString } from './listener.ts';
import { type AcceleratorRef, guardChange } from './ownership.ts';
import { idempotencyToken } from './tokens.ts';

/** The API's default endpoint weight. */
export const DEFAULT_WEIGHT = 128;

export interface EndpointSpec {
  /** NLB/ALB ARN, Elastic IP allocation id or EC2 instance id. */
  id: string;
  weight?: number;
  /** Unset: AWS's default for the endpoint type (on for ALBs); an existing endpoint keeps its own. */
  clientIpPreservation?: boolean;
}

export interface HealthCheckSpec {
  protocol?: 'TCP' | 'HTTP' | 'HTTPS';
  port?: number;
  /** HTTP(S) only. */
  path?: string;
  intervalSeconds?: number;
  thresholdCount?: number;
}

export interface PortOverrideSpec {
  listenerPort: number;
  endpointPort: number;
}

export interface EndpointGroupSpec {
  region: string;
  endpoints: EndpointSpec[];
  /** Fields left out keep what AWS has (its defaults on a new group). */
  healthCheck?: HealthCheckSpec;
  /** Unset: left as they are; [] removes them. */
  portOverrides?: PortOverrideSpec[];
  /** Traffic dial in percent; unset: left as it is (a new group gets AWS's default, 100). */
  dial?: number;
}

export interface EnsuredEndpointGroups {
  /** By Region; a Region is missing only in dry-run, when its group is still to be created. */
  groups: Record<string, EndpointGroup>;
  changes: string[];
}

export function listEndpointGroups(ga: GlobalAcceleratorClient, listenerArn: string): Promise<EndpointGroup[]> {
  return collectPaginator(
    globalAcceleratorSdk.paginateListEndpointGroups({ client: ga, pageSize: 100, stopOnSameToken: true }, { ListenerArn: listenerArn }),
    (p) => p.EndpointGroups,
  );
}

const endpointsKey = (items: readonly { id: string; weight: number; ip?: boolean | undefined }[]): string =>
  items
    .map((e) => `${e.id}=${e.weight}${e.ip === undefined ? '' : e.ip ? '+ip' : '-ip'}`)
    .sort()
    .join(', ');

const overridesKey = (items: readonly { ListenerPort?: number | undefined; EndpointPort?: number | undefined }[] | undefined): string =>
  (items ?? [])
    .map((o) => `${o.ListenerPort}→${o.EndpointPort}`)
    .sort()
    .join(', ');

const isHttp = (protocol: string | undefined): boolean => protocol === 'HTTP' || protocol === 'HTTPS';

/** Pure: how the group differs from the spec, one line a field; fields the spec leaves out are not compared. */
export function endpointGroupDiff(g: EndpointGroup, spec: EndpointGroupSpec): string[] {
  const diff: string[] = [];
  const have = (g.EndpointDescriptions ?? []).map((e) => ({ id: e.EndpointId ?? '', weight: e.Weight ?? DEFAULT_WEIGHT, ip: e.ClientIPPreservationEnabled }));
  const want = spec.endpoints.map((e) => ({ id: e.id, weight: e.weight ?? DEFAULT_WEIGHT, ip: e.clientIpPreservation }));
  // Client IP preservation is compared only where the spec sets it.
  const haveCompared = have.map((h) => ({ ...h, ip: want.find((w) => w.id === h.id)?.ip === undefined ? undefined : h.ip }));
  if (endpointsKey(haveCompared) !== endpointsKey(want)) diff.push(`Endpoints: [${endpointsKey(haveCompared)}] → [${endpointsKey(want)}]`);
  const hc = spec.healthCheck;
  if (hc?.protocol !== undefined && g.HealthCheckProtocol !== hc.protocol) diff.push(`HealthCheckProtocol: ${g.HealthCheckProtocol} → ${hc.protocol}`);
  if (hc?.port !== undefined && g.HealthCheckPort !== hc.port) diff.push(`HealthCheckPort: ${g.HealthCheckPort} → ${hc.port}`);
  if (hc?.path !== undefined && isHttp(hc.protocol ?? g.HealthCheckProtocol) && (g.HealthCheckPath ?? '/') !== hc.path)
    diff.push(`HealthCheckPath: ${g.HealthCheckPath} → ${hc.path}`);
  if (hc?.intervalSeconds !== undefined && g.HealthCheckIntervalSeconds !== hc.intervalSeconds)
    diff.push(`HealthCheckIntervalSeconds: ${g.HealthCheckIntervalSeconds} → ${hc.intervalSeconds}`);
  if (hc?.thresholdCount !== undefined && g.ThresholdCount !== hc.thresholdCount) diff.push(`ThresholdCount: ${g.ThresholdCount} → ${hc.thresholdCount}`);
  const wantOverrides = spec.portOverrides?.map((o) => ({ ListenerPort: o.listenerPort, EndpointPort: o.endpointPort }));
  if (wantOverrides && overridesKey(g.PortOverrides) !== overridesKey(wantOverrides))
    diff.push(`PortOverrides: [${overridesKey(g.PortOverrides)}] → [${overridesKey(wantOverrides)}]`);
  if (spec.dial !== undefined && g.TrafficDialPercentage !== spec.dial) diff.push(`TrafficDialPercentage: ${g.TrafficDialPercentage} → ${spec.dial}`);
  return diff;
}

/**
 * Pure: the whole configuration for UpdateEndpointGroup — the spec's values, and the group's own for
 * what the spec leaves out — so that nothing the call omits can fall back to a default (a dial
 * left out must never become 100 again).
 */
export function updateInput(g: EndpointGroup, spec: EndpointGroupSpec): UpdateEndpointGroupRequest {
  const current = new Map((g.EndpointDescriptions ?? []).map((e) => [e.EndpointId, e]));
  const hc = spec.healthCheck ?? {};
  const protocol = hc.protocol ?? g.HealthCheckProtocol;
  const path = hc.path ?? g.HealthCheckPath;
  return {
    EndpointGroupArn: g.EndpointGroupArn,
    EndpointConfigurations: spec.endpoints.map((e) => {
      const ip = e.clientIpPreservation ?? current.get(e.id)?.ClientIPPreservationEnabled;
      return { EndpointId: e.id, Weight: e.weight ?? DEFAULT_WEIGHT, ...(ip !== undefined && { ClientIPPreservationEnabled: ip }) };
    }),
    ...defined('TrafficDialPercentage', spec.dial ?? g.TrafficDialPercentage),
    ...defined('HealthCheckProtocol', protocol),
    ...defined('HealthCheckPort', hc.port ?? g.HealthCheckPort),
    ...(isHttp(protocol) ? defined('HealthCheckPath', path) : {}),
    ...defined('HealthCheckIntervalSeconds', hc.intervalSeconds ?? g.HealthCheckIntervalSeconds),
    ...defined('ThresholdCount', hc.thresholdCount ?? g.ThresholdCount),
    PortOverrides: spec.portOverrides
      ? spec.portOverrides.map((o) => ({ ListenerPort: o.listenerPort, EndpointPort: o.endpointPort }))
      : (g.PortOverrides ?? []).map((o) => ({ ListenerPort: o.ListenerPort, EndpointPort: o.EndpointPort })),
  };
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Pure: the spec a group already has, for a change of its dial alone. */
export function specOf(g: EndpointGroup): EndpointGroupSpec {
  return {
    region: g.EndpointGroupRegion ?? '',
    endpoints: (g.EndpointDescriptions ?? []).map((e) => ({
      id: e.EndpointId ?? '',
      weight: e.Weight ?? DEFAULT_WEIGHT,
      ...(e.ClientIPPreservationEnabled !== undefined && { clientIpPreservation: e.ClientIPPreservationEnabled }),
    })),
  };
}

/** The groups the spec lists, each in its Region under the listener: created, or changed to match. */
export async function ensureEndpointGroups(
  ga: GlobalAcceleratorClient,
  owner: Owner,
  acc: AcceleratorRef,
  listenerArn: string,
  specs: readonly EndpointGroupSpec[],
  mutate: Mutate,
): Promise<EnsuredEndpointGroups> {
  const existing = await listEndpointGroups(ga, listenerArn);
  const out: EnsuredEndpointGroups = { groups: {}, changes: [] };
  for (const spec of specs) {
    const group = existing.filter((g) => g.EndpointGroupRegion === spec.region).sort((a, b) => byString(a.EndpointGroupArn, b.EndpointGroupArn))[0];
    const result = group ? await updateGroup(ga, owner, acc, group, spec, mutate) : await createGroup(ga, owner, acc, listenerArn, spec, mutate);
    if (result.group) out.groups[spec.region] = result.group;
    out.changes.push(...result.changes.map((c) => `endpoint group ${spec.region}: ${c}`));
  }
  return out;
}

/**
 * Only the dials: each Region's group under the listener set to the given percentage, everything
 * else re-sent as it is. Regions not listed, and groups already at their dial, are left alone.
 * Returns the Regions whose dial was changed (in dry-run: would be).
 */
export async function setTrafficDials(
  ga: GlobalAcceleratorClient,
  owner: Owner,
  acc: AcceleratorRef,
  listenerArn: string,
  dials: Readonly<Record<string, number>>,
  mutate: Mutate,
): Promise<string[]> {
  const changed: string[] = [];
  for (const g of await listEndpointGroups(ga, listenerArn)) {
    const region = g.EndpointGroupRegion ?? '';
    const dial = dials[region];
    if (dial === undefined || g.TrafficDialPercentage === dial) continue;
    await updateGroup(ga, owner, acc, g, { ...specOf(g), dial }, mutate);
    changed.push(region);
  }
  return changed;
}

async function createGroup(
  ga: GlobalAcceleratorClient,
  owner: Owner,
  acc: AcceleratorRef,
  listenerArn: string,
  spec: EndpointGroupSpec,
  mutate: Mutate,
): Promise<{ group?: EndpointGroup; changes: string[] }> {
  await guardChange(ga, owner, acc, 'CreateEndpointGroup');
  const hc = spec.healthCheck ?? {};
  const out = await mutate(
    { action: 'Create', resource: `EndpointGroup ${spec.region}`, region: GA_API_REGION, detail: `listener ${listenerArn}` },
    () =>
      ga.send(
        new globalAcceleratorSdk.CreateEndpointGroupCommand({
          ListenerArn: listenerArn,
          EndpointGroupRegion: spec.region,
          EndpointConfigurations: spec.endpoints.map((e) => ({
            EndpointId: e.id,
            Weight: e.weight ?? DEFAULT_WEIGHT,
            ...(e.clientIpPreservation !== undefined && { ClientIPPreservationEnabled: e.clientIpPreservation }),
          })),
          ...defined('TrafficDialPercentage', spec.dial),
          ...defined('HealthCheckProtocol', hc.protocol),
          ...defined('HealthCheckPort', hc.port),
          ...(isHttp(hc.protocol) ? defined('HealthCheckPath', hc.path) : {}),
          ...defined('HealthCheckIntervalSeconds', hc.intervalSeconds),
          ...defined('ThresholdCount', hc.thresholdCount),
          ...(spec.portOverrides && { PortOverrides: spec.portOverrides.map((o) => ({ ListenerPort: o.listenerPort, EndpointPort: o.endpointPort })) }),
          IdempotencyToken: idempotencyToken(owner, 'endpoint-group', `${listenerArn} ${spec.region}`),
        }),
      ),
    (r) => `endpoint group ${r.EndpointGroup?.EndpointGroupArn}`,
  );
  return { ...(out?.EndpointGroup && { group: out.EndpointGroup }), changes: ['create'] };
}

async function updateGroup(
  ga: GlobalAcceleratorClient,
  owner: Owner,
  acc: AcceleratorRef,
  group: EndpointGroup,
  spec: EndpointGroupSpec,
  mutate: Mutate,
): Promise<{ group: EndpointGroup; changes: string[] }> {
  const changes = endpointGroupDiff(group, spec);
  if (changes.length === 0) return { group, changes };
  await guardChange(ga, owner, acc, 'UpdateEndpointGroup');
  const out = await mutate({ action: 'Update', resource: `EndpointGroup ${spec.region}`, region: GA_API_REGION, detail: changes.join('; ') }, () =>
    ga.send(new globalAcceleratorSdk.UpdateEndpointGroupCommand(updateInput(group, spec))),
  );
  return { group: out?.EndpointGroup ?? group, changes };
}
