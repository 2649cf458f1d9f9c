// A loopback HTTP proxy between the controller and moto that can throttle, fail, delay, reset,
// or apply a call and lose its response — per service and operation, scriptable from tests —
// and take a whole region down (every service of it) by the SigV4 region of each call; it can
// also answer a call from its request, or pass a real answer on with its body rewritten.
// It also keeps a call log (the source of truth for "was this created twice?").
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CallInfo {
  service: string;
  operation: string;
  region: string;
  /** When the request reached the proxy (≈ when the client started it). */
  at: number;
  status?: number;
  /** The call hit a region outage and never reached moto. */
  outage?: OutageMode;
  /** When the call was sent on to moto (absent: it never was). */
  forwardedAt?: number;
}

/**
 * How a downed region fails, for every service of it:
 * - `refuse`: the connection is closed as soon as the request is read. The proxy learns the
 *   region only from the request's SigV4 scope, so the client has already sent it; a real
 *   outage would more likely refuse (or time out) at TCP connect, before anything is sent.
 *   Clients see a reset ("socket hang up"), which they must treat as "may have been applied"
 *   for non-idempotent calls — stricter than a real ECONNREFUSED, never looser.
 * - `blackhole`: the request is read and never answered; the socket stays open until the
 *   client gives up, the region comes back and the client closes it, or the proxy stops.
 * - `error5xx`: every call is answered 503 (or 500) in the service's own error shape.
 */
export type OutageMode = 'refuse' | 'blackhole' | 'error5xx';

export interface OutageOptions {
  /** error5xx: the status to answer with (default 503). */
  status?: 500 | 503;
  /** Services (SigV4 names: ec2, route53, monitoring, logs, rds, sts) the outage spares. */
  except?: string[];
}

/**
 * The region whose outage takes a call down. Route 53's control plane is global and lives in
 * us-east-1 (its calls are signed for us-east-1): whatever region a Route 53 call was signed
 * for, it fails with us-east-1. Everything else — CloudWatch (where Route 53 publishes
 * HealthCheckStatus, in us-east-1), EC2, RDS, Logs, regional STS — fails with its signed region.
 */
export function outageRegion(call: Pick<CallInfo, 'service' | 'region'>): string {
  return call.service === 'route53' ? 'us-east-1' : call.region;
}

/**
 * applyThen500: AWS applied the call, then answered 500 (an internal failure after the work was done).
 * rewrite: the call reaches the upstream as sent; the client gets the upstream's status and
 * headers with the body passed through `rewrite` (e.g. an EC2 Describe showing a resource in a
 * state the emulator never reports).
 */
export type FaultKind = 'throttle' | 'error500' | 'error503' | 'reset' | 'delay' | 'applyThenDrop' | 'applyThenHold' | 'applyThen500' | 'respond' | 'rewrite';

/** A client's request as the proxy read it: what `respond` and `rewrite` rules see, and what `replay()` sends. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The request body, as text (query-protocol parameters, JSON or XML). */
  body: string;
}

export interface InjectedResponse {
  status: number;
  contentType: string;
  body: string;
}

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
  /**
   * respond: this answer instead of forwarding (e.g. an AccessDenied from STS), or a function
   * that makes it from the request (e.g. an answer naming the resource the call was about).
   */
  response?: InjectedResponse | ((call: CallInfo, request: SeenRequest) => InjectedResponse);
  /**
   * rewrite: maps the upstream's answer body (as UTF-8 text: meant for uncompressed answers,
   * as moto's are) to the one the client gets. Status and headers are kept; the content length
   * is the new body's. Not called when the upstream failed to answer (the proxy answers 502 as
   * for any forwarded call).
   */
  rewrite?: (body: string, call: CallInfo, request: SeenRequest) => string;
}

function seen(req: IncomingMessage, body: Buffer): SeenRequest {
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: body.toString('utf8') };
}

