// A loopback TCP pass-through (e.g. in front of the kube-apiserver for ONE client) that can
// be blocked: while blocked, open connections stop passing bytes in either direction and new
// connections are accepted but never forwarded — a blackholed apiserver as this client sees
// it (no reset, no error: requests just hang until the client's own timeouts fire).
// Unblocking lets everything through again: held bytes are delivered and held connections
// are connected on, as TCP retransmission would after a partition heals. TLS passes through
// untouched (the proxy never looks at the bytes).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/** One direction of a connection: bytes (and the end of them) from `from` to `to`, held while blocked. */
class Pipe {
  private held: Buffer[] = [];
  private ended = false;
  constructor(
    private readonly from: Socket,
    private readonly to: () => Socket | undefined,
    private readonly blocked: () => boolean,
  ) {
    from.on('data', (chunk: Buffer) => {
      const dest = this.to();
      if (this.blocked() || !dest || this.held.length) {
        this.held.push(chunk);
        from.pause();
        return;
      }
      if (!dest.write(chunk)) {
        from.pause();
        dest.once('drain', () => {
          if (!this.blocked()) from.resume();
        });
      }
    });
    from.on('end', () => {
      this.ended = true;
      this.flow();
    });
  }

  /** Delivers what was held and lets bytes flow again (when the destination exists). */
  flow(): void {
    const dest = this.to();
    if (!dest || this.blocked() || dest.destroyed) return;
    const held = this.held;
    this.held = [];
    for (const c of held) dest.write(c);
    if (this.ended) dest.end();
    else if (!this.from.destroyed) this.from.resume();
  }
}

interface Link {
  client: Socket;
  upstream?: Socket;
  up: Pipe;
  down?: Pipe;
}

export class TcpProxy {
  private server?: Server;
  private blocked = false;
  private readonly links = new Set<Link>();
  /** Connections accepted since start (held ones included). */
  accepted = 0;
  port = 0;

  /** `target`: "host:port" or a URL whose host and port are used (e.g. https://127.0.0.1:6443). */
  constructor(target: string) {
    const u = new URL(target.includes('://') ? target : `tcp://${target}`);
    this.host = u.hostname;
    this.targetPort = Number(u.port);
    if (!this.targetPort) throw new Error(`tcp proxy: no port in ${target}`);
  }
  private readonly host: string;
  private readonly targetPort: number;

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
  get isBlocked(): boolean {
    return this.blocked;
  }
  /** Connections open now (through the proxy or held by it). */
  get open(): number {
    return this.links.size;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops forwarding: open connections pass no more bytes, new ones are accepted and held. */
  block(): void {
    this.blocked = true;
    for (const l of this.links) {
      l.client.pause();
      l.upstream?.pause();
    }
  }

  /** Forwards again: held bytes are delivered, held connections are connected on. */
  unblock(): void {
    this.blocked = false;
    for (const l of this.links) {
      if (!l.upstream) this.connectUpstream(l);
      else {
        l.up.flow();
        l.down?.flow();
      }
    }
  }

  /** Closes every connection (a reset as the client sees it); the proxy keeps listening. */
  dropConnections(): void {
    for (const l of this.links) this.close(l);
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.setNoDelay(true);
    const link: Link = {
      client,
      up: new Pipe(
        client,
        () => link.upstream,
        () => this.blocked,
      ),
    };
    this.links.add(link);
    client.on('error', () => this.close(link));
    client.on('close', () => this.close(link));
    if (this.blocked) client.pause();
    else this.connectUpstream(link);
  }

  private connectUpstream(link: Link): void {
    if (link.client.destroyed) return;
    const upstream = connect({ host: this.host, port: this.targetPort, allowHalfOpen: true });
    upstream.setNoDelay(true);
    link.upstream = upstream;
    link.down = new Pipe(
      upstream,
      () => link.client,
      () => this.blocked,
    );
    upstream.on('connect', () => link.up.flow());
    // A clean close from the upstream reaches the client through its pipe's end (held while
    // blocked); a reset closes both sides.
    upstream.on('error', () => this.close(link));
  }

  private close(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  }
}

/**
 * Writes a copy of a kubeconfig whose every cluster's server points at `proxyAddress`
 * ("127.0.0.1:PORT"), keeping scheme, CA and credentials; returns the copy's path (a fresh
 * temp dir, mode 0600). The apiserver's serving cert is for 127.0.0.1, so the same host on
 * another port still verifies.
 */
export function proxiedKubeconfig(kubeconfigPath: string, proxyAddress: string): string {
  const doc = parse(readFileSync(kubeconfigPath, 'utf8')) as { clusters?: Array<{ cluster?: { server?: string } }> };
  for (const c of doc.clusters ?? []) {
    if (!c.cluster?.server) continue;
    const u = new URL(c.cluster.server);
    u.host = proxyAddress;
    c.cluster.server = u.toString().replace(/\/$/, '');
  }
  const path = join(mkdtempSync(join(tmpdir(), 'mrc-tcp-proxy-')), 'kubeconfig');
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}
