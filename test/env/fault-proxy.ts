// A loopback HTTP proxy between the controller and moto that can throttle, fail, delay, reset,
// or apply a call and lose its response — per service and operation, scriptable from tests.
// It also keeps a call log (the source of truth for "was this created twice?").
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CallInfo { service: string; operation: string; region: string; at: number; status?: number }

export type FaultKind = 'throttle' | 'error500' | 'error503' | 'reset' | 'delay' | 'applyThenDrop' | 'applyThenHold' | 'respond';

export interface FaultRule {
  service?: string;
  operation?: string | RegExp;
  kind: FaultKind;
  /** How many matching calls to affect (default: all until cleared). */
  times?: number;
  /** Let this many matching calls through untouched first (to hit the nth call of an operation). */
  skip?: number;
  delayMs?: number;
  /** applyThenHold: called after moto applied the call; the response is sent when it resolves (if the socket lives). */
  hook?: (call: CallInfo) => Promise<void> | void;
  /** respond: this answer instead of forwarding (e.g. an AccessDenied from STS). */
  response?: { status: number; contentType: string; body: string };
}

/** Each service's real throttling answer (what AWS sends, so the SDK classifies it for real). */
export function throttleResponse(service: string): { status: number; contentType: string; body: string; headers?: Record<string, string> } {
  switch (service) {
    case 'ec2':
      return { status: 503, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>' };
    case 'route53':
      return { status: 400, contentType: 'text/xml', body: '<?xml version="1.0"?><ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>' };
    case 'logs':
      return { status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) };
    case 'monitoring': // CloudWatch speaks JSON 1.0 (query-compatible): the code also rides in a header
      return { status: 400, contentType: 'application/x-amz-json-1.0', body: JSON.stringify({ __type: 'Throttling', message: 'Rate exceeded' }), headers: { 'x-amzn-query-error': 'Throttling;Sender' } };
    default: // rds, sts: query protocol
      return { status: 400, contentType: 'text/xml', body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>' };
  }
}

/** service from the SigV4 scope; operation from X-Amz-Target, the query Action, or Route 53's REST path. */
export function identify(req: IncomingMessage, body: string): Omit<CallInfo, 'at'> {
  const auth = String(req.headers.authorization ?? '');
  const scope = /Credential=[^/]+\/\d+\/([^/]+)\/([^/]+)\//.exec(auth);
  const region = scope?.[1] ?? 'unknown';
  const service = scope?.[2] ?? 'unknown';
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return { service, region, operation: target.split('.').pop() ?? target };
  const action = /(?:^|&)Action=([A-Za-z0-9]+)/.exec(body) ?? /[?&]Action=([A-Za-z0-9]+)/.exec(req.url ?? '');
  if (action) return { service, region, operation: action[1]! };
  return { service, region, operation: route53Operation(req.method ?? 'GET', req.url ?? '') };
}

function route53Operation(method: string, url: string): string {
  const path = url.split('?')[0] ?? '';
  // Most specific first: /tags/healthcheck/… must not be read as a health-check call.
  const table: Array<[string, RegExp, string]> = [
    ['POST', /\/tags\/[^/]+\/[^/]+$/, 'ChangeTagsForResource'],
    ['POST', /\/tags\/[^/]+$/, 'ListTagsForResources'],
    ['GET', /\/tags\/[^/]+\/[^/]+$/, 'ListTagsForResource'],
    ['POST', /\/hostedzone\/[^/]+\/rrset\/?$/, 'ChangeResourceRecordSets'],
    ['GET', /\/hostedzone\/[^/]+\/rrset\/?$/, 'ListResourceRecordSets'],
    ['POST', /\/healthcheck\/?$/, 'CreateHealthCheck'],
    ['GET', /\/healthcheck\/?$/, 'ListHealthChecks'],
    ['POST', /\/healthcheck\/[^/]+$/, 'UpdateHealthCheck'],
    ['DELETE', /\/healthcheck\/[^/]+$/, 'DeleteHealthCheck'],
    ['GET', /\/healthcheck\/[^/]+$/, 'GetHealthCheck'],
    ['GET', /\/change\/[^/]+$/, 'GetChange'],
    ['GET', /\/hostedzone\/[^/]+$/, 'GetHostedZone'],
    ['POST', /\/hostedzone\/?$/, 'CreateHostedZone'],
  ];
  for (const [m, re, op] of table) if (m === method && re.test(path)) return op;
  return `${method} ${path}`;
}

/** A query-protocol (STS, RDS, EC2-style XML) error answer with the given code. */
export function queryError(code: string, message: string, status = 403): { status: number; contentType: string; body: string } {
  return { status, contentType: 'text/xml', body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>` };
}

/** AWS's published request rates, enforced like AWS does: a token bucket, throttled when empty. */
export interface RateRule { service: string; operation?: RegExp; ratePerSec: number; burst: number }

export const PUBLISHED_RATES: RateRule[] = [
  { service: 'ec2', operation: /^Describe|^Get|^Search/, ratePerSec: 20, burst: 100 },
  { service: 'ec2', ratePerSec: 5, burst: 50 },
  { service: 'route53', operation: /^CreateHealthCheck$/, ratePerSec: 0.5, burst: 50 },
  { service: 'route53', ratePerSec: 10, burst: 50 },
  { service: 'monitoring', operation: /^PutMetricAlarm$/, ratePerSec: 3, burst: 3 },
  { service: 'monitoring', ratePerSec: 20, burst: 50 },
  { service: 'logs', ratePerSec: 5, burst: 10 },
  { service: 'rds', ratePerSec: 12, burst: 40 },
];

export class FaultProxy {
  readonly calls: CallInfo[] = [];
  private rates: Array<RateRule & { tokens: number; at: number }> = [];
  readonly injected: Record<string, number> = {};
  private rules: FaultRule[] = [];
  private server?: Server;
  endpoint = '';

  constructor(private readonly upstream: string) {}

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  add(rule: FaultRule): void { this.rules.push({ ...rule }); }
  clear(): void {
    this.rules = [];
    this.rates = [];
  }

  /** Throttle (with the service's real error) whatever goes beyond these rates; first matching rule counts. */
  enforceRates(rules: RateRule[] = PUBLISHED_RATES): void {
    this.rates = rules.map((r) => ({ ...r, tokens: r.burst, at: Date.now() }));
  }

  private overRate(call: Omit<CallInfo, 'at'>): boolean {
    const r = this.rates.find((x) => x.service === call.service && (!x.operation || x.operation.test(call.operation)));
    if (!r) return false;
    const now = Date.now();
    r.tokens = Math.min(r.burst, r.tokens + ((now - r.at) / 1000) * r.ratePerSec);
    r.at = now;
    if (r.tokens < 1) return true;
    r.tokens -= 1;
    return false;
  }

  count(service: string, operation: string): number {
    return this.calls.filter((c) => c.service === service && c.operation === operation).length;
  }

  private match(call: Omit<CallInfo, 'at'>): FaultRule | undefined {
    const i = this.rules.findIndex((r) =>
      (!r.service || r.service === call.service) &&
      (!r.operation || (typeof r.operation === 'string' ? r.operation === call.operation : r.operation.test(call.operation))));
    if (i < 0) return undefined;
    const rule = this.rules[i]!;
    if (rule.skip && rule.skip > 0) {
      rule.skip--;
      return undefined;
    }
    if (rule.times !== undefined && --rule.times <= 0) this.rules.splice(i, 1);
    return rule;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const id = identify(req, body.toString('utf8'));
    const call: CallInfo = { ...id, at: Date.now() };
    this.calls.push(call);
    const rule: FaultRule | undefined = this.match(id) ?? (this.overRate(id) ? { kind: 'throttle' } : undefined);
    if (rule) this.injected[rule.kind] = (this.injected[rule.kind] ?? 0) + 1;
    switch (rule?.kind) {
      case 'throttle': {
        const t = throttleResponse(id.service);
        call.status = t.status;
        res.writeHead(t.status, { 'content-type': t.contentType, ...t.headers }).end(t.body);
        return;
      }
      case 'error500':
      case 'error503':
        call.status = rule.kind === 'error500' ? 500 : 503;
        res.writeHead(call.status, { 'content-type': 'text/plain' }).end('injected failure');
        return;
      case 'respond': {
        const r = rule.response ?? { status: 400, contentType: 'text/plain', body: 'injected' };
        call.status = r.status;
        res.writeHead(r.status, { 'content-type': r.contentType }).end(r.body);
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'delay':
        await sleep(rule.delayMs ?? 1000);
        break;
    }
    const upstream = await this.forward(req, body);
    call.status = upstream.status;
    if (rule?.kind === 'applyThenDrop') {
      req.socket.destroy();
      await rule.hook?.(call);
      return;
    }
    if (rule?.kind === 'applyThenHold') await rule.hook?.(call);
    if (res.destroyed || req.socket.destroyed) return;
    res.writeHead(upstream.status, upstream.headers).end(upstream.body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    const url = new URL(req.url ?? '/', this.upstream);
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: url.host };
      const up = request(url, { method: req.method, headers }, (r) => {
        const out: Buffer[] = [];
        r.on('data', (d) => out.push(d as Buffer));
        r.on('end', () => {
          const h: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && k !== 'transfer-encoding' && k !== 'connection') h[k] = v;
          resolve({ status: r.statusCode ?? 502, headers: h, body: Buffer.concat(out) });
        });
      });
      up.on('error', reject);
      up.end(body);
    });
  }
}