/** Each service's real throttling answer (what AWS sends, so the SDK classifies it for real). */
export function throttleResponse(service: string): { status: number; contentType: string; body: string; headers?: Record<string, string> } {
  switch (service) {
    case 'ec2':
      return {
        status: 503,
        contentType: 'text/xml',
        body: ec2ErrorBody('RequestLimitExceeded', 'Request limit exceeded.'),
      };
    case 'route53':
      return {
        status: 400,
        contentType: 'text/xml',
        body: route53ErrorBody('Sender', 'Throttling', 'Rate exceeded'),
      };
    case 'logs':
      return { status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) };
    case 'monitoring': // CloudWatch speaks JSON 1.0 (query-compatible): the code also rides in a header
      return {
        status: 400,
        contentType: 'application/x-amz-json-1.0',
        body: JSON.stringify({ __type: 'Throttling', message: 'Rate exceeded' }),
        headers: { 'x-amzn-query-error': 'Throttling;Sender' },
      };
    default: // rds, sts: query protocol
      return {
        status: 400,
        contentType: 'text/xml',
        body: queryErrorBody('Sender', 'Throttling', 'Rate exceeded'),
      };
  }
}

/** Each service's own "unavailable" answer (what AWS sends when it is down or overloaded). */
export function unavailableResponse(
  service: string,
  status: 500 | 503 = 503,
): { status: number; contentType: string; body: string; headers?: Record<string, string> } {
  const code = status === 503 ? 'ServiceUnavailable' : 'InternalFailure';
  const message = status === 503 ? 'Service is unavailable (injected region outage).' : 'Internal failure (injected region outage).';
  switch (service) {
    case 'ec2':
      return {
        status,
        contentType: 'text/xml',
        body: ec2ErrorBody(status === 503 ? 'Unavailable' : 'InternalError', message),
      };
    case 'route53':
      return {
        status,
        contentType: 'text/xml',
        body: route53ErrorBody('Receiver', code, message),
      };
    case 'logs':
      return { status, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'ServiceUnavailableException', message }) };
    case 'monitoring':
      return {
        status,
        contentType: 'application/x-amz-json-1.0',
        body: JSON.stringify({ __type: code, message }),
        headers: { 'x-amzn-query-error': `${code};Receiver` },
      };
    default: // rds, sts: query protocol
      return {
        status,
        contentType: 'text/xml',
        body: queryErrorBody('Receiver', code, message),
      };
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
  return {
    status,
    contentType: 'text/xml',
    body: queryErrorBody('Sender', code, message),
  };
}

// The three XML error shapes of the services the proxy answers for: EC2's, Route 53's (REST XML),
// and the query protocol's (RDS, STS).
const ec2ErrorBody = (code: string, message: string): string =>
  '<?xml version="1.0" encoding="UTF-8"?>' +
  `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>`;

const route53ErrorBody = (type: string, code: string, message: string): string =>
  '<?xml version="1.0"?><ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">' +
  `<Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;

const queryErrorBody = (type: string, code: string, message: string): string =>
  `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;

