// The DNS half of a FailoverPolicy: one Route 53 health check per side (created, changed in
// place or replaced, deleted), then the PRIMARY/SECONDARY record pair through FailoverRecords
// and the zone's shared batcher. A check that the records stop referencing is deleted only
// after the records changed, so a record never points at a deleted check. A record change
// counts once Route 53 says INSYNC: its id waits in status.dnsChange, looked at once a pass.
//
// A policy without spec.dns (Global Accelerator only, issue 18) has no records and no checks:
// PolicyDns makes no Route 53 call then, and stands for records that are always in place and
// follow the switch at once (see noRecordsSide), so the failover machine's records step
// completes without waiting and the accelerator's dials are what the switch moves.
import type { HealthCheck, Route53Client } from '@aws-sdk/client-route-53';
import type { FailoverPolicy, FailoverPolicyStatus } from '../../api/types.ts';
import { ZoneBatcher } from '../../aws/route53/batcher.ts';
import { getChangeStatus } from '../../aws/route53/change-status.ts';
import { FailoverRecords, type RecordsTarget } from '../../aws/route53/failover-records.ts';
import { healthCheckConfig, isShallowCheck, requiresReplacement } from '../../aws/route53/health-check-config.ts';
import { type DesiredHealthCheck, HealthChecks } from '../../aws/route53/health-checks.ts';
import { desiredRecords, type FailoverRecordsInput, type RRSet, type Side, sameRecord, setIdentifiers } from '../../aws/route53/records.ts';
import type { Owner } from '../../aws/types.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import type { SyncContext } from '../shared/lifecycle.ts';
import { stepIndex } from './failover-ready.ts';
import { type ResolvedPolicy, SIDES, sideOfRegion } from './resolve.ts';

/** How long a records change may stay PENDING before it is reported (Route 53 takes about a minute). */
export const DNS_INSYNC_TIMEOUT_MS = 10 * 60_000;

/** One FailoverRecords (and so one ZoneBatcher) per Route 53 client, i.e. per account. */
export class DnsKit {
  private readonly byClient = new WeakMap<Route53Client, FailoverRecords>();
  /** Each policy's DNS state as its last full pass read it (see sync.ts deferDns), by namespace/name. */
  private readonly lastRead = new Map<string, { uid?: string; generation?: number; state: DnsState }>();

  /** What the last full DNS pass of this very object (same uid and generation) found, if it settled. */
  lastState(obj: FailoverPolicy): DnsState | undefined {
    const e = this.lastRead.get(`${obj.metadata.namespace}/${obj.metadata.name}`);
    if (!e || e.uid !== obj.metadata.uid || e.generation !== obj.metadata.generation) return undefined;
    const st = e.state;
    return st.pendingChange || st.error !== undefined || st.conflict ? undefined : structuredClone(st);
  }

  remember(obj: FailoverPolicy, state: DnsState): void {
    this.lastRead.set(`${obj.metadata.namespace}/${obj.metadata.name}`, {
      ...(obj.metadata.uid && { uid: obj.metadata.uid }),
      ...(obj.metadata.generation !== undefined && { generation: obj.metadata.generation }),
      state: structuredClone(state),
    });
  }

  forget(key: string): void {
    this.lastRead.delete(key);
  }

  recordsFor(client: Route53Client): FailoverRecords {
    let r = this.byClient.get(client);
    if (!r) {
      r = new FailoverRecords(client, new ZoneBatcher(client));
      this.byClient.set(client, r);
    }
    return r;
  }
}

export interface DnsState {
  healthCheckIds: Partial<Record<Side, string>>;
  /** Both records are ours and as desired, and Route 53 has applied them (no change PENDING). */
  recordsInPlace: boolean;
  /** The last change of the records while Route 53 has not applied it yet (status.dnsChange). */
  pendingChange?: { id: string; submittedAt: string };
  /** Every configured check exists and the records reference it. */
  healthChecksInPlace: boolean;
  /** The side whose target the PRIMARY record carries now (undefined: no records of ours yet). */
  activeSide?: Side;
  conflict?: string;
  shallow: Side[];
  /** The DNS half failed this pass (e.g. Route 53's control plane did not answer): what it said. */
  error?: string;
}

