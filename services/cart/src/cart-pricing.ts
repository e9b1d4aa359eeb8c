import type { CartEntry, StoredCart } from './carts.js';
import type { LoyaltyLookup, LoyaltyStanding } from './loyalty-lookup.js';
import { LoyaltyUnavailableError } from './loyalty-lookup.js';
import { priceLines, type Pricing } from './pricing.js';
import type { ProductInfo, ProductLookup } from './product-lookup.js';

/** Why a line could not be priced. */
export type UnavailableReason = 'not-in-catalog' | 'other-currency';

/** A line that could not be priced (and is left out of the totals). */
export interface UnavailableLine extends CartEntry {
  reason: UnavailableReason;
}

/** Priced lines with the loyalty standing they were priced with. */
export interface PricedLines extends Pricing {
  currency: string;
  /** Lines whose product the catalogue no longer sells (or sells in another currency). */
  unavailable: UnavailableLine[];
  /** The standing the discount comes from, or null when the users service could not be asked. */
  loyalty: LoyaltyStanding | null;
  /** True when the users service could not be asked and the lines were priced without a discount. */
  degraded: boolean;
}

/** Whether pricing may go on without the users service. */
export type LoyaltyMode =
  /** For showing a cart: without the users service, no discount, `loyalty: null`, `degraded: true`. */
  | 'optional'
  /** For charging: without the users service, throw {@link LoyaltyUnavailableError} (never overcharge). */
  | 'required';

/** Prices carts: catalogue prices, the loyalty discount, the pure {@link priceLines}. */
export interface CartPricing {
  /** Prices `entries` for `userId`. Throws `CatalogUnavailableError`, and `LoyaltyUnavailableError` if required. */
  price(userId: string, entries: readonly CartEntry[], mode: LoyaltyMode): Promise<PricedLines>;
}

/** Options of {@link createCartPricing}. */
export interface CartPricingOptions {
  products: ProductLookup;
  loyalty: LoyaltyLookup;
  /** The shop's one currency (ISO 4217). */
  currency: string;
  /** Most catalogue lookups at once for one cart (default 8). */
  concurrency?: number;
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Creates the {@link CartPricing} over the catalogue and users ports. */
export function createCartPricing(options: CartPricingOptions): CartPricing {
  const { products, loyalty, currency } = options;
  const concurrency = options.concurrency ?? 8;

  return {
    async price(userId, entries, mode) {
      // Both lookups start at once; a catalogue failure wins over a loyalty one (nothing can be priced).
      const standing: Promise<LoyaltyStanding | null> = loyalty.get(userId).catch((error: unknown) => {
        if (mode === 'optional' && error instanceof LoyaltyUnavailableError) return null;
        throw error;
      });
      // Observed now so a rejection is never unhandled while the catalogue is being asked.
      standing.catch(() => undefined);
      const found = await mapLimited(entries, concurrency, (entry) => products.get(entry.productId));
      const known: { entry: CartEntry; product: ProductInfo }[] = [];
      const unavailable: UnavailableLine[] = [];
      entries.forEach((entry, index) => {
        const product = found[index];
        if (product === undefined) unavailable.push({ ...entry, reason: 'not-in-catalog' });
        else if (product.price.currency !== currency)
          unavailable.push({ ...entry, reason: 'other-currency' });
        else known.push({ entry, product });
      });
      const loyaltyStanding = await standing;
      const pricing = priceLines(
        known.map(({ entry, product }) => ({
          productId: entry.productId,
          name: product.name,
          quantity: entry.quantity,
          unitPrice: product.price,
        })),
        loyaltyStanding?.discountPercent ?? 0,
        currency,
      );
      return {
        ...pricing,
        currency,
        unavailable,
        loyalty: loyaltyStanding,
        degraded: loyaltyStanding === null,
      };
    },
  };
}

/** A stored cart, priced. */
export interface PricedCart extends PricedLines {
  userId: string;
  version: number;
  updatedAt: Date | null;
  expiresAt: Date | null;
}

/** Prices a stored cart (see {@link CartPricing.price}). */
export async function priceCart(
  pricing: CartPricing,
  cart: StoredCart,
  mode: LoyaltyMode,
): Promise<PricedCart> {
  const priced = await pricing.price(cart.userId, cart.lines, mode);
  return {
    ...priced,
    userId: cart.userId,
    version: cart.version,
    updatedAt: cart.updatedAt,
    expiresAt: cart.expiresAt,
  };
}
