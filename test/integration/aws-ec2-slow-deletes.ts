// AWS takes minutes to delete a TGW, a route table or an attachment, and shows it 'deleting'
// meanwhile; moto deletes at once. SlowDeletes puts that back, with two FaultProxy rules: a
// Delete is answered as AWS does (state 'deleting') without reaching moto, and every EC2
// Describe shows the held resources 'deleting'. release() then really deletes them in moto.
import type { CallInfo, FaultProxy, FaultRule, SeenRequest } from '../env/fault-proxy.ts';

/** Delete actions held, with the parameter naming the resource and the element of the answer. */
const HELD: Record<string, { param: string; element: string }> = {
  DeleteTransitGateway: { param: 'TransitGatewayId', element: 'transitGateway' },
  DeleteTransitGatewayRouteTable: { param: 'TransitGatewayRouteTableId', element: 'transitGatewayRouteTable' },
  DeleteTransitGatewayVpcAttachment: { param: 'TransitGatewayAttachmentId', element: 'transitGatewayVpcAttachment' },
  DeleteTransitGatewayPeeringAttachment: { param: 'TransitGatewayAttachmentId', element: 'transitGatewayPeeringAttachment' },
};
const HELD_ACTIONS = new RegExp(`^(${Object.keys(HELD).join('|')})$`);
/** The element that identifies an item in each Describe answer (its first child in moto's XML). */
const ID_ELEMENTS = ['transitGatewayId', 'transitGatewayRouteTableId', 'transitGatewayAttachmentId'];

/**
 * Sets <state> to 'deleting' in every top-level item of an EC2 Describe answer whose id is in
 * `ids`. Only the item's own <state> changes (depth 1), never one nested in it.
 */
export function markDeleting(xml: string, ids: ReadonlySet<string>): string {
  if (ids.size === 0) return xml;
  const starts = new RegExp(`<item><(${ID_ELEMENTS.join('|')})>([^<]+)</\\1>`, 'g');
  let out = xml;
  for (const m of [...xml.matchAll(starts)].reverse()) {
    if (!ids.has(m[2]!)) continue;
    const tag = /<(\/?)([A-Za-z]+)(\/?)>/g;
    tag.lastIndex = m.index! + '<item>'.length;
    let depth = 1;
    for (let t = tag.exec(out); t && depth > 0; t = tag.exec(out)) {
      if (t[3]) continue; // <empty/>
      if (t[1]) {
        depth--;
        continue;
      }
      if (depth === 1 && t[2] === 'state') {
        const end = out.indexOf('</state>', tag.lastIndex);
        out = `${out.slice(0, tag.lastIndex)}deleting${out.slice(end)}`;
        break;
      }
      depth++;
    }
  }
  return out;
}

/** AWS's answer to an accepted Delete: the resource, in state 'deleting'. */
export function deletingAnswer(action: string, id: string): string {
  const held = HELD[action];
  if (!held) throw new Error(`${action} is not a held delete`);
  const idElement = `${held.param.charAt(0).toLowerCase()}${held.param.slice(1)}`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>slow-deletes</requestId>` +
    `<${held.element}><${idElement}>${id}</${idElement}><state>deleting</state></${held.element}></${action}Response>`
  );
}

/**
 * On a FaultProxy between the SDK client and moto: while holding, a Delete of a TGW, route
 * table or attachment is accepted but not done, and every Describe shows it 'deleting' — what
 * AWS does for minutes. release() then really deletes (the held request, replayed to moto).
 */
export class SlowDeletes {
  /** Held deletes by resource id: the request, replayed to moto on release. */
  private readonly held = new Map<string, { action: string; request: SeenRequest }>();
  /** Delete calls per resource id while holding: nothing may be asked to delete twice. */
  readonly deleteCalls = new Map<string, number>();
  private readonly rules: FaultRule[] = [
    { service: 'ec2', operation: HELD_ACTIONS, kind: 'respond', response: (call, request) => this.accept(call, request) },
    {
      service: 'ec2',
      operation: /^Describe/,
      kind: 'rewrite',
      rewrite: (body, call) => (call.status === 200 ? markDeleting(body, new Set(this.held.keys())) : body),
    },
  ];

  private holding = false;

  constructor(private readonly proxy: FaultProxy) {}

  /** From now on, deletes are held (until release(); later deletes are held again). */
  hold(): void {
    if (this.holding) return;
    this.holding = true;
    for (const r of this.rules) this.proxy.add(r);
  }

  /** What is 'deleting' now, by the Delete action that asked for it. */
  deleting(): Array<{ id: string; action: string }> {
    return [...this.held].map(([id, h]) => ({ id, action: h.action }));
  }

  /** AWS finishes: every held delete is really done in moto. */
  async release(): Promise<void> {
    for (const [id, h] of [...this.held]) {
      const r = await this.proxy.replay(h.request);
      if (r.status !== 200) throw new Error(`releasing ${h.action} ${id}: HTTP ${r.status} ${r.body}`);
      this.held.delete(id);
    }
  }

  /** Forgets what is held (nothing is deleted) and stops holding; the proxy's other rules go too. */
  reset(): void {
    this.proxy.clear();
    this.holding = false;
    this.held.clear();
    this.deleteCalls.clear();
  }

  private accept(call: CallInfo, request: SeenRequest): { status: number; contentType: string; body: string } {
    const id = new URLSearchParams(request.body).get(HELD[call.operation]!.param) ?? '';
    this.deleteCalls.set(id, (this.deleteCalls.get(id) ?? 0) + 1);
    if (!this.held.has(id)) this.held.set(id, { action: call.operation, request });
    return { status: 200, contentType: 'text/xml', body: deletingAnswer(call.operation, id) };
  }
}
