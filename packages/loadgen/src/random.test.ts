import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom, deriveSeed } from './random.js';

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
    expect(deriveSeed(42, 1)).toBe(deriveSeed(42, 1));
    expect(deriveSeed(42, 1)).not.toBe(deriveSeed(42, 2));
  });

  it('keeps int() within bounds and weighted() to positive weights', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.nat(1000), (seed, min, span) => {
        const random = createRandom(seed);
        for (let i = 0; i < 20; i++) {
          const value = random.int(min, min + span);
          expect(value).toBeGreaterThanOrEqual(min);
          expect(value).toBeLessThanOrEqual(min + span);
          expect(
            random.weighted([
              ['a', 0],
              ['b', 1],
              ['c', 0],
            ]),
          ).toBe('b');
        }
      }),
    );
  });

  it('picks in proportion to the weights', () => {
    const random = createRandom(7);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++)
      counts[
        random.weighted([
          ['a', 1],
          ['b', 3],
        ] as const)
      ]++;
    expect(counts.b / 10_000).toBeGreaterThan(0.7);
    expect(counts.b / 10_000).toBeLessThan(0.8);
    expect(() => random.weighted([['a', 0]])).toThrow(RangeError);
  });
});
