import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOYALTY_TIERS, loyaltyDiscountPercent, loyaltyPointsForTotal } from './loyalty.js';

describe('loyalty', () => {
  it.each([
    [0, 0],
    [99, 0],
    [100, 10],
    [499, 10],
    [500, 20],
    [1_000_000, 20],
    [-1, 0],
    [Number.NaN, 0],
  ])('%d points → %d %%', (points, percent) => {
    expect(loyaltyDiscountPercent(points)).toBe(percent);
  });

  it('never decreases as points grow, and is one of the tier percentages', () => {
    const percents = new Set([0, ...LOYALTY_TIERS.map((tier) => tier.discountPercent)]);
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(loyaltyDiscountPercent(low)).toBeLessThanOrEqual(loyaltyDiscountPercent(high));
        expect(percents.has(loyaltyDiscountPercent(a))).toBe(true);
      }),
    );
  });

  it('earns one point per whole 100 minor units', () => {
    expect(loyaltyPointsForTotal(0)).toBe(0);
    expect(loyaltyPointsForTotal(99)).toBe(0);
    expect(loyaltyPointsForTotal(100)).toBe(1);
    expect(loyaltyPointsForTotal(12_345)).toBe(123);
    expect(loyaltyPointsForTotal(-500)).toBe(0);
    expect(loyaltyPointsForTotal(1.5)).toBe(0);
  });
});
