/** A user's loyalty standing as the cart prices with it. */
export interface LoyaltyStanding {
  points: number;
  /** 0, 10 or 20: `loyaltyDiscountPercent(points)`. */
  discountPercent: number;
}

/** The users-service port: a user's loyalty points. */
export interface LoyaltyLookup {
  /**
   * The user's standing; a user the users service does not know has no points (0, 0 %). Throws
   * {@link LoyaltyUnavailableError} when the users service cannot answer.
   */
  get(userId: string): Promise<LoyaltyStanding>;
}

/** The users service could not be asked (unreachable, deadline, circuit open, an unexpected error). */
export class LoyaltyUnavailableError extends Error {
  override readonly name = 'LoyaltyUnavailableError';
}
