import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandTemplate, formatApiValue, formatFloatF, goPow, goRegex, parseGoFloat } from './go-compat.js';
import { parseDurationMs, parseNumberLiteral, unquoteString } from './literals.js';

describe('Go float formatting', () => {
  it.each([
    [1, '1'],
    [0.1, '0.1'],
    [-2.5, '-2.5'],
    [1e21, '1e+21'],
    [1.5e-7, '1.5e-07'],
    [123456789012345680000, '123456789012345680000'],
    [0.000001, '0.000001'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [5e-324, '5e-324'],
  ])('prints %s for the API as %s', (value, text) => {
    expect(formatApiValue(value)).toBe(text);
  });

  it('prints count_values labels without exponents', () => {
    expect(formatFloatF(1e21)).toBe('1000000000000000000000');
    expect(formatFloatF(1.5e-7)).toBe('0.00000015');
    expect(formatFloatF(42)).toBe('42');
  });

  it('prints plain-range values exactly as formatFloatF does (property)', () => {
    const plain = fc.oneof(
      fc.double({ min: 1e-6, max: 1e21, noNaN: true }),
      fc.double({ min: -1e21, max: -1e-6, noNaN: true }),
      fc.integer().map((i) => i / 1000),
      fc.constantFrom(1e-6, -1e-6, 1e21 - 65536, 0.1 + 0.2, 123456789.123),
    );
    fc.assert(
      fc.property(plain, (x) => {
        fc.pre(Math.abs(x) >= 1e-6 && Math.abs(x) < 1e21);
        expect(formatApiValue(x)).toBe(formatFloatF(x));
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips every double through the API format (property)', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        expect(
          Object.is(parseGoFloat(formatApiValue(x)), x) ||
            (Number.isNaN(x) && Number.isNaN(parseGoFloat(formatApiValue(x))!)),
        ).toBe(true);
        expect(parseGoFloat(formatFloatF(x))).toBe(x);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses le labels like strconv.ParseFloat', () => {
    expect(parseGoFloat('+Inf')).toBe(Infinity);
    expect(parseGoFloat('0.25')).toBe(0.25);
    expect(parseGoFloat('1e3')).toBe(1000);
    expect(parseGoFloat('0x1p-2')).toBe(0.25);
    expect(parseGoFloat('')).toBeUndefined();
    expect(parseGoFloat('abc')).toBeUndefined();
  });
});

describe('Go math and regexp', () => {
  it('has math.Pow special cases', () => {
    expect(goPow(1, NaN)).toBe(1);
    expect(goPow(-1, Infinity)).toBe(1);
    expect(goPow(NaN, 0)).toBe(1);
    expect(goPow(2, 10)).toBe(1024);
    expect(goPow(-8, 1 / 3)).toBeNaN();
  });

  it('expands templates like Regexp.ExpandString', () => {
    const match = goRegex('(?P<first>a)(b)').exec('ab')!;
    expect(expandTemplate('$1-$2', match)).toBe('a-b');
    expect(expandTemplate('${1}x', match)).toBe('ax');
    expect(expandTemplate('$1x', match)).toBe(''); // the group named "1x" does not exist
    expect(expandTemplate('${first}$$ $', match)).toBe('a$ $');
    expect(expandTemplate('$0', match)).toBe('ab');
    expect(expandTemplate('$9', match)).toBe('');
  });

  it('anchors regexps and honours leading flags', () => {
    expect(goRegex('b').test('abc')).toBe(false);
    expect(goRegex('(?i)ABC').test('abc')).toBe(true);
    expect(() => goRegex('(')).toThrow();
  });
});

describe('PromQL literals', () => {
  it('sums duration units (property)', () => {
    const units = [
      ['y', 365 * 86_400_000],
      ['w', 7 * 86_400_000],
      ['d', 86_400_000],
      ['h', 3_600_000],
      ['m', 60_000],
      ['s', 1000],
      ['ms', 1],
    ] as const;
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }), {
          minLength: 7,
          maxLength: 7,
        }),
        (counts) => {
          const text = counts.map((n, i) => (n === undefined ? '' : `${n}${units[i]![0]}`)).join('');
          fc.pre(text !== '');
          const expected = counts.reduce<number>((sum, n, i) => sum + (n ?? 0) * units[i]![1], 0);
          expect(parseDurationMs(text)).toBe(expected);
        },
      ),
    );
    expect(() => parseDurationMs('5m1h')).toThrow('not a valid duration string');
  });

  it('reads numbers as Go does (ParseInt base 0 first)', () => {
    expect(parseNumberLiteral('0X1F')).toBe(31);
    expect(parseNumberLiteral('-017')).toBe(-15);
    expect(parseNumberLiteral('+1.5e2')).toBe(150);
  });

  it('rejects bad escapes and unterminated strings', () => {
    expect(() => unquoteString('"abc')).toThrow('unterminated quoted string');
    expect(() => unquoteString('"\\z"')).toThrow(/unknown escape sequence/);
    expect(unquoteString('"\\u00e9\\U0001F600"')).toBe('é😀');
  });
});
