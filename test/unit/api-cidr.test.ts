import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrsOverlap, overlappingPairs, parseCidr } from '../../src/api/cidr.ts';

const parseCases: Array<{ text: string; want: { family: 4 | 6; prefix: number; canonical: boolean } | undefined; reason: string }> = [
  { text: '10.0.0.0/16', want: { family: 4, prefix: 16, canonical: true }, reason: 'plain IPv4 block' },
  { text: '10.0.0.1/16', want: { family: 4, prefix: 16, canonical: false }, reason: 'host bits set' },
  { text: '0.0.0.0/0', want: { family: 4, prefix: 0, canonical: true }, reason: 'default route' },
  { text: '2001:db8::/56', want: { family: 6, prefix: 56, canonical: true }, reason: 'IPv6 with ::' },
  { text: '2001:db8::1/64', want: { family: 6, prefix: 64, canonical: false }, reason: 'IPv6 host bits' },
  { text: '::ffff:192.0.2.0/120', want: { family: 6, prefix: 120, canonical: true }, reason: 'embedded IPv4' },
  { text: '10.0.0.0', want: undefined, reason: 'no prefix' },
  { text: '10.0.0.0/33', want: undefined, reason: 'prefix too long for IPv4' },
  { text: '10.0.0/16', want: undefined, reason: 'three octets' },
  { text: '010.0.0.0/8', want: undefined, reason: 'leading zero (ambiguous octal)' },
  { text: 'fe80::1%eth0/64', want: undefined, reason: 'zone index' },
  { text: '10.0.0.0/+8', want: undefined, reason: 'signed prefix' },
];
for (const { text, want, reason } of parseCases) {
  test(`parseCidr ${text}: ${reason}`, () => {
    const got = parseCidr(text);
    assert.deepEqual(got && { family: got.family, prefix: got.prefix, canonical: got.canonical }, want);
  });
}

const overlapCases: Array<[string, string, boolean, string]> = [
  ['10.0.0.0/16', '10.0.128.0/17', true, 'second inside first'],
  ['10.0.128.0/17', '10.0.0.0/16', true, 'first inside second'],
  ['10.0.0.0/16', '10.1.0.0/16', false, 'neighbours'],
  ['10.0.0.0/16', '10.0.0.0/16', true, 'equal'],
  ['0.0.0.0/0', '192.0.2.0/24', true, 'default route covers everything'],
  ['10.0.0.0/8', '2001:db8::/32', false, 'different families'],
  ['2001:db8::/32', '2001:db8:ff::/48', true, 'IPv6 containment'],
  ['2001:db8::/48', '2001:db8:1::/48', false, 'IPv6 neighbours'],
];
for (const [a, b, want, reason] of overlapCases) {
  test(`cidrsOverlap ${a} ${b}: ${reason}`, () => assert.equal(cidrsOverlap(parseCidr(a)!, parseCidr(b)!), want));
}

test('overlappingPairs lists each overlapping pair once and skips junk', () => {
  assert.deepEqual(overlappingPairs(['10.0.0.0/16', 'junk', '10.1.0.0/16', '10.0.5.0/24', '10.1.0.0/24']), [
    [0, 3],
    [2, 4],
  ]);
});
