// Deleting an accelerator we created, in the order the API requires: disable it, wait until that
// is DEPLOYED, delete its endpoint groups, then its listeners, then the accelerator — waiting for
// DEPLOYED again after each step. Nothing here waits: each call does the next step that is due (or
// nothing, while a change deploys) and says where it stands; the caller requeues until `done`.
// An adopted accelerator is never passed here; one without our tags is refused.
import type { GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import { errorCode, isNotFound } from '../errors.ts';
import { globalAcceleratorSdk } from '../sdk.ts';
import type { Mutate, Owner } from '../types.ts';
import { describeAccelerator } from './accelerator.ts';
import { GA_API_REGION } from './api-region.ts';
import { listEndpointGroups } from './endpoint-groups.ts';
import { listListeners } from './listener.ts';
import { assertOwned } from './ownership.ts';

export type TeardownStep = 'Disabling' | 'WaitingForDeployed' | 'DeletingEndpointGroups' | 'DeletingListeners' | 'DeletingAccelerator' | 'Gone';

export interface TeardownProgress {
  /** True once the accelerator no longer exists. */
  done: boolean;
  step: TeardownStep;
  message: string;
}

/** One step of the deletion of our accelerator `arn` (see the file's comment). */
export async function teardownAccelerator(ga: GlobalAcceleratorClient, owner: Owner, arn: string, mutate: Mutate): Promise<TeardownProgress> {
  const a = await describeAccelerator(ga, arn);
  if (!a) return { done: true, step: 'Gone', message: `accelerator ${arn} is deleted` };
  // Fresh tags right before anything is changed: an ARN from status alone is never enough.
  await assertOwned(ga, owner, arn, 'DeleteAccelerator');
  const name = a.Name ?? arn;
  const change = (action: 'Update' | 'Delete', resource: string, detail?: string) => ({ action, resource, region: GA_API_REGION, ...(detail && { detail }) });
  if (a.Enabled) {
    await mutate(change('Update', `Accelerator ${name}`, 'Enabled: true → false (before deletion)'), () =>
      ga.send(new globalAcceleratorSdk.UpdateAcceleratorCommand({ AcceleratorArn: arn, Enabled: false })),
    );
    return { done: false, step: 'Disabling', message: `disabling accelerator ${arn}; it is deleted once the disable is DEPLOYED` };
  }
  if (a.Status !== 'DEPLOYED') return waiting(arn);
  const listeners = await listListeners(ga, arn);
  const groups = (await Promise.all(listeners.map((l) => (l.ListenerArn ? listEndpointGroups(ga, l.ListenerArn) : [])))).flat();
  if (groups.length > 0) {
    for (const g of groups) {
      await mutate(change('Delete', `EndpointGroup ${g.EndpointGroupRegion}`, g.EndpointGroupArn), () =>
        ignoreNotFound(ga.send(new globalAcceleratorSdk.DeleteEndpointGroupCommand({ EndpointGroupArn: g.EndpointGroupArn }))),
      );
    }
    return {
      done: false,
      step: 'DeletingEndpointGroups',
      message: `deleted ${groups.length} endpoint group(s) of accelerator ${arn}; the listeners go once that is DEPLOYED`,
    };
  }
  if (listeners.length > 0) {
    for (const l of listeners) {
      await mutate(change('Delete', `Listener ${l.Protocol} ${(l.PortRanges ?? []).map((r) => `${r.FromPort}-${r.ToPort}`).join(',')}`, l.ListenerArn), () =>
        ignoreNotFound(ga.send(new globalAcceleratorSdk.DeleteListenerCommand({ ListenerArn: l.ListenerArn }))),
      );
    }
    return {
      done: false,
      step: 'DeletingListeners',
      message: `deleted ${listeners.length} listener(s) of accelerator ${arn}; the accelerator goes once that is DEPLOYED`,
    };
  }
  try {
    await mutate(change('Delete', `Accelerator ${name}`, arn), () =>
      ignoreNotFound(ga.send(new globalAcceleratorSdk.DeleteAcceleratorCommand({ AcceleratorArn: arn }))),
    );
  } catch (err) {
    // Its last change started deploying between our read and the delete: wait for it.
    if (errorCode(err) === 'AcceleratorNotDisabledException') return waiting(arn);
    throw err;
  }
  return { done: false, step: 'DeletingAccelerator', message: `deleting accelerator ${arn}` };
}

function waiting(arn: string): TeardownProgress {
  return { done: false, step: 'WaitingForDeployed', message: `accelerator ${arn} is IN_PROGRESS; the next deletion step waits until it is DEPLOYED` };
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
