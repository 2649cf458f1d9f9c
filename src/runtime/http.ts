// The two HTTP endpoints: /metrics on one address (scraped by Prometheus), /healthz and /readyz
// on another (probed by the kubelet), as controller-runtime splits them. Answers say which
// check failed, never anything about objects or credentials.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.ts';

export interface HttpServersOptions {
  /** `host:port` or `:port` (all interfaces); port 0 picks a free one. */
  metricsAddress: string;
  healthAddress: string;
  registry: Registry;
  /** /readyz: true once the informers have synced. */
  isReady: () => boolean;
  /** /healthz: what is wrong (e.g. stalled informers); empty when healthy. */
  healthProblems: () => string[];
  logger: Logger;
  /** /healthz fails when the event loop was blocked at least this long (default 5 s). */
  eventLoopBlockedMs?: number;
}

export interface HttpServers {
  metricsPort: number;
  healthPort: number;
  close(): Promise<void>;
}

export function parseAddress(addr: string): { host?: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = (i > 0 ? addr.slice(0, i) : '').replace(/^\[(.*)\]$/, '$1');
  const port = Number(i >= 0 ? addr.slice(i + 1) : addr);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad listen address "${addr}": want host:port or :port`);
  return host ? { host, port } : { port };
}

/**
 * Measures how late a periodic timer fires: a late tick means something kept the event loop
 * busy (a synchronous loop over a huge list, a blocking call) and nothing else ran meanwhile.
 */
export class EventLoopWatch {
  private lastTick = Date.now();
  private worstRecentLagMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly everyMs = 500) {
    this.timer = setInterval(() => {
      const now = Date.now();
      this.worstRecentLagMs = Math.max(0, now - this.lastTick - this.everyMs);
      this.lastTick = now;
    }, everyMs);
    this.timer.unref();
  }

  /** Longest recent stall: the last tick's lateness, or the time since a tick that is overdue. */
  blockedMs(now = Date.now()): number {
    return Math.max(this.worstRecentLagMs, now - this.lastTick - this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function reply(res: ServerResponse, code: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

export async function startHttpServers(o: HttpServersOptions): Promise<HttpServers> {
  const loop = new EventLoopWatch();
  const blockedLimit = o.eventLoopBlockedMs ?? 5_000;

  const metrics = async (res: ServerResponse) => {
    try {
      reply(res, 200, await o.registry.metrics(), o.registry.contentType);
    } catch (err) {
      o.logger.error('metrics collection failed', { err });
      reply(res, 500, 'metrics collection failed\n');
    }
  };
  const health = (res: ServerResponse) => {
    const problems = [...o.healthProblems()];
    const blocked = loop.blockedMs();
    if (blocked >= blockedLimit) problems.push(`event loop blocked for ${blocked} ms`);
    if (problems.length) reply(res, 500, `unhealthy: ${problems.join('; ')}\n`);
    else reply(res, 200, 'ok\n');
  };
  const ready = (res: ServerResponse) => (o.isReady() ? reply(res, 200, 'ok\n') : reply(res, 503, 'not ready: informers not synced\n'));

  const routes = (serveMetrics: boolean, serveHealth: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n');
    if (serveMetrics && path === '/metrics') return void metrics(res);
    if (serveHealth && path === '/healthz') return health(res);
    if (serveHealth && path === '/readyz') return ready(res);
    reply(res, 404, 'not found\n');
  };

  const listen = (srv: Server, addr: string) =>
    new Promise<number>((resolve, reject) => {
      const { host, port } = parseAddress(addr);
      srv.once('error', reject);
      srv.listen(port, host, () => resolve((srv.address() as AddressInfo).port));
    });

  // One address for both (port 0 excepted: that asks for two free ports) means one server.
  const shared = o.metricsAddress === o.healthAddress && parseAddress(o.metricsAddress).port !== 0;
  const servers: Server[] = [];
  const close = async () => {
    loop.stop();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    );
  };
  try {
    const metricsServer = createServer(routes(true, shared));
    servers.push(metricsServer);
    const metricsPort = await listen(metricsServer, o.metricsAddress);
    let healthPort = metricsPort;
    if (!shared) {
      const healthServer = createServer(routes(false, true));
      servers.push(healthServer);
      healthPort = await listen(healthServer, o.healthAddress);
    }
    return { metricsPort, healthPort, close };
  } catch (err) {
    await close();
    throw err;
  }
}
