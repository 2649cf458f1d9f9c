// The informer's secondary indexes (cache-index.ts): what an object is found under after an
// add, an update that moves it from one value to another, a delete and a relist, and what an
// index read costs compared with the scan of every object it replaced.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CacheIndexes, NAMESPACE_INDEX } from '../../src/runtime/cache-index.ts';
import { deepFreeze, objectKey } from '../../src/runtime/kube-object.ts';

interface Client {
  metadata: { name: string; namespace: string };
  spec: { pairRef?: { name: string; namespace?: string } };
}

const BY_PAIR = 'spec.pairRef';
const client = (namespace: string, name: string, pair?: string, pairNamespace?: string): Client =>
  deepFreeze({ metadata: { name, namespace }, spec: pair ? { pairRef: { name: pair, ...(pairNamespace && { namespace: pairNamespace }) } } : {} });
/** The pair's `namespace/name` a client references (its own namespace unless the ref names one). */
const pairOf = (c: Client): string[] => (c.spec.pairRef ? [`${c.spec.pairRef.namespace ?? c.metadata.namespace}/${c.spec.pairRef.name}`] : []);

/** A store and its indexes changed together, as the informer does. */
function cache(...objs: Client[]) {
  const store = new Map<string, Client>();
  const idx = new CacheIndexes<Client>();
  idx.add(BY_PAIR, pairOf);
  const put = (o: Client) => {
    store.set(objectKey(o), o);
    idx.set(objectKey(o), o);
  };
  for (const o of objs) put(o);
  return {
    store,
    idx,
    put,
    remove: (key: string) => {
      store.delete(key);
      idx.delete(key);
    },
    under: (value: string, name = BY_PAIR) => idx.keys(name, value).sort(),
  };
}

