// AWS takes minutes to delete a DB instance and shows it 'deleting' meanwhile; moto deletes at
// once. SlowDbDeletes puts that back on a FaultProxy, as SlowDeletes (aws-ec2-slow-deletes.ts)
// does for EC2: DeleteDBInstance is answered as AWS does (the instance, status 'deleting')
// without reaching moto, and DescribeDBInstances shows held instances 'deleting'. release()
// then really deletes them in moto (the held requests, replayed).
import type { CallInfo, FaultProxy, FaultRule, SeenRequest } from '../env/fault-proxy.ts';

/** Sets DBInstanceStatus to 'deleting' in every <DBInstance> of a DescribeDBInstances answer whose identifier is held. */
export function markDbDeleting(xml: string, ids: ReadonlySet<string>): string {
  if (ids.size === 0) return xml;
  return xml.replace(/<DBInstance>[\s\S]*?<\/DBInstance>/g, (block) => {
    const id = /<DBInstanceIdentifier>([^<]*)<\/DBInstanceIdentifier>/.exec(block)?.[1];
    return id !== undefined && ids.has(id)
      ? block.replace(/<DBInstanceStatus>[^<]*<\/DBInstanceStatus>/, '<DBInstanceStatus>deleting</DBInstanceStatus>')
      : block;
  });
}

/** AWS's answer to an accepted DeleteDBInstance: the instance, status 'deleting'. */
export function dbDeletingAnswer(id: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><DeleteDBInstanceResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DeleteDBInstanceResult>' +
    `<DBInstance><DBInstanceIdentifier>${id}</DBInstanceIdentifier><DBInstanceStatus>deleting</DBInstanceStatus></DBInstance>` +
    '</DeleteDBInstanceResult><ResponseMetadata><RequestId>slow-db-deletes</RequestId></ResponseMetadata></DeleteDBInstanceResponse>'
  );
}

export class SlowDbDeletes {
  private readonly held = new Map<string, SeenRequest>();
  /** DeleteDBInstance calls per identifier while holding. */
  readonly deleteCalls = new Map<string, number>();
  private readonly rules: FaultRule[] = [
    { service: 'rds', operation: 'DeleteDBInstance', kind: 'respond', response: (call, request) => this.accept(call, request) },
    {
      service: 'rds',
      operation: 'DescribeDBInstances',
      kind: 'rewrite',
      rewrite: (body, call) => (call.status === 200 ? markDbDeleting(body, new Set(this.held.keys())) : body),
    },
  ];

  constructor(private readonly proxy: FaultProxy) {}

  hold(): void {
    for (const r of this.rules) this.proxy.add(r);
  }

  /** Identifiers 'deleting' now. */
  deleting(): string[] {
    return [...this.held.keys()];
  }

  /** RDS finishes: every held delete is really done in moto. */
  async release(): Promise<void> {
    for (const [id, request] of [...this.held]) {
      const r = await this.proxy.replay(request);
      if (r.status !== 200) throw new Error(`releasing DeleteDBInstance ${id}: HTTP ${r.status} ${r.body}`);
      this.held.delete(id);
    }
  }

  private accept(_call: CallInfo, request: SeenRequest): { status: number; contentType: string; body: string } {
    const id = new URLSearchParams(request.body).get('DBInstanceIdentifier') ?? '';
    this.deleteCalls.set(id, (this.deleteCalls.get(id) ?? 0) + 1);
    if (!this.held.has(id)) this.held.set(id, request);
    return { status: 200, contentType: 'text/xml', body: dbDeletingAnswer(id) };
  }
}
