/**
 * The shop's loyalty programme, shared by the users service (which keeps the points) and the cart (which
 * applies the discount), so that both always agree on the tiers.
 */

/** A loyalty tier: from `minPoints` on, a basket gets `discountPercent` off. */
export interface LoyaltyTier {
  readonly minPoints: number;
  readonly discountPercent: number;
}

/** The tiers, highest first: ≥ 500 points → 20 %, ≥ 100 → 10 %, fewer → 0 %. */
export const LOYALTY_TIERS: readonly LoyaltyTier[] = Object.freeze([
  Object.freeze({ minPoints: 500, discountPercent: 20 }),
  Object.freeze({ minPoints: 100, discountPercent: 10 }),
]);

/** Minor units of an order total that earn one point (one point per whole 100 minor units). */
export const MINOR_UNITS_PER_POINT = 100;

/**
 * The discount (0, 10 or 20 %) that `points` give. Anything that is not a finite number of at least 100
 * points (negative, NaN) gives none.
 */
export function loyaltyDiscountPercent(points: number): number {
  for (const tier of LOYALTY_TIERS) if (points >= tier.minPoints) return tier.discountPercent;
  return 0;
}

/** The points an order total earns: floor(amountMinor / 100); none for a negative or non-integer amount. */
export function loyaltyPointsForTotal(amountMinor: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) return 0;
  return Math.floor(amountMinor / MINOR_UNITS_PER_POINT);
}
