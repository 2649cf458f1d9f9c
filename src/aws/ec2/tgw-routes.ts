// Static routes in a TGW route table: a pure plan (desired vs current) and the calls that
// carry it out. Only routes to attachments the caller manages are ever removed or replaced;
// routes a person added to other attachments are left alone and reported as conflicts when
// they take a CIDR we want.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { isAlreadyExists, isNotFound } from '../errors.ts';
import { ec2Sdk } from '../sdk.ts';

export interface TgwRoute {
  destinationCidr: string;
  /** Empty when the API did not name the target (see planTgwRoutes). */
  attachmentIds: string[];
  /** active | blackhole | pending | deleting | deleted */
  state: string;
  /** static | propagated */
  type: string;
}

export interface DesiredTgwRoute {
  destinationCidr: string;
  attachmentId: string;
}

export interface TgwRoutePlanInput {
  desired: DesiredTgwRoute[];
  current: TgwRoute[];
  /** Attachments whose routes the caller owns (include a replaced peering's old id). */
  managedAttachmentIds: string[];
  /** CIDRs the caller programmed before (status.routes): ours even when AWS omits the target. */
  previouslyProgrammed?: string[];
  /** An empty desired set removes nothing unless this is set (guards against a half-read spec). */
  allowRemoveAll?: boolean;
  /**
   * The attachments are shared (a ClientConnection's attachment also carries other clients' and
   * hand-added routes): only CIDRs in previouslyProgrammed are ever removed or replaced, whatever
   * attachment their route names.
   */
  onlyRecorded?: boolean;
}

export interface TgwRouteConflict {
  destinationCidr: string;
  wantedAttachmentId: string;
  currentAttachmentIds: string[];
  reason: 'RouteToOtherAttachment' | 'Blackhole' | 'DuplicateDesired';
}

export interface TgwRoutePlan {
  add: DesiredTgwRoute[];
  /** Ours, pointing at a stale attachment or dead: delete then create. */
  replace: DesiredTgwRoute[];
  /** CIDRs of our routes that are no longer desired. */
  remove: string[];
  conflicts: TgwRouteConflict[];
  unchanged: DesiredTgwRoute[];
}

export const normalizeCidr = (c: string): string => c.trim().toLowerCase();

export const isEmptyPlan = (p: TgwRoutePlan): boolean => !p.add.length && !p.replace.length && !p.remove.length;

/**
 * AWS names the target of every active static route (TransitGatewayAttachments; the test stack's
 * moto does too, see test/env/moto_server_ext.py). An active static route with no named target
 * is not expected; should one appear for a CIDR we want, it is counted as present rather than
 * replaced, and without a named target a route can only be removed when the caller says it
 * programmed that CIDR before.
 */
export function planTgwRoutes(input: TgwRoutePlanInput): TgwRoutePlan {
  const managed = new Set(input.managedAttachmentIds);
  const before = new Set((input.previouslyProgrammed ?? []).map(normalizeCidr));
  const current = new Map<string, TgwRoute>();
  for (const r of input.current) {
    if (r.type !== 'static' || r.state === 'deleted' || r.state === 'deleting') continue;
    current.set(normalizeCidr(r.destinationCidr), r);
  }

  const plan: TgwRoutePlan = { add: [], replace: [], remove: [], conflicts: [], unchanged: [] };
  const wanted = new Map<string, DesiredTgwRoute>();
  for (const d of input.desired) {
    const cidr = normalizeCidr(d.destinationCidr);
    const first = wanted.get(cidr);
    if (first) {
      if (first.attachmentId !== d.attachmentId) {
        plan.conflicts.push({
          destinationCidr: cidr,
          wantedAttachmentId: d.attachmentId,
          currentAttachmentIds: [first.attachmentId],
          reason: 'DuplicateDesired',
        });
      }
      continue;
    }
    const want = { destinationCidr: cidr, attachmentId: d.attachmentId };
    wanted.set(cidr, want);

    const cur = current.get(cidr);
    const targets = cur?.attachmentIds ?? [];
    if (!cur) plan.add.push(want);
    else if (targets.includes(d.attachmentId)) plan.unchanged.push(want);
    else if (cur.state === 'blackhole' && before.has(cidr)) plan.replace.push(want);
    else if (targets.length === 0 && cur.state !== 'blackhole') plan.unchanged.push(want);
    else if (targets.length > 0 && targets.every((t) => managed.has(t)) && (!input.onlyRecorded || before.has(cidr))) plan.replace.push(want);
    else {
      plan.conflicts.push({
        destinationCidr: cidr,
        wantedAttachmentId: d.attachmentId,
        currentAttachmentIds: [...targets],
        reason: targets.length === 0 ? 'Blackhole' : 'RouteToOtherAttachment',
      });
    }
  }

  if (wanted.size === 0 && !input.allowRemoveAll) return plan;
  for (const [cidr, r] of current) {
    if (wanted.has(cidr)) continue;
    const ours =
      input.onlyRecorded || r.attachmentIds.length === 0
        ? before.has(cidr) && r.attachmentIds.every((t) => managed.has(t))
        : r.attachmentIds.some((t) => managed.has(t));
    if (ours) plan.remove.push(cidr);
  }
  plan.remove.sort();
  return plan;
}