describe('CacheIndexes', () => {
  it('an added object is found under its value, and only there', () => {
    const c = cache(client('apps', 'a', 'east'), client('apps', 'b', 'west'), client('other', 'c', 'east', 'apps'));
    assert.deepEqual(c.under('apps/east'), ['apps/a', 'other/c']);
    assert.deepEqual(c.under('apps/west'), ['apps/b']);
    assert.deepEqual(c.under('other/east'), [], 'a ref naming another namespace is indexed under that namespace');
  });

  it('an update that changes the reference moves the object from the old value to the new one', () => {
    const c = cache(client('apps', 'a', 'east'), client('apps', 'b', 'east'));
    c.put(client('apps', 'a', 'west'));
    assert.deepEqual(c.under('apps/east'), ['apps/b']);
    assert.deepEqual(c.under('apps/west'), ['apps/a']);
    c.put(client('apps', 'a'));
    assert.deepEqual(c.under('apps/west'), [], 'a ref removed: in no value any more');
    assert.deepEqual(c.under('apps/east'), ['apps/b']);
  });

  it('an update that keeps the reference keeps the object where it was, once', () => {
    const c = cache(client('apps', 'a', 'east'));
    c.put(client('apps', 'a', 'east'));
    c.put(client('apps', 'a', 'east'));
    assert.deepEqual(c.under('apps/east'), ['apps/a']);
  });

  it('a delete removes the object from every index', () => {
    const c = cache(client('apps', 'a', 'east'), client('apps', 'b', 'east'));
    c.remove('apps/a');
    assert.deepEqual(c.under('apps/east'), ['apps/b']);
    assert.deepEqual(c.under('apps', NAMESPACE_INDEX), ['apps/b']);
    c.remove('apps/b');
    assert.deepEqual(c.under('apps/east'), []);
    c.remove('apps/never-there');
  });

  it('a relist (replace) rebuilds every index from the new store: moved, vanished and new objects', () => {
    const c = cache(client('apps', 'a', 'east'), client('apps', 'b', 'east'), client('apps', 'c', 'west'));
    // While the watch was down: a moved to west, b deleted, d created.
    const fresh = new Map([client('apps', 'a', 'west'), client('apps', 'c', 'west'), client('apps', 'd', 'east')].map((o) => [objectKey(o), o]));
    c.idx.replace(fresh);
    assert.deepEqual(c.under('apps/east'), ['apps/d']);
    assert.deepEqual(c.under('apps/west'), ['apps/a', 'apps/c']);
    assert.deepEqual(c.under('apps', NAMESPACE_INDEX), ['apps/a', 'apps/c', 'apps/d']);
  });

  it('every cache has a namespace index', () => {
    const c = cache(client('apps', 'a'), client('apps', 'b'), client('other', 'c'));
    assert.deepEqual(c.under('apps', NAMESPACE_INDEX), ['apps/a', 'apps/b']);
    assert.deepEqual(c.under('other', NAMESPACE_INDEX), ['other/c']);
    assert.deepEqual(c.under('none', NAMESPACE_INDEX), []);
  });

  it('an index added to a filled store indexes what is there at once', () => {
    const c = cache(client('apps', 'a', 'east'), client('apps', 'b', 'west'));
    c.idx.add('by-name', (o) => [o.metadata.name], c.store);
    assert.deepEqual(c.under('a', 'by-name'), ['apps/a']);
  });

  it('an object under several values is found under each; a repeated value counts once', () => {
    const idx = new CacheIndexes<Client>();
    idx.add('multi', () => ['x', 'y', 'x']);
    idx.set('apps/a', client('apps', 'a'));
    assert.deepEqual(idx.keys('multi', 'x'), ['apps/a']);
    assert.deepEqual(idx.keys('multi', 'y'), ['apps/a']);
    idx.delete('apps/a');
    assert.deepEqual(idx.keys('multi', 'x'), []);
  });

  it('an index function that throws leaves the object out of that index, reports it, and never throws into the watch', () => {
    const errors: string[] = [];
    const idx = new CacheIndexes<Client>((index, key) => errors.push(`${index} ${key}`));
    idx.add(BY_PAIR, (o) => {
      if (o.metadata.name === 'bad') throw new Error('spec missing');
      return pairOf(o);
    });
    idx.set('apps/bad', client('apps', 'bad', 'east'));
    idx.set('apps/good', client('apps', 'good', 'east'));
    assert.deepEqual(idx.keys(BY_PAIR, 'apps/east'), ['apps/good']);
    assert.deepEqual(idx.keys(NAMESPACE_INDEX, 'apps').sort(), ['apps/bad', 'apps/good'], 'the other indexes still hold it');
    assert.deepEqual(errors, [`${BY_PAIR} apps/bad`]);
  });

  it('reading or adding an index by a wrong name is a wiring mistake and throws', () => {
    const idx = new CacheIndexes<Client>();
    idx.add(BY_PAIR, pairOf);
    assert.throws(() => idx.keys('spec.pairref', 'apps/east'), /no index named spec.pairref/);
    assert.throws(() => idx.add(BY_PAIR, pairOf), /already exists/);
  });
});

describe('an index read touches only the matching objects; the scan it replaced touched all', () => {
  // 100 pairs with 10 clients each, as the bench's client phase: 1,000 clients.
  const PAIRS = 100;
  const PER_PAIR = 10;
  const c = cache();
  for (let p = 0; p < PAIRS; p++) for (let i = 0; i < PER_PAIR; i++) c.put(client(`tenant-${i}`, `c-${p}-${i}`, `pair-${p}`, 'net'));

  it('the index read returns exactly the pair’s clients and calls no index function', () => {
    let calls = 0;
    const counting = new CacheIndexes<Client>();
    counting.add(BY_PAIR, (o) => {
      calls++;
      return pairOf(o);
    });
    for (const [k, o] of c.store) counting.set(k, o);
    const afterBuild = calls;
    assert.equal(afterBuild, PAIRS * PER_PAIR, 'each object indexed once when it is stored');
    const keys = counting.keys(BY_PAIR, 'net/pair-42').sort();
    assert.deepEqual(
      keys,
      Array.from({ length: PER_PAIR }, (_, i) => `tenant-${i}/c-42-${i}`),
    );
    assert.equal(calls, afterBuild, 'a read runs nothing per object');
  });

  it('the old scan looked at every client for the same answer (1,000 objects touched for 10)', () => {
    let touched = 0;
    const scanned = [...c.store.values()].filter((o) => {
      touched++;
      return pairOf(o)[0] === 'net/pair-42';
    });
    assert.equal(scanned.length, PER_PAIR);
    assert.equal(touched, PAIRS * PER_PAIR);
    assert.deepEqual(scanned.map(objectKey).sort(), c.under('net/pair-42'));
  });
});
