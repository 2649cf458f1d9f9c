// kubeRequest reuses one connection pool per kubeconfig: client-node builds a new undici Agent
// per request, which used to open a new connection (a TLS handshake against a real apiserver)
// for every call. A local plain-HTTP server counts the connections it is given.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../../src/runtime/kube-request.ts';

function kubeconfigFor(server: string, user = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: user, token: `token-${user}` }],
    contexts: [{ name: 'ctx', cluster: 'c', user }],
    currentContext: 'ctx',
  });
  return kc;
}

describe('kubeRequest connection reuse', () => {
  let server: Server;
  let url = '';
  let connections = 0;
  const auth: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      auth.push(req.headers.authorization ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'Status', path: req.url }));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sequential calls share kept-alive connections, and each still carries its auth header', async () => {
    const kc = kubeconfigFor(url);
    connections = 0;
    auth.length = 0;
    for (let i = 0; i < 10; i++) {
      const got = await kubeRequest<{ path: string }>(kc, { method: 'GET', path: `/api/v1/namespaces/n${i}` });
      assert.equal(got.path, `/api/v1/namespaces/n${i}`);
    }
    // A pool of its own per request would take 10. (undici opens a second socket once, early.)
    assert.ok(connections <= 2, `${connections} connections for 10 calls`);
    assert.deepEqual(auth, Array(10).fill('Bearer token-admin'));
  });

  it('another kubeconfig gets its own pool', async () => {
    connections = 0;
    await kubeRequest(kubeconfigFor(url, 'other'), { method: 'GET', path: '/api/v1/namespaces/x' });
    assert.equal(connections, 1, 'not a connection of the first kubeconfig');
    assert.equal(auth.at(-1), 'Bearer token-other');
  });
});