export class PolicyDns {
  readonly state: DnsState = { healthCheckIds: {}, recordsInPlace: false, healthChecksInPlace: false, shallow: [] };
  private readonly client: Route53Client;
  private readonly checks: HealthChecks;
  private readonly retire = new Set<string>();
  private readonly target: RecordsTarget | undefined;
  /** The change id GetChange was asked about in this pass: once a pass is enough. */
  private lookedAt?: string;

  constructor(
    deps: ControllerDeps,
    kit: DnsKit,
    private readonly r: ResolvedPolicy,
    private readonly obj: FailoverPolicy,
    private readonly owner: Owner,
    private readonly ctx: SyncContext,
  ) {
    this.client = deps.aws.route53(r.route53);
    this.checks = new HealthChecks(this.client);
    this.records = kit.recordsFor(this.client);
    const dns = r.spec.dns;
    this.target = dns && { zoneId: dns.hostedZoneId, owner, recordName: dns.recordName };
    if (!dns) {
      Object.assign(this.state, { recordsInPlace: true, healthChecksInPlace: true });
      const side = noRecordsSide(r, obj.status);
      if (side) this.state.activeSide = side;
      return;
    }
    const known = obj.status?.dnsChange;
    if (known?.id) this.state.pendingChange = { id: known.id, submittedAt: known.submittedAt };
  }

  private readonly records: FailoverRecords;

  /** Takes a state an earlier pass read instead of reading Route 53 (see sync.ts deferDns). */
  adopt(st: DnsState): void {
    Object.assign(this.state, st);
  }

  /** Health checks of both sides; ids land in state.healthCheckIds. */
  async syncChecks(): Promise<void> {
    if (!this.r.spec.dns) return;
    // A side without a recorded check lists the account's checks: both sides share one listing.
    const listing = this.checks.listingOnce();
    for (const side of SIDES) await this.syncCheck(side, listing);
  }

  private async syncCheck(side: Side, listing: () => Promise<HealthCheck[]>): Promise<void> {
    const dns = this.r.spec.dns;
    if (!dns) return;
    const hc = dns[side].healthCheck;
    const knownId = this.obj.status?.healthCheckIds?.[side];
    if (!hc) {
      if (knownId) this.retire.add(knownId);
      return;
    }
    if (isShallowCheck(hc)) this.state.shallow.push(side);
    const region = this.r.regions[side];
    const input = hc.type === 'CloudWatchAlarm' && !hc.alarmRegion && region ? { ...hc, alarmRegion: region } : hc;
    const desired: DesiredHealthCheck = {
      owner: this.owner,
      side,
      // MeasureLatency on both sides: the latency alarm follows the active side's check.
      config: healthCheckConfig(input, dns[side].target, `spec.dns.${side}.healthCheck`, {
        measureLatency: this.r.spec.alarms?.latencyMillis !== undefined,
      }),
      ...(knownId && { knownId }),
    };
    const plan = this.ctx.plan;
    const o = await this.checks.observe(desired, listing);
    const seen = o.observed;
    if (!o.exists || !seen) {
      const made = await plan.apply(
        { action: 'Create', resource: 'HealthCheck', detail: side },
        () => this.checks.create(desired),
        (c) => `${side} health check ${c.id}`,
      );
      if (made) this.state.healthCheckIds[side] = made.id;
      return;
    }
    for (const id of seen.strays) this.retire.add(id);
    this.state.healthCheckIds[side] = seen.id;
    if (o.upToDate) return;
    const diff = o.diff ?? [];
    if (requiresReplacement(diff)) {
      const made = await plan.apply(
        { action: 'Create', resource: 'HealthCheck', detail: `${side}, replaces ${seen.id}: ${diff.join('; ')}` },
        () => this.checks.replace(desired, seen),
        (c) => `${side} health check ${c.id} (replacing ${seen.id})`,
      );
      if (made) {
        this.state.healthCheckIds[side] = made.id;
        this.retire.add(seen.id);
      }
      return;
    }
    await plan.apply({ action: 'Update', resource: 'HealthCheck', detail: `${side} ${seen.id}: ${diff.join('; ')}` }, () => this.checks.update(desired, seen));
  }

