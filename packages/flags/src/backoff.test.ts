import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, in the upper half of each step', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, 100, 1_000, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect(backoffDelay(3, 100, 1_000, () => 0.999_999)).toBe(400);
  });

  it('always lies in [cap/2, cap] of its step and never above the maximum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, base, max, random) => {
          const delay = backoffDelay(attempt, base, max, () => random);
          const step = Math.min(max, base * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
          expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
          expect(delay).toBeLessThanOrEqual(Math.min(step, max));
        },
      ),
    );
  });
});
