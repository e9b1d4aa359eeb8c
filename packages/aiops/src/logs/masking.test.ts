// Variable masking: every kind of value becomes one wildcard, names and wording stay.
import { describe, expect, it } from 'vitest';
import {
  MaskPatternError,
  WILDCARD,
  applyBuiltinMasks,
  applyMaskPatterns,
  compileMaskPatterns,
  maskToken,
  tokenize,
} from './masking.js';
import { fitsToken, generaliseToken } from './token-pattern.js';

const W = WILDCARD;

describe('maskToken', () => {
  it.each([
    ['numbers', '42', W],
    ['signed and decimal numbers', '-17', W],
    ['decimals', '0.2477829', W],
    ['numbers with punctuation around', '(42),', `(${W}),`],
    ['hex with 0x', '0x7f9950712080', W],
    ['long hex', '54fadb412c4e40cdbaed9335e4c35a9e', W],
    ['IPv4', '10.251.73.220', W],
    ['IPv4 with port and leading slash', '/10.10.34.11:45307', W],
    ['host with port', 'msra-sa-41:9000', W],
    ['dotted host with port', 'proxy.cse.cuhk.edu.hk:5070', W],
    ['UUIDs', 'b9000564-fe1a-409b-b8cc-1e88b294cd1d', W],
    ['absolute paths', '/var/lib/nova/instances/_base', W],
    ['paths in brackets', 'chdir(/p/gb2/t800)', `chdir(${W})`],
    ['URLs with a number', 'http://10.0.0.1:8080/a', W],
    ['durations', '10000ms', W],
    ['times of day', '09:21:58.929', W],
    ['MAC addresses', '00:11:43:e3:ba:c3', W],
    ['ids with underscores', 'attempt_1445144423722_0020_m_000000_0', W],
    ['generated ids', 'jA9J1UvC004306', W],
    ['serial names', 'bglio716', W],
    ['key=value', 'uid=0', `uid=${W}`],
    ['key:value', 'Floor:240', `Floor:${W}`],
    ['value words', 'enterQuietMode(true)', `enterQuietMode(${W})`],
    ['a name before a number', 'node-129', `node-${W}`],
    ['a field after an address', '10.0.0.1:50010:Got', `${W}:Got`],
  ])('masks %s', (_kind, token, expected) => {
    expect(maskToken(token)).toBe(expected);
  });

  it.each(['Receiving', 'tty2', 'eth1', 'Brcm43xx', 'IO80211Family', 'NameSystem.addStoredBlock:', 'BLOCK*'])(
    'keeps the name %s',
    (token) => {
      expect(maskToken(token)).toBe(token);
    },
  );
});

describe('message-level masks', () => {
  it('masks timestamps and sizes that span whitespace', () => {
    expect(applyBuiltinMasks('at Fri Jun 17 07:07:00 2005 done')).toBe(`at ${W} done`);
    expect(applyBuiltinMasks('started 2015-10-18 18:01:47,978 ok')).toBe(`started ${W} ok`);
    expect(applyBuiltinMasks('1190 bytes (1.16 KB) sent')).toBe(`${W} sent`);
  });

  it('applies caller regexes without gluing tokens or eating keys', () => {
    const [blk, hex, eq] = compileMaskPatterns(['blk_-?\\d+', '0x.*?\\s', '=\\d+']) as [
      RegExp,
      RegExp,
      RegExp,
    ];
    expect(applyMaskPatterns('block blk_-42 done', [blk])).toBe(`block ${W} done`);
    expect(applyMaskPatterns('HRESULT = 0x800f080d - CBS', [hex])).toBe(`HRESULT = ${W} - CBS`);
    expect(applyMaskPatterns('ambient=30', [eq])).toBe(`ambient=${W}`);
  });

  it('reports a bad regex with its source', () => {
    expect(() => compileMaskPatterns(['(unclosed'])).toThrow(MaskPatternError);
    expect(() => compileMaskPatterns(['(unclosed'])).toThrow(/\(unclosed/);
  });

  it('tokenises on whitespace runs', () => {
    expect(tokenize('  a \t b   c ')).toEqual(['a', 'b', 'c']);
    expect(tokenize('')).toEqual([]);
  });
});

describe('token patterns', () => {
  it('generalises two tokens keeping the punctuation around the value', () => {
    expect(generaliseToken('[Thunderbird_A8]', '[Thunderbird_B1]')).toBe(`[${W}]`);
    expect(generaliseToken(`${W},`, `LOCAL(${W}),`)).toBe(`${W},`);
    expect(generaliseToken('rhost=a.b', 'rhost=c')).toBe(`rhost=${W}`);
    expect(generaliseToken('alpha', 'beta')).toBe(W);
  });

  it('fits tokens to patterns', () => {
    expect(fitsToken(`[${W}]`, '[x]')).toBe(true);
    expect(fitsToken(`[${W}]`, 'x]')).toBe(false);
    expect(fitsToken(`${W}:${W}`, '1:2')).toBe(true);
    expect(fitsToken('a', 'b')).toBe(false);
  });
});
