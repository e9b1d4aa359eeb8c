import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitLength, planWidths, POW10, scaleToIntegers, unzigzag, zigzag } from './int-values.js';

function scale(values: readonly number[]): { e: number; ints: number[] } {
  const out = new Float64Array(values.length);
  const e = scaleToIntegers(Float64Array.from(values), values.length, out);
  return { e, ints: Array.from(out) };
}

/** Bits of residuals with these lengths packed by `widths` in code order (the encoder's rule). */
function packedBits(lengths: readonly number[], widths: readonly number[]): number {
  let bits = 2 + 6 * widths.length;
  for (const len of lengths) {
    let code = -1;
    widths.forEach((w, k) => {
      if (w >= len && (code < 0 || w < widths[code]!)) code = k;
    });
    expect(code).toBeGreaterThanOrEqual(0);
    bits += widths[code]! + (widths.length === 1 ? 0 : code < widths.length - 1 ? code + 1 : code);
  }
  return bits;
}

describe('scaleToIntegers', () => {
  it('finds the smallest decimal exponent', () => {
    expect(scale([1, 2, 3])).toEqual({ e: 0, ints: [1, 2, 3] });
    expect(scale([0.1, 0.25, 3])).toEqual({ e: 2, ints: [10, 25, 300] });
    expect(scale([0.000123, 1.5])).toEqual({ e: 6, ints: [123, 1_500_000] });
    expect(scale([-7.5, 0])).toEqual({ e: 1, ints: [-75, 0] });
  });

  it('refuses values without an exact short decimal form', () => {
    expect(scale([1, -0]).e).toBe(-1);
    expect(scale([1, NaN]).e).toBe(-1);
    expect(scale([Infinity]).e).toBe(-1);
    expect(scale([2 ** 50]).e).toBe(-1);
    expect(scale([Math.PI]).e).toBe(-1);
    expect(scale([0.1 + 0.2]).e).toBe(-1);
    expect(scale([1e-16]).e).toBe(-1);
  });

  it('gives integers whose division by 10^e is the value, bit for bit', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double(),
            fc
              .tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.nat({ max: 15 }))
              .map(([m, e]) => m / 10 ** e),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (values) => {
          const { e, ints } = scale(values);
          if (e < 0) return;
          values.forEach((v, i) => {
            expect(Object.is(ints[i]! / POW10[e]!, v)).toBe(true);
            expect(Math.abs(ints[i]!)).toBeLessThan(2 ** 50);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('zigzag and bitLength', () => {
  it('round-trip and measure integers up to 2^52', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (r) => {
        const z = zigzag(r);
        expect(unzigzag(z)).toBe(r);
        expect(z).toBeLessThan(2 ** bitLength(z));
        if (z > 0) expect(z).toBeGreaterThanOrEqual(2 ** (bitLength(z) - 1));
      }),
    );
    expect(bitLength(0)).toBe(0);
    expect(bitLength(2 ** 53 - 1)).toBe(53);
  });
});

describe('planWidths', () => {
  it('packs all-zero residuals in no bits at all', () => {
    const histogram = new Float64Array(65);
    histogram[0] = 119;
    expect(planWidths(histogram)).toEqual({ widths: [0], bits: 8 });
  });

  it('covers every residual and is never worse than one width or the best of a brute-force search', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 53 }), { minLength: 1, maxLength: 119 }), (lengths) => {
        const histogram = new Float64Array(65);
        for (const len of lengths) histogram[len]!++;
        const plan = planWidths(histogram);
        expect(packedBits(lengths, plan.widths)).toBe(plan.bits);
        expect(plan.bits).toBeLessThanOrEqual(packedBits(lengths, [Math.max(...lengths)]));
        const distinct = new Set(lengths);
        if (distinct.size <= 9) {
          // Every pair of widths (with the largest length): the plan is at least as good.
          const all = [...distinct];
          const max = Math.max(...all);
          for (const a of all) {
            for (const b of all) {
              const widths = [...new Set([a, b, max])];
              const order = widths.sort((x, y) => x - y);
              expect(plan.bits).toBeLessThanOrEqual(packedBits(lengths, order) + 0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