  /** Only called with spec.dns set (every caller checks this.target first). */
  recordsInput(): FailoverRecordsInput {
    const dns = this.r.spec.dns!;
    const side = (s: Side) => ({ target: dns[s].target, ...(this.state.healthCheckIds[s] && { healthCheckId: this.state.healthCheckIds[s] }) });
    return { policyName: this.obj.metadata.name, recordName: dns.recordName, ttl: dns.ttl, primary: side('primary'), secondary: side('secondary') };
  }

  /**
   * Makes the record pair send traffic to `active` (UPSERTs only what differs); returns the side
   * written. `keepZoneSide`: the side the PRIMARY record serves now, as the records read for the
   * sync show it, wins over `active` (with a database, only the failover machine moves the
   * records); one read of the name serves both.
   */
  async syncRecords(active: Side, opts: { keepZoneSide?: boolean } = {}): Promise<Side> {
    const target = this.target;
    if (!target) {
      // No records: nothing to write, nothing to wait for; the dials follow activeSide.
      this.state.activeSide = opts.keepZoneSide ? (this.state.activeSide ?? active) : active;
      return this.state.activeSide;
    }
    const input = this.recordsInput();
    let side = active;
    const desired = (current: RRSet[]): RRSet[] => {
      if (opts.keepZoneSide) side = activeSideOf(current, input, this.obj.status?.healthCheckIds ?? {}) ?? active;
      return desiredRecords(input, side);
    };
    // The batch is one Planner.apply: listed in dry-run, sent otherwise.
    const res = await this.records.sync(target, desired, {
      mutate: this.ctx.plan.mutate,
      change: (n) => ({ action: 'Update', resource: 'Route53FailoverRecords', detail: `${n} changes at ${target.recordName}, PRIMARY → ${side}` }),
    });
    if (res.ownership === 'foreign' || res.conflicts.length > 0) {
      this.state.conflict = res.conflicts.map((c) => c.reason).join('; ') || `the name is claimed by ${res.claimedBy ?? 'someone else'}`;
      this.state.recordsInPlace = false;
      this.state.healthChecksInPlace = false;
      delete this.state.pendingChange;
      return side;
    }
    delete this.state.conflict;
    if (res.changes.length > 0 && !this.ctx.plan.dryRun) {
      this.ctx.normal('RecordsUpdated', `failover records at ${target.recordName} written; PRIMARY serves the ${side} side`);
    }
    if (res.change) this.lookedAt = res.change.id; // its status just came with the answer
    if (res.change?.status === 'PENDING') this.state.pendingChange = { id: res.change.id, submittedAt: this.ctx.now.toISOString() };
    else if (res.change) delete this.state.pendingChange;
    else await this.lookAtPendingChange();
    this.state.recordsInPlace = (!this.ctx.plan.dryRun || res.changes.length === 0) && !this.state.pendingChange;
    this.state.activeSide = this.state.recordsInPlace ? side : this.state.activeSide;
    this.state.healthChecksInPlace =
      this.state.recordsInPlace && SIDES.every((s) => !this.r.spec.dns?.[s].healthCheck || this.state.healthCheckIds[s] !== undefined);
    return side;
  }

  /**
   * One GetChange for the change an earlier pass (or call) left PENDING; INSYNC clears it. One
   * PENDING for longer than DNS_INSYNC_TIMEOUT_MS is reported as an error once and no longer
   * waited for (Route 53 still applies it), as the in-pass wait this replaces did.
   */
  private async lookAtPendingChange(): Promise<void> {
    const p = this.state.pendingChange;
    if (!p || this.ctx.plan.dryRun || this.lookedAt === p.id) return;
    this.lookedAt = p.id;
    if ((await getChangeStatus(this.client, p.id)) === 'INSYNC') {
      delete this.state.pendingChange;
      return;
    }
    if (this.ctx.now.getTime() - Date.parse(p.submittedAt) > DNS_INSYNC_TIMEOUT_MS) {
      delete this.state.pendingChange;
      throw new Error(`Route 53 change ${p.id} not INSYNC after ${DNS_INSYNC_TIMEOUT_MS / 1000} s; it was accepted and will still apply`);
    }
  }

