import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertFingerprint } from './alert-fingerprint.js';
import { MatcherSyntaxError, formatMatcher, parseMatcher, parseMatchers } from './label-matchers.js';

describe('alertFingerprint', () => {
  it("matches Prometheus's model fingerprints (test vectors of prometheus/common)", () => {
    expect(alertFingerprint({})).toBe(BigInt('14695981039346656037').toString(16));
    expect(alertFingerprint({ name: 'garland, briggs', fear: 'love is not enough' })).toBe(
      BigInt('5799056148416392346').toString(16).padStart(16, '0'),
    );
  });

  it('ignores label order and empty values; differs when a value differs', () => {
    expect(alertFingerprint({ a: '1', b: '2' })).toBe(alertFingerprint({ b: '2', a: '1', c: '' }));
    expect(alertFingerprint({ a: '1', b: '2' })).not.toBe(alertFingerprint({ a: '1', b: '3' }));
    expect(alertFingerprint({ a: '1' })).toMatch(/^[0-9a-f]{16}$/);
  });
});

/** FNV-1a 64 written the obvious way, with BigInt: the reference for the 32-bit-halves version. */
function referenceFingerprint(labels: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  const add = (bytes: Iterable<number>) => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  for (const name of Object.keys(labels).sort()) {
    if (labels[name] === '') continue;
    add(new TextEncoder().encode(name));
    add([0xff]);
    add(new TextEncoder().encode(labels[name]));
    add([0xff]);
  }
  return h.toString(16).padStart(16, '0');
}

describe('alertFingerprint (property)', () => {
  it('equals the BigInt reference for any label set', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.string({ unit: 'grapheme' })),
        (labels) => {
          expect(alertFingerprint(labels)).toBe(referenceFingerprint(labels));
        },
      ),
    );
  });
});

describe('Alertmanager matchers', () => {
  it('parses the four operators, quoted and bare values', () => {
    expect(parseMatcher('severity="page"')).toEqual({ name: 'severity', type: '=', value: 'page' });
    expect(parseMatcher(' alertname =~ "SLO.*" ')).toEqual({ name: 'alertname', type: '=~', value: 'SLO.*' });
    expect(parseMatcher('env!=prod')).toEqual({ name: 'env', type: '!=', value: 'prod' });
    expect(parseMatcher('msg!~"a\\"b"')).toEqual({ name: 'msg', type: '!~', value: 'a"b' });
    expect(parseMatchers('{a="1, 2", b=~"x|y"}')).toEqual([
      { name: 'a', type: '=', value: '1, 2' },
      { name: 'b', type: '=~', value: 'x|y' },
    ]);
    expect(formatMatcher({ name: 'a', type: '=~', value: 'x"y' })).toBe('a=~"x\\"y"');
  });

  it('refuses malformed matchers and bad regular expressions', () => {
    for (const bad of ['severity', '="x"', 'a=="b"', '1a="b"', 'a=~"("']) {
      expect(() => parseMatcher(bad), bad).toThrow(MatcherSyntaxError);
    }
  });
});