/**
 * Static routes only (the one filter every implementation honours). No MaxResults: AWS
 * defaults to 1,000 and moto answers HTTP 500 when it is sent. If AWS reports more routes
 * than it returned, a desired route may look absent: adding it again is harmless (see
 * createTgwRoute), and nothing unseen is ever removed.
 *
 * `cidrs`: only the routes of exactly these destinations (`route-search.exact-match`, its values
 * OR'ed), a few at a time. What one client plans touches no other CIDR, and reading a whole table
 * for each new client costs a table's worth of routes per client (and is cut at 1,000 routes).
 */
export async function listStaticRoutes(ec2: EC2Client, routeTableId: string, cidrs?: readonly string[]): Promise<TgwRoute[]> {
  if (!cidrs) return searchStatic(ec2, routeTableId, []);
  const out: TgwRoute[] = [];
  const unique = [...new Set(cidrs.map(normalizeCidr))];
  for (let i = 0; i < unique.length; i += EXACT_MATCH_VALUES) {
    const some = unique.slice(i, i + EXACT_MATCH_VALUES);
    out.push(...(await searchStatic(ec2, routeTableId, [{ Name: 'route-search.exact-match', Values: some }])));
  }
  return out;
}

/** Values per exact-match filter: EC2 caps a filter's values (200 for most filters). */
const EXACT_MATCH_VALUES = 50;

async function searchStatic(ec2: EC2Client, routeTableId: string, more: Array<{ Name: string; Values: string[] }>): Promise<TgwRoute[]> {
  const out = await ec2.send(
    new ec2Sdk.SearchTransitGatewayRoutesCommand({
      TransitGatewayRouteTableId: routeTableId,
      Filters: [{ Name: 'type', Values: ['static'] }, ...more],
    }),
  );
  return (out.Routes ?? [])
    .filter((r) => r.DestinationCidrBlock)
    .map((r) => ({
      destinationCidr: r.DestinationCidrBlock ?? '',
      attachmentIds: (r.TransitGatewayAttachments ?? []).map((a) => a.TransitGatewayAttachmentId ?? '').filter(Boolean),
      state: r.State ?? 'unknown',
      type: r.Type ?? 'static',
    }));
}

/** Removes first, so a CIDR moving between attachments never has two routes at once. */
export async function applyTgwRoutePlan(ec2: EC2Client, routeTableId: string, plan: TgwRoutePlan): Promise<void> {
  for (const cidr of plan.remove) await deleteTgwRoute(ec2, routeTableId, cidr);
  // ReplaceTransitGatewayRoute would be atomic, but not every implementation has it; the
  // route being replaced already points at a dead or stale attachment.
  for (const r of plan.replace) {
    await deleteTgwRoute(ec2, routeTableId, r.destinationCidr);
    await createTgwRoute(ec2, routeTableId, r);
  }
  for (const r of plan.add) await createTgwRoute(ec2, routeTableId, r);
}

/** AWS refuses a second route for a CIDR: that one is left for the next plan to judge. */
export async function createTgwRoute(ec2: EC2Client, routeTableId: string, r: DesiredTgwRoute): Promise<void> {
  try {
    await ec2.send(
      new ec2Sdk.CreateTransitGatewayRouteCommand({
        TransitGatewayRouteTableId: routeTableId,
        DestinationCidrBlock: r.destinationCidr,
        TransitGatewayAttachmentId: r.attachmentId,
      }),
    );
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function deleteTgwRoute(ec2: EC2Client, routeTableId: string, cidr: string): Promise<void> {
  try {
    await ec2.send(new ec2Sdk.DeleteTransitGatewayRouteCommand({ TransitGatewayRouteTableId: routeTableId, DestinationCidrBlock: cidr }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
