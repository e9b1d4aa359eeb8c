import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approximateIntegers, correctedBits } from './approx-values.js';
import { floatHi, floatLo } from './float-bits.js';
import { POW10 } from './int-values.js';

function approximate(values: readonly number[]): { e: number; ints: number[]; corrections: number[] } {
  const ints = new Float64Array(values.length);
  const corrections = new Float64Array(values.length);
  const e = approximateIntegers(
    Float64Array.from(values),
    Uint32Array.from(values, floatHi),
    Uint32Array.from(values, floatLo),
    values.length,
    ints,
    corrections,
  );
  return { e, ints: Array.from(ints), corrections: Array.from(corrections) };
}

describe('approximateIntegers', () => {
  it('describes sums of decimals as integers plus small bit corrections', () => {
    let v = 0;
    const values = [0.1, 0.2, 0.3, 0.7, 1.1].map((x) => (v += x));
    const { e, ints, corrections } = approximate(values);
    expect(e).toBe(1);
    expect(ints).toEqual([1, 3, 6, 13, 24]);
    expect(corrections.some((c) => c !== 0)).toBe(true); // 0.1 + 0.2 is not 0.3.
    expect(Math.max(...corrections.map(Math.abs))).toBeLessThan(4);
  });

  it('refuses non-finite values and signs the integer form loses', () => {
    expect(approximate([1, NaN]).e).toBe(-1);
    expect(approximate([1, Infinity]).e).toBe(-1);
    expect(approximate([-0]).e).toBe(-1);
    expect(approximate([-1e-300]).e).toBe(-1);
  });

  it('gives back every finite value bit for bit through correctedBits', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 30 }),
          // Running sums of decimal increments: the values this mode is for.
          fc
            .tuple(
              fc.integer({ min: 0, max: 9 }),
              fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 30 }),
            )
            .map(([e, steps]) => {
              let v = 0;
              return steps.map((step) => (v += step / 10 ** e));
            }),
        ),
        (values) => {
          const { e, ints, corrections } = approximate(values);
          if (e < 0) return;
          const out = new Uint32Array(2);
          values.forEach((v, i) => {
            correctedBits(ints[i]!, POW10[e]!, corrections[i]!, out);
            expect([out[0], out[1]]).toEqual([floatHi(v), floatLo(v)]);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
