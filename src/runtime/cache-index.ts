// Secondary indexes over an informer's cache (client-go's Indexers, controller-runtime's
// IndexField): a named function maps each object to the values it is found under, e.g. the
// `namespace/name` of the object it references, and a read by value returns the keys under it
// without looking at any other object. The informer keeps the indexes in step with its store on
// every add, update, delete and relist. Only keys are held: the objects stay where they are,
// frozen in the store, and nothing is copied.

/** The values an object is indexed under (none: not in this index). Must be pure: it runs on frozen objects. */
export type IndexFunc<T> = (obj: T) => readonly string[];

/** Built into every cache: objects by `metadata.namespace` (client-go's NamespaceIndex). */
export const NAMESPACE_INDEX = 'metadata.namespace';

const namespaceOf = (obj: { metadata: { namespace?: string } }): readonly string[] => [obj.metadata.namespace ?? ''];

interface Index<T> {
  fn: IndexFunc<T>;
  /** value → keys of the objects indexed under it. */
  byValue: Map<string, Set<string>>;
  /** key → the values it was indexed under, so a delete or update removes exactly those. */
  valuesOf: Map<string, readonly string[]>;
}

const EMPTY: readonly string[] = Object.freeze([]);

export class CacheIndexes<T extends { metadata: { namespace?: string } }> {
  private readonly indexes = new Map<string, Index<T>>();

  /** `onError`: an index function threw for an object; it is left out of that index (never rethrown into the watch). */
  constructor(private readonly onError: (index: string, key: string, err: unknown) => void = () => {}) {
    this.add(NAMESPACE_INDEX, namespaceOf);
  }

  /** Adds an index; `existing` (the store as it is) is indexed at once. */
  add(name: string, fn: IndexFunc<T>, existing?: ReadonlyMap<string, T>): void {
    if (this.indexes.has(name)) throw new Error(`index ${name} already exists`);
    const idx: Index<T> = { fn, byValue: new Map(), valuesOf: new Map() };
    this.indexes.set(name, idx);
    for (const [key, obj] of existing ?? []) this.put(name, idx, key, obj);
  }

  has(name: string): boolean {
    return this.indexes.has(name);
  }

  names(): string[] {
    return [...this.indexes.keys()];
  }

  /** An object was added or changed: it is found under its new values, and no longer under its old ones. */
  set(key: string, obj: T): void {
    for (const [name, idx] of this.indexes) {
      this.drop(idx, key);
      this.put(name, idx, key, obj);
    }
  }

  delete(key: string): void {
    for (const idx of this.indexes.values()) this.drop(idx, key);
  }

  /** A relist replaced the store: every index is rebuilt from it. */
  replace(store: ReadonlyMap<string, T>): void {
    for (const [name, idx] of this.indexes) {
      idx.byValue.clear();
      idx.valuesOf.clear();
      for (const [key, obj] of store) this.put(name, idx, key, obj);
    }
  }

  /** Keys of the objects indexed under `value`. Throws for an index never added (a wiring mistake). */
  keys(name: string, value: string): string[] {
    const idx = this.indexes.get(name);
    if (!idx) throw new Error(`no index named ${name}`);
    return [...(idx.byValue.get(value) ?? [])];
  }

  private put(name: string, idx: Index<T>, key: string, obj: T): void {
    let values: readonly string[];
    try {
      values = [...new Set(idx.fn(obj))];
    } catch (err) {
      this.onError(name, key, err);
      values = EMPTY;
    }
    if (values.length === 0) return;
    idx.valuesOf.set(key, values);
    for (const v of values) {
      const keys = idx.byValue.get(v);
      if (keys) keys.add(key);
      else idx.byValue.set(v, new Set([key]));
    }
  }

  private drop(idx: Index<T>, key: string): void {
    const values = idx.valuesOf.get(key);
    if (!values) return;
    idx.valuesOf.delete(key);
    for (const v of values) {
      const keys = idx.byValue.get(v);
      keys?.delete(key);
      if (keys?.size === 0) idx.byValue.delete(v);
    }
  }
}
