import fc from 'fast-check';
import { LOYALTY_TIERS, loyaltyDiscountPercent } from '@opsloop/contracts';
import { describe, expect, it } from 'vitest';
import { MAX_UNIT_AMOUNT_MINOR, priceLines, PricingError, type LineToPrice } from './pricing.js';

const line = (amountMinor: number, quantity = 1, currency = 'EUR'): LineToPrice => ({
  productId: `p-${amountMinor}-${quantity}`,
  name: 'A thing',
  quantity,
  unitPrice: { amountMinor, currency },
});

describe('priceLines', () => {
  it('sums unit × quantity and applies the discount, rounding the discount down', () => {
    const pricing = priceLines([line(1999, 3), line(250)], 10, 'EUR');
    expect(pricing.lines.map((l) => l.lineTotal.amountMinor)).toEqual([5997, 250]);
    expect(pricing.subtotal).toEqual({ amountMinor: 6247, currency: 'EUR' });
    expect(pricing.discount).toEqual({ amountMinor: 624, currency: 'EUR' });
    expect(pricing.total).toEqual({ amountMinor: 5623, currency: 'EUR' });
    expect(pricing.discountPercent).toBe(10);
  });

  it('an empty cart costs nothing', () => {
    expect(priceLines([], 20, 'USD')).toEqual({
      lines: [],
      subtotal: { amountMinor: 0, currency: 'USD' },
      discountPercent: 20,
      discount: { amountMinor: 0, currency: 'USD' },
      total: { amountMinor: 0, currency: 'USD' },
    });
  });

  // The tier boundaries, through the shared loyalty function.
  it.each([
    [0, 0, 10_000],
    [99, 0, 10_000],
    [100, 10, 9_000],
    [499, 10, 9_000],
    [500, 20, 8_000],
  ])('%d points → %d %% → total %d of 10000', (points, percent, total) => {
    const pricing = priceLines([line(5_000, 2)], loyaltyDiscountPercent(points), 'EUR');
    expect(pricing.discountPercent).toBe(percent);
    expect(pricing.total.amountMinor).toBe(total);
  });

  it('refuses mixed currencies, bad quantities, bad amounts and bad percentages', () => {
    expect(() => priceLines([line(1), line(1, 1, 'USD')], 0, 'EUR')).toThrow(PricingError);
    expect(() => priceLines([line(1, 0)], 0, 'EUR')).toThrow(PricingError);
    expect(() => priceLines([line(1, 1.5)], 0, 'EUR')).toThrow(PricingError);
    expect(() => priceLines([line(-1)], 0, 'EUR')).toThrow(PricingError);
    expect(() => priceLines([line(0.5)], 0, 'EUR')).toThrow(PricingError);
    expect(() => priceLines([line(MAX_UNIT_AMOUNT_MINOR + 1)], 0, 'EUR')).toThrow(PricingError);
    expect(() => priceLines([line(1)], 101, 'EUR')).toThrow(PricingError);
    expect(() => priceLines([line(1)], 12.5, 'EUR')).toThrow(PricingError);
  });

  describe('properties', () => {
    const lines = fc.array(
      fc.record({
        amountMinor: fc.integer({ min: 0, max: MAX_UNIT_AMOUNT_MINOR }),
        quantity: fc.integer({ min: 1, max: 99 }),
      }),
      { maxLength: 50 },
    );
    const percent = fc.constantFrom(0, ...LOYALTY_TIERS.map((tier) => tier.discountPercent));

    it('total ≤ subtotal, never negative, every amount an integer, parts add up', () => {
      fc.assert(
        fc.property(lines, percent, (input, pct) => {
          const pricing = priceLines(
            input.map((l) => line(l.amountMinor, l.quantity)),
            pct,
            'EUR',
          );
          const { subtotal, discount, total } = pricing;
          for (const amount of [subtotal, discount, total, ...pricing.lines.map((l) => l.lineTotal)])
            expect(Number.isSafeInteger(amount.amountMinor)).toBe(true);
          expect(total.amountMinor).toBeLessThanOrEqual(subtotal.amountMinor);
          expect(total.amountMinor).toBeGreaterThanOrEqual(0);
          expect(discount.amountMinor).toBeGreaterThanOrEqual(0);
          expect(total.amountMinor + discount.amountMinor).toBe(subtotal.amountMinor);
          expect(subtotal.amountMinor).toBe(
            pricing.lines.reduce((sum, l) => sum + l.lineTotal.amountMinor, 0),
          );
          // Never more off than the percentage promises, and less than a minor unit short of it.
          expect(discount.amountMinor * 100).toBeLessThanOrEqual(subtotal.amountMinor * pct);
          expect(subtotal.amountMinor * pct - discount.amountMinor * 100).toBeLessThan(100);
        }),
      );
    });

    it('a bigger tier never costs more', () => {
      fc.assert(
        fc.property(lines, (input) => {
          const priced = input.map((l) => line(l.amountMinor, l.quantity));
          const totals = [0, 10, 20].map((pct) => priceLines(priced, pct, 'EUR').total.amountMinor);
          expect(totals[0]).toBeGreaterThanOrEqual(totals[1]!);
          expect(totals[1]).toBeGreaterThanOrEqual(totals[2]!);
        }),
      );
    });
  });
});
