// The kinds as the CLI names them: full kind, plural, singular and short names all resolve,
// case-insensitively, like kubectl. Everything comes from the API's one list of kinds.
import { collectionPath, KINDS, type KindInfo } from '../api/types.ts';

const ALIASES: ReadonlyMap<string, KindInfo> = new Map(
  KINDS.flatMap((k) => [k.kind, k.plural, k.singular, ...k.shortNames].map((alias) => [alias.toLowerCase(), k] as const)),
);

export function resolveKind(name: string): KindInfo {
  const info = ALIASES.get(name.toLowerCase());
  if (!info) throw new Error(`unknown kind "${name}": use ${KINDS.map((k) => `${k.kind} (${k.shortNames.join(', ')})`).join(', ')}`);
  return info;
}

export function objectPath(k: KindInfo, namespace: string, name: string): string {
  return `${collectionPath(k, namespace)}/${encodeURIComponent(name)}`;
}