  /** Deletes checks nothing references any more (replaced, strays, removed from the spec). */
  async retireChecks(): Promise<void> {
    if (this.state.conflict) return;
    const live = new Set(Object.values(this.state.healthCheckIds));
    for (const id of this.retire) {
      if (live.has(id)) continue;
      await this.ctx.plan.apply(
        { action: 'Delete', resource: 'HealthCheck', detail: id },
        () => this.deleteOwnedCheck(id),
        () => `health check ${id}`,
      );
    }
  }

  /** The ids come from status: a check without our tags is left alone and said so, never deleted. */
  private async deleteOwnedCheck(id: string): Promise<void> {
    const outcome = await this.checks.deleteId(id, this.owner);
    if (outcome === 'NotOurs') this.ctx.warn('ForeignHealthCheck', `health check ${id} named in status does not carry our ownership tags: left alone`);
  }

  /** Deletion: our records and the registry record, then every check of ours. */
  async remove(): Promise<void> {
    // Without spec.dns nothing was written to Route 53 (a policy that had dns earlier keeps its
    // check ids in status: those are still deleted, owned ones only).
    if (!this.target) {
      for (const known of Object.values(this.obj.status?.healthCheckIds ?? {}))
        await this.ctx.plan.apply(
          { action: 'Delete', resource: 'HealthCheck', detail: known },
          () => this.deleteOwnedCheck(known),
          () => `health check ${known}`,
        );
      return;
    }
    // One Planner.apply: listed in dry-run; otherwise sent and reported (DeletedRoute53FailoverRecords).
    await this.records.remove(this.target, { mutate: this.ctx.plan.mutate });
    for (const side of SIDES) {
      const known = this.obj.status?.healthCheckIds?.[side];
      if (known)
        await this.ctx.plan.apply(
          { action: 'Delete', resource: 'HealthCheck', detail: known },
          () => this.deleteOwnedCheck(known),
          () => `health check ${known}`,
        );
      // Found by ownership tag or reference: a check created just before a crash.
      const o = await this.checks.observe({ owner: this.owner, side, config: { Type: 'TCP' } });
      const seen = o.observed;
      if (seen)
        await this.ctx.plan.apply(
          { action: 'Delete', resource: 'HealthCheck', detail: seen.id },
          () => this.checks.delete(seen),
          () => `health check ${seen.id}`,
        );
    }
  }
}

/**
 * Pure: the side whose target the PRIMARY record of this policy carries. Compared first as a
 * whole record, then by target only (a check id changed since), then by the recorded check ids.
 */
export function activeSideOf(current: RRSet[], input: FailoverRecordsInput, knownCheckIds: Partial<Record<Side, string>>): Side | undefined {
  const id = setIdentifiers(input.policyName).primary;
  const rec = current.find((r) => r.SetIdentifier === id && r.Failover === 'PRIMARY');
  if (!rec) return undefined;
  const want = (side: Side, withChecks: boolean): RRSet => {
    const i = withChecks ? input : { ...input, primary: { target: input.primary.target }, secondary: { target: input.secondary.target } };
    return desiredRecords(i, side)[0]!;
  };
  for (const side of SIDES) if (sameRecord(rec, want(side, true))) return side;
  const bare = { ...rec, HealthCheckId: undefined };
  const matches = SIDES.filter((side) => sameRecord(bare, want(side, false)));
  if (matches.length === 1) return matches[0];
  return SIDES.find((side) => rec.HealthCheckId !== undefined && knownCheckIds[side] === rec.HealthCheckId);
}

/**
 * Pure: where the records would send traffic in a policy without spec.dns. They would move in the
 * failover's records step, right after the Secret (SecretWritten): from then on the running
 * failover's target region, before it the machine's active region. So the records step finds
 * them switched and completes at once, and the dials (which follow this side) move at that step,
 * as they do with records.
 */
export function noRecordsSide(r: Pick<ResolvedPolicy, 'regions'>, status: FailoverPolicyStatus | undefined): Side | undefined {
  const ip = status?.inProgress;
  const switched = ip?.step !== undefined && ip.to !== undefined && stepIndex(ip.step as Parameters<typeof stepIndex>[0]) >= stepIndex('SecretWritten');
  return sideOfRegion(r as ResolvedPolicy, switched ? ip.to : status?.activeRegion);
}