/** AWS's published request rates, enforced like AWS does: a token bucket, throttled when empty. */
export interface RateRule {
  service: string;
  operation?: RegExp;
  ratePerSec: number;
  burst: number;
}

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
  private readonly outages = new Map<string, { mode: OutageMode } & OutageOptions>();
  /** Sockets of blackholed requests: closed by stop() so nothing keeps the process alive. */
  private readonly held = new Set<Socket>();
  private stopping = new AbortController();
  private server?: Server;
  endpoint = '';

  constructor(private readonly upstream: string) {}

  async start(port = 0): Promise<void> {
    this.stopping = new AbortController();
    this.server = createServer(
      (req, res) =>
        void this.handle(req, res).catch(() => {
          // moto went away mid-call (or the proxy is stopping): answer like a dead gateway.
          if (!res.headersSent && !res.destroyed) res.writeHead(502, { 'content-type': 'text/plain' }).end('fault proxy: upstream failed');
          else req.socket.destroy();
        }),
    );
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    for (const s of this.held) s.destroy();
    this.held.clear();
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }
  /** Removes every rule, rate and region outage. */
  clear(): void {
    this.rules = [];
    this.rates = [];
    this.outages.clear();
  }

  /** Takes every service of `region` down (see OutageMode); replaces an earlier outage of it. */
  regionDown(region: string, mode: OutageMode, opts: OutageOptions = {}): void {
    this.outages.set(region, { mode, ...opts });
  }
  /** Brings `region` back. Requests already blackholed stay unanswered (as after a real outage). */
  regionUp(region: string): void {
    this.outages.delete(region);
  }
  /** The regions down now, with their mode. */
  downRegions(): Record<string, OutageMode> {
    return Object.fromEntries([...this.outages].map(([r, o]) => [r, o.mode]));
  }
  /** Requests held open by a blackhole right now. */
  get heldOpen(): number {
    return this.held.size;
  }

  private outageFor(call: Omit<CallInfo, 'at'>): ({ mode: OutageMode } & OutageOptions) | undefined {
    const o = this.outages.get(outageRegion(call));
    return o && !o.except?.includes(call.service) ? o : undefined;
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
    const i = this.rules.findIndex(
      (r) =>
        (!r.service || r.service === call.service) &&
        (!r.operation || (typeof r.operation === 'string' ? r.operation === call.operation : r.operation.test(call.operation))),
    );
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
    const outage = this.outageFor(id);
    if (outage) {
      call.outage = outage.mode;
      this.injected[`outage:${outage.mode}`] = (this.injected[`outage:${outage.mode}`] ?? 0) + 1;
      switch (outage.mode) {
        case 'refuse':
          req.socket.destroy();
          return;
        case 'blackhole': {
          const sock = req.socket;
          if (this.stopping.signal.aborted) {
            sock.destroy();
            return;
          }
          this.held.add(sock);
          sock.once('close', () => this.held.delete(sock));
          return;
        }
        case 'error5xx': {
          const u = unavailableResponse(id.service, outage.status ?? 503);
          call.status = u.status;
          res.writeHead(u.status, { 'content-type': u.contentType, ...u.headers }).end(u.body);
          return;
        }
      }
    }
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
        const given = rule.response ?? { status: 400, contentType: 'text/plain', body: 'injected' };
        const r = typeof given === 'function' ? given(call, seen(req, body)) : given;
        call.status = r.status;
        res.writeHead(r.status, { 'content-type': r.contentType }).end(r.body);
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'delay':
        // Cut short only by stop(), so a test ends without waiting out long delays.
        await sleep(rule.delayMs ?? 1000, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        if (this.stopping.signal.aborted) {
          req.socket.destroy();
          return;
        }
        break;
    }
    call.forwardedAt = Date.now();
    const upstream = await this.forward(req, body);
    call.status = upstream.status;
    if (rule?.kind === 'applyThenDrop') {
      req.socket.destroy();
      await rule.hook?.(call);
      return;
    }
    if (rule?.kind === 'applyThen500') {
      await rule.hook?.(call);
      const r = unavailableResponse(id.service, 500);
      call.status = r.status;
      if (!res.destroyed) res.writeHead(r.status, { 'content-type': r.contentType, ...r.headers }).end(r.body);
      return;
    }
    if (rule?.kind === 'applyThenHold') await rule.hook?.(call);
    if (res.destroyed || req.socket.destroyed) return;
    if (rule?.kind === 'rewrite' && rule.rewrite) {
      const text = Buffer.from(rule.rewrite(upstream.body.toString('utf8'), call, seen(req, body)), 'utf8');
      res.writeHead(upstream.status, { ...upstream.headers, 'content-length': String(text.length) }).end(text);
      return;
    }
    res.writeHead(upstream.status, upstream.headers).end(upstream.body);
  }

  /**
   * Sends a request the proxy saw (e.g. one a `respond` rule answered in the upstream's place)
   * to the upstream now, as the client sent it, and returns the upstream's answer: how a test
   * lets a held call finally take effect. Not a client call: not logged, no rule applies.
   */
  async replay(r: SeenRequest): Promise<{ status: number; body: string }> {
    const out = await this.forward(r, Buffer.from(r.body, 'utf8'));
    return { status: out.status, body: out.body.toString('utf8') };
  }

  private forward(
    req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
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
