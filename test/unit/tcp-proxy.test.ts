// The TCP pass-through that stands between one controller replica and the kube-apiserver:
// it forwards bytes untouched, and block() turns it into a blackhole for that one client.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { proxiedKubeconfig, TcpProxy } from '../env/tcp-proxy.ts';

async function echoServer(): Promise<{ server: Server; port: number; sockets: Set<Socket>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    sockets,
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A client that collects everything it receives. */
async function client(port: number): Promise<{ sock: Socket; got: () => string; waitFor(text: string, ms?: number): Promise<boolean> }> {
  const sock = connect({ host: '127.0.0.1', port });
  sock.on('error', () => undefined);
  let got = '';
  sock.on('data', (d) => (got += d));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  return {
    sock,
    got: () => got,
    async waitFor(text, ms = 2000) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (got.includes(text)) return true;
        await sleep(10);
      }
      return got.includes(text);
    },
  };
}

test('forwards both ways; block() holds open and new connections without a reset; unblock() delivers what was held', async () => {
  const echo = await echoServer();
  const proxy = new TcpProxy(`127.0.0.1:${echo.port}`);
  await proxy.start();
  try {
    const a = await client(proxy.port);
    a.sock.write('hello');
    assert.ok(await a.waitFor('hello'), 'echoed through the proxy');

    proxy.block();
    assert.equal(proxy.isBlocked, true);
    a.sock.write('during-block');
    const b = await client(proxy.port); // accepted (connect succeeds) …
    b.sock.write('new-while-blocked');
    await sleep(300);
    assert.equal(a.got(), 'hello', 'an open connection passes nothing while blocked');
    assert.equal(b.got(), '', 'a new connection is never forwarded while blocked');
    assert.equal(echo.sockets.size, 1, '… and never reaches the upstream');
    assert.equal(a.sock.destroyed || b.sock.destroyed, false, 'nothing is reset: clients just wait');
    assert.equal(proxy.open, 2);

    proxy.unblock();
    assert.ok(await a.waitFor('helloduring-block'), `held bytes delivered: ${a.got()}`);
    assert.ok(await b.waitFor('new-while-blocked'), 'the held connection is connected on');
    assert.equal(echo.sockets.size, 2);
    a.sock.write('+after');
    assert.ok(await a.waitFor('+after'));
  } finally {
    await proxy.stop();
    await echo.close();
  }
});

test("block() also holds the upstream's answers, not just the client's requests", async () => {
  const echo = await echoServer();
  const proxy = new TcpProxy(`http://127.0.0.1:${echo.port}`);
  await proxy.start();
  try {
    const a = await client(proxy.port);
    a.sock.write('x');
    assert.ok(await a.waitFor('x'));
    proxy.block();
    for (const s of echo.sockets) s.write('server-push');
    await sleep(200);
    assert.equal(a.got(), 'x');
    proxy.unblock();
    assert.ok(await a.waitFor('server-push'));
  } finally {
    await proxy.stop();
    await echo.close();
  }
});

test('a clean close passes through; stop() closes held connections promptly', async () => {
  const echo = await echoServer();
  const proxy = new TcpProxy(`127.0.0.1:${echo.port}`);
  await proxy.start();
  try {
    const a = await client(proxy.port);
    a.sock.write('x');
    assert.ok(await a.waitFor('x'), 'connected through to the upstream');
    const closed = new Promise((r) => a.sock.once('close', r));
    for (const s of echo.sockets) s.end('bye');
    assert.ok(await a.waitFor('bye'), 'bytes sent before the upstream closed arrive');
    a.sock.end();
    await closed;
    proxy.block();
    const b = await client(proxy.port);
    const bClosed = new Promise((r) => b.sock.once('close', r));
    const t = Date.now();
    await proxy.stop();
    await bClosed;
    assert.ok(Date.now() - t < 1000, `stop() took ${Date.now() - t} ms`);
    assert.equal(proxy.open, 0);
  } finally {
    await proxy.stop();
    await echo.close();
  }
});

test('proxiedKubeconfig points every cluster at the proxy and keeps scheme, CA and user', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mrc-tcp-proxy-test-'));
  const src = join(dir, 'kubeconfig');
  writeFileSync(
    src,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: local',
      'clusters:',
      '- name: local',
      '  cluster:',
      '    server: https://127.0.0.1:6443',
      '    certificate-authority-data: Q0E=',
      'users:',
      '- name: admin',
      '  user:',
      '    token: t0ken',
      'contexts:',
      '- name: local',
      '  context: {cluster: local, user: admin, namespace: default}',
      '',
    ].join('\n'),
  );
  const out = proxiedKubeconfig(src, '127.0.0.1:40123');
  try {
    const doc = parse(readFileSync(out, 'utf8'));
    assert.equal(doc.clusters[0].cluster.server, 'https://127.0.0.1:40123');
    assert.equal(doc.clusters[0].cluster['certificate-authority-data'], 'Q0E=');
    assert.equal(doc.users[0].user.token, 't0ken');
    assert.equal(doc['current-context'], 'local');
    assert.equal(statSync(out).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dirname(out), { recursive: true, force: true });
  }
});
