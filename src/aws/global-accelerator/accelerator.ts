// The accelerator itself: adopted by ARN, or created by us with an IdempotencyToken and found again
// by its ownership tags; name, IP address type, enabled and flow logs kept as the spec says (for
// ours only: an adopted accelerator's own settings are the user's).
import type { Accelerator, AcceleratorAttributes, GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import { collectPaginator } from '../ec2/pages.ts';
import { AwsError, isNotFound } from '../errors.ts';
import { globalAcceleratorSdk } from '../sdk.ts';
import { ownsForDelete } from '../tags.ts';
import type { Mutate, Owner } from '../types.ts';
import { GA_API_REGION } from './api-region.ts';
import { isAcceleratorArn } from './arns.ts';
import { type AcceleratorRef, acceleratorTags, GaOwnershipError, guardChange, readTags } from './ownership.ts';
import { idempotencyToken } from './tokens.ts';

export interface AcceleratorSpec {
  name: string;
  ipAddressType: 'IPV4' | 'DUAL_STACK';
  enabled: boolean;
  /** Flow logs to S3; absent: flow logs off. */
  flowLogs?: { s3Bucket: string; s3Prefix: string };
}

export interface EnsuredAccelerator {
  /** Undefined only in dry-run, when the accelerator is still to be created. */
  ref?: AcceleratorRef;
  accelerator?: Accelerator;
  /** What differed from the spec and was changed (in dry-run: would be). */
  changes: string[];
}

export async function describeAccelerator(ga: GlobalAcceleratorClient, arn: string): Promise<Accelerator | undefined> {
  try {
    return (await ga.send(new globalAcceleratorSdk.DescribeAcceleratorCommand({ AcceleratorArn: arn }))).Accelerator;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function listAccelerators(ga: GlobalAcceleratorClient): Promise<Accelerator[]> {
  return collectPaginator(globalAcceleratorSdk.paginateListAccelerators({ client: ga, pageSize: 100, stopOnSameToken: true }, {}), (p) => p.Accelerators);
}

/**
 * Ours, by tags: the accelerators of the account (one paginated list), each one's tags read in turn
 * (GA cannot filter a list by tag). The oldest when there are several, so every pass picks the same.
 */
export async function findOwnedAccelerator(ga: GlobalAcceleratorClient, owner: Owner): Promise<Accelerator | undefined> {
  const all = await listAccelerators(ga);
  const owned: Accelerator[] = [];
  for (const a of all) {
    if (!a.AcceleratorArn) continue;
    const tags = await readTags(ga, a.AcceleratorArn);
    if (tags && ownsForDelete(tags, owner)) owned.push(a);
  }
  return owned.sort((a, b) => (a.CreatedTime?.getTime() ?? 0) - (b.CreatedTime?.getTime() ?? 0))[0];
}

/** Pure: how the accelerator differs from the spec, one line a field. */
export function acceleratorDiff(a: Accelerator, spec: AcceleratorSpec): string[] {
  const diff: string[] = [];
  if (a.Name !== spec.name) diff.push(`Name: ${a.Name} → ${spec.name}`);
  if (a.IpAddressType !== spec.ipAddressType) diff.push(`IpAddressType: ${a.IpAddressType} → ${spec.ipAddressType}`);
  if (a.Enabled !== spec.enabled) diff.push(`Enabled: ${a.Enabled} → ${spec.enabled}`);
  return diff;
}

/** Pure: the flow-log attributes the spec asks for. */
export function flowLogAttributes(spec: AcceleratorSpec): AcceleratorAttributes {
  return spec.flowLogs
    ? { FlowLogsEnabled: true, FlowLogsS3Bucket: spec.flowLogs.s3Bucket, FlowLogsS3Prefix: spec.flowLogs.s3Prefix }
    : { FlowLogsEnabled: false };
}

/** Pure: how the flow-log attributes differ from the spec (bucket and prefix only matter while enabled). */
export function flowLogDiff(have: AcceleratorAttributes, spec: AcceleratorSpec): string[] {
  const want = flowLogAttributes(spec);
  const diff: string[] = [];
  if ((have.FlowLogsEnabled ?? false) !== want.FlowLogsEnabled) diff.push(`FlowLogsEnabled: ${have.FlowLogsEnabled ?? false} → ${want.FlowLogsEnabled}`);
  if (want.FlowLogsEnabled && have.FlowLogsS3Bucket !== want.FlowLogsS3Bucket)
    diff.push(`FlowLogsS3Bucket: ${have.FlowLogsS3Bucket} → ${want.FlowLogsS3Bucket}`);
  if (want.FlowLogsEnabled && have.FlowLogsS3Prefix !== want.FlowLogsS3Prefix)
    diff.push(`FlowLogsS3Prefix: ${have.FlowLogsS3Prefix} → ${want.FlowLogsS3Prefix}`);
  return diff;
}

/** A spec that names an accelerator which is not there (or not an accelerator ARN): retrying cannot help. */
export class AdoptedAcceleratorError extends AwsError {
  constructor(arn: string, problem: string) {
    super({
      class: 'Terminal',
      code: 'AdoptedAcceleratorNotFound',
      service: 'globalaccelerator',
      operation: 'DescribeAccelerator',
      region: GA_API_REGION,
      subject: `accelerator ${arn}`,
      message: problem,
    });
    this.name = 'AdoptedAcceleratorError';
  }
}

/** An accelerator named by ARN: used as it is, never created, changed or deleted itself. */
export async function adoptAccelerator(ga: GlobalAcceleratorClient, arn: string): Promise<EnsuredAccelerator> {
  if (!isAcceleratorArn(arn)) throw new AdoptedAcceleratorError(arn, 'not an accelerator ARN (arn:aws:globalaccelerator::ACCOUNT:accelerator/ID)');
  const accelerator = await describeAccelerator(ga, arn);
  if (!accelerator) throw new AdoptedAcceleratorError(arn, 'no such accelerator in this account: check the ARN and the account the controller calls with');
  return { ref: { arn, adopted: true }, accelerator, changes: [] };
}

export interface EnsureOwnedOptions {
  /** The ARN status recorded: a hint, used only when the accelerator still carries our tags. */
  knownArn?: string;
  mutate: Mutate;
}

/**
 * Our accelerator as the spec says: the one status names (if it still carries our tags), else the
 * one our tags find, else a new one. CreateAccelerator carries an IdempotencyToken derived from the
 * owner, so a create repeated after a lost answer gets the first one back.
 */
export async function ensureOwnedAccelerator(
  ga: GlobalAcceleratorClient,
  owner: Owner,
  spec: AcceleratorSpec,
  opts: EnsureOwnedOptions,
): Promise<EnsuredAccelerator> {
  const found = (opts.knownArn && (await knownOwned(ga, owner, opts.knownArn))) || (await findOwnedAccelerator(ga, owner));
  if (!found) return createAccelerator(ga, owner, spec, opts.mutate);
  const ref: AcceleratorRef = { arn: found.AcceleratorArn ?? '', adopted: false };
  const changes = acceleratorDiff(found, spec);
  let accelerator = found;
  if (changes.length > 0) {
    await guardChange(ga, owner, ref, 'UpdateAccelerator');
    const out = await opts.mutate({ action: 'Update', resource: `Accelerator ${spec.name}`, region: GA_API_REGION, detail: changes.join('; ') }, () =>
      ga.send(
        new globalAcceleratorSdk.UpdateAcceleratorCommand({
          AcceleratorArn: ref.arn,
          Name: spec.name,
          IpAddressType: spec.ipAddressType,
          Enabled: spec.enabled,
        }),
      ),
    );
    accelerator = out?.Accelerator ?? found;
  }
  changes.push(...(await ensureFlowLogs(ga, owner, ref, spec, opts.mutate)));
  return { ref, accelerator, changes };
}

async function knownOwned(ga: GlobalAcceleratorClient, owner: Owner, arn: string): Promise<Accelerator | undefined> {
  if (!isAcceleratorArn(arn)) return undefined;
  const a = await describeAccelerator(ga, arn);
  if (!a) return undefined;
  const tags = await readTags(ga, arn);
  // Status names an accelerator that is not ours: someone else's must not be taken over, and a
  // second one must not be made while status says there is one. Stop and say so.
  if (tags && !ownsForDelete(tags, owner)) throw new GaOwnershipError(arn, owner, 'DescribeAccelerator');
  return a;
}

async function createAccelerator(ga: GlobalAcceleratorClient, owner: Owner, spec: AcceleratorSpec, mutate: Mutate): Promise<EnsuredAccelerator> {
  const out = await mutate(
    { action: 'Create', resource: `Accelerator ${spec.name}`, region: GA_API_REGION },
    () =>
      ga.send(
        new globalAcceleratorSdk.CreateAcceleratorCommand({
          Name: spec.name,
          IpAddressType: spec.ipAddressType,
          Enabled: spec.enabled,
          IdempotencyToken: idempotencyToken(owner, 'accelerator'),
          Tags: acceleratorTags(owner),
        }),
      ),
    (r) => `accelerator ${spec.name} (${r.Accelerator?.AcceleratorArn})`,
  );
  const changes = [`create accelerator ${spec.name}`];
  const arn = out?.Accelerator?.AcceleratorArn;
  if (!out) return { changes };
  if (!arn) throw new Error('CreateAccelerator returned no accelerator ARN');
  const ref: AcceleratorRef = { arn, adopted: false };
  changes.push(...(await ensureFlowLogs(ga, owner, ref, spec, mutate)));
  return { ref, accelerator: out.Accelerator, changes };
}

async function ensureFlowLogs(ga: GlobalAcceleratorClient, owner: Owner, ref: AcceleratorRef, spec: AcceleratorSpec, mutate: Mutate): Promise<string[]> {
  const have = (await ga.send(new globalAcceleratorSdk.DescribeAcceleratorAttributesCommand({ AcceleratorArn: ref.arn }))).AcceleratorAttributes ?? {};
  const diff = flowLogDiff(have, spec);
  if (diff.length === 0) return [];
  await guardChange(ga, owner, ref, 'UpdateAcceleratorAttributes');
  await mutate({ action: 'Update', resource: `Accelerator ${spec.name}`, region: GA_API_REGION, detail: diff.join('; ') }, () =>
    ga.send(new globalAcceleratorSdk.UpdateAcceleratorAttributesCommand({ AcceleratorArn: ref.arn, ...flowLogAttributes(spec) })),
  );
  return diff;
}
