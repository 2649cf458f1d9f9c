import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { cacheChanges, errorEventCause, type RestartCause, watchEndCause } from '../../src/runtime/informer.ts';
import type { KubeObject } from '../../src/runtime/kube-object.ts';
import { KubeApiError } from '../../src/runtime/kube-request.ts';

describe('watchEndCause', () => {
  const httpError = (code: number) => Object.assign(new Error('x'), { statusCode: code });
  const cases: Array<{ reason: string; err: unknown; want: RestartCause }> = [
    { reason: 'a clean end (server timeoutSeconds)', err: null, want: 'closed' },
    { reason: 'undefined is a clean end too', err: undefined, want: 'closed' },
    { reason: 'HTTP 410 from client-node (statusCode)', err: httpError(410), want: 'gone' },
    { reason: 'HTTP 410 as our KubeApiError (code)', err: new KubeApiError(410, 'Expired', 'too old'), want: 'gone' },
    { reason: 'client-node inactivity timer', err: new DOMException('The operation was aborted due to timeout', 'TimeoutError'), want: 'timeout' },
    { reason: 'HTTP 500', err: httpError(500), want: 'error' },
    { reason: 'connection refused', err: new TypeError('fetch failed'), want: 'error' },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(watchEndCause(c.err), c.want));
});

describe('errorEventCause', () => {
  const cases: Array<{ reason: string; status: unknown; want: RestartCause }> = [
    { reason: '410 Expired in the stream means relist', status: { kind: 'Status', code: 410, reason: 'Expired' }, want: 'gone' },
    { reason: '410 Gone as well', status: { kind: 'Status', code: 410, reason: 'Gone' }, want: 'gone' },
    { reason: 'other status codes just restart', status: { kind: 'Status', code: 500 }, want: 'error' },
    { reason: 'an ERROR without a Status', status: undefined, want: 'error' },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(errorEventCause(c.status), c.want));
});

describe('cacheChanges (what a relist tells the handlers)', () => {
  const o = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });
  const m = (...objs: KubeObject[]) => new Map(objs.map((x) => [`ns/${x.metadata.name}`, x]));
  const summary = (prev: Map<string, KubeObject>, next: Map<string, KubeObject>) =>
    cacheChanges(prev, next)
      .map((c) => `${c.type}:${c.obj.metadata.name}@${c.obj.metadata.resourceVersion}${c.type === 'update' ? `<${c.old.metadata.resourceVersion}` : ''}`)
      .sort();
  const cases: Array<{ reason: string; prev: Map<string, KubeObject>; next: Map<string, KubeObject>; want: string[] }> = [
    { reason: 'first list: everything is an add', prev: m(), next: m(o('a', '1'), o('b', '2')), want: ['add:a@1', 'add:b@2'] },
    { reason: 'nothing changed: nothing delivered', prev: m(o('a', '1')), next: m(o('a', '1')), want: [] },
    { reason: 'a vanished object gets a synthetic delete with its last state', prev: m(o('a', '1'), o('b', '2')), next: m(o('a', '1')), want: ['delete:b@2'] },
    { reason: 'a changed object gets an update with the old one', prev: m(o('a', '1')), next: m(o('a', '5')), want: ['update:a@5<1'] },
    {
      reason: 'all at once',
      prev: m(o('a', '1'), o('b', '2'), o('c', '3')),
      next: m(o('a', '1'), o('c', '9'), o('d', '10')),
      want: ['add:d@10', 'delete:b@2', 'update:c@9<3'],
    },
  ];
  for (const c of cases) it(c.reason, () => assert.deepEqual(summary(c.prev, c.next), c.want));
});
