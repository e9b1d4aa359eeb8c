import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ceilMs, joinNs, parseRfc3339Ns, parseTimestampNs, splitNs } from './log-time.js';

describe('nanosecond time', () => {
  it('splits and joins any instant exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 63n - 1n }), (ns) => {
        const { ms, sub } = splitNs(ns);
        expect(sub).toBeGreaterThanOrEqual(0);
        expect(sub).toBeLessThan(1_000_000);
        expect(joinNs(ms, sub)).toBe(ns);
      }),
    );
  });

  it('rounds up to whole milliseconds for window membership', () => {
    expect(ceilMs(1_000_000n)).toBe(1);
    expect(ceilMs(1_000_001n)).toBe(2);
    expect(ceilMs(-1n)).toBe(0);
  });

  it.each([
    ['1700000000000000001', 1_700_000_000_000_000_001n],
    ['1700000000', 1_700_000_000_000_000_000n],
    ['1700000000.5', 1_700_000_000_500_000_000n],
    ['2023-11-14T22:13:20.123456789Z', 1_700_000_000_123_456_789n],
    ['2023-11-14T23:13:20+01:00', 1_700_000_000_000_000_000n],
  ])('reads %s as Loki does', (text, ns) => {
    expect(parseTimestampNs(text)).toBe(ns);
  });

  it('refuses what is not a time', () => {
    expect(() => parseTimestampNs('yesterday')).toThrow(/cannot parse "yesterday"/);
    expect(parseRfc3339Ns('2023-13-45')).toBeUndefined();
  });
});
