// A JSON value as Lua source, for the tests that run deploy/argocd/*.lua under lua5.4 as Argo CD runs them.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON value as a Lua table literal (null fields are left out, as Argo CD's converter does). */
export function toLua(v: Json): string {
  if (v === null) return 'nil';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: Lua string escapes are exactly the control characters
    return '"' + v.replace(/[\\"]/g, (c) => '\\' + c).replace(/[\x00-\x1f]/g, (c) => '\\' + c.charCodeAt(0).toString().padStart(3, '0')) + '"';
  }
  if (Array.isArray(v)) return '{' + v.map(toLua).join(', ') + '}';
  return (
    '{' +
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => `[${toLua(k)}] = ${toLua(x)}`)
      .join(', ') +
    '}'
  );
}
