// The manager's typed cache as far as it goes without an apiserver: indexes are wiring, checked
// before any informer runs, and a cache read before start says why it has nothing.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObjectLike } from '../../src/runtime/kube-object.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { Manager } from '../../src/runtime/manager.ts';

function manager(): Manager {
  const kc = new KubeConfig();
  // Nothing listens there; every test here fails or ends before an informer would call it.
  kc.loadFromOptions({
    clusters: [{ name: 'none', server: 'http://127.0.0.1:9' }],
    users: [{ name: 'none' }],
    contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
    currentContext: 'none',
  });
  const m = new Manager({ kc, logger: createLogger({ level: 'error', stream: process.stderr }), leaderElection: { enabled: false }, commandAnnotations: [] });
  m.register({ kind: 'Widget', path: '/apis/example.com/v1/widgets', reconcile: async () => {} });
  return m;
}

interface Widget extends KubeObjectLike {
  spec: { owner: string };
}

describe('Manager.cache', () => {
  it('an index on a kind that no informer watches fails start, naming the kind', async () => {
    const m = manager();
    m.cache<Widget>('Gadget').addIndex('spec.owner', (w) => [w.spec.owner]);
    await assert.rejects(m.start(), /no informer for kind Gadget/);
    await m.stop(0);
  });

  it('the same index registered twice on a kind is refused', () => {
    const m = manager();
    const widgets = m.cache<Widget>('Widget');
    widgets.addIndex('spec.owner', (w) => [w.spec.owner]);
    assert.throws(() => widgets.addIndex('spec.owner', (w) => [w.spec.owner]), /already registered/);
    m.cache<Widget>('Gadget').addIndex('spec.owner', (w) => [w.spec.owner]);
  });

  it('a read before start says there is no informer yet', () => {
    const m = manager();
    assert.throws(() => m.cache<Widget>('Widget').get('ns/a'), /no informer for kind Widget/);
  });
});
