import type { Money } from '@opsloop/contracts';

/** Largest unit price in minor units: keeps every cart total an exact integer far below 2^53. */
export const MAX_UNIT_AMOUNT_MINOR = 1_000_000_000;

/** A line to price: a product at its catalogue price. */
export interface LineToPrice {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: Money;
}

/** A priced line. */
export interface PricedLine extends LineToPrice {
  /** unit price × quantity. */
  lineTotal: Money;
}

/** The priced lines and totals of a cart. */
export interface Pricing {
  lines: PricedLine[];
  /** Σ line totals. */
  subtotal: Money;
  /** 0, 10 or 20 (from the loyalty tier), or 0 when loyalty is unknown. */
  discountPercent: number;
  /** floor(subtotal × discountPercent / 100). */
  discount: Money;
  /** subtotal − discount. */
  total: Money;
}

/** Raised for lines that cannot be priced together (a programming error: callers check first). */
export class PricingError extends RangeError {
  override readonly name = 'PricingError';
}

/**
 * Prices `lines` in `currency` with `discountPercent` off: every amount is an integer number of minor units,
 * the discount rounds down (in the shopper's favour, never a fraction of a cent), and the total is never
 * negative nor more than the subtotal. Throws a {@link PricingError} for a line in another currency, a
 * quantity that is not a positive integer, an amount that is not a non-negative integer up to
 * {@link MAX_UNIT_AMOUNT_MINOR}, or a percentage that is not an integer from 0 to 100.
 */
export function priceLines(
  lines: readonly LineToPrice[],
  discountPercent: number,
  currency: string,
): Pricing {
  if (!Number.isInteger(discountPercent) || discountPercent < 0 || discountPercent > 100)
    throw new PricingError('discountPercent must be an integer from 0 to 100');
  let subtotal = 0;
  const priced = lines.map((line): PricedLine => {
    if (line.unitPrice.currency !== currency)
      throw new PricingError(
        `product ${line.productId} is priced in ${line.unitPrice.currency}, not ${currency}`,
      );
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1)
      throw new PricingError('quantity must be a positive integer');
    const unit = line.unitPrice.amountMinor;
    if (!Number.isSafeInteger(unit) || unit < 0 || unit > MAX_UNIT_AMOUNT_MINOR)
      throw new PricingError(`unit price must be an integer from 0 to ${MAX_UNIT_AMOUNT_MINOR} minor units`);
    const lineTotal = unit * line.quantity;
    subtotal += lineTotal;
    return {
      ...line,
      unitPrice: { amountMinor: unit, currency },
      lineTotal: { amountMinor: lineTotal, currency },
    };
  });
  if (!Number.isSafeInteger(subtotal * 100))
    throw new PricingError('the subtotal is too large to price exactly');
  const discount = Math.floor((subtotal * discountPercent) / 100);
  return {
    lines: priced,
    subtotal: { amountMinor: subtotal, currency },
    discountPercent,
    discount: { amountMinor: discount, currency },
    total: { amountMinor: subtotal - discount, currency },
  };
}
