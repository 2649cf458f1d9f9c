// One pass over a policy's accelerator: the accelerator (adopted, or ours), its listener, and one
// endpoint group per side. Level-based: run any number of times, after a crash at any line, it
// converges to the same state without making a second accelerator, listener or group.
import type { GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import type { Mutate, Owner } from '../types.ts';
import { type AcceleratorSpec, adoptAccelerator, ensureOwnedAccelerator } from './accelerator.ts';
import { type EndpointGroupSpec, ensureEndpointGroups } from './endpoint-groups.ts';
import { ensureListener, type ListenerSpec } from './listener.ts';
import type { AcceleratorRef } from './ownership.ts';

export interface GaSyncInput {
  owner: Owner;
  /** Adopt this accelerator (never created, changed itself or deleted) — or give `create`. */
  adoptArn?: string;
  create?: AcceleratorSpec;
  /** The ARN status recorded for our accelerator: a hint, checked against its tags. */
  knownArn?: string;
  listener: ListenerSpec;
  /** One per side, each in its own Region. `dial` unset leaves a group's dial as it is. */
  groups: EndpointGroupSpec[];
}

export interface GaSyncResult {
  /** Undefined only in dry-run, before the accelerator exists. */
  accelerator?: AcceleratorRef;
  listenerArn?: string;
  /** Region → endpoint group ARN (Regions still to be created in dry-run are missing). */
  groupArns: Record<string, string>;
  /** What differed from the spec and was changed (in dry-run: would be) — drift, on a converged object. */
  changes: string[];
}

export async function syncGlobalAccelerator(ga: GlobalAcceleratorClient, input: GaSyncInput, mutate: Mutate): Promise<GaSyncResult> {
  if (!input.adoptArn === !input.create)
    throw new Error('a Global Accelerator spec needs exactly one of an accelerator ARN to adopt or the settings of one to create');
  const acc = input.adoptArn
    ? await adoptAccelerator(ga, input.adoptArn)
    : await ensureOwnedAccelerator(ga, input.owner, input.create as AcceleratorSpec, { ...(input.knownArn && { knownArn: input.knownArn }), mutate });
  const result: GaSyncResult = { groupArns: {}, changes: acc.changes.map((c) => `accelerator: ${c}`) };
  if (!acc.ref) return result;
  result.accelerator = acc.ref;
  const listener = await ensureListener(ga, input.owner, acc.ref, input.listener, mutate);
  result.changes.push(...listener.changes.map((c) => `listener: ${c}`));
  const listenerArn = listener.listener?.ListenerArn;
  if (!listenerArn) return result;
  result.listenerArn = listenerArn;
  const groups = await ensureEndpointGroups(ga, input.owner, acc.ref, listenerArn, input.groups, mutate);
  result.changes.push(...groups.changes);
  for (const [region, g] of Object.entries(groups.groups)) if (g.EndpointGroupArn) result.groupArns[region] = g.EndpointGroupArn;
  return result;
}
