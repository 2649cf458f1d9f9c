// The three kinds as the CLI names them: full kind, plural and short names all resolve.
import { API_VERSION } from '../api/types.ts';

export interface KindInfo { kind: 'RegionPair' | 'FailoverPolicy' | 'ClientConnection'; plural: string }

export const KINDS: readonly KindInfo[] = [
  { kind: 'RegionPair', plural: 'regionpairs' },
  { kind: 'FailoverPolicy', plural: 'failoverpolicies' },
  { kind: 'ClientConnection', plural: 'clientconnections' },
];

const ALIASES: Record<string, KindInfo['kind']> = {
  regionpair: 'RegionPair', regionpairs: 'RegionPair', rp: 'RegionPair',
  failoverpolicy: 'FailoverPolicy', failoverpolicies: 'FailoverPolicy', fp: 'FailoverPolicy',
  clientconnection: 'ClientConnection', clientconnections: 'ClientConnection', cc: 'ClientConnection',
};

export function resolveKind(name: string): KindInfo {
  const kind = ALIASES[name.toLowerCase()];
  const info = KINDS.find((k) => k.kind === kind);
  if (!info) throw new Error(`unknown kind "${name}": use RegionPair (rp), FailoverPolicy (fp) or ClientConnection (cc)`);
  return info;
}

/** Collection path, namespaced when `namespace` is given, all namespaces otherwise. */
export function collectionPath(k: KindInfo, namespace?: string): string {
  return namespace
    ? `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${k.plural}`
    : `/apis/${API_VERSION}/${k.plural}`;
}

export function objectPath(k: KindInfo, namespace: string, name: string): string {
  return `${collectionPath(k, namespace)}/${encodeURIComponent(name)}`;
}
