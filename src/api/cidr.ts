// CIDR arithmetic for the checks the apiserver's CEL cannot afford (overlaps inside one list,
// against another object). Addresses become bigints so IPv4 and IPv6 share one code path.
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** Address with host bits cleared. */
  network: bigint;
  prefix: number;
  /** False when the text had host bits set (10.0.0.1/16). */
  canonical: boolean;
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const family = isIPv4(ip) ? 4 : isIPv6(ip) && !ip.includes('%') ? 6 : undefined;
  if (!family) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const addr = family === 4 ? ipv4ToBigInt(ip) : ipv6ToBigInt(ip);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const network = addr & ~hostMask;
  return { family, network, prefix, canonical: network === addr };
}

/** True when the blocks share at least one address (for prefixes: one contains the other). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const shorter = Math.min(a.prefix, b.prefix);
  const bits = a.family === 4 ? 32 : 128;
  const shift = BigInt(bits - shorter);
  return a.network >> shift === b.network >> shift;
}

/** Pairs (i < j) of entries in `texts` that overlap; unparsable entries are skipped (the schema reports them). */
export function overlappingPairs(texts: readonly string[]): Array<[number, number]> {
  const parsed = texts.map(parseCidr);
  const out: Array<[number, number]> = [];
  for (let j = 0; j < parsed.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = parsed[i];
      const b = parsed[j];
      if (a && b && cidrsOverlap(a, b)) out.push([i, j]);
    }
  }
  return out;
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ipv4Groups(g) : [parseInt(g, 16)])));
  const gap = ip.indexOf('::');
  let all: number[];
  if (gap < 0) {
    all = groups(ip);
  } else {
    const head = groups(ip.slice(0, gap));
    const tail = groups(ip.slice(gap + 2));
    all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** An embedded IPv4 suffix (::ffff:192.0.2.1) as two 16-bit groups. */
function ipv4Groups(ip: string): number[] {
  const n = Number(ipv4ToBigInt(ip));
  return [n >>> 16, n & 0xffff];
}
